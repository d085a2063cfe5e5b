"""Fixtures for the schema and records APIs: a project `shop`, its owner's client, fresh definition caches."""

from typing import Any

import pytest

from tenant_apps.data_schemas.definitions import definitions_forget_local
from tests.conftest import Api


@pytest.fixture(autouse=True)
def _fresh_definitions() -> None:
    """Definitions are cached per process; every test starts from the database (test transactions roll back)."""
    definitions_forget_local()


@pytest.fixture
def project(owner: Any, make_project: Any) -> Any:
    return make_project(owner, slug="shop")


@pytest.fixture
def api(project: Any, owner: Any, project_api: Any) -> Api:
    return project_api(project, user=owner)


@pytest.fixture
def member_api(project: Any, make_user: Any, project_api: Any) -> Any:
    """A client for a new member of `shop` with the given role."""
    from tenants.models import ProjectMembership

    def make(role: str) -> Api:
        user = make_user()
        ProjectMembership.objects.create(project=project, user=user, role=role)
        return project_api(project, user=user)

    return make
