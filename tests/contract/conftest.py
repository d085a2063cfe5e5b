"""The embedded default the published contract is checked on: a project with one table of every field type (and a
small link target), an admin API key and an owner token, committed (a real server thread serves it)."""

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.conf import settings
from django.db import connections

from tests.conftest import Api, project_host, token_for
from tests.data_schemas.helpers import create_table

EVERY_TYPE_FIELDS: list[dict[str, Any]] = [
    {"name": "title", "type": "text", "required": True, "constraints": {"max_length": 80}},
    {"name": "body", "type": "long_text"},
    {"name": "contact", "type": "email", "unique": True},
    {"name": "site", "type": "url"},
    {"name": "qty", "type": "integer", "constraints": {"min": 0, "max": 1000}},
    {"name": "ratio", "type": "float"},
    {"name": "price", "type": "decimal", "options": {"precision": 10, "scale": 2}, "default": "1.00"},
    {"name": "active", "type": "boolean"},
    {"name": "day", "type": "date"},
    {"name": "at", "type": "datetime"},
    {"name": "size", "type": "single_select", "options": {"choices": ["s", "m", "l"]}},
    {"name": "labels", "type": "multi_select", "options": {"choices": ["red", "blue"]}},
    {"name": "meta", "type": "json"},
    {"name": "ref", "type": "uuid"},
    {"name": "photo", "type": "file"},
    {"name": "owner", "type": "link", "options": {"target": "people"}},
    {"name": "fans", "type": "link", "options": {"target": "people", "multiple": True}},
]


@dataclass
class Contract:
    slug: str
    host: str
    owner_email: str
    owner_password: str
    owner_token: str
    admin_key: str
    owner_api: Api


@pytest.fixture
def contract(
    transactional_db: None, owner: Any, make_project: Any, make_api_key: Any, project_api: Any, settings: Any
) -> Contract:
    settings.NOCODE = {**settings.NOCODE, "RATE_LIMIT_PROJECT": 0, "RATE_LIMIT_API_KEY": 0}
    project = make_project(owner, slug="contract")
    api = project_api(project, user=owner)
    create_table(api, "people", [{"name": "name", "type": "text"}])
    create_table(api, "everything", EVERY_TYPE_FIELDS)
    from tests.conftest import PASSWORD

    return Contract(
        slug=project.slug,
        host=project_host(project.slug),
        owner_email=owner.email,
        owner_password=PASSWORD,
        owner_token=token_for(owner),
        admin_key=make_api_key(project, scope="admin"),
        owner_api=api,
    )


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


class _Server(WSGIServer):
    def handle_error(self, request: Any, client_address: Any) -> None:  # a client gone away is not a test failure
        return


@pytest.fixture
def served(contract: Contract) -> Iterator[str]:
    """`http://127.0.0.1:<port>`: nocode.wsgi.application (records lane + Django) on a thread, on the test database."""
    from nocode.wsgi import application

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, application, server_class=_Server, handler_class=_QuietHandler)

    def serve() -> None:
        try:
            server.serve_forever(poll_interval=0.1)
        finally:
            connections.close_all()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=30)
    server.server_close()


@pytest.fixture
def base_host() -> str:
    return str(settings.BASE_DOMAIN)
