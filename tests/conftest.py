"""Shared fixtures: an HTTP client bound to a host and a credential, and users/organizations/projects made through
the public services (the API itself is exercised by the tests)."""

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.test import Client, TestCase
from django.test.client import ClientHandler
from rest_framework_simplejwt.tokens import RefreshToken

from shared_apps.accounts.models import User
from shared_apps.accounts.services import user_create
from shared_apps.foundation.db.schemas import activate
from shared_apps.organizations.models import Organization
from shared_apps.organizations.services import organization_create
from tenants.models import Project
from tenants.services import api_key_create, project_create
from tenants.usage import writes_take

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-9"


class LaneClientHandler(ClientHandler):
    """Django's test handler behind the records lane, as `nocode.wsgi.application` puts it in production: requests
    the lane answers never reach Django (their responses have `lane = True`), the rest go through Django."""

    def __call__(self, environ: dict[str, Any]) -> Any:
        from tenant_apps.records.api.lane import lane_answer, lane_match

        match = lane_match(environ)
        answer = lane_answer(environ, match) if match is not None else None
        if answer is None:
            response = super().__call__(environ)
            response.lane = False  # type: ignore[attr-defined]
            return response
        served: Any = HttpResponse(answer.body, status=answer.status)
        del served["Content-Type"]
        for name, value in answer.headers:
            served[name] = value
        served.wsgi_request = answer.request
        served.lane = True
        return served


class LaneClient(Client):
    def __init__(self, **defaults: Any) -> None:
        super().__init__(**defaults)
        self.handler = LaneClientHandler(enforce_csrf_checks=False)


class Api:
    """A JSON client for one host, optionally with a bearer token or an API key (through the records lane)."""

    def __init__(self, host: str, *, token: str | None = None, api_key: str | None = None) -> None:
        self.host = host
        self.client = LaneClient()
        self.headers: dict[str, str] = {}
        if token:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if api_key:
            self.headers["HTTP_X_API_KEY"] = api_key

    def _call(self, method: str, path: str, data: Any = None, **extra: Any) -> Any:
        kwargs: dict[str, Any] = {"HTTP_HOST": self.host, **self.headers, **extra}
        if data is not None:
            kwargs["data"] = data
            kwargs["content_type"] = "application/json"
        # Each request runs its on_commit callbacks as a real commit would (the test transaction never commits).
        with TestCase.captureOnCommitCallbacks(execute=True):
            return getattr(self.client, method)(path, **kwargs)

    def get(self, path: str, **extra: Any) -> Any:
        return self._call("get", path, **extra)

    def post(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self._call("post", path, data if data is not None else {}, **extra)

    def patch(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self._call("patch", path, data if data is not None else {}, **extra)

    def delete(self, path: str, **extra: Any) -> Any:
        return self._call("delete", path, **extra)


def token_for(user: User) -> str:
    return str(RefreshToken.for_user(user).access_token)


def project_host(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def _uses_real_transactions(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return "transactional_db" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture(autouse=True)
def _public_schema(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts on the public schema, as each request does after routing, and ends on it: with real
    commits, the flush after the test must run in public (requests leave the connection on a project schema)."""
    if _uses_real_transactions(request):
        request.getfixturevalue("_django_db_helper")  # set up first, so its flush runs after our teardown
    activate(None)
    yield
    activate(None)


@pytest.fixture(autouse=True)
def _drop_committed_schemas(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[None]:
    """Tests with real commits leave project schemas behind (the flush only empties public tables): drop them."""
    yield
    if not _uses_real_transactions(request):
        return
    keep = {"public", "information_schema", settings.TENANT_TEMPLATE_SCHEMA}
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        activate(None)
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%'")
        for (name,) in cursor.fetchall():
            if name not in keep:
                cursor.execute(f'DROP SCHEMA "{name}" CASCADE')


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    """Routing and key caches live in Redis, outside the test transaction: wipe this run's keys around each test
    (and the record writes this process has not sent yet)."""
    writes_take()
    for alias in ("default", "platform"):
        caches[alias].delete_pattern("*")  # type: ignore[attr-defined]
    yield
    for alias in ("default", "platform"):
        caches[alias].delete_pattern("*")  # type: ignore[attr-defined]


@pytest.fixture
def make_user(db: None) -> Any:
    def make(email: str | None = None, name: str = "") -> User:
        return user_create(email=email or f"user{next(_seq)}@example.com", password=PASSWORD, name=name)

    return make


@pytest.fixture
def make_org(db: None) -> Any:
    def make(owner: User, slug: str | None = None) -> Organization:
        return organization_create(user=owner, slug=slug or f"org-{next(_seq)}", name="Org")

    return make


@pytest.fixture
def make_project(db: None, make_org: Any) -> Any:
    def make(owner: User, slug: str | None = None, organization: Organization | None = None) -> Project:
        org = organization or make_org(owner)
        return project_create(
            user=owner, organization=org, org_role="owner", slug=slug or f"proj-{next(_seq)}", name="Project"
        )

    return make


@pytest.fixture
def make_api_key(db: None) -> Any:
    def make(project: Project, scope: str = "read-write") -> str:
        return api_key_create(project=project, actor_role="owner", user=None, name="k", scope=scope).secret  # type: ignore[arg-type]

    return make


@pytest.fixture
def owner(make_user: Any) -> User:
    return make_user(email="owner@example.com", name="Owner")


@pytest.fixture
def platform_api() -> Any:
    def make(user: User | None = None) -> Api:
        return Api(settings.BASE_DOMAIN, token=token_for(user) if user else None)

    return make


@pytest.fixture
def project_api() -> Any:
    def make(project: Project, *, user: User | None = None, api_key: str | None = None) -> Api:
        return Api(project_host(project.slug), token=token_for(user) if user else None, api_key=api_key)

    return make


def schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


@pytest.fixture
def backup_dirs(settings: Any, tmp_path: Path) -> dict[str, Path]:
    """Point the backup storage, MEDIA_ROOT and VAR_DIR at per-test directories (backups and files are written)."""
    dirs = {"media": tmp_path / "media", "backups": tmp_path / "backups", "var": tmp_path / "var"}
    settings.MEDIA_ROOT = dirs["media"]
    settings.VAR_DIR = dirs["var"]
    settings.STORAGES = {
        **settings.STORAGES,
        "backups": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(dirs["backups"]), "file_permissions_mode": 0o600},
        },
    }
    return dirs
