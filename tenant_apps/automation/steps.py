"""Workflow step types (a registry filled in AutomationConfig.ready()).

Every step is an object `{"type": ..., "name"?: str, "when"?: condition, ...config}`; `clean` checks the config when
a workflow is saved (returning errors keyed by path), `run` executes it with values templated from the run's context
(templating.py) and returns the step's output, or raises `StepFailed`. A `condition` step whose condition is false
raises `StopRun`: the run ends successfully and the remaining steps are marked `skipped`. A step whose `when` is
false is skipped alone.
"""

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email

from shared_apps.foundation.exceptions import DomainError
from shared_apps.foundation.jsoncodec import json_loads
from shared_apps.foundation.numbers import is_digits
from shared_apps.foundation.registry import Registry

from . import conditions, templating
from .outbound import MASK, OutboundError, http_send, url_errors, url_masked

Errors = dict[str, list[str]]
COMMON_KEYS = frozenset({"type", "name", "when"})
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MAX_EMAIL_RECIPIENTS = 20
OUTPUT_TEXT_LIMIT = 4000


class StepFailed(Exception):
    def __init__(self, message: str, *, output: Any = None, fields: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.output = output
        self.fields = dict(fields or {})


class StopRun(Exception):
    """A condition step was false: stop here, successfully."""


class StepType:
    name = ""
    keys: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()

    def clean(self, config: dict[str, Any], *, path: str) -> Errors:
        errors: Errors = {}
        for key in sorted(set(config) - self.keys - COMMON_KEYS):
            errors[f"{path}.{key}"] = [f"Unknown key for a {self.name} step."]
        for key in sorted(self.required - set(config)):
            errors[f"{path}.{key}"] = ["Required."]
        for placeholder in templating.unknown_roots(config):
            errors.setdefault(f"{path}", []).append(
                f"Unknown placeholder '{{{{ {placeholder} }}}}'; paths start with {', '.join(templating.ROOTS)}."
            )
        return errors

    def run(self, config: dict[str, Any], context: dict[str, Any]) -> Any:
        raise NotImplementedError

    def masked(self, config: dict[str, Any]) -> dict[str, Any]:
        """The config as readers who may not see secrets get it (secret values replaced by MASK)."""
        return config

    def secrets_kept(self, config: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
        """`config` with each secret value given back as MASK replaced by its value in `previous` (the same step as
        stored): a masked value sent back unchanged keeps the secret, any other value replaces it."""
        return config


step_types: Registry[StepType] = Registry("step type")


# --- records --------------------------------------------------------------------------------------------------------


def _table_errors(config: dict[str, Any], path: str, *, values: bool) -> Errors:
    from tenant_apps.data_schemas.definitions import schema_definitions

    errors: Errors = {}
    name = config.get("table")
    table = schema_definitions().tables.get(name) if isinstance(name, str) else None
    if table is None:
        errors[f"{path}.table"] = [f"No table {name!r} in this project."]
        return errors
    if values:
        given = config.get("values")
        if not isinstance(given, dict):
            errors[f"{path}.values"] = ["An object of field name -> value (values may use {{ placeholders }})."]
        else:
            for key in given:
                if table.field(key) is None:
                    errors[f"{path}.values.{key}"] = [f"No field '{key}' in '{name}'."]
    return errors


def _record_id(config: dict[str, Any], path: str) -> Errors:
    value = config.get("record_id")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return {}
    if isinstance(value, str) and "{{" in value:
        return {}
    return {f"{path}.record_id": ["A record id or a placeholder such as '{{ record.id }}'."]}


def _rendered_id(config: dict[str, Any], context: dict[str, Any]) -> int:
    value = templating.render(config["record_id"], context)
    if isinstance(value, str) and is_digits(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise StepFailed(f"record_id rendered to {value!r}, not a record id.")
    return value


def _domain_failure(exc: DomainError) -> StepFailed:
    return StepFailed(f"{exc.code}: {exc.message}", fields=exc.fields)


class CreateRecord(StepType):
    name = "create_record"
    keys = frozenset({"table", "values"})
    required = frozenset({"table", "values"})

    def clean(self, config: dict[str, Any], *, path: str) -> Errors:
        return {**super().clean(config, path=path), **_table_errors(config, path, values=True)}

    def run(self, config: dict[str, Any], context: dict[str, Any]) -> Any:
        from tenant_apps.data_schemas.definitions import schema_definitions
        from tenant_apps.records.services import records_create

        try:
            defs = schema_definitions()
            table = defs.table(config["table"])
            values = templating.render(config["values"], context)
            return records_create(defs=defs, table=table, rows=[values], bulk=False)[0]
        except DomainError as exc:
            raise _domain_failure(exc) from exc


class UpdateRecord(StepType):
    name = "update_record"
    keys = frozenset({"table", "record_id", "values"})
    required = frozenset({"table", "record_id", "values"})

    def clean(self, config: dict[str, Any], *, path: str) -> Errors:
        return {
            **super().clean(config, path=path),
            **_table_errors(config, path, values=True),
            **_record_id(config, path),
        }

    def run(self, config: dict[str, Any], context: dict[str, Any]) -> Any:
        from tenant_apps.data_schemas.definitions import schema_definitions
        from tenant_apps.records.services import record_update

        record_id = _rendered_id(config, context)
        try:
            defs = schema_definitions()
            table = defs.table(config["table"])
            values = templating.render(config["values"], context)
            return record_update(defs=defs, table=table, record_id=record_id, data=values, replace=False)
        except DomainError as exc:
            raise _domain_failure(exc) from exc


class DeleteRecord(StepType):
    name = "delete_record"
    keys = frozenset({"table", "record_id"})
    required = frozenset({"table", "record_id"})

    def clean(self, config: dict[str, Any], *, path: str) -> Errors:
        return {
            **super().clean(config, path=path),
            **_table_errors(config, path, values=False),
            **_record_id(config, path),
        }

    def run(self, config: dict[str, Any], context: dict[str, Any]) -> Any:
        from tenant_apps.data_schemas.definitions import schema_definitions
        from tenant_apps.records.services import record_delete

        record_id = _rendered_id(config, context)
        try:
            table = schema_definitions().table(config["table"])
            record_delete(table=table, record_id=record_id)
        except DomainError as exc:
            raise _domain_failure(exc) from exc
        return {"deleted": record_id}


# --- HTTP -----------------------------------------------------------------------------------------------------------


def _http_timeout(config: dict[str, Any]) -> float:
    limit = float(settings.NOCODE["AUTOMATION_HTTP_MAX_TIMEOUT_SECONDS"])
    value = config.get("timeout", settings.NOCODE["AUTOMATION_HTTP_TIMEOUT_SECONDS"])
    return min(float(value), limit)


class HttpRequest(StepType):
    name = "http_request"
    keys = frozenset({"method", "url", "headers", "body", "timeout"})
    required = frozenset({"url"})

    def clean(self, config: dict[str, Any], *, path: str) -> Errors:
        errors = super().clean(config, path=path)
        if config.get("method", "POST") not in HTTP_METHODS:
            errors[f"{path}.method"] = [f"One of: {', '.join(HTTP_METHODS)}."]
        if "url" in config:
            problems = url_errors(config["url"])
            if problems:
                errors[f"{path}.url"] = problems
        headers = config.get("headers", {})
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            errors[f"{path}.headers"] = ["An object of header name -> string value."]
        elif any(k.lower() in ("host", "content-length", "transfer-encoding") for k in headers):
            errors[f"{path}.headers"] = ["Host, Content-Length and Transfer-Encoding are set by the platform."]
        timeout = config.get("timeout", 1)
        limit = settings.NOCODE["AUTOMATION_HTTP_MAX_TIMEOUT_SECONDS"]
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= limit:
            errors[f"{path}.timeout"] = [f"Seconds, more than 0 and at most {limit}."]
        return errors

    def masked(self, config: dict[str, Any]) -> dict[str, Any]:
        """Header values and query-string values of the URL are secrets (tokens, API keys)."""
        out = dict(config)
        if isinstance(out.get("headers"), dict):
            out["headers"] = {name: MASK for name in out["headers"]}
        if isinstance(out.get("url"), str):
            out["url"] = url_masked(out["url"])
        return out

    def secrets_kept(self, config: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
        out = dict(config)
        headers, before = out.get("headers"), previous.get("headers")
        if isinstance(headers, dict) and isinstance(before, dict):
            out["headers"] = {
                name: before[name] if value == MASK and isinstance(before.get(name), str) else value
                for name, value in headers.items()
            }
        url, old_url = out.get("url"), previous.get("url")
        if isinstance(url, str) and isinstance(old_url, str) and url != old_url and url == url_masked(old_url):
            out["url"] = old_url
        return out

    def run(self, config: dict[str, Any], context: dict[str, Any]) -> Any:
        url = templating.render(config["url"], context)
        if not isinstance(url, str):
            raise StepFailed(f"url rendered to {url!r}, not a URL.")
        headers = {key: str(templating.render(value, context)) for key, value in config.get("headers", {}).items()}
        content = None
        if "body" in config:
            content = json.dumps(templating.render(config["body"], context), default=str).encode()
            headers.setdefault("Content-Type", "application/json")
        try:
            response = http_send(
                method=config.get("method", "POST"),
                url=url,
                headers=headers,
                content=content,
                timeout=_http_timeout(config),
            )
        except OutboundError as exc:
            raise StepFailed(str(exc)) from exc
        try:
            body: Any = json_loads(response.body) if response.body else None
        except ValueError:
            body = response.text[:OUTPUT_TEXT_LIMIT]
        output = {"status_code": response.status_code, "body": body, "duration_ms": response.duration_ms}
        if not response.ok:
            raise StepFailed(f"HTTP {response.status_code}", output=output)
        return output


# --- e-mail ---------------------------------------------------------------------------------------------------------


class SendEmail(StepType):
    name = "send_email"
    keys = frozenset({"to", "subject", "body"})
    required = frozenset({"to", "subject", "body"})

    def clean(self, config: dict[str, Any], *, path: str) -> Errors:
        errors = super().clean(config, path=path)
        to = config.get("to")
        if not (isinstance(to, str) or (isinstance(to, list) and to and all(isinstance(t, str) for t in to))):
            errors[f"{path}.to"] = ["An address (or placeholder), or a list of them."]
        for key in ("subject", "body"):
            if key in config and not isinstance(config[key], str):
                errors[f"{path}.{key}"] = ["A string (may use placeholders)."]
        return errors

    def run(self, config: dict[str, Any], context: dict[str, Any]) -> Any:
        rendered = templating.render(config["to"], context)
        recipients = [str(r).strip() for r in (rendered if isinstance(rendered, list) else [rendered]) if r]
        if not recipients or len(recipients) > MAX_EMAIL_RECIPIENTS:
            raise StepFailed(f"Between 1 and {MAX_EMAIL_RECIPIENTS} recipients are needed, got {len(recipients)}.")
        for address in recipients:
            try:
                validate_email(address)
            except DjangoValidationError:
                raise StepFailed(f"Not an e-mail address: {address[:200]!r}.") from None
        subject = str(templating.render(config["subject"], context)).replace("\n", " ")[:250]
        body = str(templating.render(config["body"], context))
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except OSError as exc:
            raise StepFailed(f"Could not send: {exc}") from exc
        return {"to": recipients, "subject": subject}


# --- condition ------------------------------------------------------------------------------------------------------


def context_condition(tree: Any, context: dict[str, Any]) -> bool:
    rendered = templating.render(tree, context)
    return conditions.evaluate(rendered, lambda path: templating.lookup(context, path))


class Condition(StepType):
    name = "condition"
    keys = frozenset({"if"})
    required = frozenset({"if"})

    def clean(self, config: dict[str, Any], *, path: str) -> Errors:
        errors = super().clean(config, path=path)
        if "if" in config:
            errors.update(conditions.shape_errors(config["if"], f"{path}.if"))
        return errors

    def run(self, config: dict[str, Any], context: dict[str, Any]) -> Any:
        if not context_condition(config["if"], context):
            raise StopRun()
        return {"passed": True}


def register_builtin_steps() -> None:
    for step_type in (CreateRecord(), UpdateRecord(), DeleteRecord(), HttpRequest(), SendEmail(), Condition()):
        if step_type.name not in step_types:
            step_types.register(step_type.name, step_type)
