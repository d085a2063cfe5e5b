"""Listing records: sort, field selection, page and cursor pagination, counts, link expansion without N+1."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import Api
from tests.data_schemas.helpers import create_table


@pytest.fixture
def items(api: Api) -> Any:
    create_table(
        api,
        "items",
        [
            {"name": "title", "type": "text"},
            {"name": "price", "type": "decimal"},
            {"name": "qty", "type": "integer"},
            {"name": "tags", "type": "multi_select", "options": {"choices": ["a", "b"]}},
        ],
    )
    records = [
        {"title": "pen", "price": "2.50", "qty": 10},
        {"title": "ink", "price": "2.50", "qty": 3},
        {"title": "pad", "price": "1.00", "qty": None},
        {"title": "box", "price": None, "qty": 7},
        {"title": "cap", "price": "9.90", "qty": 3},
    ]
    assert api.post("/api/v1/tables/items/records/", {"records": records}).status_code == 201


def _list(api: Api, query: str = "") -> Any:
    response = api.get(f"/api/v1/tables/items/records/{query}")
    assert response.status_code == 200, response.json()
    return response.json()


def test_default_list_is_by_id_without_count(api: Api, items: Any) -> None:
    body = _list(api)
    assert [r["title"] for r in body["results"]] == ["pen", "ink", "pad", "box", "cap"]
    assert (body["page"], body["page_size"], body["has_next"], body["next_cursor"], body["count"]) == (
        1,
        50,
        False,
        None,
        None,
    )


def test_multi_field_sort(api: Api, items: Any) -> None:
    titles = [r["title"] for r in _list(api, "?sort=-price,qty")["results"]]
    assert titles == ["box", "cap", "ink", "pen", "pad"]  # NULL first when descending, then qty ascending
    titles = [r["title"] for r in _list(api, "?sort=qty,-id")["results"]]
    assert titles == ["cap", "ink", "box", "pen", "pad"]  # NULL last when ascending


def test_field_selection(api: Api, items: Any) -> None:
    body = _list(api, "?fields=title,qty&sort=title&page_size=2")
    assert body["results"] == [{"id": 4, "title": "box", "qty": 7}, {"id": 5, "title": "cap", "qty": 3}]
    assert body["next_cursor"] is not None  # sort keys are read even when not selected


def test_page_number_pagination(api: Api, items: Any) -> None:
    first = _list(api, "?page_size=2&count=exact")
    second = _list(api, "?page_size=2&page=2")
    last = _list(api, "?page_size=2&page=3")
    assert [r["id"] for r in first["results"]] == [1, 2]
    assert (first["count"], first["has_next"]) == (5, True)
    assert [r["id"] for r in second["results"]] == [3, 4]
    assert ([r["id"] for r in last["results"]], last["has_next"]) == ([5], False)


def test_estimated_count_comes_from_the_planner(api: Api, items: Any) -> None:
    body = _list(api, "?count=estimated")
    assert isinstance(body["count"], int)
    assert body["count"] >= 0


def test_estimated_count_of_a_small_never_analysed_table_is_exact(api: Api, items: Any) -> None:
    more = [{"title": f"t{n}", "qty": n} for n in range(26)]
    assert api.post("/api/v1/tables/items/records/", {"records": more}).status_code == 201
    assert _list(api, "?count=estimated")["count"] == 31
    assert _list(api, "?count=estimated&qty__lt=3")["count"] == 3  # 0, 1, 2 (ink and cap have 3)


def test_cursor_pagination_is_stable_under_inserts(api: Api, items: Any) -> None:
    seen: list[str] = []
    page = _list(api, "?sort=-price,title&page_size=2")
    seen += [r["title"] for r in page["results"]]
    # Rows inserted before and after the cursor position while paging: nothing is repeated or skipped.
    api.post(
        "/api/v1/tables/items/records/",
        {"records": [{"title": "zzz", "price": "99"}, {"title": "aaa", "price": "0.5"}]},
    )
    while page["next_cursor"]:
        page = _list(api, f"?sort=-price,title&page_size=2&cursor={page['next_cursor']}")
        seen += [r["title"] for r in page["results"]]
    assert seen == ["box", "cap", "ink", "pen", "pad", "aaa"]  # "zzz" sorts before the first page: not shown again


def test_cursor_walks_every_row_once(api: Api, items: Any) -> None:
    for sort in ("id", "-id", "qty", "-qty,title", "price,-qty", "title"):
        expected = [r["id"] for r in _list(api, f"?sort={sort}")["results"]]
        walked: list[int] = []
        page = _list(api, f"?sort={sort}&page_size=1")
        walked += [r["id"] for r in page["results"]]
        while page["next_cursor"]:
            page = _list(api, f"?sort={sort}&page_size=1&cursor={page['next_cursor']}")
            walked += [r["id"] for r in page["results"]]
        assert walked == expected, sort


@pytest.mark.parametrize(
    ("query", "name", "code"),
    [
        ("?page_size=1001", "page_size", "PAGE_TOO_LARGE"),
        ("?page_size=0", "page_size", "VALIDATION_FAILED"),
        ("?page=-1", "page", "VALIDATION_FAILED"),
        ("?sort=colour", "sort", "INVALID_SORT"),
        ("?sort=tags", "sort", "INVALID_SORT"),
        ("?fields=title,colour", "fields", "UNKNOWN_FIELD"),
        ("?expand=title", "expand", "UNKNOWN_FIELD"),
        ("?count=maybe", "count", "VALIDATION_FAILED"),
        ("?cursor=not-a-cursor", "cursor", "INVALID_CURSOR"),
        ("?cursor=abc&page=2", "cursor", "VALIDATION_FAILED"),
        ("?pagesize=10", "pagesize", "UNKNOWN_PARAMETER"),
        ("?sort=title;DROP TABLE t_items", "sort", "INVALID_SORT"),
    ],
)
def test_bad_list_parameters_are_400_naming_them(api: Api, items: Any, query: str, name: str, code: str) -> None:
    response = api.get(f"/api/v1/tables/items/records/{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert list(response.json()["error"]["fields"]) == [name]


def test_cursor_of_another_sort_is_400(api: Api, items: Any) -> None:
    cursor = _list(api, "?sort=qty&page_size=1")["next_cursor"]
    response = api.get(f"/api/v1/tables/items/records/?sort=title&cursor={cursor}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_CURSOR"


def test_expand_links_without_n_plus_one(api: Api) -> None:
    create_table(api, "customers", [{"name": "name", "type": "text"}])
    create_table(api, "tags", [{"name": "label", "type": "text"}])
    create_table(
        api,
        "orders",
        [
            {"name": "customer", "type": "link", "options": {"target": "customers"}},
            {"name": "tags", "type": "link", "options": {"target": "tags", "multiple": True}},
        ],
    )
    api.post("/api/v1/tables/customers/records/", {"records": [{"name": f"c{i}"} for i in range(5)]})
    api.post("/api/v1/tables/tags/records/", {"records": [{"label": f"t{i}"} for i in range(3)]})
    orders = [{"customer": 1 + i % 5, "tags": [1 + i % 3, 1 + (i + 1) % 3]} for i in range(20)]
    orders.append({"customer": None, "tags": []})
    assert api.post("/api/v1/tables/orders/records/", {"records": orders}).status_code == 201

    plain = api.get("/api/v1/tables/orders/records/?page_size=3").json()["results"]
    assert [(r["customer"], r["tags"]) for r in plain] == [(1, [1, 2]), (2, [2, 3]), (3, [3, 1])]

    api.get("/api/v1/tables/orders/records/")  # warm the definitions
    with CaptureQueriesContext(connection) as small:
        api.get("/api/v1/tables/orders/records/?page_size=2&expand=customer,tags")
    with CaptureQueriesContext(connection) as large:
        body = api.get("/api/v1/tables/orders/records/?expand=customer,tags").json()
    assert len(large.captured_queries) == len(small.captured_queries)  # independent of the page size
    first, empty = body["results"][0], body["results"][-1]
    assert first["customer"]["name"] == "c0"
    assert [t["label"] for t in first["tags"]] == ["t0", "t1"]
    assert (empty["customer"], empty["tags"]) == (None, [])
    one = api.get("/api/v1/tables/orders/records/2/?expand=customer&fields=customer").json()
    assert one == {"id": 2, "customer": {**one["customer"], "id": 2, "name": "c1"}}
