"""Tables through the schema API on a project host: lifecycle, names, limits, isolation, shadowing."""

from typing import Any

import pytest
from django.db import connection

from tests.conftest import Api
from tests.data_schemas.helpers import columns, create_table, definitions, relation_exists, rows


def test_create_table_with_fields_builds_definitions_and_physical_table(api: Api) -> None:
    body = create_table(
        api,
        "orders",
        [{"name": "title", "type": "text", "required": True}, {"name": "total", "type": "decimal"}],
        display_name="Orders",
        description="What people bought",
    )
    assert (body["name"], body["display_name"], body["description"], body["version"]) == (
        "orders",
        "Orders",
        "What people bought",
        1,
    )
    assert [(f["name"], f["type"], f["position"]) for f in body["fields"]] == [
        ("title", "text", 0),
        ("total", "decimal", 1),
    ]
    assert body["fields"][1]["options"] == {"precision": 12, "scale": 2}
    assert body["records_url"] == "/api/v1/tables/orders/records/"
    assert columns("shop", "t_orders") == [
        ("id", "bigint", "NO"),
        ("created_at", "timestamp with time zone", "NO"),
        ("updated_at", "timestamp with time zone", "NO"),
        ("title", "text", "NO"),
        ("total", "numeric(12,2)", "YES"),
    ]
    assert definitions("shop") == [("orders", [("title", "text"), ("total", "decimal")])]


def test_list_get_rename_update_and_delete(api: Api) -> None:
    create_table(api, "orders", [{"name": "title", "type": "text"}])
    create_table(api, "customers")
    listed = api.get("/api/v1/tables/").json()["results"]
    assert [t["name"] for t in listed] == ["orders", "customers"]
    assert api.get("/api/v1/tables/orders/").json()["fields"][0]["name"] == "title"

    renamed = api.patch("/api/v1/tables/orders/", {"name": "purchases", "display_name": "Purchases", "position": 9})
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["display_name"], renamed.json()["version"]) == (
        "purchases",
        "Purchases",
        2,
    )
    assert relation_exists("shop", "t_purchases")
    assert not relation_exists("shop", "t_orders")
    assert api.get("/api/v1/tables/orders/").status_code == 404
    assert api.post("/api/v1/tables/purchases/records/", {"title": "kept"}).status_code == 201

    refused = api.delete("/api/v1/tables/purchases/")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "CONFIRMATION_REQUIRED"
    assert relation_exists("shop", "t_purchases")
    assert api.delete("/api/v1/tables/purchases/?confirm=orders").status_code == 400

    assert api.delete("/api/v1/tables/purchases/?confirm=purchases").status_code == 204
    assert not relation_exists("shop", "t_purchases")
    assert definitions("shop") == [("customers", [])]
    assert api.get("/api/v1/tables/purchases/").json()["error"]["code"] == "TABLE_NOT_FOUND"


@pytest.mark.parametrize(
    "name",
    [
        'x"; DROP TABLE accounts_user; --',
        "Orders",
        "9lives",
        "_hidden",
        "a__b",
        "trailing_",
        "select",
        "with space",
        "a" * 52,
        "",
        "naïve",
    ],
)
def test_invalid_table_names_are_400_and_nothing_written(api: Api, name: str) -> None:
    response = api.post("/api/v1/tables/", {"name": name})
    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]
    assert definitions("shop") == []
    assert rows("shop", "SELECT relname FROM pg_class WHERE relname LIKE 't\\_%%' AND relkind = 'r'") == []


def test_duplicate_table_is_409(api: Api) -> None:
    create_table(api, "orders")
    response = api.post("/api/v1/tables/", {"name": "orders"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "TABLE_EXISTS"


def test_unknown_keys_are_400(api: Api) -> None:
    response = api.post("/api/v1/tables/", {"name": "orders", "colour": "red"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"colour": ["Unknown key."]}
    assert definitions("shop") == []


def test_table_limit_is_a_clear_400(api: Api, settings: Any) -> None:
    settings.NOCODE = {**settings.NOCODE, "MAX_TABLES_PER_PROJECT": 2}
    create_table(api, "a1")
    create_table(api, "a2")
    response = api.post("/api/v1/tables/", {"name": "a3"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "LIMIT_REACHED"
    assert response.json()["error"]["message"] == "A project has at most 2 tables."
    assert not relation_exists("shop", "t_a3")


def test_a_failing_field_rolls_back_the_whole_table(api: Api) -> None:
    response = api.post(
        "/api/v1/tables/",
        {"name": "orders", "fields": [{"name": "ok", "type": "text"}, {"name": "bad", "type": "colour"}]},
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["fields.1.type"]
    assert definitions("shop") == []
    assert not relation_exists("shop", "t_orders")


def test_table_named_like_a_public_table_cannot_shadow_it(api: Api, owner: Any, project: Any) -> None:
    """search_path is `<project>, public`: a project table named `accounts_user` would hijack every user lookup."""
    create_table(api, "accounts_user", [{"name": "email", "type": "email"}])
    assert relation_exists("shop", "t_accounts_user")
    assert not relation_exists("shop", "accounts_user")
    assert api.post("/api/v1/tables/accounts_user/records/", {"email": "evil@example.com"}).status_code == 201
    # Authentication still reads the real user table: the owner's JWT keeps working, and the ORM sees the real rows.
    root = api.get("/api/v1/")
    assert root.status_code == 200
    assert root.json()["role"] == "owner"
    with connection.cursor() as cursor:
        cursor.execute("SET search_path TO shop, public")
        try:
            cursor.execute("SELECT email FROM accounts_user")
            assert cursor.fetchall() == [("owner@example.com",)]
        finally:
            cursor.execute("SET search_path TO public")


def test_physical_name_taken_in_public_is_refused(api: Api) -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE public.t_probe (id int)")
    response = api.post("/api/v1/tables/", {"name": "probe"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "TABLE_NAME_TAKEN"
    assert definitions("shop") == []
    assert not relation_exists("shop", "t_probe")


def test_two_projects_with_a_table_of_the_same_name_stay_apart(
    api: Api, owner: Any, make_project: Any, project_api: Any
) -> None:
    other = make_project(owner, slug="depot")
    other_api = project_api(other, user=owner)
    create_table(api, "items", [{"name": "title", "type": "text"}])
    create_table(other_api, "items", [{"name": "sku", "type": "integer"}])
    assert api.post("/api/v1/tables/items/records/", {"title": "shop item"}).status_code == 201
    assert other_api.post("/api/v1/tables/items/records/", {"sku": 42}).status_code == 201
    shop_rows = api.get("/api/v1/tables/items/records/").json()["results"]
    depot_rows = other_api.get("/api/v1/tables/items/records/").json()["results"]
    assert [(r["id"], r["title"]) for r in shop_rows] == [(1, "shop item")]
    assert [(r["id"], r["sku"]) for r in depot_rows] == [(1, 42)]
    assert "sku" not in shop_rows[0]
    assert "title" not in depot_rows[0]
    assert api.get("/api/v1/tables/items/").json()["fields"][0]["name"] == "title"
    assert other_api.get("/api/v1/tables/items/").json()["fields"][0]["name"] == "sku"


def test_deleting_a_table_linked_from_another_is_409(api: Api) -> None:
    create_table(api, "customers", [{"name": "name", "type": "text"}])
    create_table(api, "orders", [{"name": "customer", "type": "link", "options": {"target": "customers"}}])
    response = api.delete("/api/v1/tables/customers/?confirm=customers")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "TABLE_IN_USE"
    assert response.json()["error"]["fields"] == {"links": ["orders.customer"]}
    assert relation_exists("shop", "t_customers")


def test_table_with_many_to_many_link_drops_its_join_table(api: Api) -> None:
    create_table(api, "tags", [{"name": "label", "type": "text"}])
    table = create_table(
        api, "posts", [{"name": "tags", "type": "link", "options": {"target": "tags", "multiple": True}}]
    )
    join = rows("shop", "SELECT relname FROM pg_class WHERE relname LIKE 't\\_%%\\_\\_%%' AND relkind = 'r'")
    assert len(join) == 1
    assert table["fields"][0]["options"] == {"target": "tags", "multiple": True}
    assert api.delete("/api/v1/tables/posts/?confirm=posts").status_code == 204
    assert rows("shop", "SELECT relname FROM pg_class WHERE relname LIKE 't\\_%%\\_\\_%%' AND relkind = 'r'") == []


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("editor", 403), ("admin", 201)])
def test_only_admins_and_owners_change_the_schema(member_api: Any, role: str, status: int) -> None:
    client = member_api(role)
    assert client.post("/api/v1/tables/", {"name": "orders"}).status_code == status
    assert client.get("/api/v1/tables/").status_code == 200


@pytest.mark.parametrize(("scope", "status"), [("read", 403), ("read-write", 403), ("admin", 201)])
def test_api_key_scopes_for_the_schema(
    project: Any, make_api_key: Any, project_api: Any, scope: str, status: int
) -> None:
    client = project_api(project, api_key=make_api_key(project, scope=scope))
    assert client.post("/api/v1/tables/", {"name": "orders"}).status_code == status
    assert client.get("/api/v1/tables/").status_code == 200
    if status == 403:
        assert definitions("shop") == []


def test_no_credentials_is_401(project: Any, project_api: Any) -> None:
    assert project_api(project).get("/api/v1/tables/").status_code == 401


def test_a_table_can_link_to_itself_from_the_start(api: Api) -> None:
    table = create_table(
        api,
        "people",
        [
            {"name": "name", "type": "text"},
            {"name": "manager", "type": "link", "options": {"target": "people"}},
            {"name": "friends", "type": "link", "options": {"target": "people", "multiple": True}},
        ],
    )
    assert [f["options"] for f in table["fields"][1:]] == [
        {"target": "people", "multiple": False},
        {"target": "people", "multiple": True},
    ]
    boss = api.post("/api/v1/tables/people/records/", {"name": "boss"}).json()
    me = api.post("/api/v1/tables/people/records/", {"name": "me", "manager": boss["id"], "friends": [boss["id"]]})
    assert (me.json()["manager"], me.json()["friends"]) == (boss["id"], [boss["id"]])
    assert api.delete("/api/v1/tables/people/?confirm=people").status_code == 204
    assert definitions("shop") == []


def test_list_endpoints_refuse_unknown_query_parameters(api: Api) -> None:
    create_table(api, "notes", [{"name": "title", "type": "text"}])
    for path in ("/api/v1/tables/?sort=name", "/api/v1/tables/notes/fields/?type=text"):
        response = api.get(path)
        assert response.status_code == 400, path
        assert response.json()["error"]["code"] == "UNKNOWN_PARAMETER"
    assert [t["name"] for t in api.get("/api/v1/tables/").json()["results"]] == ["notes"]
