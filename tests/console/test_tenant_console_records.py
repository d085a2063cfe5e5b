"""Records in the project console: browse, search, filter, sort, page, add, edit, delete, files."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shared_apps.foundation.db.schemas import in_schema
from tenant_apps.data_schemas import services as schema_services
from tenant_apps.data_schemas.definitions import definitions_forget_local
from tenant_apps.data_schemas.selectors import table_get
from tenant_apps.data_schemas.services import FieldSpec
from tenant_apps.records import services as record_services
from tenant_apps.records.selectors import records_by_ids
from tenants.models import Project
from tests.console.conftest import ConsoleClient, page_text

BOOK_FIELDS = [
    FieldSpec(name="title", type="text", options={}, required=True),
    FieldSpec(name="pages", type="integer", options={}, constraints={"min": 1}),
    FieldSpec(name="price", type="decimal", options={"precision": 8, "scale": 2}),
    FieldSpec(name="in_stock", type="boolean", options={}),
    FieldSpec(name="published", type="date", options={}),
    FieldSpec(name="updated", type="datetime", options={}),
    FieldSpec(name="genre", type="single_select", options={"choices": ["sf", "crime"]}),
    FieldSpec(name="tags", type="multi_select", options={"choices": ["new", "classic"]}),
    FieldSpec(name="extra", type="json", options={}),
    FieldSpec(name="isbn", type="text", options={}, unique=True),
    FieldSpec(name="cover", type="file", options={}),
]


@pytest.fixture
def books(shop: Project) -> None:
    with in_schema(shop.schema_name):
        schema_services.table_create(name="books", fields=BOOK_FIELDS)
    definitions_forget_local()


def _create(shop: Project, *rows: dict[str, Any]) -> list[int]:
    definitions_forget_local()
    with in_schema(shop.schema_name):
        defs, table = table_get(name="books")
        created = record_services.records_create(defs=defs, table=table, rows=list(rows), bulk=True)
    return [row["id"] for row in created]


def _records(shop: Project, ids: list[int] | None = None) -> list[dict[str, Any]]:
    definitions_forget_local()
    with in_schema(shop.schema_name):
        _, table = table_get(name="books")
        if ids is None:
            ids = list(table.model._default_manager.order_by("id").values_list("id", flat=True))
        return records_by_ids(table=table, ids=ids)


pytestmark = pytest.mark.usefixtures("books")


def test_add_a_record_with_every_input_type(owner_console: ConsoleClient, shop: Project) -> None:
    form = owner_console.get("/admin/tables/books/records/add/")
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in page_text(form)
    response = owner_console.post(
        "/admin/tables/books/records/add/",
        {
            "title": "Dune",
            "pages": "412",
            "price": "9.5",
            "in_stock": "true",
            "published": "1965-08-01",
            "updated": "2024-05-01T10:30:00",
            "genre": "sf",
            "tags": ["classic", "new"],
            "extra": '{"awards": ["Hugo"]}',
            "isbn": "978-0441013593",
            "cover": SimpleUploadedFile("cover.png", b"\x89PNG fake", content_type="image/png"),
        },
    )
    assert response.status_code == 302, page_text(response)
    assert response["Location"] == "/admin/tables/books/records/"
    (record,) = _records(shop)
    assert {k: v for k, v in record.items() if k not in ("id", "created_at", "updated_at", "cover")} == {
        "title": "Dune",
        "pages": 412,
        "price": Decimal("9.50"),
        "in_stock": True,
        "published": date(1965, 8, 1),
        "updated": datetime(2024, 5, 1, 10, 30, tzinfo=UTC),
        "genre": "sf",
        "tags": ["classic", "new"],
        "extra": {"awards": ["Hugo"]},
        "isbn": "978-0441013593",
    }
    assert record["cover"]["name"] == "cover.png"
    listing = page_text(owner_console.get("/admin/tables/books/records/"))
    assert "Dune" in listing
    assert "1 record" in listing
    download = owner_console.get(f"/admin/tables/books/records/{record['id']}/files/cover/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"\x89PNG fake"
    assert download["X-Content-Type-Options"] == "nosniff"


def test_empty_inputs_are_omitted_on_create(owner_console: ConsoleClient, shop: Project) -> None:
    response = owner_console.post("/admin/tables/books/records/add/", {"title": "Bare", "tags": []})
    assert response.status_code == 302
    (record,) = _records(shop)
    assert record["title"] == "Bare"
    assert all(record[name] is None for name in ("pages", "price", "in_stock", "genre", "tags", "extra", "cover"))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"pages": "12"}, "title", "This field is required."),
        ({"title": "x", "pages": "0"}, "pages", "Must be at least 1."),
        ({"title": "x", "pages": "many"}, "pages", "Enter a whole number."),
        ({"title": "x", "price": "abc"}, "price", ""),
        ({"title": "x", "published": "1965-13-01"}, "published", "YYYY-MM-DD"),
        ({"title": "x", "genre": "poetry"}, "genre", "Select a valid choice."),
        ({"title": "x", "extra": "{oops"}, "extra", "Enter a valid JSON."),
    ],
)
def test_invalid_records_are_refused_and_nothing_is_written(
    owner_console: ConsoleClient, shop: Project, data: dict[str, str], field: str, message: str
) -> None:
    response = owner_console.post("/admin/tables/books/records/add/", data)
    assert response.status_code == 200
    text = page_text(response)
    assert f'form-row errors field-{field}"' in text
    assert message in text
    assert _records(shop) == []


def test_a_repeated_unique_value_is_refused(owner_console: ConsoleClient, shop: Project) -> None:
    _create(shop, {"title": "A", "isbn": "1"})
    response = owner_console.post("/admin/tables/books/records/add/", {"title": "B", "isbn": "1"})
    assert response.status_code == 200
    assert "A record with this value already exists." in page_text(response)
    assert [r["title"] for r in _records(shop)] == ["A"]


def test_edit_a_record_changes_only_what_changed(owner_console: ConsoleClient, shop: Project) -> None:
    (record_id,) = _create(
        shop, {"title": "Dune", "pages": 412, "price": "9.50", "tags": ["new"], "published": "1965-08-01"}
    )
    form = owner_console.get(f"/admin/tables/books/records/{record_id}/")
    assert form.status_code == 200
    text = page_text(form)
    assert 'value="Dune"' in text
    assert 'value="1965-08-01"' in text
    response = owner_console.post(
        f"/admin/tables/books/records/{record_id}/",
        {"title": "Dune", "pages": "", "price": "9.50", "tags": ["new", "classic"], "published": "1965-08-01"},
    )
    assert response.status_code == 302, page_text(response)
    (record,) = _records(shop)
    assert (record["title"], record["pages"], record["tags"]) == ("Dune", None, ["new", "classic"])
    assert str(record["price"]) == "9.50"


def test_an_invalid_edit_writes_nothing(owner_console: ConsoleClient, shop: Project) -> None:
    (record_id,) = _create(shop, {"title": "Dune", "pages": 412})
    response = owner_console.post(f"/admin/tables/books/records/{record_id}/", {"title": "", "pages": "3"})
    assert response.status_code == 200
    assert "This field is required." in page_text(response)
    (record,) = _records(shop)
    assert (record["title"], record["pages"]) == ("Dune", 412)


def test_delete_a_record_needs_its_id(owner_console: ConsoleClient, shop: Project) -> None:
    first, second = _create(shop, {"title": "A"}, {"title": "B"})
    refused = owner_console.post(f"/admin/tables/books/records/{first}/delete/", {"confirm": str(second)})
    assert refused.status_code == 200
    assert len(_records(shop)) == 2
    done = owner_console.post(f"/admin/tables/books/records/{first}/delete/", {"confirm": str(first)})
    assert done.status_code == 302
    assert [r["title"] for r in _records(shop)] == ["B"]


def test_unknown_record_is_a_404(owner_console: ConsoleClient) -> None:
    assert owner_console.get("/admin/tables/books/records/999/").status_code == 404


def _titles(response: Any) -> list[str]:
    return re.findall(r"<td>(Book [^<]*)</td>", page_text(response))


def test_search_filter_sort_and_pages(owner_console: ConsoleClient, shop: Project) -> None:
    _create(shop, *({"title": f"Book {n:02d}", "pages": n, "genre": "sf" if n % 2 else "crime"} for n in range(1, 31)))
    first = owner_console.get("/admin/tables/books/records/")
    assert _titles(first) == [f"Book {n:02d}" for n in range(1, 26)]
    assert "Page 1 of 2 · 30 records" in page_text(first)
    second = owner_console.get("/admin/tables/books/records/", {"page": "2"})
    assert _titles(second) == [f"Book {n:02d}" for n in range(26, 31)]

    searched = owner_console.get("/admin/tables/books/records/", {"q": "book 1"})
    assert set(_titles(searched)) >= {"Book 10", "Book 11"}
    assert "Book 02" not in _titles(searched)

    filtered = owner_console.get("/admin/tables/books/records/", {"field": "pages", "op": "gt", "value": "27"})
    assert _titles(filtered) == ["Book 28", "Book 29", "Book 30"]
    combined = owner_console.get(
        "/admin/tables/books/records/", {"field": "genre", "op": "eq", "value": "crime", "sort": "-pages"}
    )
    assert _titles(combined)[:3] == ["Book 30", "Book 28", "Book 26"]
    assert "15 records" in page_text(combined)


def test_invalid_filter_is_reported_not_crashed(owner_console: ConsoleClient, shop: Project) -> None:
    _create(shop, {"title": "Book 1"})
    response = owner_console.get("/admin/tables/books/records/", {"field": "pages", "op": "gt", "value": "many"})
    assert response.status_code == 200
    assert "Invalid filter" in page_text(response)
    assert _titles(response) == []
    unsupported = owner_console.get("/admin/tables/books/records/", {"field": "tags", "op": "gt", "value": "x"})
    assert "not supported" in page_text(unsupported)
    bad_sort = owner_console.get("/admin/tables/books/records/", {"sort": "extra"})
    assert "cannot be sorted on" in page_text(bad_sort)


def test_records_written_in_the_console_are_the_api_s(
    owner_console: ConsoleClient, shop: Project, owner: Any, project_api: Any
) -> None:
    owner_console.post("/admin/tables/books/records/add/", {"title": "Dune", "pages": "412"})
    body = project_api(shop, user=owner).get("/api/v1/tables/books/records/").json()
    assert [(r["title"], r["pages"]) for r in body["results"]] == [("Dune", 412)]


def _operator_options(html: str) -> tuple[list[str], list[str]]:
    select = re.search(r'<select name="op" id="filter-op">(.*?)</select>', html, re.S)
    assert select is not None
    options = re.findall(r'<option value="(\w+)"([^>]*)>', select.group(1))
    return [name for name, attrs in options if "disabled" not in attrs], [name for name, _ in options]


def test_the_filter_offers_the_operators_of_the_chosen_field(owner_console: ConsoleClient) -> None:
    import json

    html = owner_console.get("/admin/tables/books/records/", {"field": "tags"}).content.decode()
    offered, every = _operator_options(html)
    assert offered == ["has_any", "has_all", "is_null"]
    assert "eq" in every  # all are in the page; the script shows those of the field chosen in the select
    boolean_page = owner_console.get("/admin/tables/books/records/", {"field": "in_stock"}).content.decode()
    assert _operator_options(boolean_page)[0] == ["eq", "ne", "in", "not_in", "is_null"]
    unfiltered = owner_console.get("/admin/tables/books/records/").content.decode()
    assert _operator_options(unfiltered)[0] == every  # no field chosen: every operator
    data = re.search(r'<script id="filter-operators" type="application/json">(.*?)</script>', html, re.S)
    assert data is not None
    by_field = json.loads(data.group(1))
    assert by_field["title"] == [
        "eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "between",
        "contains", "icontains", "starts_with", "ends_with", "is_null",
    ]  # fmt: skip
    assert by_field["price"] == ["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "between", "is_null"]
    assert by_field["extra"] == ["is_null"]
    assert by_field["id"][:2] == ["eq", "ne"]
