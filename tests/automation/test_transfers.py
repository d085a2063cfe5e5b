"""Import (CSV, JSON, XLSX; new or existing table; all-or-nothing or skip-invalid) and export as jobs."""

import csv
import io
import json
import os
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from openpyxl import Workbook, load_workbook

from tenant_apps.transfers.tasks import files_prune
from tests.automation.conftest import make_table


@pytest.fixture(autouse=True)
def _transfers_dir(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path


@pytest.fixture
def products(api: Any) -> None:
    make_table(
        api,
        "products",
        [
            {"name": "name", "type": "text", "required": True},
            {"name": "sku", "type": "text", "unique": True},
            {"name": "price", "type": "decimal", "options": {"precision": 10, "scale": 2}},
            {"name": "stock", "type": "integer"},
            {"name": "active", "type": "boolean"},
            {"name": "tags", "type": "multi_select", "options": {"choices": ["new", "sale"]}},
        ],
    )


def upload(api: Any, path: str, name: str, content: bytes, **fields: Any) -> Any:
    data = {"file": SimpleUploadedFile(name, content), **fields}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return api.client.post(path, data=data, HTTP_HOST=api.host, **api.headers)


def csv_bytes(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def job(api: Any, response: Any) -> dict[str, Any]:
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status_url"] == f"/api/v1/automation/tasks/{body['id']}/status/"
    status = api.get(body["status_url"])
    assert status.status_code == 200
    return status.json()


def records(api: Any, table: str) -> list[dict[str, Any]]:
    return api.get(f"/api/v1/tables/{table}/records/?page_size=1000").json()["results"]


PRODUCT_ROWS = [
    ["Product", "SKU", "Price", "Stock", "Active", "Tags"],
    ["Lamp", "L-1", "19.90", "4", "yes", "new,sale"],
    ["Desk", "D-1", "120", "", "false", ""],
]


def test_csv_into_an_existing_table_with_a_mapping(api: Any, products: None) -> None:
    mapping = {"Product": "name", "SKU": "sku", "Price": "price", "Stock": "stock", "Active": "active", "Tags": "tags"}
    done = job(api, upload(api, "/api/v1/tables/products/import/", "p.csv", csv_bytes(PRODUCT_ROWS),
                           mode="all_or_nothing", mapping=json.dumps(mapping)))  # fmt: skip
    assert (done["kind"], done["state"], done["progress"], done["error"]) == ("import", "succeeded", 100, "")
    assert done["result"] == {
        "mode": "all_or_nothing",
        "rows": 2,
        "table": "products",
        "imported": 2,
        "invalid": 0,
        "errors": [],
        "errors_truncated": False,
    }
    got = [(r["name"], r["sku"], r["price"], r["stock"], r["active"], r["tags"]) for r in records(api, "products")]
    assert got == [("Lamp", "L-1", "19.90", 4, True, ["new", "sale"]), ("Desk", "D-1", "120.00", None, False, None)]


BAD_ROWS = [
    ["name", "sku", "price", "stock"],
    ["Good", "G-1", "1.00", "1"],
    ["", "E-1", "2.00", "2"],  # name is required
    ["Bad stock", "B-1", "3.00", "many"],
    ["Dup", "G-1", "4.00", "4"],  # repeats a unique sku of row 1
    ["Fine", "F-1", "5.00", "5"],
]


def test_all_or_nothing_writes_nothing_and_reports_every_invalid_row(api: Any, products: None) -> None:
    done = job(api, upload(api, "/api/v1/tables/products/import/", "p.csv", csv_bytes(BAD_ROWS), mode="all_or_nothing"))
    assert done["state"] == "failed"
    assert done["error"] == "2 invalid rows; nothing was imported."
    assert done["result"]["imported"] == 0
    assert done["result"]["errors"] == [
        {"row": 2, "fields": {"name": ["This field is required."]}},
        {"row": 3, "fields": {"stock": ["Expected an integer."]}},
    ]
    assert records(api, "products") == []


def test_skip_invalid_writes_the_valid_rows_and_reports_the_rest(api: Any, products: None) -> None:
    done = job(api, upload(api, "/api/v1/tables/products/import/", "p.csv", csv_bytes(BAD_ROWS), mode="skip_invalid"))
    assert done["state"] == "succeeded"
    assert (done["result"]["imported"], done["result"]["invalid"]) == (2, 3)
    assert [e["row"] for e in done["result"]["errors"]] == [2, 3, 4]
    assert done["result"]["errors"][2] == {
        "row": 4,
        "fields": {"sku": ["Repeats a value of another record in this request."]},
    }
    assert [r["name"] for r in records(api, "products")] == ["Good", "Fine"]


def test_json_and_xlsx_into_an_existing_table(api: Any, products: None) -> None:
    body = json.dumps({"records": [{"name": "Chair", "price": 25.5, "stock": 3, "active": True}]}).encode()
    assert job(api, upload(api, "/api/v1/tables/products/import/", "p.json", body, mode="all_or_nothing"))["state"] == (
        "succeeded"
    )
    sheet = xlsx_bytes([["name", "price", "stock", "active"], ["Stool", 12.5, 7, True], [None, None, None, None]])
    done = job(api, upload(api, "/api/v1/tables/products/import/", "p.xlsx", sheet, mode="skip_invalid"))
    assert (done["state"], done["result"]["imported"]) == ("succeeded", 1)
    got = [(r["name"], r["price"], r["stock"], r["active"]) for r in records(api, "products")]
    assert got == [("Chair", "25.50", 3, True), ("Stool", "12.50", 7, True)]


def test_import_into_a_new_table_infers_field_types(api: Any) -> None:
    rows = [
        ["Full name", "Age", "Score", "Member", "Joined", "Last seen", "E-mail", "Site", "1st note"],
        [
            "Ada",
            "36",
            "9.50",
            "true",
            "2024-01-31",
            "2024-02-01T10:00:00Z",
            "ada@example.com",
            "https://a.example",
            "hi",
        ],
        ["Bob", "", "7.25", "false", "2023-12-01", "2024-02-02T11:30:00Z", "bob@example.com", "https://b.example", ""],
    ]
    done = job(api, upload(api, "/api/v1/automation/imports/", "people.csv", csv_bytes(rows), table="people",
                           mode="all_or_nothing"))  # fmt: skip
    assert done["state"] == "succeeded", done
    assert [(f["column"], f["name"], f["type"]) for f in done["result"]["fields"]] == [
        ("Full name", "full_name", "text"),
        ("Age", "age", "integer"),
        ("Score", "score", "decimal"),
        ("Member", "member", "boolean"),
        ("Joined", "joined", "date"),
        ("Last seen", "last_seen", "datetime"),
        ("E-mail", "e_mail", "email"),
        ("Site", "site", "url"),
        ("1st note", "f_1st_note", "text"),
    ]
    fields = {f["name"]: f for f in api.get("/api/v1/tables/people/").json()["fields"]}
    assert fields["score"]["options"] == {"precision": 18, "scale": 2}  # headroom: 16 digits before the point
    people = records(api, "people")
    assert [(p["full_name"], p["age"], p["score"], p["member"], p["joined"]) for p in people] == [
        ("Ada", 36, "9.50", True, "2024-01-31"),
        ("Bob", None, "7.25", False, "2023-12-01"),
    ]
    assert people[0]["last_seen"] == "2024-02-01T10:00:00Z"


def test_new_table_import_that_fails_leaves_no_table(api: Any, products: None) -> None:
    response = upload(api, "/api/v1/automation/imports/", "p.csv", csv_bytes(PRODUCT_ROWS), table="products",
                      mode="all_or_nothing")  # fmt: skip
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "TABLE_EXISTS"
    bad_name = upload(api, "/api/v1/automation/imports/", "p.csv", csv_bytes(PRODUCT_ROWS), table="Bad Name")
    assert bad_name.status_code == 400
    assert set(bad_name.json()["error"]["fields"]) == {"name"}
    assert api.get("/api/v1/tables/").json()["results"][0]["name"] == "products"
    assert len(api.get("/api/v1/tables/").json()["results"]) == 1
    assert api.get("/api/v1/automation/tasks/?kind=import").json()["results"] == []


@pytest.mark.parametrize(
    ("name", "content", "fields", "code", "field"),
    [
        ("p.txt", b"name\nx\n", {}, "UNSUPPORTED_FORMAT", "format"),
        ("p.csv", b"", {}, "INVALID_FILE", "file"),
        ("p.csv", b"name\n", {}, "INVALID_FILE", "file"),
        ("p.csv", b"\xff\xfename\n", {}, "INVALID_FILE", "file"),
        ("p.csv", b"name,name\nx,y\n", {}, "INVALID_FILE", "file"),
        ("p.csv", b"name\nx,extra\n", {}, "INVALID_FILE", "file"),
        ("p.json", b'{"name": "x"}', {}, "INVALID_FILE", "file"),
        ("p.xlsx", b"not a zip", {}, "INVALID_FILE", "file"),
        ("p.csv", b"colour\nred\n", {}, "NO_MAPPED_COLUMNS", "mapping"),
        ("p.csv", b"name\nx\n", {"mapping": '{"nope": "name"}'}, "VALIDATION_FAILED", "mapping.nope"),
        ("p.csv", b"name\nx\n", {"mapping": '{"name": "ghost"}'}, "VALIDATION_FAILED", "mapping.name"),
        ("p.csv", b"name\nx\n", {"mapping": "{not json"}, "VALIDATION_FAILED", "mapping"),
        ("p.csv", b"name\nx\n", {"mode": "most"}, "VALIDATION_FAILED", "mode"),
        ("p.csv", b"name\nx\n", {"colour": "red"}, "VALIDATION_FAILED", "colour"),
    ],
)
def test_bad_uploads_are_refused_with_nothing_written(
    api: Any, products: None, name: str, content: bytes, fields: dict[str, str], code: str, field: str
) -> None:
    response = upload(api, "/api/v1/tables/products/import/", name, content, **fields)
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == (code, [field])
    assert api.get("/api/v1/automation/tasks/").json()["results"] == []
    assert records(api, "products") == []


def test_size_and_row_limits(api: Any, products: None, settings: Any) -> None:
    settings.NOCODE = {**settings.NOCODE, "IMPORT_MAX_BYTES": 100, "IMPORT_MAX_ROWS": 3}
    big = upload(api, "/api/v1/tables/products/import/", "p.csv", b"name\n" + b"x" * 200 + b"\n")
    assert (big.status_code, big.json()["error"]["code"]) == (400, "FILE_TOO_LARGE")
    many = upload(api, "/api/v1/tables/products/import/", "p.csv", b"name\na\nb\nc\nd\n")
    assert (many.status_code, many.json()["error"]["code"]) == (400, "TOO_MANY_ROWS")
    assert many.json()["error"]["fields"] == {"file": ["More than 3 rows."]}
    assert upload(api, "/api/v1/tables/products/import/", "p.csv", b"name\na\nb\nc\n").status_code == 202


def test_import_roles(api: Any, products: None, member_api: Any) -> None:
    viewer, editor = member_api("viewer"), member_api("editor")
    assert upload(viewer, "/api/v1/tables/products/import/", "p.csv", b"name\nx\n").status_code == 403
    assert upload(editor, "/api/v1/automation/imports/", "p.csv", b"name\nx\n", table="t2").status_code == 403
    assert upload(editor, "/api/v1/tables/products/import/", "p.csv", b"name\nx\n").status_code == 202
    assert [r["name"] for r in records(api, "products")] == ["x"]


def _seed(api: Any) -> None:
    rows = [
        {"name": n, "sku": s, "price": p, "stock": q, "tags": t}
        for n, s, p, q, t in [
            ("Lamp", "L-1", "19.90", 4, ["new"]),
            ("Desk", "D-1", "120.00", 0, []),
            ("Mug", "M-1", "5.00", 40, ["sale"]),
        ]
    ]
    assert api.post("/api/v1/tables/products/records/", {"records": rows}).status_code == 201


def _download(api: Any, done: dict[str, Any]) -> Any:
    assert done["state"] == "succeeded", done
    response = api.get(done["result"]["download_url"])
    assert response.status_code == 200
    return response


def test_export_csv_with_filter_sort_and_fields(api: Any, products: None) -> None:
    _seed(api)
    body = {"format": "csv", "filter": {"field": "stock", "op": "gt", "value": 0}, "sort": "-price"}
    response = api.post("/api/v1/tables/products/export/", {**body, "fields": "name,price,tags"})
    done = job(api, response)
    assert (done["kind"], done["result"]["rows"], done["result"]["format"]) == ("export", 2, "csv")
    assert done["result"]["download_url"] == f"/api/v1/automation/exports/{done['id']}/download/"
    download = _download(api, done)
    assert download["Content-Disposition"] == 'attachment; filename="products.csv"'
    text = b"".join(download.streaming_content).decode()
    assert list(csv.reader(io.StringIO(text))) == [
        ["id", "name", "price", "tags"],
        ["1", "Lamp", "19.90", '["new"]'],
        ["3", "Mug", "5.00", '["sale"]'],
    ]


def test_export_json_and_xlsx(api: Any, products: None) -> None:
    _seed(api)
    done = job(api, api.post("/api/v1/tables/products/export/", {"format": "json", "fields": "name,stock"}))
    exported = json.loads(b"".join(_download(api, done).streaming_content))
    assert exported == [{"id": 1, "name": "Lamp", "stock": 4}, {"id": 2, "name": "Desk", "stock": 0},
                        {"id": 3, "name": "Mug", "stock": 40}]  # fmt: skip
    done = job(api, api.post("/api/v1/tables/products/export/", {"format": "xlsx"}))
    workbook = load_workbook(io.BytesIO(b"".join(_download(api, done).streaming_content)))
    sheet = workbook.active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("id", "name", "sku", "price", "stock", "active", "tags", "created_at", "updated_at")
    assert [row[:5] for row in rows[1:]] == [(1, "Lamp", "L-1", 19.9, 4), (2, "Desk", "D-1", 120, 0),
                                             (3, "Mug", "M-1", 5, 40)]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"format": "pdf"}, "format"),
        ({"format": "csv", "sort": "nope"}, "sort"),
        ({"format": "csv", "fields": "ghost"}, "fields"),
        ({"format": "csv", "colour": "red"}, "colour"),
    ],
)
def test_bad_exports_are_refused(api: Any, products: None, body: dict[str, Any], field: str) -> None:
    response = api.post("/api/v1/tables/products/export/", body)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert api.get("/api/v1/automation/tasks/").json()["results"] == []


def test_export_downloads_stay_in_their_project(
    api: Any, products: None, member_api: Any, owner: Any, make_project: Any, project_api: Any
) -> None:
    _seed(api)
    done = job(api, api.post("/api/v1/tables/products/export/", {"format": "csv"}))
    assert member_api("viewer").get(done["result"]["download_url"]).status_code == 200
    other = project_api(make_project(owner, slug="other"), user=owner)
    assert other.get(done["result"]["download_url"]).status_code == 404
    assert api.get("/api/v1/automation/exports/not-a-job/download/").status_code == 404
    imported = job(api, upload(api, "/api/v1/tables/products/import/", "p.csv", b"name\nx\n"))
    assert api.get(f"/api/v1/automation/exports/{imported['id']}/download/").status_code == 404


def test_xlsx_export_keeps_formula_like_text_as_text(api: Any, products: None) -> None:
    api.post("/api/v1/tables/products/records/", {"name": '=HYPERLINK("http://evil.example")', "sku": "+1"})
    done = job(api, api.post("/api/v1/tables/products/export/", {"format": "xlsx", "fields": "name,sku"}))
    workbook = load_workbook(io.BytesIO(b"".join(_download(api, done).streaming_content)))
    sheet = workbook.active
    assert sheet is not None
    name = sheet.cell(row=2, column=2)
    assert (name.value, name.data_type) == ('=HYPERLINK("http://evil.example")', "s")


def test_old_export_and_import_files_are_pruned_and_the_download_says_so(api: Any, products: None) -> None:
    _seed(api)
    old = job(api, api.post("/api/v1/tables/products/export/", {"format": "csv"}))
    fresh = job(api, api.post("/api/v1/tables/products/export/", {"format": "json"}))
    root = Path(settings.VAR_DIR) / "transfers" / "shop"
    import_file = root / "imports" / "stray.csv"  # an upload whose job never ran (finished imports delete theirs)
    import_file.parent.mkdir(parents=True, exist_ok=True)
    import_file.write_bytes(b"name\nTeapot\n")
    eight_days_ago = time.time() - 8 * 86400
    old_file = root / "exports" / f"{old['id']}.csv"
    for path in (old_file, import_file):
        os.utime(path, (eight_days_ago, eight_days_ago))

    assert files_prune.apply().get() == 2  # the beat task, NOCODE_TRANSFER_FILES_DAYS = 7

    assert not old_file.exists()
    assert not import_file.exists()
    gone = api.get(old["result"]["download_url"])
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "EXPORT_NOT_FOUND")
    assert gone.json()["error"]["message"] == "The export file is no longer available; export again."
    assert _download(api, fresh).status_code == 200


# --- round trips: every export format imports back into the same table, for every field type -------------------

ROUND_TRIP_FIELDS: dict[str, tuple[dict[str, Any], list[Any]]] = {
    "text": ({"type": "text"}, ["Lamp, big", "=1+2"]),
    "long_text": ({"type": "long_text"}, ["two\nlines", "x" * 300]),
    "integer": ({"type": "integer"}, [5, -12345678901]),
    "decimal": ({"type": "decimal", "options": {"precision": 10, "scale": 2}}, ["19.90", "-3.00"]),
    "float": ({"type": "float"}, [1.5, -0.25]),
    "boolean": ({"type": "boolean"}, [True, False]),
    "date": ({"type": "date"}, ["2024-01-31", "1999-12-01"]),
    "datetime": ({"type": "datetime"}, ["2024-02-01T10:00:00Z", "2023-06-30T23:59:59Z"]),
    "email": ({"type": "email"}, ["ann@example.com", "b@x.org"]),
    "url": ({"type": "url"}, ["https://a.example/x?y=1", "http://b.example"]),
    "single_select": ({"type": "single_select", "options": {"choices": ["new", "on sale"]}}, ["new", "on sale"]),
    "multi_select": (
        {"type": "multi_select", "options": {"choices": ["new", "a,b", "on sale"]}},
        [["new", "a,b"], ["on sale"]],
    ),
    "json": ({"type": "json"}, [{"a": [1, 2], "b": None}, [1, "x"]]),
    "uuid": ({"type": "uuid"}, ["0b7e6c4c-9d3a-4c1e-8f4f-1f2a3b4c5d6e", "6f1d2e3c-4b5a-4978-8a6b-5c4d3e2f1a0b"]),
    "link": ({"type": "link", "options": {"target": "targets"}}, [1, 2]),
    "link_multiple": ({"type": "link", "options": {"target": "targets", "multiple": True}}, [[1, 2], [2]]),
    "file": ({"type": "file"}, [None, None]),  # uploaded, never imported: the column is ignored
}


def _export_bytes(api: Any, table: str, fmt: str, **body: Any) -> bytes:
    done = job(api, api.post(f"/api/v1/tables/{table}/export/", {"format": fmt, **body}))
    return b"".join(_download(api, done).streaming_content)


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
@pytest.mark.parametrize("kind", list(ROUND_TRIP_FIELDS))
def test_every_export_format_imports_back_for_every_field_type(api: Any, fmt: str, kind: str) -> None:
    definition, values = ROUND_TRIP_FIELDS[kind]
    make_table(api, "targets", [{"name": "title", "type": "text"}])
    assert (
        api.post("/api/v1/tables/targets/records/", {"records": [{"title": "t1"}, {"title": "t2"}]}).status_code == 201
    )
    make_table(api, "things", [{"name": "label", "type": "text"}, {"name": "value", **definition}])
    given = [{"label": f"r{i}", "value": v} for i, v in enumerate(values) if v is not None]
    given.append({"label": "empty"})
    assert api.post("/api/v1/tables/things/records/", {"records": given}).status_code == 201
    before = records(api, "things")
    exported = _export_bytes(api, "things", fmt)
    done = job(api, upload(api, "/api/v1/tables/things/import/", f"things.{fmt}", exported, mode="all_or_nothing"))
    assert (done["state"], done["result"]["imported"], done["result"]["errors"]) == ("succeeded", len(before), []), done
    after = records(api, "things")
    assert [r["id"] for r in after] == [r["id"] for r in before] + [r["id"] + len(before) for r in before]
    originals, copies = after[: len(before)], after[len(before) :]
    assert [(r["label"], r["value"]) for r in copies] == [(r["label"], r["value"]) for r in originals]
    assert originals == before


def test_csv_and_json_exports_write_timestamps_as_the_api_does(api: Any, products: None) -> None:
    api.post("/api/v1/tables/products/records/", {"name": "Lamp"})
    record = records(api, "products")[0]
    assert record["created_at"].endswith("Z")
    text = _export_bytes(api, "products", "csv", fields="name,created_at").decode()
    assert list(csv.reader(io.StringIO(text))) == [["id", "name", "created_at"], ["1", "Lamp", record["created_at"]]]
    exported = json.loads(_export_bytes(api, "products", "json", fields="created_at"))
    assert exported == [{"id": 1, "created_at": record["created_at"]}]


def test_export_keeps_the_order_of_fields(api: Any, products: None) -> None:
    _seed(api)
    text = _export_bytes(api, "products", "csv", fields="sku,name,price").decode()
    assert list(csv.reader(io.StringIO(text)))[:2] == [["id", "sku", "name", "price"], ["1", "L-1", "Lamp", "19.90"]]
    text = _export_bytes(api, "products", "csv", fields="price,id,name").decode()
    assert list(csv.reader(io.StringIO(text)))[:2] == [["price", "id", "name"], ["19.90", "1", "Lamp"]]
    sheet = load_workbook(io.BytesIO(_export_bytes(api, "products", "xlsx", fields="stock,name"))).active
    assert sheet is not None
    assert next(sheet.iter_rows(values_only=True)) == ("id", "stock", "name")


def test_finished_jobs_say_what_they_did(api: Any, products: None) -> None:
    done = job(api, upload(api, "/api/v1/tables/products/import/", "p.csv", csv_bytes(BAD_ROWS), mode="skip_invalid"))
    assert (done["state"], done["message"]) == ("succeeded", "Imported 2 rows; skipped 3 invalid rows")
    done = job(api, upload(api, "/api/v1/tables/products/import/", "p.csv", b"name\nx\ny\n", mode="all_or_nothing"))
    assert done["message"] == "Imported 2 rows"
    exported = job(api, api.post("/api/v1/tables/products/export/", {"format": "csv"}))
    assert exported["message"] == "Exported 4 rows"


def test_xlsx_into_a_new_table_infers_numbers_with_headroom_and_dates_as_dates(api: Any) -> None:
    sheet = xlsx_bytes(
        [
            ["Price", "Day", "Seen", "Count"],
            [1.5, date(2024, 1, 31), datetime(2024, 2, 1, 10, 30), 3],
            [22, date(2023, 12, 1), datetime(2024, 2, 2, 0, 0), 4],
        ]
    )
    done = job(api, upload(api, "/api/v1/automation/imports/", "p.xlsx", sheet, table="sheet", mode="all_or_nothing"))
    assert done["state"] == "succeeded", done
    assert [(f["name"], f["type"]) for f in done["result"]["fields"]] == [
        ("price", "decimal"),
        ("day", "date"),
        ("seen", "datetime"),
        ("count", "integer"),
    ]
    fields = {f["name"]: f for f in api.get("/api/v1/tables/sheet/").json()["fields"]}
    assert fields["price"]["options"] == {"precision": 18, "scale": 2}
    got = [(r["price"], r["day"], r["seen"]) for r in records(api, "sheet")]
    assert got == [("1.50", "2024-01-31", "2024-02-01T10:30:00Z"), ("22.00", "2023-12-01", "2024-02-02T00:00:00Z")]
    later = api.post("/api/v1/tables/sheet/records/", {"price": 123, "day": "2024-03-01"})
    assert (later.status_code, later.json()["price"]) == (201, "123.00")
