"""Files of `file` fields, stored per project through Django's storage under `<schema>/<table id>/<field id>/`.

Paths use ids (stable across renames) and a random directory per upload; the original name is kept for the
download. Deletions run after commit, so a rolled-back change never loses a file.
"""

import contextlib
import posixpath
import uuid
from typing import IO, Any

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import Storage, default_storage
from django.utils import timezone
from django.utils.text import get_valid_filename


def storage() -> Storage:
    return default_storage


def _prefix(schema: str, table_id: int, field_id: int | None = None) -> str:
    parts = [schema, str(int(table_id))]
    if field_id is not None:
        parts.append(str(int(field_id)))
    return posixpath.join(*parts)


def _safe_name(name: str) -> str:
    """The last path part of `name`, reduced to letters, digits, `-`, `_` and `.` (never empty, `.` or `..`)."""
    try:
        return get_valid_filename(posixpath.basename(name.replace("\\", "/")))[-150:]
    except SuspiciousFileOperation:
        return "file"


def file_save(
    *, schema: str, table_id: int, field_id: int, name: str, content: IO[bytes], size: int, content_type: str
) -> dict[str, Any]:
    """Store an upload; returns the metadata kept in the record's column."""
    safe_name = _safe_name(name)
    path = posixpath.join(_prefix(schema, table_id, field_id), uuid.uuid4().hex, safe_name)
    stored = storage().save(path, content)
    return {
        "name": safe_name,
        "path": stored,
        "size": size,
        "content_type": content_type[:150] or "application/octet-stream",
        "uploaded_at": timezone.now().isoformat().replace("+00:00", "Z"),
    }


def file_open(path: str) -> IO[bytes]:
    return storage().open(path, "rb")


def files_delete(paths: list[str]) -> None:
    for path in paths:
        if path and storage().exists(path):
            storage().delete(path)


def _tree_delete(prefix: str) -> None:
    store = storage()
    if not store.exists(prefix):
        return
    directories, files = store.listdir(prefix)
    for name in files:
        store.delete(posixpath.join(prefix, name))
    for name in directories:
        _tree_delete(posixpath.join(prefix, name))
    with contextlib.suppress(OSError):
        store.delete(prefix)


def table_files_delete(*, schema: str, table_id: int) -> None:
    _tree_delete(_prefix(schema, table_id))


def field_files_delete(*, schema: str, table_id: int, field_id: int) -> None:
    _tree_delete(_prefix(schema, table_id, field_id))


def project_files_delete(*, schema: str) -> None:
    """Remove every stored file of a project (called after the project's deletion commits)."""
    _tree_delete(schema)
