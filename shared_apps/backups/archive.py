"""The backup file: one zip archive (deflate) with a manifest.

    manifest.json   format, format_version, code_version, created_at, project, schema, migrations, tables (file,
                    columns, rows, bytes, sha256), sequences (positions), media (path, size, sha256), and the
                    sha256 of schema.json and metadata.json
    schema.json     {"pre_data": [...], "post_data": [...]}: the schema's DDL (catalog.py), names unqualified
    metadata.json   platform-side rows: project, organization slug, domains, members as e-mail + role
    data/NNNN.copy  one file per table, PostgreSQL COPY text format
    media/...       the project's uploaded files (MEDIA_ROOT/<schema>/...)

Zip rather than tar: members are compressed one by one while streaming (sizes need not be known in advance), and
the manifest, written last, is read first on restore without decompressing the rest.
"""

import hashlib
import json
import os
import re
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings

from shared_apps.backups.codes import BackupsCode
from shared_apps.foundation.exceptions import ValidationFailed

FORMAT_NAME = "nocode-project-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SCHEMA_FILE = "schema.json"
METADATA_FILE = "metadata.json"
CHUNK = 1 << 20


@cache
def code_version() -> str:
    """NOCODE_CODE_VERSION (set by the image build), else `git describe`, else the package version."""
    configured = os.environ.get("NOCODE_CODE_VERSION", "")
    if configured:
        return configured
    try:
        described = subprocess.run(
            ["git", "describe", "--tags", "--always", "--dirty"],
            cwd=settings.REPO_DIR,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        if described:
            return f"git:{described}"
    except (OSError, subprocess.SubprocessError):
        pass
    import tomllib

    with open(Path(settings.REPO_DIR) / "pyproject.toml", "rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


# --- manifest ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableEntry:
    name: str
    file: str
    columns: list[str]
    rows: int
    bytes: int
    sha256: str


@dataclass(frozen=True)
class SequenceEntry:
    name: str
    last_value: int
    is_called: bool


@dataclass(frozen=True)
class MediaEntry:
    path: str  # relative to MEDIA_ROOT/<schema>/, POSIX separators
    file: str
    size: int
    sha256: str


@dataclass(frozen=True)
class FileEntry:
    file: str
    sha256: str


@dataclass
class Manifest:
    code_version: str
    created_at: str
    server_version: str
    project: dict[str, str]  # slug, name, organization
    schema: str
    migrations: list[str]  # "app.name" applied in the schema (its django_migrations)
    ddl: FileEntry
    metadata: FileEntry
    tables: list[TableEntry] = field(default_factory=list)
    sequences: list[SequenceEntry] = field(default_factory=list)
    media: list[MediaEntry] = field(default_factory=list)
    format: str = FORMAT_NAME
    format_version: int = FORMAT_VERSION

    def summary(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "code_version": self.code_version,
            "schema": self.schema,
            "tables": len(self.tables),
            "rows": sum(t.rows for t in self.tables),
            "data_bytes": sum(t.bytes for t in self.tables),
            "media_files": len(self.media),
            "media_bytes": sum(m.size for m in self.media),
        }

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=1, sort_keys=True).encode()


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(f"Not a valid backup file: {message}", code=BackupsCode.BACKUP_INVALID)


_NAME = re.compile(r"^[^\x00]{1,63}$")


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value) or len(value.encode()) > 63:
        raise _invalid(f"bad {what} name {value!r}.")
    return value


def _member_path(value: Any, prefix: str) -> str:
    """A member name inside `prefix/` with no absolute part, `..`, backslash or NUL (no zip-slip)."""
    if not isinstance(value, str) or "\\" in value or "\x00" in value:
        raise _invalid(f"bad member name {value!r}.")
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or not value.startswith(prefix) or str(path) != value:
        raise _invalid(f"bad member name {value!r}.")
    return value


def _int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _invalid(f"{what} is not an integer.")
    return value


def _sha(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{64}", value):
        raise _invalid("bad checksum.")
    return value


def manifest_parse(raw: bytes) -> Manifest:
    """Parse and validate a manifest; unknown formats and versions are refused before anything else."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise _invalid("manifest.json is not JSON.") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise _invalid("manifest.json does not describe a NoCode project backup.")
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise ValidationFailed(
            f"Unknown backup format version {version!r}: this code reads version {FORMAT_VERSION}. "
            "Restore it with the release that wrote it (manifest code_version: "
            f"{data.get('code_version', 'unknown')}).",
            code=BackupsCode.BACKUP_FORMAT_UNSUPPORTED,
        )
    try:
        project = data["project"]
        manifest = Manifest(
            code_version=str(data["code_version"]),
            created_at=str(data["created_at"]),
            server_version=str(data["server_version"]),
            project={key: str(project[key]) for key in ("slug", "name", "organization")},
            schema=_name(data["schema"], "schema"),
            migrations=[str(m) for m in data["migrations"]],
            ddl=FileEntry(file=_member_path(data["ddl"]["file"], SCHEMA_FILE), sha256=_sha(data["ddl"]["sha256"])),
            metadata=FileEntry(
                file=_member_path(data["metadata"]["file"], METADATA_FILE), sha256=_sha(data["metadata"]["sha256"])
            ),
            tables=[
                TableEntry(
                    name=_name(t["name"], "table"),
                    file=_member_path(t["file"], "data/"),
                    columns=[_name(c, "column") for c in t["columns"]],
                    rows=_int(t["rows"], "rows"),
                    bytes=_int(t["bytes"], "bytes"),
                    sha256=_sha(t["sha256"]),
                )
                for t in data["tables"]
            ],
            sequences=[
                SequenceEntry(
                    name=_name(s["name"], "sequence"),
                    last_value=_int(s["last_value"], "last_value"),
                    is_called=bool(s["is_called"]),
                )
                for s in data["sequences"]
            ],
            media=[
                MediaEntry(
                    path=_member_path(m["path"], ""),
                    file=_member_path(m["file"], "media/"),
                    size=_int(m["size"], "size"),
                    sha256=_sha(m["sha256"]),
                )
                for m in data["media"]
            ],
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise _invalid(f"manifest.json is incomplete ({exc!r}).") from exc
    if len({t.name for t in manifest.tables}) != len(manifest.tables):
        raise _invalid("a table appears twice.")
    return manifest


# --- writing ----------------------------------------------------------------------------------------------------


class MemberWriter:
    """A member being streamed into the archive: counts bytes and computes its sha256."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self._digest = hashlib.sha256()
        self.bytes = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._digest.update(data)
        self._handle.write(data)
        self.bytes += len(data)

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()


class ArchiveWriter:
    """Write an archive to `path` (the caller owns atomicity: see storage.staged_path)."""

    def __init__(self, path: Path, *, compresslevel: int) -> None:
        compression = zipfile.ZIP_DEFLATED if compresslevel > 0 else zipfile.ZIP_STORED
        self._zip = zipfile.ZipFile(
            path, "w", compression=compression, compresslevel=compresslevel or None, allowZip64=True
        )

    def member(self, name: str) -> "_MemberContext":
        return _MemberContext(self._zip, name)

    def add_bytes(self, name: str, data: bytes) -> str:
        with self.member(name) as writer:
            writer.write(data)
        return writer.sha256

    def add_file(self, name: str, source: Path) -> MemberWriter:
        with self.member(name) as writer, open(source, "rb") as handle:
            while chunk := handle.read(CHUNK):
                writer.write(chunk)
        return writer

    def close(self) -> None:
        self._zip.close()


class _MemberContext:
    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self._archive = archive
        self._name = name
        self._handle: IO[bytes] | None = None

    def __enter__(self) -> MemberWriter:
        self._handle = self._archive.open(self._name, "w", force_zip64=True)
        return MemberWriter(self._handle)

    def __exit__(self, *exc: object) -> None:
        assert self._handle is not None
        self._handle.close()


# --- reading ----------------------------------------------------------------------------------------------------


class ArchiveReader:
    """An open archive and its validated manifest. Every member read is checked against its sha256."""

    def __init__(self, path: Path) -> None:
        try:
            self._zip = zipfile.ZipFile(path, "r")
        except (OSError, zipfile.BadZipFile) as exc:
            raise _invalid(f"{path} is not a zip archive ({exc}).") from exc
        try:
            raw = self._zip.read(MANIFEST)
        except KeyError as exc:
            self._zip.close()
            raise _invalid("manifest.json is missing.") from exc
        try:
            self.manifest = manifest_parse(raw)
            names = set(self._zip.namelist())
            wanted = [self.manifest.ddl.file, self.manifest.metadata.file]
            wanted += [t.file for t in self.manifest.tables] + [m.file for m in self.manifest.media]
            missing = [name for name in wanted if name not in names]
            if missing:
                raise _invalid(f"members missing: {', '.join(missing[:5])}.")
        except Exception:
            self._zip.close()
            raise

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> "ArchiveReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def chunks(self, name: str, sha256: str) -> Iterator[bytes]:
        """Yield the member's bytes; raise BACKUP_CHECKSUM_MISMATCH after the last chunk if the sha256 differs."""
        digest = hashlib.sha256()
        try:
            with self._zip.open(name) as handle:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                    yield chunk
        except zipfile.BadZipFile as exc:  # zip's own CRC check
            raise _checksum_error(name) from exc
        if digest.hexdigest() != sha256:
            raise _checksum_error(name)

    def read_verified(self, entry: FileEntry) -> bytes:
        return b"".join(self.chunks(entry.file, entry.sha256))

    def json_verified(self, entry: FileEntry) -> Any:
        try:
            return json.loads(self.read_verified(entry))
        except ValueError as exc:
            raise _invalid(f"{entry.file} is not JSON.") from exc


def _checksum_error(name: str) -> ValidationFailed:
    return ValidationFailed(
        f"Backup file is corrupt: checksum mismatch in {name}. Nothing was restored.",
        code=BackupsCode.BACKUP_CHECKSUM_MISMATCH,
    )
