"use strict";
// Swagger UI of a project host. The project's document needs credentials, so the page starts on a preview that
// only offers "Authorize" (X-Api-Key or a bearer token); once authorized it fetches the full document with them,
// and "Try it out" sends them with every call. Logging out goes back to the preview.

const preview = JSON.parse("{{ preview_json|escapejs }}");
const schemaUrl = "{{ schema_url|escapejs }}";
const schemes = preview.components.securitySchemes;

const authorizedState = () => {
  try {
    const state = ui.getState().get("auth").get("authorized");
    if (state !== undefined && Object.keys(state.toJS()).length !== 0) {
      return state.toJS();
    }
  } catch (e) {
    // ui not built yet
  }
  try {
    return JSON.parse(localStorage.getItem("authorized") || "{}");
  } catch (e) {
    return {};
  }
};

const credentialHeaders = () => {
  const authorized = authorizedState();
  for (const name of Object.keys(schemes)) {
    const value = authorized[name] && authorized[name].value;
    if (!value) {
      continue;
    }
    if (schemes[name].type === "apiKey") {
      return {[schemes[name].name]: value};
    }
    return {Authorization: "Bearer " + value};
  }
  return null;
};

const showPreview = (note) => {
  const spec = JSON.parse(JSON.stringify(preview));
  if (note) {
    spec.info.description = "**" + note + "**\n\n" + spec.info.description;
  }
  ui.specActions.updateSpec(JSON.stringify(spec));
};

const loadProjectDocument = () => {
  const headers = credentialHeaders();
  if (headers === null) {
    showPreview(null);
    return;
  }
  fetch(schemaUrl, {headers: {Accept: "application/json", ...headers}, credentials: "omit"})
    .then((response) => response.text().then((text) => ({response, text})))
    .then(({response, text}) => {
      if (response.ok) {
        ui.specActions.updateSpec(text);
        return;
      }
      let message = "HTTP " + response.status;
      try {
        message = JSON.parse(text).error.message;
      } catch (e) {
        // not the JSON error shape
      }
      showPreview("These credentials were refused: " + message);
    })
    .catch((error) => showPreview("The document could not be loaded: " + error));
};

const reloadOnAuthChange = () => ({
  statePlugins: {
    auth: {
      wrapActions: {
        authorize: (original) => (...args) => {
          const result = original(...args);
          setTimeout(loadProjectDocument);
          return result;
        },
        logout: (original) => (...args) => {
          const result = original(...args);
          setTimeout(loadProjectDocument);
          return result;
        },
      },
    },
  },
});

// Swagger UI calls onComplete after every spec it renders: only the first one (the preview) loads the document
// with the credentials persisted from an earlier visit.
let started = false;
const onFirstComplete = () => {
  if (!started) {
    started = true;
    setTimeout(loadProjectDocument);
  }
};

const ui = SwaggerUIBundle({
  spec: preview,
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  plugins: [reloadOnAuthChange],
  layout: "BaseLayout",
  persistAuthorization: true,
  onComplete: onFirstComplete,
});
