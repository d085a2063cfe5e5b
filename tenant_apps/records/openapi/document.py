"""The project's document: the static endpoints' part (built once), the tables' parts and security, cached per
definitions version."""

import copy
import threading
from collections import OrderedDict
from typing import Any

from django.conf import settings
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from tenant_apps.data_schemas.definitions import SchemaDefs

from .components import schema_ref, table_components
from .paths import ERROR_RESPONSES, table_paths

CACHE_SIZE = 64
DATA_PATH_PREFIXES = ("/api/v1/tables/{table}/records/", "/api/v1/tables/{table}/aggregate/")
_lock = threading.Lock()
_static: dict[str, Any] | None = None
_documents: "OrderedDict[tuple[str, str], dict[str, Any]]" = OrderedDict()


def static_document() -> dict[str, Any]:
    """The project host's static endpoints (generated once per process; the URLconf does not change at run time)."""
    global _static
    if _static is None:
        with GENERATOR_STATS.silence():
            generated = SchemaGenerator(urlconf=settings.ROOT_URLCONF).get_schema(request=None, public=True)
        generated["paths"] = {
            path: item for path, item in generated["paths"].items() if not path.startswith(DATA_PATH_PREFIXES)
        }
        _static = generated
    return _static


def _shared_components() -> dict[str, Any]:
    metric = {
        "type": "object",
        "properties": {
            "fn": {"type": "string", "enum": ["count", "sum", "avg", "min", "max", "count_distinct"]},
            "field": {"type": "string"},
            "as": {"type": "string"},
        },
        "required": ["fn"],
    }
    schemas = {
        "AggregateRequest": {
            "type": "object",
            "properties": {
                "group_by": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
                "metrics": {"type": "array", "items": metric, "minItems": 1, "maxItems": 20},
                "filter": {"description": "A filter tree (see the list endpoint's `filter`)."},
                "search": {"type": "string"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 10000},
            },
            "required": ["metrics"],
        },
        "AggregateResult": {
            "type": "object",
            "properties": {
                "results": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
                "truncated": {"type": "boolean"},
            },
            "required": ["results", "truncated"],
        },
    }
    responses = {
        name: {"description": description, "content": {"application/json": {"schema": schema_ref("Error")}}}
        for name, description in ERROR_RESPONSES.values()
    }
    return {"schemas": schemas, "responses": responses}


# The two ways to call a project's API, as Swagger UI's "Authorize" dialog offers them.
SECURITY: list[dict[str, list[str]]] = [{"apiKeyAuth": []}, {"jwtAuth": []}]
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "apiKeyAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
        "description": "An API key of this project (platform API: POST /api/v1/projects/{slug}/api-keys/).",
    },
    "jwtAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token of a project member (platform API: POST /api/v1/auth/login/).",
    },
}


def project_document_preview(*, title: str) -> dict[str, Any]:
    """What Swagger UI shows before it has credentials: no paths (they show the project's tables), only the ways
    to authorize; once authorized it loads the full document with them."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": title,
            "version": "1",
            "description": (
                "Click **Authorize** and give an API key of this project (`X-Api-Key`) or a bearer token "
                "(an access token from `POST /api/v1/auth/login/` on the platform): the project's endpoints and "
                "tables then load here, and *Try it out* calls them with those credentials."
            ),
        },
        "paths": {},
        "components": {"securitySchemes": copy.deepcopy(SECURITY_SCHEMES)},
        "security": copy.deepcopy(SECURITY),
    }


def _secured(paths: dict[str, Any]) -> dict[str, Any]:
    """The per-table operations take a member's JWT or the project's API key (no document-wide default: the
    static operations say for themselves, and health needs nothing)."""
    for item in paths.values():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                operation["security"] = SECURITY
    return paths


def _rate_limited(document: dict[str, Any]) -> None:
    """Every request on a project host counts against the project's rate limit: every operation may answer 429."""
    for item in document["paths"].values():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete") and "429" not in operation["responses"]:
                operation["responses"]["429"] = {"$ref": "#/components/responses/TooManyRequests"}
                operation["responses"] = dict(sorted(operation["responses"].items()))


def project_document_build(defs: SchemaDefs, *, title: str) -> dict[str, Any]:
    document = copy.deepcopy(static_document())
    document["info"] = {
        "title": title,
        "version": "1",
        "description": "This project's API: its own tables (one component schema each) and the static endpoints.",
    }
    components = document.setdefault("components", {})
    shared = _shared_components()
    components.setdefault("schemas", {}).update(shared["schemas"])
    components.setdefault("responses", {}).update(shared["responses"])
    schemes = components.setdefault("securitySchemes", {})
    for name, scheme in SECURITY_SCHEMES.items():
        schemes.setdefault(name, copy.deepcopy(scheme))
    tables = sorted(defs.tables.values(), key=lambda t: (t.position, t.id))
    for table in tables:
        components["schemas"].update(table_components(table, defs))
        document["paths"].update(_secured(table_paths(table)))
    _rate_limited(document)
    document["tags"] = [{"name": f"table: {t.name}", "description": t.description or t.display_name} for t in tables]
    return document


def project_document(defs: SchemaDefs, *, scope: str, title: str) -> dict[str, Any]:
    """The document of the current project, cached per (scope, definitions token)."""
    if defs.token is None:  # no token (Redis unreadable): build every time rather than risk a stale document
        return project_document_build(defs, title=title)
    key = (scope, defs.token)
    with _lock:
        cached = _documents.get(key)
        if cached is not None:
            _documents.move_to_end(key)
            return cached
    document = project_document_build(defs, title=title)
    with _lock:
        _documents[key] = document
        while len(_documents) > CACHE_SIZE:
            _documents.popitem(last=False)
    return document
