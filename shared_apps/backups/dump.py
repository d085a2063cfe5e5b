"""Write one project's backup archive: DDL, data, sequence positions, platform metadata, media and manifest.

Everything is read in one snapshot (REPEATABLE READ, READ ONLY, when this call owns the transaction) with every
table of the schema locked in ACCESS SHARE mode, as pg_dump does, but reading only this schema's catalog rows.
Data is streamed table by table with `COPY ... TO STDOUT` into the compressed archive: memory stays bounded by
the chunk size whatever the project's size.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from shared_apps.foundation.db.ddl import qualified, quote
from shared_apps.foundation.db.schemas import in_public
from tenants.models import Domain, Project, ProjectMembership

from .archive import (
    CHUNK,
    METADATA_FILE,
    SCHEMA_FILE,
    ArchiveWriter,
    FileEntry,
    Manifest,
    MediaEntry,
    SequenceEntry,
    TableEntry,
    code_version,
)
from .catalog import TableInfo, schema_definition, sequence_positions
from .media import media_files
from .progress import Progress, no_progress


@contextmanager
def _snapshot() -> Iterator[None]:
    """A transaction whose reads all see one snapshot. Inside a caller's transaction (tests, a larger unit of
    work), the caller's isolation applies."""
    owns = not connection.in_atomic_block
    with transaction.atomic():
        if owns:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _table_file(index: int, name: str) -> str:
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch == "_") else "_" for ch in name)[:60]
    return f"data/{index:04d}-{safe}.copy"


def _copy_out(archive: ArchiveWriter, schema_name: str, table: TableInfo, file: str, on_rows: Any) -> TableEntry:
    columns = ", ".join(quote(column) for column in table.copy_columns)
    sql = f"COPY {qualified(schema_name, table.name)} ({columns}) TO STDOUT"
    rows = 0
    with connection.cursor() as cursor, archive.member(file) as writer, cursor.copy(sql) as copy:
        buffer = bytearray()
        for data in copy:
            buffer += data
            if len(buffer) >= CHUNK:
                rows += buffer.count(b"\n")  # text format: one line per row, newlines in values are escaped
                writer.write(buffer)
                on_rows(rows)
                buffer.clear()
        rows += buffer.count(b"\n")
        writer.write(buffer)
        on_rows(rows)
    return TableEntry(
        name=table.name,
        file=file,
        columns=list(table.copy_columns),
        rows=rows,
        bytes=writer.bytes,
        sha256=writer.sha256,
    )


def _applied_migrations(schema_name: str, table_names: set[str]) -> list[str]:
    if "django_migrations" not in table_names:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app || '.' || name FROM {qualified(schema_name, 'django_migrations')} ORDER BY 1")  # noqa: S608 - catalog names quoted by ddl.quote/qualified; values are parameters
        return [row[0] for row in cursor.fetchall()]


def _platform_metadata(project: Project) -> dict[str, Any]:
    """The project's public-schema rows that a restore needs. Members only as e-mail + role: no user rows, no
    password hashes, nothing of other projects; API keys are not carried over."""
    members = (
        ProjectMembership.objects.filter(project_id=project.pk)
        .order_by("user__email")
        .values_list("user__email", "role")
    )
    return {
        "project": {
            "slug": project.slug,
            "name": project.name,
            "description": project.description,
            "status": project.status,
            "suspended_reason": project.suspended_reason,
            "created_at": project.created_at.isoformat(),
        },
        "organization": {"slug": project.organization.slug, "name": project.organization.name},
        "domains": [
            {"domain": domain, "is_primary": primary}
            for domain, primary in Domain.objects.filter(tenant_id=project.pk)
            .order_by("domain")
            .values_list("domain", "is_primary")
        ],
        "members": [{"email": email, "role": role} for email, role in members],
    }


def project_dump(*, project: Project, path: Path, compresslevel: int, progress: Progress = no_progress) -> Manifest:
    """Write `project`'s backup archive to `path` (a staged file the caller publishes). Returns the manifest."""
    schema_name = project.schema_name
    with in_public(), _snapshot():
        definition = schema_definition(schema_name=schema_name)
        positions = sequence_positions(schema_name=schema_name, sequences=definition.sequences)
        table_names = {t.name for t in definition.tables}
        project = Project.objects.select_related("organization").get(pk=project.pk)
        metadata = _platform_metadata(project)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = str(cursor.fetchone()[0])
        archive = ArchiveWriter(path, compresslevel=compresslevel)
        try:
            ddl = {"pre_data": list(definition.pre_data), "post_data": list(definition.post_data)}
            manifest = Manifest(
                code_version=code_version(),
                created_at=timezone.now().isoformat(),
                server_version=server_version,
                project={"slug": project.slug, "name": project.name, "organization": project.organization.slug},
                schema=schema_name,
                migrations=_applied_migrations(schema_name, table_names),
                ddl=FileEntry(SCHEMA_FILE, archive.add_bytes(SCHEMA_FILE, json.dumps(ddl, indent=1).encode())),
                metadata=FileEntry(
                    METADATA_FILE, archive.add_bytes(METADATA_FILE, json.dumps(metadata, indent=1).encode())
                ),
                sequences=[SequenceEntry(name, value, called) for name, value, called in positions],
            )
            total = max(sum(t.estimated_rows for t in definition.tables), 1)
            done = 0
            for index, table in enumerate(definition.tables, start=1):
                label = f"table {index}/{len(definition.tables)} {table.name}"
                entry = _copy_out(
                    archive,
                    schema_name,
                    table,
                    _table_file(index, table.name),
                    lambda rows, base=done, label=label: progress(label, base + rows, max(total, base + rows)),
                )
                manifest.tables.append(entry)
                done += entry.rows
            for index, (relative, source) in enumerate(media_files(schema_name), start=1):
                progress(f"file {index} {relative}", done, max(total, done))
                member = f"media/{relative}"
                written = archive.add_file(member, source)
                manifest.media.append(MediaEntry(relative, member, written.bytes, written.sha256))
            archive.add_bytes("manifest.json", manifest.to_json())
            progress("done", max(total, done), max(total, done))
        finally:
            archive.close()
    return manifest
