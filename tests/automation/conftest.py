"""Fixtures for automation tests: the `shop` project (tests/data_schemas/conftest.py), a local HTTP receiver, and
helpers to define tables through the API."""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.data_schemas.conftest import _fresh_definitions, api, member_api, project

__all__ = ["_fresh_definitions", "api", "member_api", "project"]


@pytest.fixture(autouse=True)
def _allow_loopback(settings: Any) -> None:
    """The local receivers listen on 127.0.0.1, which production refuses (SSRF guard)."""
    settings.NOCODE = {**settings.NOCODE, "AUTOMATION_ALLOW_PRIVATE_URLS": True}


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that records requests and answers with the queued statuses (then 200)."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self) -> list[Any]:
        return [json.loads(r["body"]) if r["body"] else None for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with state.lock:
                state.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }
                )
                status = state.statuses.pop(0) if state.statuses else 200
            payload = json.dumps({"ok": status < 400, "n": len(state.requests)}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_POST = do_GET = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def make_table(api: Any, name: str, fields: list[dict[str, Any]]) -> None:
    response = api.post("/api/v1/tables/", {"name": name, "fields": fields})
    assert response.status_code == 201, response.json()


ORDERS_FIELDS: list[dict[str, Any]] = [
    {"name": "title", "type": "text"},
    {"name": "status", "type": "text"},
    {"name": "amount", "type": "decimal", "options": {"precision": 10, "scale": 2}},
    {"name": "email", "type": "email"},
]
TASKS_FIELDS: list[dict[str, Any]] = [
    {"name": "title", "type": "text", "required": True},
    {"name": "order_id", "type": "integer"},
]


@pytest.fixture
def shop_tables(api: Any) -> None:
    make_table(api, "orders", ORDERS_FIELDS)
    make_table(api, "tasks", TASKS_FIELDS)
