"""The commands as an operator runs them: real processes, real commits, exit statuses, SIGTERM."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from devstack.embedded import database_url_from_settings
from shared_apps.foundation.db.ddl import ddl_block
from shared_apps.foundation.db.schemas import in_schema
from tests.backups.archives import rewrite
from tests.backups.schema_fixtures import catalog, data, media_create, media_tree, rich_schema_create
from tests.conftest import schema_exists

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
REPO = Path(settings.REPO_DIR)


def _env(dirs: dict[str, Path]) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url_from_settings(connection.settings_dict),
        "DJANGO_SETTINGS_MODULE": "nocode.settings.test",
        "NOCODE_NO_BOOTSTRAP": "1",
        "MEDIA_ROOT": str(dirs["media"]),
        "NOCODE_BACKUP_DIR": str(dirs["backups"]),
        "NOCODE_VAR_DIR": str(dirs["var"]),
    }


def manage(dirs: dict[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=_env(dirs),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_backup_and_restore_processes(
    owner: Any, make_project: Any, tmp_path: Path, backup_dirs: dict[str, Path]
) -> None:
    make_project(owner, slug="shop")
    rich_schema_create("shop")
    files = media_create("shop")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    path = out_dir / "shop.zip"

    backup = manage(backup_dirs, "tenant_backup", "shop", "--output", str(path))
    assert (backup.returncode, backup.stderr) == (0, "")
    assert backup.stdout.startswith("Backup of shop: ")
    assert backup.stdout.endswith(f"-> {path}\n")
    assert [p.name for p in out_dir.iterdir()] == ["shop.zip"]

    restore = manage(backup_dirs, "tenant_restore", str(path), "--as", "shop-copy")
    assert (restore.returncode, restore.stderr) == (0, "")
    assert restore.stdout == "Restore as shop-copy: project shop-copy (schema shop_copy) is ready.\n"
    assert catalog("shop_copy") == catalog("shop")
    assert data("shop_copy") == data("shop")
    assert media_tree("shop_copy") == files

    missing = manage(backup_dirs, "tenant_backup", "nosuch")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "CommandError: No project 'nosuch'."

    def corrupt(content: dict[str, bytes]) -> None:
        name = next(n for n in content if n.endswith("t_customers.copy"))
        content[name] = content[name].replace(b"Ann", b"Bob")

    bad = manage(
        backup_dirs, "tenant_restore", str(rewrite(path, tmp_path / "bad.zip", change=corrupt)), "--as", "again"
    )
    assert bad.returncode == 1
    assert "Restore as again failed: Backup file is corrupt: checksum mismatch in data/" in bad.stderr
    assert not schema_exists("again")


def test_sigterm_during_a_backup_leaves_no_file(
    owner: Any, make_project: Any, tmp_path: Path, backup_dirs: dict[str, Path]
) -> None:
    make_project(owner, slug="big")
    with in_schema("big"), ddl_block() as cursor:
        cursor.execute(
            "CREATE TABLE t_rows AS SELECT g AS id, md5(g::text) AS label FROM generate_series(1, 1500000) g"
        )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "tenant_backup", "big", "--output", str(out_dir / "big.zip")],
        cwd=REPO,
        env=_env(backup_dirs),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not any(out_dir.iterdir()) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    assert process.poll() is None, "the backup finished before it could be interrupted"
    time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "CommandError: Backup of big interrupted; nothing was left behind." in stderr
    assert list(out_dir.iterdir()) == []
