"""`tenant_backup`: a recorded file in the storage or a file at --output; progress on a terminal only; a failure
exits with a clear message and leaves no file."""

import hashlib
import io
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from shared_apps.backups import dump
from shared_apps.backups.models import Backup
from shared_apps.foundation.db.ddl import ddl_block
from shared_apps.foundation.db.schemas import in_schema
from tests.backups.schema_fixtures import rich_schema_create, table_names


@pytest.fixture
def shop(owner: Any, make_project: Any) -> Any:
    project = make_project(owner, slug="shop")
    rich_schema_create("shop")
    return project


def run(*args: str, **options: Any) -> str:
    out = io.StringIO()
    call_command("tenant_backup", *args, stdout=out, **options)
    return out.getvalue()


def test_backup_into_the_storage_is_recorded(shop: Any, backup_dirs: dict[str, Path]) -> None:
    output = run("shop")
    backup = Backup.objects.get()
    stored = backup_dirs["backups"] / backup.storage_key
    assert (backup.status, backup.trigger, backup.project_id, backup.project_slug) == (
        "succeeded",
        "cli",
        shop.pk,
        "shop",
    )
    assert backup.storage_key.startswith("shop/shop-")
    assert backup.storage_key.endswith(f"-{backup.pk}.zip")
    assert stored.stat().st_size == backup.size_bytes
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == backup.sha256
    assert stored.stat().st_mode & 0o777 == 0o600
    tables = len(table_names("shop"))
    assert backup.summary["tables"] == tables
    assert backup.summary["rows"] > 10
    assert backup.summary["format_version"] == 1
    assert output.splitlines() == [
        f"Backup of shop: {tables} tables, {backup.summary['rows']} rows, 0 files "
        f"({output.split('(')[1].split(')')[0]}) -> backup {backup.pk}: {backup.storage_key}"
    ]
    assert [p.name for p in backup_dirs["backups"].iterdir()] == ["shop"]  # no staged leftovers
    assert zipfile.ZipFile(stored).testzip() is None


def test_progress_bar_only_on_a_terminal(shop: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    quiet = run("shop", output=str(tmp_path / "a.zip"))
    assert "\r" not in quiet
    assert "[" not in quiet
    assert len(quiet.splitlines()) == 1
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    shown = run("shop", output=str(tmp_path / "b.zip"))
    assert "\rBackup of shop [" in shown
    assert "##############################] 100%  done" in shown
    assert run("shop", output=str(tmp_path / "c.zip"), verbosity=0) == ""


def test_failure_leaves_no_file_and_says_why(
    shop: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backup_dirs: dict[str, Path]
) -> None:
    real = dump._copy_out
    calls = []

    def fail_on_third_table(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(*args)

    monkeypatch.setattr(dump, "_copy_out", fail_on_third_table)
    target = tmp_path / "out" / "shop.zip"
    target.parent.mkdir()
    with pytest.raises(CommandError, match=r"Backup of shop failed: OSError: \[Errno 28\] No space left on device"):
        run("shop", output=str(target))
    assert list(target.parent.iterdir()) == []

    calls.clear()
    with pytest.raises(CommandError, match="No space left on device"):
        run("shop")
    backup = Backup.objects.get()
    assert (backup.status, backup.storage_key, backup.size_bytes) == ("failed", "", None)
    assert backup.error == "OSError: [Errno 28] No space left on device"
    assert not backup_dirs["backups"].exists() or list(backup_dirs["backups"].rglob("*")) == []


def test_unknown_project_and_directory_output_are_refused(shop: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No project 'nosuch'"):
        run("nosuch")
    with pytest.raises(CommandError, match="is a directory; give a file name"):
        run("shop", output=str(tmp_path))


def test_objects_the_backup_cannot_represent_are_listed(shop: Any, tmp_path: Path) -> None:
    with in_schema("shop"), ddl_block() as cursor:
        cursor.execute("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'")
        cursor.execute("CREATE TRIGGER t_orders_touch BEFORE UPDATE ON t_orders FOR EACH ROW EXECUTE FUNCTION touch()")
        cursor.execute("CREATE VIEW v_orders AS SELECT id FROM t_orders")
        cursor.execute("CREATE DOMAIN positive AS integer CHECK (VALUE > 0)")
    with pytest.raises(CommandError) as caught:
        run("shop", output=str(tmp_path / "x.zip"))
    message = str(caught.value)
    assert "Schema 'shop' holds objects the backup cannot represent:" in message
    for expected in (
        "function touch()",
        "trigger t_orders_touch on t_orders",
        "view v_orders",
        "type positive (domain)",
    ):
        assert expected in message
    assert list(tmp_path.iterdir()) == []


def test_a_second_backup_while_one_runs_is_refused(shop: Any) -> None:
    Backup.objects.create(project=shop, project_slug="shop", trigger="api", status="running")
    with pytest.raises(CommandError, match="A backup of project 'shop' is already in progress"):
        run("shop")
    assert Backup.objects.count() == 1
