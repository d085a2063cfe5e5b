"""Log output: one JSON object per line (LOG_FORMAT=json, production) or plain text (LOG_FORMAT=plain, local).

Every record carries the process role (`service`, from NOCODE_SERVICE: web, worker, beat) and the log context of the
current request or task (`request_id`, `schema`, `user_id`, see context.py). Values passed with `extra=` become fields.
Stdlib and orjson only: settings import this module before Django is set up.
"""

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

import orjson

from .context import current

LOG_FORMATS = ("plain", "json")
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(service)s %(name)s [%(request_id)s %(schema)s] %(message)s"

# Attributes every LogRecord has; anything else on a record came from `extra=` and is emitted as a field.
_RECORD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_CONTEXT_FIELDS = ("service", "request_id", "schema", "user_id")


def service_name() -> str:
    return os.environ.get("NOCODE_SERVICE", "web")


class ContextFilter(logging.Filter):
    """Copies the service and the current log context onto each record (never filters anything out)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current()
        record.service = service_name()
        record.request_id = context.request_id or "-"
        record.schema = context.schema or "-"
        record.user_id = context.user_id
        return True


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, service, request_id, schema, user_id, the record's extras, exc (if any)."""

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "service"):  # a handler without ContextFilter
            ContextFilter().filter(record)
        body: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _CONTEXT_FIELDS:
            value = getattr(record, name, None)
            body[name] = None if value == "-" else value
        for name, value in record.__dict__.items():
            if name not in _RECORD_ATTRS and name not in body:
                body[name] = value
        if record.exc_info:
            body["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            body["stack"] = self.formatStack(record.stack_info)
        try:  # orjson: a sixth of the stdlib's time per line (one line per request)
            return orjson.dumps(body, default=str).decode()
        except (TypeError, orjson.JSONEncodeError):  # e.g. an integer beyond 64 bits in an extra
            return json.dumps(body, default=str, ensure_ascii=False, separators=(",", ":"))


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING dict for Django (and for Celery, which is told not to configure logging itself)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "shared_apps.observability.logs.ContextFilter"}},
        "formatters": {
            "plain": {"format": PLAIN_FORMAT},
            "json": {"()": "shared_apps.observability.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["context"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django_redis": {"level": "ERROR"},
            # Our access line replaces Django's per-request warnings for 4xx/5xx (django.request stays for errors).
            "django.server": {"level": "WARNING"},
        },
    }
