"""Project hosts: routing to the right schema, who may enter, and what a warm request costs."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shared_apps.foundation.db.ddl import ddl_block
from shared_apps.foundation.db.schemas import in_schema
from tenants.models import ProjectMembership
from tests.conftest import Api


def _notes_table(schema: str, labels: list[str]) -> None:
    with in_schema(schema), ddl_block() as cursor:
        cursor.execute("CREATE TABLE notes (label text)")
        for label in labels:
            cursor.execute("INSERT INTO notes (label) VALUES (%s)", [label])


@pytest.fixture
def two_projects(owner: Any, make_project: Any) -> tuple[Any, Any]:
    return make_project(owner, slug="alpha"), make_project(owner, slug="beta")


def test_same_named_data_stays_in_its_own_project(
    two_projects: tuple[Any, Any], owner: Any, project_api: Any, settings: Any
) -> None:
    alpha, beta = two_projects
    _notes_table("alpha", ["alpha-1", "alpha-2"])
    _notes_table("beta", ["beta-1"])
    settings.ROOT_URLCONF = "tests.tenants.urls_probe"
    assert project_api(alpha, user=owner).get("/probe/notes/").json() == {"labels": ["alpha-1", "alpha-2"]}
    assert project_api(beta, user=owner).get("/probe/notes/").json() == {"labels": ["beta-1"]}
    assert project_api(alpha, user=owner).get("/probe/notes/").json() == {"labels": ["alpha-1", "alpha-2"]}


def test_root_describes_project_and_callers_role(two_projects: tuple[Any, Any], owner: Any, project_api: Any) -> None:
    alpha, _ = two_projects
    response = project_api(alpha, user=owner).get("/api/v1/")
    assert response.status_code == 200
    body = response.json()
    assert body["project"]["slug"] == "alpha"
    assert body["project"]["status"] == "ready"
    assert (body["role"], body["auth"]) == ("owner", "jwt")
    assert body["capabilities"] == ["delete_project", "manage_project", "manage_schema", "read", "write_records"]


@pytest.mark.parametrize(
    ("role", "capabilities"),
    [("viewer", ["read"]), ("editor", ["read", "write_records"])],
)
def test_member_role_comes_with_the_jwt(
    two_projects: tuple[Any, Any], make_user: Any, project_api: Any, role: str, capabilities: list[str]
) -> None:
    alpha, _ = two_projects
    member = make_user()
    ProjectMembership.objects.create(project=alpha, user=member, role=role)
    body = project_api(alpha, user=member).get("/api/v1/").json()
    assert (body["role"], body["capabilities"]) == (role, capabilities)


def test_jwt_of_a_member_of_a_is_refused_on_b(
    two_projects: tuple[Any, Any], make_user: Any, project_api: Any, settings: Any
) -> None:
    alpha, beta = two_projects
    _notes_table("beta", ["secret"])
    member = make_user()
    ProjectMembership.objects.create(project=alpha, user=member, role="admin")
    settings.ROOT_URLCONF = "tests.tenants.urls_probe"
    response = project_api(beta, user=member).get("/probe/notes/")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "You are not a member of this project."
    assert "secret" not in response.content.decode()


def test_api_key_of_a_is_refused_on_b(
    two_projects: tuple[Any, Any], make_api_key: Any, project_api: Any, settings: Any
) -> None:
    alpha, beta = two_projects
    _notes_table("beta", ["secret"])
    settings.ROOT_URLCONF = "tests.tenants.urls_probe"
    response = project_api(beta, api_key=make_api_key(alpha, scope="admin")).get("/probe/notes/")
    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "AUTHENTICATION_FAILED",
        "message": "This API key belongs to another project.",
        "fields": {},
    }


@pytest.mark.parametrize(("scope", "role"), [("read", "viewer"), ("read-write", "editor"), ("admin", "admin")])
def test_api_key_scope_maps_to_role(
    two_projects: tuple[Any, Any], make_api_key: Any, project_api: Any, scope: str, role: str
) -> None:
    alpha, _ = two_projects
    body = project_api(alpha, api_key=make_api_key(alpha, scope=scope)).get("/api/v1/").json()
    assert (body["role"], body["auth"]) == (role, "api_key")


@pytest.mark.parametrize("header", ["nk_deadbeef0000_wrong", "garbage", "nk_"])
def test_forged_api_key_is_401(two_projects: tuple[Any, Any], project_api: Any, header: str) -> None:
    alpha, _ = two_projects
    response = project_api(alpha, api_key=header).get("/api/v1/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid or revoked API key."


def test_made_up_keys_cost_one_query_per_prefix(
    two_projects: tuple[Any, Any], project_api: Any, django_assert_num_queries: Any
) -> None:
    alpha, _ = two_projects
    api = project_api(alpha, api_key="nk_deadbeef0001_wrong")
    assert api.get("/api/v1/").status_code == 401
    with django_assert_num_queries(0):  # the prefix is remembered as missing
        assert [api.get("/api/v1/").status_code for _ in range(3)] == [401, 401, 401]


def test_api_key_is_refused_on_the_base_domain(two_projects: tuple[Any, Any], make_api_key: Any) -> None:
    alpha, _ = two_projects
    api = Api("localhost", api_key=make_api_key(alpha))
    response = api.get("/api/v1/projects/")
    assert response.status_code == 401


def test_no_credentials_on_project_host_is_401(two_projects: tuple[Any, Any], project_api: Any) -> None:
    alpha, _ = two_projects
    assert project_api(alpha).get("/api/v1/").status_code == 401


@pytest.mark.django_db
def test_unknown_host_is_json_404() -> None:
    response = Api("nope.localhost").get("/api/v1/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "PROJECT_NOT_FOUND", "message": "No project is served at nope.localhost.", "fields": {}}
    }


def test_project_still_provisioning_is_not_routable(
    two_projects: tuple[Any, Any], owner: Any, project_api: Any
) -> None:
    alpha, _ = two_projects
    type(alpha).objects.filter(pk=alpha.pk).update(status="provisioning")
    assert project_api(alpha, user=owner).get("/api/v1/").status_code == 404


def test_warm_request_makes_no_routing_query_and_no_search_path_switch(
    two_projects: tuple[Any, Any], make_api_key: Any, project_api: Any
) -> None:
    alpha, _ = two_projects
    api = project_api(alpha, api_key=make_api_key(alpha, scope="read"))
    assert api.get("/api/v1/").status_code == 200  # cold: fills the route and key caches
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/").status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in statements if "tenants_domain" in s or "tenants_apikey" in s]
    assert not [s for s in statements if "search_path" in s]
    assert len(statements) == 1  # the project summary the view itself reads


def test_refusals_name_the_key_scope_or_the_role(
    two_projects: tuple[Any, Any], owner: Any, make_api_key: Any, project_api: Any, make_user: Any
) -> None:
    alpha, _ = two_projects
    assert project_api(alpha, user=owner).post("/api/v1/tables/", {"name": "notes"}).status_code == 201
    reader = project_api(alpha, api_key=make_api_key(alpha, scope="read"))
    writer = project_api(alpha, api_key=make_api_key(alpha, scope="read-write"))
    viewer = make_user()
    ProjectMembership.objects.create(project=alpha, user=viewer, role="viewer")
    refused = [
        reader.post("/api/v1/tables/notes/records/", {}),
        reader.post("/api/v1/tables/", {"name": "things"}),
        writer.post("/api/v1/tables/", {"name": "things"}),
        project_api(alpha, user=viewer).post("/api/v1/tables/", {"name": "things"}),
    ]
    assert [(r.status_code, r.json()["error"]["message"]) for r in refused] == [
        (403, "This 'read' key cannot write records."),
        (403, "This 'read' key cannot change tables and fields."),
        (403, "This 'read-write' key cannot change tables and fields."),
        (403, "Your role 'viewer' does not allow this (manage_schema): it cannot change tables and fields."),
    ]
    assert [t["name"] for t in writer.get("/api/v1/tables/").json()["results"]] == ["notes"]
    assert writer.get("/api/v1/tables/notes/records/").json()["results"] == []
