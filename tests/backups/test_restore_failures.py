"""A restore refuses bad files with a clear message and never leaves a half-restored project."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from shared_apps.backups import load
from shared_apps.foundation.db.ddl import ddl_block
from shared_apps.foundation.db.schemas import in_schema
from tenants.models import Domain, Project, ProjectMembership
from tests.backups.archives import manifest, rewrite, sha256
from tests.backups.schema_fixtures import data, media_create, media_tree, rich_schema_create
from tests.conftest import schema_exists


@pytest.fixture
def backup_path(owner: Any, make_project: Any, tmp_path: Path) -> Path:
    make_project(owner, slug="shop")
    rich_schema_create("shop")
    media_create("shop")
    path = tmp_path / "shop.zip"
    call_command("tenant_backup", "shop", output=str(path), verbosity=0)
    return path


def assert_nothing_restored(slug: str = "shop-copy") -> None:
    schema = slug.replace("-", "_")
    assert not schema_exists(schema)
    assert not Project.objects.filter(slug=slug).exists()
    assert not Domain.objects.filter(domain=f"{slug}.localhost").exists()
    assert not ProjectMembership.objects.filter(project__slug=slug).exists()
    media_root = Path(settings.MEDIA_ROOT)
    assert not (media_root / schema).exists()
    if media_root.exists():
        assert [p.name for p in media_root.iterdir() if p.name.startswith(".")] == []  # no staging directories
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", [f"{schema}%"])
        assert cursor.fetchone()[0] == 0


def restore_error(path: Path, slug: str = "shop-copy") -> str:
    with pytest.raises(CommandError) as caught:
        call_command("tenant_restore", str(path), new_slug=slug, verbosity=0)
    return str(caught.value)


def test_unknown_format_version_is_refused(backup_path: Path, tmp_path: Path) -> None:
    future = rewrite(backup_path, tmp_path / "future.zip", manifest_change=lambda m: m.update(format_version=2))
    message = restore_error(future)
    assert "Unknown backup format version 2: this code reads version 1" in message
    assert_nothing_restored()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"not a zip at all", "is not a zip archive"),
        (None, "manifest.json is missing"),
    ],
)
def test_not_a_backup_is_refused(tmp_path: Path, owner: Any, content: bytes | None, expected: str) -> None:
    path = tmp_path / "bad.zip"
    if content is None:
        import zipfile

        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("hello.txt", "hi")
    else:
        path.write_bytes(content)
    assert expected in restore_error(path)
    assert_nothing_restored()


def _corrupt_customers(content: dict[str, bytes]) -> None:
    name = next(n for n in content if n.startswith("data/") and n.endswith("t_customers.copy"))
    assert b"Ann" in content[name]
    content[name] = content[name].replace(b"Ann", b"Bob")


def test_corrupt_table_data_is_refused(backup_path: Path, tmp_path: Path) -> None:
    corrupt = rewrite(backup_path, tmp_path / "corrupt.zip", change=_corrupt_customers)
    message = restore_error(corrupt)
    assert "checksum mismatch in data/" in message
    assert "t_customers.copy" in message
    assert "Nothing was restored" in message
    assert_nothing_restored()


def test_row_count_mismatch_is_refused(backup_path: Path, tmp_path: Path) -> None:
    def more_rows(m: dict[str, Any]) -> None:
        next(t for t in m["tables"] if t["name"] == "t_customers")["rows"] += 1

    message = restore_error(rewrite(backup_path, tmp_path / "rows.zip", manifest_change=more_rows))
    assert "t_customers has 3 rows, the manifest says 4" in message
    assert_nothing_restored()


def test_corrupt_media_file_is_refused(backup_path: Path, tmp_path: Path) -> None:
    def corrupt(content: dict[str, bytes]) -> None:
        content["media/attachments/2/notes.txt"] = b"changed"

    message = restore_error(rewrite(backup_path, tmp_path / "media.zip", change=corrupt))
    assert "checksum mismatch in media/attachments/2/notes.txt" in message
    assert_nothing_restored()


def test_member_paths_escaping_the_media_directory_are_refused(backup_path: Path, tmp_path: Path) -> None:
    def escape(m: dict[str, Any]) -> None:
        m["media"][0]["path"] = "../../escaped.txt"

    message = restore_error(rewrite(backup_path, tmp_path / "slip.zip", manifest_change=escape))
    assert "Not a valid backup file: bad member name '../../escaped.txt'" in message
    assert not (Path(settings.MEDIA_ROOT).parent / "escaped.txt").exists()
    assert_nothing_restored()


@pytest.mark.parametrize(
    "statement",
    ["DROP SCHEMA public CASCADE", "CREATE TABLE x (a integer); DROP SCHEMA public CASCADE"],
)
def test_unexpected_statements_are_refused(backup_path: Path, tmp_path: Path, statement: str) -> None:
    ddl: dict[str, Any] = {}

    def inject(content: dict[str, bytes]) -> None:
        ddl.update(json.loads(content["schema.json"]))
        ddl["pre_data"].append(statement)
        content["schema.json"] = json.dumps(ddl).encode()

    def fix_checksum(m: dict[str, Any]) -> None:
        m["ddl"]["sha256"] = sha256(json.dumps(ddl).encode())

    message = restore_error(rewrite(backup_path, tmp_path / "sql.zip", change=inject, manifest_change=fix_checksum))
    assert "unexpected statement in schema.json" in message
    assert schema_exists("public")
    assert_nothing_restored()


def test_backup_from_newer_code_is_refused(backup_path: Path, tmp_path: Path) -> None:
    def future(m: dict[str, Any]) -> None:
        m["migrations"].append("contenttypes.9999_from_the_future")

    message = restore_error(rewrite(backup_path, tmp_path / "newer.zip", manifest_change=future))
    assert "written by newer code" in message
    assert "contenttypes.9999_from_the_future" in message
    assert_nothing_restored()


def test_slug_taken_and_invalid_slug_are_refused(backup_path: Path, owner: Any, make_project: Any) -> None:
    make_project(owner, slug="taken")
    assert "Project 'taken' already exists" in restore_error(backup_path, "taken")
    assert "Invalid project slug" in restore_error(backup_path, "Bad_Slug")
    assert_nothing_restored("bad-slug")


def test_unknown_organization_is_refused(backup_path: Path, tmp_path: Path) -> None:
    def elsewhere(m: dict[str, Any]) -> None:
        m["project"]["organization"] = "ghost-org"

    message = restore_error(rewrite(backup_path, tmp_path / "org.zip", manifest_change=elsewhere))
    assert "Organization 'ghost-org' of the backup does not exist here" in message
    assert_nothing_restored()


def test_failure_after_the_data_is_loaded_leaves_nothing(backup_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = load.script_execute

    def fail_on_indexes(*, cursor: Any, script: str) -> None:
        if script.startswith("CREATE INDEX"):
            raise RuntimeError("injected failure in the post-data section")
        real(cursor=cursor, script=script)

    monkeypatch.setattr(load, "script_execute", fail_on_indexes)
    assert "injected failure in the post-data section" in restore_error(backup_path)
    assert_nothing_restored()


def test_media_directory_in_the_way_is_refused(backup_path: Path) -> None:
    occupied = Path(settings.MEDIA_ROOT) / "shop_copy"
    occupied.mkdir(parents=True)
    (occupied / "stale.txt").write_text("stale")
    assert "shop_copy already exists and is not empty" in restore_error(backup_path)
    assert not schema_exists("shop_copy")
    assert not Project.objects.filter(slug="shop-copy").exists()
    assert [p.name for p in occupied.iterdir()] == ["stale.txt"]


def test_mode_is_required_and_exclusive(backup_path: Path) -> None:
    with pytest.raises(CommandError, match="one of the arguments --as --replace is required"):
        call_command("tenant_restore", str(backup_path))
    with pytest.raises(CommandError, match="not allowed with argument"):
        call_command("tenant_restore", str(backup_path), "--as", "x-copy", "--replace")


def test_replace_of_a_missing_project_points_to_as(backup_path: Path, tmp_path: Path) -> None:
    def other(m: dict[str, Any]) -> None:
        m["project"]["slug"] = "gone"

    with pytest.raises(CommandError, match="Project 'gone' does not exist; restore the backup under a new name"):
        call_command(
            "tenant_restore", str(rewrite(backup_path, tmp_path / "g.zip", manifest_change=other)), replace=True
        )


def test_failed_replace_leaves_the_project_as_it_was(backup_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with in_schema("shop"), ddl_block() as cursor:
        cursor.execute("INSERT INTO t_customers (email) VALUES ('after-backup@example.com')")
    (Path(settings.MEDIA_ROOT) / "shop" / "after-backup.txt").write_text("kept")
    before_data, before_media = data("shop"), media_tree("shop")

    def broken_verify(schema_name: str, manifest: Any) -> None:
        assert schema_exists(schema_name)  # the incoming schema was fully loaded beside the live one
        raise RuntimeError("injected verification failure")

    monkeypatch.setattr(load, "_verify", broken_verify)
    with pytest.raises(CommandError, match="injected verification failure"):
        call_command("tenant_restore", str(backup_path), replace=True, verbosity=0)
    assert data("shop") == before_data
    assert media_tree("shop") == before_media
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'shop%%' ORDER BY 1")
        assert [row[0] for row in cursor.fetchall()] == ["shop"]
    assert [p.name for p in Path(settings.MEDIA_ROOT).iterdir()] == ["shop"]


def test_manifest_rows_and_checksums_describe_the_files(backup_path: Path) -> None:
    m = manifest(backup_path)
    customers = next(t for t in m["tables"] if t["name"] == "t_customers")
    assert (customers["rows"], customers["columns"]) == (3, ["id", "email", "name"])
    assert m["format"] == "nocode-project-backup"
    assert m["format_version"] == 1
    assert m["project"] == {"slug": "shop", "name": "Project", "organization": m["project"]["organization"]}
    assert sorted(x["path"] for x in m["media"]) == ["attachments/1/report.pdf", "attachments/2/notes.txt", "empty.bin"]
    assert {s["name"]: (s["last_value"], s["is_called"]) for s in m["sequences"]}["t_invoice_numbers"] == (120, True)


def test_unknown_file_or_backup_id_is_refused(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"No backup file or recorded backup '.*missing\.zip'"):
        call_command("tenant_restore", str(tmp_path / "missing.zip"), new_slug="shop-copy")
    with pytest.raises(CommandError, match="No backup file or recorded backup '424242'"):
        call_command("tenant_restore", "424242", new_slug="shop-copy")
