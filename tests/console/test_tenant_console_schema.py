"""Tables and fields in the project console: through the data_schemas services, validated as the API validates."""

from typing import Any

import pytest
from django.db import connection

from shared_apps.foundation.db.schemas import in_schema
from tenant_apps.data_schemas.definitions import definitions_forget_local
from tenant_apps.data_schemas.models import Field, Table
from tenant_apps.data_schemas.selectors import table_get
from tenant_apps.records import services as record_services
from tenants.models import Project
from tests.conftest import schema_exists
from tests.console.conftest import ConsoleClient, page_text


def _in_shop(shop: Project) -> Any:
    definitions_forget_local()
    return in_schema(shop.schema_name)


def _table_names(shop: Project) -> list[str]:
    with _in_shop(shop):
        return list(Table.objects.order_by("name").values_list("name", flat=True))


def _physical_tables(shop: Project) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_name LIKE 't\\_%%' "
            "ORDER BY 1",
            [shop.schema_name],
        )
        return [row[0] for row in cursor.fetchall()]


def test_create_a_table(owner_console: ConsoleClient, shop: Project) -> None:
    response = owner_console.post("/admin/tables/add/", {"name": "books", "display_name": "Books", "description": ""})
    assert response.status_code == 302
    assert response["Location"] == "/admin/tables/books/"
    assert _table_names(shop) == ["books"]
    assert _physical_tables(shop) == ["t_books"]
    listing = page_text(owner_console.get("/admin/tables/"))
    assert 'href="/admin/tables/books/"' in listing
    assert "Books" in listing


@pytest.mark.parametrize("name", ["Bad Name", "select", "1books", "a__b", "x" * 60])
def test_an_invalid_table_name_is_refused_and_nothing_is_created(
    owner_console: ConsoleClient, shop: Project, name: str
) -> None:
    response = owner_console.post("/admin/tables/add/", {"name": name})
    assert response.status_code == 200
    assert 'class="form-row errors field-name"' in page_text(response)
    assert _table_names(shop) == []
    assert _physical_tables(shop) == []


def test_a_taken_table_name_is_refused(owner_console: ConsoleClient, shop: Project) -> None:
    owner_console.post("/admin/tables/add/", {"name": "books"})
    response = owner_console.post("/admin/tables/add/", {"name": "books"})
    assert response.status_code == 200
    assert "Taken." in page_text(response)
    assert _table_names(shop) == ["books"]


def test_rename_a_table(owner_console: ConsoleClient, shop: Project) -> None:
    owner_console.post("/admin/tables/add/", {"name": "books"})
    response = owner_console.post(
        "/admin/tables/books/", {"name": "novels", "display_name": "Novels", "description": "Fiction."}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/tables/novels/"
    with _in_shop(shop):
        table = Table.objects.get()
        assert (table.name, table.display_name, table.description, table.version) == (
            "novels",
            "Novels",
            "Fiction.",
            2,
        )
    assert _physical_tables(shop) == ["t_novels"]


def test_delete_a_table_needs_its_name(owner_console: ConsoleClient, shop: Project) -> None:
    owner_console.post("/admin/tables/add/", {"name": "books"})
    assert owner_console.get("/admin/tables/books/delete/").status_code == 200
    refused = owner_console.post("/admin/tables/books/delete/", {"confirm": "book"})
    assert refused.status_code == 200
    assert "Pass confirm=books to delete this table" in page_text(refused)
    assert _table_names(shop) == ["books"]
    done = owner_console.post("/admin/tables/books/delete/", {"confirm": "books"})
    assert done.status_code == 302
    assert done["Location"] == "/admin/tables/"
    assert _table_names(shop) == []
    assert _physical_tables(shop) == []


def test_unknown_table_is_a_404(owner_console: ConsoleClient) -> None:
    response = owner_console.get("/admin/tables/nope/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


@pytest.fixture
def books(owner_console: ConsoleClient, shop: Project) -> None:
    assert owner_console.post("/admin/tables/add/", {"name": "books"}).status_code == 302


def _fields(shop: Project) -> list[tuple[str, str, dict[str, Any], bool, bool, Any, dict[str, Any]]]:
    with _in_shop(shop):
        return list(
            Field.objects.order_by("position").values_list(
                "name", "type", "options", "required", "unique", "default", "constraints"
            )
        )


@pytest.mark.usefixtures("books")
def test_add_fields_of_several_types(owner_console: ConsoleClient, shop: Project) -> None:
    posts = [
        {"name": "title", "type": "text", "required": "on", "constraints": '{"max_length": 80}'},
        {"name": "price", "type": "decimal", "options": '{"precision": 8, "scale": 2}', "default": '"0"'},
        {"name": "genre", "type": "single_select", "options": '{"choices": ["sf", "crime"]}'},
        {"name": "isbn", "type": "text", "unique": "on"},
    ]
    for data in posts:
        response = owner_console.post("/admin/tables/books/fields/add/", data)
        assert response.status_code == 302, page_text(response)
        assert response["Location"] == "/admin/tables/books/"
    assert _fields(shop) == [
        ("title", "text", {}, True, False, None, {"max_length": 80}),
        ("price", "decimal", {"precision": 8, "scale": 2}, False, False, "0.00", {}),
        ("genre", "single_select", {"choices": ["sf", "crime"]}, False, False, None, {}),
        ("isbn", "text", {}, False, True, None, {}),
    ]
    detail = page_text(owner_console.get("/admin/tables/books/"))
    for name in ("title", "price", "genre", "isbn"):
        assert f'href="/admin/tables/books/fields/{name}/"' in detail


@pytest.mark.usefixtures("books")
@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "price", "type": "decimal", "options": '{"precision": 99}'}, "precision: "),
        ({"name": "genre", "type": "single_select", "options": "[1, 2]"}, "A JSON object, e.g. {}."),
        ({"name": "genre", "type": "single_select"}, "choices: "),
        ({"name": "x", "type": "nonsense"}, "Select a valid choice."),
        ({"name": "id", "type": "text"}, ""),
        ({"name": "n", "type": "integer", "constraints": '{"min": "a"}'}, "min: "),
        ({"name": "n", "type": "integer", "options": "{not json"}, "Enter a valid JSON."),
    ],
)
def test_invalid_field_definitions_are_refused(
    owner_console: ConsoleClient, shop: Project, data: dict[str, str], error: str
) -> None:
    response = owner_console.post("/admin/tables/books/fields/add/", data)
    assert response.status_code == 200
    assert error in page_text(response)
    assert 'class="errorlist' in page_text(response)
    assert _fields(shop) == []


@pytest.mark.usefixtures("books")
def test_edit_a_field_rename_and_constraints(owner_console: ConsoleClient, shop: Project) -> None:
    owner_console.post("/admin/tables/books/fields/add/", {"name": "title", "type": "text"})
    form = owner_console.get("/admin/tables/books/fields/title/")
    assert form.status_code == 200
    assert 'value="title"' in page_text(form)
    response = owner_console.post(
        "/admin/tables/books/fields/title/",
        {
            "name": "headline",
            "type": "text",
            "required": "",
            "constraints": '{"max_length": 10}',
            "on_invalid": "refuse",
        },
    )
    assert response.status_code == 302
    assert _fields(shop) == [("headline", "text", {}, False, False, None, {"max_length": 10})]


@pytest.mark.usefixtures("books")
def test_type_change_dry_run_then_refusal_then_set_null(owner_console: ConsoleClient, shop: Project) -> None:
    owner_console.post("/admin/tables/books/fields/add/", {"name": "pages", "type": "text"})
    with _in_shop(shop):
        defs, table = table_get(name="books")
        record_services.records_create(defs=defs, table=table, rows=[{"pages": "12"}, {"pages": "many"}], bulk=True)
    change = {"name": "pages", "type": "integer", "on_invalid": "refuse"}
    dry = owner_console.post("/admin/tables/books/fields/pages/", {**change, "dry_run": "on"})
    assert dry.status_code == 200
    assert "Dry run, nothing changed: 1 of 2 value(s) would not convert." in page_text(dry)
    assert _fields(shop)[0][1] == "text"
    refused = owner_console.post("/admin/tables/books/fields/pages/", change)
    assert refused.status_code == 200
    assert "1 of 2 values would not convert to integer" in page_text(refused)
    assert _fields(shop)[0][1] == "text"
    done = owner_console.post("/admin/tables/books/fields/pages/", {**change, "on_invalid": "set_null"})
    assert done.status_code == 302
    assert _fields(shop)[0][1] == "integer"


@pytest.mark.usefixtures("books")
def test_delete_a_field_needs_its_name(owner_console: ConsoleClient, shop: Project) -> None:
    owner_console.post("/admin/tables/books/fields/add/", {"name": "title", "type": "text"})
    refused = owner_console.post("/admin/tables/books/fields/title/delete/", {"confirm": "books"})
    assert refused.status_code == 200
    assert len(_fields(shop)) == 1
    done = owner_console.post("/admin/tables/books/fields/title/delete/", {"confirm": "title"})
    assert done.status_code == 302
    assert _fields(shop) == []


def test_schema_changes_made_in_the_console_are_the_api_s(
    owner_console: ConsoleClient, shop: Project, owner: Any, project_api: Any
) -> None:
    owner_console.post("/admin/tables/add/", {"name": "books"})
    owner_console.post("/admin/tables/books/fields/add/", {"name": "title", "type": "text"})
    body = project_api(shop, user=owner).get("/api/v1/tables/books/").json()
    assert [(f["name"], f["type"]) for f in body["fields"]] == [("title", "text")]
    assert body["version"] == 2


def test_another_project_is_untouched(owner_console: ConsoleClient, owner: Any, make_project: Any) -> None:
    other = make_project(owner, slug="other")
    owner_console.post("/admin/tables/add/", {"name": "books"})
    with in_schema(other.schema_name):
        definitions_forget_local()
        assert not Table.objects.exists()
    assert schema_exists("other")


def test_link_field_to_another_table(owner_console: ConsoleClient, shop: Project) -> None:
    owner_console.post("/admin/tables/add/", {"name": "authors"})
    owner_console.post("/admin/tables/add/", {"name": "books"})
    response = owner_console.post(
        "/admin/tables/books/fields/add/", {"name": "author", "type": "link", "options": '{"target": "authors"}'}
    )
    assert response.status_code == 302
    with _in_shop(shop):
        authors = Table.objects.get(name="authors")
    assert _fields(shop)[0][:3] == ("author", "link", {"target_table_id": authors.pk, "multiple": False})
    edit = page_text(owner_console.get("/admin/tables/books/fields/author/"))
    assert "&quot;target&quot;: &quot;authors&quot;" in edit
