"""Where backup files go: the `backups` storage (settings.STORAGES, a local directory by default) or a path.

Files are written to a hidden temporary file beside their destination and renamed into place only when complete,
so a failed or interrupted backup never leaves a partial file under a real name.
"""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.http import FileResponse

if TYPE_CHECKING:
    from .models import Backup

PARTIAL_PREFIX = ".partial-"


def backup_storage() -> Storage:
    return storages["backups"]


def backup_file_response(backup: "Backup") -> FileResponse:
    """A finished backup as a zip attachment, with its SHA-256 in `X-Checksum-SHA256` (API, admin and console)."""
    response = FileResponse(
        backup_storage().open(backup.storage_key, "rb"),
        as_attachment=True,
        filename=PurePosixPath(backup.storage_key).name,
        content_type="application/zip",
    )
    response["X-Checksum-SHA256"] = backup.sha256
    return response


def _local_root(storage: Storage) -> Path | None:
    return Path(storage.location) if isinstance(storage, FileSystemStorage) else None


@contextmanager
def staged_path(directory: Path) -> Iterator[Path]:
    """A new temporary file in `directory` (created if missing); removed on exit unless the caller moved it."""
    directory.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=directory, prefix=PARTIAL_PREFIX, suffix=".zip")
    os.close(handle)
    path = Path(name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def publish_to_path(staged: Path, destination: Path) -> None:
    """Atomically move a complete staged file to `destination` (same directory, so a rename)."""
    _fsync(staged)
    os.replace(staged, destination)


def staging_directory() -> Path:
    """Where to stage a file bound for the storage: inside it when local (the publish is then a rename)."""
    root = _local_root(backup_storage())
    return root if root is not None else Path(tempfile.gettempdir())


class _StagedFile(File):
    """A finished file on local disk: FileSystemStorage moves it (rename) instead of copying."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def publish_to_storage(staged: Path, key: str) -> str:
    """Store a complete staged file under `key` (renamed when the storage is local); returns the stored key."""
    _fsync(staged)
    storage = backup_storage()
    with open(staged, "rb") as handle:
        return storage.save(key, _StagedFile(handle, name=str(staged)))


@contextmanager
def local_copy(key: str) -> Iterator[Path]:
    """A local path of a stored backup: the file itself for local storage, else a temporary download."""
    storage = backup_storage()
    root = _local_root(storage)
    if root is not None:
        yield Path(storage.path(key))
        return
    with staged_path(Path(tempfile.gettempdir())) as path:
        with storage.open(key, "rb") as source, open(path, "wb") as target:
            while chunk := source.read(1 << 20):
                target.write(chunk)
        yield path
