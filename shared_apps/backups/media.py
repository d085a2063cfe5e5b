"""A project's uploaded files: MEDIA_ROOT/<schema>/ (where the dynamic-tables engine stores attachments).

Restores extract into a hidden staging directory beside it (checksums verified), and move it into place only
together with the database commit (`MediaSwap`), so files and rows appear, or stay, together.
"""

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from shared_apps.backups.codes import BackupsCode
from shared_apps.foundation.exceptions import Conflict

from .archive import ArchiveReader, MediaEntry


def media_dir(schema_name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / schema_name


def media_files(schema_name: str) -> Iterator[tuple[str, Path]]:
    """(relative POSIX path, absolute path) of every regular file under the project's media directory, sorted.
    Symbolic links are skipped (rglob does not descend into linked directories either)."""
    root = media_dir(schema_name)
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path.relative_to(root).as_posix(), path


def media_stage(reader: ArchiveReader, entries: list[MediaEntry], schema_name: str) -> Path | None:
    """Extract the archive's media into a staging directory (checksums verified); None when there are none."""
    if not entries:
        return None
    staging = Path(settings.MEDIA_ROOT) / f".restore-{schema_name}-{secrets.token_hex(4)}"
    staging.mkdir(parents=True)
    try:
        for entry in entries:
            target = staging / entry.path
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as handle:
                for chunk in reader.chunks(entry.file, entry.sha256):
                    handle.write(chunk)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


class MediaSwap:
    """Put a staged media directory in place of MEDIA_ROOT/<schema>; `undo()` if the database part fails,
    `finish()` (drop the previous files) once it committed."""

    def __init__(self, *, staged: Path | None, schema_name: str, replace: bool) -> None:
        self.staged = staged
        self.target = media_dir(schema_name)
        self.previous: Path | None = None
        self.done = False
        if not replace and self.target.exists() and any(self.target.iterdir()):
            raise Conflict(
                f"Media directory {self.target} already exists and is not empty.",
                code=BackupsCode.MEDIA_DIRECTORY_EXISTS,
            )

    def apply(self) -> None:
        if self.target.exists():
            self.previous = self.target.with_name(f".replaced-{self.target.name}-{secrets.token_hex(4)}")
            self.target.rename(self.previous)
        if self.staged is not None:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self.staged.rename(self.target)
        self.done = True

    def undo(self) -> None:
        if self.done:
            if self.staged is not None and self.target.exists():
                self.target.rename(self.staged)
            if self.previous is not None:
                self.previous.rename(self.target)
        if self.staged is not None:
            shutil.rmtree(self.staged, ignore_errors=True)

    def finish(self) -> None:
        if self.previous is not None:
            shutil.rmtree(self.previous, ignore_errors=True)
