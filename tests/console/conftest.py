"""Fixtures for the project console: projects `shop` and `other`, and a browser-like client bound to a project host."""

from typing import Any

import pytest
from django.test import Client, TestCase

from shared_apps.accounts.models import User
from tenant_apps.data_schemas.definitions import definitions_forget_local
from tenants.models import Project, ProjectMembership
from tests.conftest import PASSWORD, project_host


@pytest.fixture(autouse=True)
def _fresh_definitions() -> None:
    """Definitions are cached per process; every test starts from the database (test transactions roll back)."""
    definitions_forget_local()


class ConsoleClient:
    """A session client on one project host (`<slug>.localhost`); on_commit callbacks run as a commit would."""

    def __init__(self, slug: str) -> None:
        self.host = project_host(slug)
        self.client = Client(HTTP_HOST=self.host)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        return self.post("/admin/login/", {"username": email, "password": password, "next": "/admin/"})

    def force_login(self, user: User) -> "ConsoleClient":
        self.client.force_login(user)
        return self

    def get(self, path: str, data: dict[str, Any] | None = None) -> Any:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return self.client.get(path, data or {})

    def post(self, path: str, data: dict[str, Any] | None = None) -> Any:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return self.client.post(path, data or {})


@pytest.fixture
def shop(owner: User, make_project: Any) -> Project:
    return make_project(owner, slug="shop")


@pytest.fixture
def console(shop: Project) -> Any:
    def make(user: User | None = None, slug: str = "shop") -> ConsoleClient:
        client = ConsoleClient(slug)
        return client.force_login(user) if user is not None else client

    return make


@pytest.fixture
def owner_console(console: Any, owner: User) -> ConsoleClient:
    return console(owner)


@pytest.fixture
def member_of(make_user: Any) -> Any:
    def make(project: Project, role: str) -> User:
        user = make_user()
        ProjectMembership.objects.create(project=project, user=user, role=role)
        return user

    return make


def page_text(response: Any) -> str:
    return response.content.decode()
