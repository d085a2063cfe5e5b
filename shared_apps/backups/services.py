"""Writes for backups: create (CLI, nightly job), start (API, as a task), run, restore, clone and prune.

See docs/backup.md for the file format, the guarantees and the measured cost.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from shared_apps.accounts.models import User
from shared_apps.backups.codes import BackupsCode
from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.db.schemas import in_public
from shared_apps.foundation.exceptions import Conflict, DomainError, NotFound, ValidationFailed
from shared_apps.foundation.leases import (
    LeaseSweep,
    lease_claimable,
    lease_grant,
    lease_heartbeat,
    lease_queue,
    lease_release,
    lease_seconds,
)
from shared_apps.foundation.tasks import TRANSIENT_ERRORS, task_publish_in_schema
from tenants.models import Domain, Project
from tenants.roles import require_capability
from tenants.services import slug_validate

from .archive import Manifest
from .dump import project_dump
from .load import restore_as, restore_replace
from .models import ACTIVE_STATUSES, Backup, BackupStatus, BackupTrigger
from .progress import Progress, no_progress
from .retention import backups_to_keep
from .selectors import MANAGE_MESSAGE
from .storage import (
    PARTIAL_PREFIX,
    backup_storage,
    local_copy,
    publish_to_path,
    publish_to_storage,
    staged_path,
    staging_directory,
)

logger = logging.getLogger(__name__)


def _compresslevel() -> int:
    return int(settings.NOCODE["BACKUP_COMPRESSLEVEL"])


def _scratch_directory() -> Path:
    """Temporary files (clones, downloads from remote storage); swept by the temp-file cleanup job."""
    return Path(settings.VAR_DIR) / "tmp"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _error_text(exc: BaseException) -> str:
    return exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"[:2000]


# --- backing up -------------------------------------------------------------------------------------------------


def backup_write_to_path(*, project: Project, output: Path, progress: Progress = no_progress) -> Manifest:
    """`tenant_backup --output`: write the archive to `output` (atomically: temp file beside it, then rename). Not
    recorded as a Backup: the file is the caller's to keep."""
    if output.is_dir():
        raise ValidationFailed(f"{output} is a directory; give a file name.", code=BackupsCode.OUTPUT_INVALID)
    with staged_path(output.parent) as staged:
        manifest = project_dump(project=project, path=staged, compresslevel=_compresslevel(), progress=progress)
        publish_to_path(staged, output)
    return manifest


def _abandoned_release(*, project: Project) -> None:
    """Backups still running long after they started lost their worker: mark them failed so new ones can start."""
    cutoff = timezone.now() - timedelta(seconds=int(settings.NOCODE["BACKUP_STALE_SECONDS"]))
    Backup.objects.filter(project=project, status__in=ACTIVE_STATUSES, created_at__lt=cutoff).update(
        status=BackupStatus.FAILED, error="Abandoned (no progress; the worker probably stopped).", finished_at=cutoff
    )


def _backup_open(*, project: Project, trigger: str, created_by: User | None) -> Backup:
    with in_public():
        _abandoned_release(project=project)
        try:
            with transaction.atomic():
                return Backup.objects.create(
                    project=project, project_slug=project.slug, trigger=trigger, created_by=created_by
                )
        except IntegrityError as exc:
            raise Conflict(
                f"A backup of project '{project.slug}' is already in progress.", code=BackupsCode.BACKUP_IN_PROGRESS
            ) from exc


def _storage_key(backup: Backup) -> str:
    stamp = backup.created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{backup.project_slug}/{backup.project_slug}-{stamp}-{backup.pk}.zip"


def _backup_claim(backup_id: int, owner: str) -> tuple[Backup | None, bool]:
    """(the row, whether `owner` claimed it): a pending backup, or a running one whose lease `owner` holds (a
    redelivery of the same task) or whose lease expired (its worker died; the lease sweeper re-enqueued it)."""
    with transaction.atomic():
        backup = Backup.objects.select_for_update(of=("self",)).select_related("project").filter(pk=backup_id).first()
        if backup is None:
            return None, False
        leased = backup.lease_expires_at is not None and lease_claimable(backup, owner=owner)
        if not (backup.status == BackupStatus.PENDING or (backup.status == BackupStatus.RUNNING and leased)):
            return backup, False
        backup.status, backup.started_at = BackupStatus.RUNNING, timezone.now()
        backup.attempts += 1
        fields = lease_grant(backup, owner=owner, seconds=lease_seconds())
        backup.save(update_fields=["status", "started_at", "attempts", *fields])
    return backup, True


def backup_run(*, backup_id: int, progress: Progress = no_progress, owner: str = "") -> Backup:
    """Execute a pending backup into the backup storage (the task's body). Only the caller that claims the row
    (pending -> running, with a lease kept alive while it runs) runs it: a duplicate message returns the row as it
    is; a run whose worker died is re-enqueued by the lease sweeper once its lease expired. On failure the row is
    marked failed with the error, no file is left, and the error is re-raised; a database or broker error leaves
    the row running for the task's retry (same task: it may claim again) or the sweeper."""
    with in_public():
        backup, claimed = _backup_claim(backup_id, owner or "direct")
        if backup is None:
            raise NotFound("No such backup.", code=BackupsCode.BACKUP_NOT_FOUND)
        if not claimed:
            return backup
        started = time.perf_counter()
        try:
            if backup.project is None:
                raise NotFound("The project was deleted before its backup ran.", code=CommonCode.PROJECT_NOT_FOUND)
            with lease_heartbeat(model=Backup, pk=backup.pk, owner=backup.lease_owner), \
                    staged_path(staging_directory()) as staged:  # fmt: skip
                manifest = project_dump(
                    project=backup.project, path=staged, compresslevel=_compresslevel(), progress=progress
                )
                size, sha256 = staged.stat().st_size, _file_sha256(staged)
                key = publish_to_storage(staged, _storage_key(backup))
        except TRANSIENT_ERRORS:
            raise
        except BaseException as exc:
            backup.status, backup.error, backup.finished_at = BackupStatus.FAILED, _error_text(exc), timezone.now()
            backup.save(update_fields=["status", "error", "finished_at", *lease_release(backup)])
            raise
        backup.status, backup.finished_at = BackupStatus.SUCCEEDED, timezone.now()
        backup.storage_key, backup.size_bytes, backup.sha256 = key, size, sha256
        backup.summary = {**manifest.summary(), "seconds": round(time.perf_counter() - started, 3)}
        backup.save(update_fields=["status", "finished_at", "storage_key", "size_bytes", "sha256", "summary",
                                   *lease_release(backup)])  # fmt: skip
    return backup


def backup_create(
    *,
    project: Project,
    trigger: str = BackupTrigger.CLI,
    created_by: User | None = None,
    progress: Progress = no_progress,
) -> Backup:
    """Back up `project` into the backup storage now and record it. Raises Conflict (BACKUP_IN_PROGRESS) when a
    backup of the project is already running. The nightly job and `tenant_backup` call this."""
    backup = _backup_open(project=project, trigger=trigger, created_by=created_by)
    return backup_run(backup_id=backup.pk, progress=progress)


def backup_create_for_schema(*, schema_name: str) -> dict[str, Any]:
    """Entry point of the nightly per-project job (shared_apps/operations): back up the project owning
    `schema_name`; a backup already in progress is skipped, not an error."""
    with in_public():
        project = Project.objects.filter(schema_name=schema_name).first()
        if project is None:
            raise NotFound(f"No project owns schema '{schema_name}'.", code=CommonCode.PROJECT_NOT_FOUND)
        try:
            backup = backup_create(project=project, trigger=BackupTrigger.SCHEDULE)
        except Conflict as exc:
            return {"skipped": exc.message}
    return {"backup_id": backup.pk, "status": backup.status, "storage_key": backup.storage_key, **backup.summary}


def _backup_publish(backup_id: int) -> None:
    """Queue the backup's task; with the broker down it stays pending and the lease sweeper queues it later."""
    from .tasks import backup_run_task

    try:
        backup_run_task.delay(backup_id)
    except TRANSIENT_ERRORS:
        logger.warning("Could not queue backup %s; the lease sweeper will.", backup_id, exc_info=True)


def backup_start(*, project: Project, actor_role: str, user: User) -> Backup:
    """API: start a backup of `project` as a task (after commit); the returned record is pending."""
    require_capability(actor_role, "manage_project", MANAGE_MESSAGE)
    with transaction.atomic():
        backup = _backup_open(project=project, trigger=BackupTrigger.API, created_by=user)
        backup_id = backup.pk
        transaction.on_commit(lambda: _backup_publish(backup_id))
    return backup


# --- restoring and cloning --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    project: Project
    skipped_members: list[str] = field(default_factory=list)


@contextmanager
def backup_file(*, reference: str) -> Iterator[Path]:
    """A local path for `reference`: a file path, or the id of a recorded backup (downloaded if remote)."""
    path = Path(reference)
    if path.is_file():
        yield path
        return
    if reference.isdigit():
        with in_public():
            backup = Backup.objects.filter(pk=int(reference), status=BackupStatus.SUCCEEDED).first()
        if backup is not None:
            with local_copy(backup.storage_key) as local:
                yield local
            return
    raise NotFound(f"No backup file or recorded backup '{reference}'.", code=BackupsCode.BACKUP_NOT_FOUND)


def backup_restore(
    *, path: Path, new_slug: str | None = None, replace: bool = False, progress: Progress = no_progress
) -> RestoreResult:
    """Restore a backup file: into a new project `new_slug`, or (`replace`) in place of the project it came from.
    All-or-nothing; see load.py."""
    if (new_slug is None) == (not replace):
        raise ValidationFailed("Give exactly one of a new slug or replace.", code=BackupsCode.RESTORE_MODE)
    if replace:
        return RestoreResult(project=restore_replace(path=path, progress=progress))
    assert new_slug is not None
    project, skipped = restore_as(path=path, new_slug=new_slug, progress=progress)
    return RestoreResult(project=project, skipped_members=skipped)


def project_clone(*, project: Project, new_slug: str, progress: Progress = no_progress) -> RestoreResult:
    """Copy `project` (schema, data, files, members) into a new project `new_slug`: a backup to a temporary
    file (uncompressed) restored with `restore_as`, so a clone has the same guarantees as a restore."""
    slug_validate(new_slug)
    with in_public():
        host = f"{new_slug}.{settings.BASE_DOMAIN}"
        if Project.objects.filter(slug=new_slug).exists() or Domain.objects.filter(domain=host).exists():
            raise Conflict(f"Project '{new_slug}' already exists.", code=CommonCode.SLUG_TAKEN)
    with staged_path(_scratch_directory()) as staged:
        project_dump(project=project, path=staged, compresslevel=0, progress=progress)
        cloned, skipped = restore_as(path=staged, new_slug=new_slug, progress=progress)
    return RestoreResult(project=cloned, skipped_members=skipped)


# --- retention --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PruneResult:
    deleted: list[Backup]
    kept: list[Backup]
    errors: list[str]


def _partial_files_sweep(*, older_than: datetime) -> None:
    """Remove staged files of backups that were killed mid-way (local storage only)."""
    try:
        root = Path(backup_storage().path(""))
    except NotImplementedError:
        return
    for partial in root.glob(f"{PARTIAL_PREFIX}*"):
        if partial.is_file() and partial.stat().st_mtime < older_than.timestamp():
            partial.unlink(missing_ok=True)


def backup_prune(
    *,
    keep_daily: int,
    keep_weekly: int,
    project_slug: str | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> PruneResult:
    """Apply the retention policy to succeeded backups, per project (retention.py); delete the files and records of
    the others, and failed records older than a day. Pending and running backups are never touched."""
    if keep_daily < 0 or keep_weekly < 0 or keep_daily + keep_weekly == 0:
        raise ValidationFailed(
            "Keep at least one backup: --keep-daily and --keep-weekly are >= 0 and not both 0.",
            code=BackupsCode.RETENTION_INVALID,
        )
    now = now or timezone.now()
    with in_public():
        backups = Backup.objects.order_by("project_slug", "-created_at")
        if project_slug:
            backups = backups.filter(project_slug=project_slug)
        succeeded: dict[str, list[Backup]] = {}
        doomed: list[Backup] = []
        for backup in backups:
            if backup.status == BackupStatus.SUCCEEDED:
                succeeded.setdefault(backup.project_slug, []).append(backup)
            elif backup.status == BackupStatus.FAILED and backup.created_at < now - timedelta(days=1):
                doomed.append(backup)
        kept: list[Backup] = []
        for group in succeeded.values():
            keep = backups_to_keep(
                [(b.pk, b.created_at) for b in group], keep_daily=keep_daily, keep_weekly=keep_weekly
            )
            kept += [b for b in group if b.pk in keep]
            doomed += [b for b in group if b.pk not in keep]
        errors: list[str] = []
        deleted: list[Backup] = []
        if not dry_run:
            storage = backup_storage()
            for backup in doomed:
                try:
                    if backup.storage_key:
                        storage.delete(backup.storage_key)
                    Backup.objects.filter(pk=backup.pk).delete()
                    deleted.append(backup)
                except OSError as exc:
                    errors.append(f"backup {backup.pk}: {exc}")
                    logger.warning("Could not prune backup %s: %s", backup.pk, exc)
            _partial_files_sweep(older_than=now - timedelta(days=1))
        else:
            deleted = doomed
    return PruneResult(deleted=deleted, kept=kept, errors=errors)


# --- the lease sweeper's view of backups (public) ------------------------------------------------------------------


def _backups_unfinished() -> "models.QuerySet[Backup]":
    return Backup.objects.filter(status__in=ACTIVE_STATUSES)


def _backup_requeue(backup: Backup) -> Callable[[], None]:
    """Back to pending and its task published again (a backup writes a new file from the start)."""
    backup.status = BackupStatus.PENDING
    fields = lease_queue(backup)
    backup.save(update_fields=["status", "requeues", *fields])
    backup_id = backup.pk
    return lambda: task_publish_in_schema(task_name="backups.backup_run", schema_name="public", args=(backup_id,))


def _backup_give_up(backup: Backup, reason: str) -> None:
    backup.status, backup.error, backup.finished_at = BackupStatus.FAILED, reason, timezone.now()
    backup.save(update_fields=["status", "error", "finished_at", "requeues", *lease_release(backup)])


BACKUP_LEASE_SWEEP = LeaseSweep(
    unfinished=_backups_unfinished, requeue=_backup_requeue, give_up=_backup_give_up, schema="public"
)
