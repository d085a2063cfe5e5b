"""Retention: keep the newest backup of each of the last N days and M weeks; `tenant_backups` lists and prunes."""

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from shared_apps.backups.models import Backup
from shared_apps.backups.retention import backups_to_keep
from shared_apps.backups.services import backup_create, backup_create_for_schema

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # a Tuesday


def _at(days: float, hour: int = 1) -> datetime:
    return (NOW - timedelta(days=days)).replace(hour=hour)


def test_keeps_newest_of_each_day_and_week() -> None:
    backups = [
        (1, _at(0, 3)),  # Tue 24 Nov, ISO week 48
        (2, _at(0, 1)),  # same day as 1, older
        (3, _at(1)),  # Mon 23, week 48
        (4, _at(2)),  # Sun 22, week 47
        (5, _at(8)),  # Mon 16, week 47, older than 4
        (6, _at(9)),  # Sun 15, week 46
        (7, _at(15)),  # Mon 9, week 46, older than 6
        (8, _at(40)),  # Thu 15 Oct, week 42
    ]
    assert backups_to_keep(backups, keep_daily=2, keep_weekly=0) == {1, 3}
    assert backups_to_keep(backups, keep_daily=0, keep_weekly=3) == {1, 4, 6}
    assert backups_to_keep(backups, keep_daily=3, keep_weekly=4) == {1, 3, 4, 6, 8}
    assert backups_to_keep([], keep_daily=3, keep_weekly=3) == set()


def test_days_are_counted_among_days_that_have_backups() -> None:
    # Two backups 30 days apart: keep-daily 2 keeps both (the newest of the last 2 days that HAVE a backup).
    assert backups_to_keep([(1, _at(0)), (2, _at(30))], keep_daily=2, keep_weekly=0) == {1, 2}


def _stored(shop: Any, created_at: datetime, backup_dirs: dict[str, Path], status: str = "succeeded") -> Backup:
    key = f"shop/shop-{created_at:%Y%m%dT%H%M%S}.zip"
    path = backup_dirs["backups"] / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"zip")
    return Backup.objects.create(
        project=shop, project_slug=shop.slug, trigger="schedule", status=status, storage_key=key, created_at=created_at
    )


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("tenant_backups", *args, stdout=out)
    return out.getvalue()


def test_prune_deletes_files_and_records(
    owner: Any, make_project: Any, backup_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = make_project(owner, slug="shop")
    other = make_project(owner, slug="other")
    monkeypatch.setattr("shared_apps.backups.services.timezone.now", lambda: NOW)
    kept = [_stored(shop, _at(0), backup_dirs), _stored(shop, _at(1), backup_dirs)]
    doomed = [_stored(shop, _at(0, 0), backup_dirs), _stored(shop, _at(3), backup_dirs)]
    failed = Backup.objects.create(project=shop, project_slug="shop", trigger="api", status="failed", created_at=_at(3))
    running = Backup.objects.create(
        project=shop, project_slug="shop", trigger="api", status="running", created_at=_at(9)
    )
    other_backup = _stored(other, _at(5), backup_dirs)

    preview = run("--prune", "--keep-daily", "2", "--keep-weekly", "0", "--project", "shop", "--dry-run")
    assert preview.splitlines()[0] == "Would delete 3 backups, kept 2."
    assert Backup.objects.count() == 7

    output = run("--prune", "--keep-daily", "2", "--keep-weekly", "0", "--project", "shop")
    assert output.splitlines()[0] == "Deleted 3 backups, kept 2."
    remaining = set(Backup.objects.values_list("pk", flat=True))
    assert remaining == {kept[0].pk, kept[1].pk, running.pk, other_backup.pk}
    assert failed.pk not in remaining
    for backup in doomed:
        assert not (backup_dirs["backups"] / backup.storage_key).exists()
    for backup in [*kept, other_backup]:
        assert (backup_dirs["backups"] / backup.storage_key).exists()


def test_prune_refuses_to_keep_nothing(db: None) -> None:
    with pytest.raises(CommandError, match="Keep at least one backup"):
        run("--prune", "--keep-daily", "0", "--keep-weekly", "0")
    with pytest.raises(CommandError, match="go with --prune"):
        run("--keep-daily", "3")


def test_list_shows_backups_newest_first(owner: Any, make_project: Any) -> None:
    shop = make_project(owner, slug="shop")
    first = backup_create(project=shop)
    second = backup_create(project=shop)
    lines = run("--project", "shop").splitlines()
    assert lines[0].split() == ["id", "project", "created", "(UTC)", "status", "trigger", "size", "rows", "file"]
    assert [line.split()[0] for line in lines[1:]] == [str(second.pk), str(first.pk)]
    assert second.storage_key in lines[1]
    assert "succeeded" in lines[1]
    assert " cli " in lines[1]
    assert run("--project", "nothing").splitlines()[1:] == []


def test_nightly_entry_point_backs_up_by_schema(owner: Any, make_project: Any) -> None:
    shop = make_project(owner, slug="shop")
    result = backup_create_for_schema(schema_name="shop")
    backup = Backup.objects.get()
    assert result["backup_id"] == backup.pk
    assert result["status"] == "succeeded"
    assert backup.trigger == "schedule"
    assert result["storage_key"] == backup.storage_key
    assert result["tables"] == backup.summary["tables"]
    Backup.objects.create(project=shop, project_slug="shop", trigger="api", status="pending")
    assert backup_create_for_schema(schema_name="shop") == {
        "skipped": "A backup of project 'shop' is already in progress."
    }


def test_abandoned_backups_do_not_block_new_ones(owner: Any, make_project: Any) -> None:
    shop = make_project(owner, slug="shop")
    stale = Backup.objects.create(
        project=shop, project_slug="shop", trigger="api", status="running", created_at=NOW - timedelta(days=2)
    )
    backup = backup_create(project=shop)
    stale.refresh_from_db()
    assert (stale.status, backup.status) == ("failed", "succeeded")
    assert stale.error.startswith("Abandoned")


def test_nightly_job_runs_in_the_project_schema_and_uses_the_service(owner: Any, make_project: Any) -> None:
    from shared_apps.foundation.db.schemas import in_schema
    from shared_apps.operations.services import project_backup

    make_project(owner, slug="shop")
    with in_schema("shop"):
        result = project_backup()
    backup = Backup.objects.get()
    assert (result["status"], result["backup_id"], backup.trigger) == ("succeeded", backup.pk, "schedule")
