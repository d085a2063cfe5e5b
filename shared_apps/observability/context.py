"""Log context of the current request or task: request id, project schema, user id (contextvars).

The request middleware binds it for a request, the Celery `task_prerun` signal for a task; `logs.ContextFilter` copies
it onto every log record. Binding returns a token; `reset(token)` restores what was bound before.
"""

import re
import uuid
from contextvars import ContextVar, Token
from dataclasses import dataclass, replace
from typing import Any

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept when it is short and plain (ids minted by nginx, load balancers or other services);
# anything else is replaced, so a client cannot inject log syntax or huge values.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


@dataclass(frozen=True)
class LogContext:
    request_id: str | None = None
    schema: str | None = None
    user_id: int | None = None


_current: ContextVar[LogContext] = ContextVar("nocode_log_context", default=LogContext())  # noqa: B039


def current() -> LogContext:
    return _current.get()


def bind(**values: Any) -> Token[LogContext]:
    """Update some fields of the current context; returns the token for `reset`."""
    return _current.set(replace(_current.get(), **values))


def reset(token: Token[LogContext]) -> None:
    _current.reset(token)


def request_id_from(incoming: str | None) -> str:
    """The incoming request id when sane, else a new one (32 hex characters, like nginx's $request_id)."""
    if incoming and _SANE_REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex
