"""Link values (many-to-one, many-to-many) and file attachments stored per project."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from tests.conftest import Api
from tests.data_schemas.helpers import create_table, delete_with, rows


@pytest.fixture
def shop_links(api: Api) -> None:
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
    api.post("/api/v1/tables/customers/records/", {"records": [{"name": "ann"}, {"name": "bob"}]})
    api.post("/api/v1/tables/tags/records/", {"records": [{"label": "x"}, {"label": "y"}]})


def test_link_values_round_trip(api: Api, shop_links: None) -> None:
    order = api.post("/api/v1/tables/orders/records/", {"customer": 2, "tags": [2, 1, 2]})
    assert order.status_code == 201
    assert (order.json()["customer"], order.json()["tags"]) == (2, [2, 1])
    updated = api.patch("/api/v1/tables/orders/records/1/", {"tags": [1]}).json()
    assert updated["tags"] == [1]
    assert api.patch("/api/v1/tables/orders/records/1/", {"tags": None}).json()["tags"] == []


def test_links_to_missing_records_are_400_and_nothing_written(api: Api, shop_links: None) -> None:
    response = api.post(
        "/api/v1/tables/orders/records/", {"records": [{"customer": 1}, {"customer": 9, "tags": [1, 7, 8]}]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "records.1.customer": ["No record with id 9 in 'customers'."],
        "records.1.tags": ["No record with id 7, 8 in 'tags'."],
    }
    assert rows("shop", "SELECT count(*) FROM t_orders") == [(0,)]
    bad_type = api.post("/api/v1/tables/orders/records/", {"customer": "1", "tags": 1})
    assert bad_type.json()["error"]["fields"] == {
        "customer": ["Expected a record id (a positive integer)."],
        "tags": ["Expected a list of record ids."],
    }


def test_a_bad_link_and_a_bad_value_are_reported_together(api: Api, shop_links: None) -> None:
    assert api.post("/api/v1/tables/orders/fields/", {"name": "qty", "type": "integer"}).status_code == 201
    response = api.post("/api/v1/tables/orders/records/", {"customer": 9, "tags": [1, 7], "qty": "many"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "qty": ["Expected an integer."],
        "customer": ["No record with id 9 in 'customers'."],
        "tags": ["No record with id 7 in 'tags'."],
    }
    assert rows("shop", "SELECT count(*) FROM t_orders") == [(0,)]


def test_deleting_a_linked_record_unlinks_it(api: Api, shop_links: None) -> None:
    api.post("/api/v1/tables/orders/records/", {"customer": 1, "tags": [1, 2]})
    assert api.delete("/api/v1/tables/customers/records/1/").status_code == 204
    assert delete_with(api, "/api/v1/tables/tags/records/", {"ids": [1]}).status_code == 200
    order = api.get("/api/v1/tables/orders/records/1/").json()
    assert (order["customer"], order["tags"]) == (None, [2])


def test_required_link_blocks_deleting_its_target(api: Api, shop_links: None) -> None:
    api.post("/api/v1/tables/orders/records/", {"customer": 1})
    assert api.patch("/api/v1/tables/orders/fields/customer/", {"required": True}).status_code == 200
    response = api.delete("/api/v1/tables/customers/records/1/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "RECORD_IN_USE"
    assert rows("shop", "SELECT count(*) FROM t_customers") == [(2,)]


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return tmp_path


@pytest.fixture
def docs(api: Api, media: Path) -> None:
    create_table(api, "docs", [{"name": "title", "type": "text"}, {"name": "scan", "type": "file"}])
    api.post("/api/v1/tables/docs/records/", {"title": "contract"})


def _upload(api: Api, path: str, name: str, content: bytes, content_type: str = "text/plain") -> Any:
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    with TestCase.captureOnCommitCallbacks(execute=True):  # as Api does: run on_commit hooks like a real commit
        return api.client.post(path, {"file": upload}, HTTP_HOST=api.host, **api.headers)  # type: ignore[arg-type]


def test_upload_download_replace_and_clear_a_file(api: Api, docs: None, media: Path) -> None:
    url = "/api/v1/tables/docs/records/1/files/scan/"
    uploaded = _upload(api, url, "../../etc/passwd one.txt", b"hello")
    assert uploaded.status_code == 200, uploaded.json()
    scan = uploaded.json()["scan"]
    assert (scan["name"], scan["size"], scan["content_type"], scan["url"]) == ("passwd_one.txt", 5, "text/plain", url)
    stored = list(media.rglob("*.txt"))
    assert len(stored) == 1
    assert stored[0].relative_to(media).parts[0] == "shop"  # per-project directory
    assert "path" not in api.get("/api/v1/tables/docs/records/1/").json()["scan"]

    download = api.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"hello"
    assert download["Content-Disposition"].startswith("attachment")

    replaced = _upload(api, url, "v2.txt", b"second")
    assert replaced.json()["scan"]["name"] == "v2.txt"
    assert [p.name for p in media.rglob("*.txt")] == ["v2.txt"]

    assert api.delete(url).status_code == 204
    assert api.get("/api/v1/tables/docs/records/1/").json()["scan"] is None
    assert list(media.rglob("*.txt")) == []
    assert api.get(url).status_code == 404

    _upload(api, url, "v3.txt", b"third")
    assert api.patch("/api/v1/tables/docs/records/1/", {"scan": None}).json()["scan"] is None  # null clears too
    assert list(media.rglob("*.txt")) == []


def test_file_errors(api: Api, docs: None, media: Path, settings: Any) -> None:
    assert api.post("/api/v1/tables/docs/records/1/files/scan/", {}).status_code == 400  # no file part
    assert _upload(api, "/api/v1/tables/docs/records/9/files/scan/", "a.txt", b"x").status_code == 404
    assert _upload(api, "/api/v1/tables/docs/records/1/files/title/", "a.txt", b"x").status_code == 404
    odd_name = _upload(api, "/api/v1/tables/docs/records/1/files/scan/", "%%%.", b"x")
    assert odd_name.json()["scan"]["name"] == "file"
    api.delete("/api/v1/tables/docs/records/1/files/scan/")
    settings.NOCODE = {**settings.NOCODE, "FILE_MAX_BYTES": 3}
    too_big = _upload(api, "/api/v1/tables/docs/records/1/files/scan/", "a.txt", b"four")
    assert too_big.status_code == 400
    assert too_big.json()["error"]["code"] == "FILE_TOO_LARGE"
    assert list(media.rglob("*.txt")) == []
    json_write = api.patch("/api/v1/tables/docs/records/1/", {"scan": {"path": "../../secret"}})
    assert json_write.status_code == 400
    assert rows("shop", "SELECT scan FROM t_docs") == [(None,)]


def test_deleting_records_and_fields_removes_their_files(api: Api, docs: None, media: Path) -> None:
    _upload(api, "/api/v1/tables/docs/records/1/files/scan/", "a.txt", b"a")
    api.post("/api/v1/tables/docs/records/", {"title": "second"})
    _upload(api, "/api/v1/tables/docs/records/2/files/scan/", "b.txt", b"b")
    assert api.delete("/api/v1/tables/docs/records/1/").status_code == 204
    assert [p.name for p in media.rglob("*.txt")] == ["b.txt"]
    assert api.delete("/api/v1/tables/docs/fields/scan/?confirm=scan").status_code == 204
    assert list(media.rglob("*.txt")) == []


def test_viewer_downloads_but_cannot_upload(api: Api, docs: None, member_api: Any) -> None:
    _upload(api, "/api/v1/tables/docs/records/1/files/scan/", "a.txt", b"a")
    viewer = member_api("viewer")
    assert viewer.get("/api/v1/tables/docs/records/1/files/scan/").status_code == 200
    assert _upload(viewer, "/api/v1/tables/docs/records/1/files/scan/", "b.txt", b"b").status_code == 403
    assert viewer.delete("/api/v1/tables/docs/records/1/files/scan/").status_code == 403
