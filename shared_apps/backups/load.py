"""Restore a backup archive into a new project (`restore_as`) or in place of its project (`restore_replace`).

Both are all-or-nothing: the archive's format and manifest are checked before anything is created; the schema,
its data (checksums and row counts verified while streaming with `COPY ... FROM STDIN`), the sequence positions,
the pending migrations and the project rows are written in ONE transaction; uploaded files are staged and moved
into place together with the commit. A replace loads the backup into a temporary schema beside the live one,
verifies it, then swaps the two and drops the old one, still in that transaction, so readers see the old project
or the new one, never a mix.
"""

import re
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from shared_apps.accounts.models import User
from shared_apps.backups.codes import BackupsCode
from shared_apps.backups.hooks import restore_hooks_run
from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.db.ddl import (
    ddl_block,
    qualified,
    quote,
    schema_create,
    schema_drop,
    schema_rename,
    script_execute,
)
from shared_apps.foundation.db.schemas import in_public, search_path_local
from shared_apps.foundation.exceptions import Conflict, NotFound, ValidationFailed
from shared_apps.organizations.models import Organization
from tenants.models import Domain, Project, ProjectMembership, ProjectRole, ProjectStatus
from tenants.provisioning import template_schema
from tenants.routing import project_hosts, routing_invalidate
from tenants.services import schema_name_for, slug_validate

from .archive import ArchiveReader, Manifest
from .fixups import file_paths_rebase
from .media import MediaSwap, media_stage
from .progress import Progress, no_progress

# The statement kinds catalog.py writes. A sanity check on the file (which is trusted input, like a pg_dump
# script), not a sandbox: see docs/backup.md.
_ALLOWED = re.compile(
    r"^(CREATE (UNLOGGED )?TABLE |CREATE SEQUENCE |CREATE TYPE |CREATE (UNIQUE )?INDEX |ALTER TABLE (ONLY )?"
    r"|ALTER SEQUENCE |COMMENT ON (TABLE|COLUMN|SEQUENCE) )"
)
_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")


def _statements(raw: object, section: str) -> list[str]:
    if not isinstance(raw, dict) or not isinstance(raw.get(section), list):
        raise ValidationFailed(
            f"Not a valid backup file: schema.json lacks {section}.", code=BackupsCode.BACKUP_INVALID
        )
    statements = raw[section]
    for statement in statements:
        if not isinstance(statement, str) or not _ALLOWED.match(statement) or ";" in _QUOTED.sub("", statement):
            raise ValidationFailed(
                f"Not a valid backup file: unexpected statement in schema.json: {str(statement)[:120]!r}",
                code=BackupsCode.BACKUP_INVALID,
            )
    return statements


def _template_migrations() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app || '.' || name FROM {quote(template_schema())}.django_migrations")  # noqa: S608 - catalog names quoted by ddl.quote/qualified; values are parameters
        return {row[0] for row in cursor.fetchall()}


def _pending_migrations(manifest: Manifest) -> list[str]:
    """Migrations this code has that the backup lacks (applied after loading). A backup with migrations of a
    tenant app this code does not know was written by newer code: refused."""
    current = _template_migrations()
    apps = {name.split(".", 1)[0] for name in current}
    backed_up = {name for name in manifest.migrations if name.split(".", 1)[0] in apps}
    unknown = sorted(backed_up - current)
    if unknown:
        raise ValidationFailed(
            f"The backup was written by newer code (code_version {manifest.code_version}): migrations "
            f"{', '.join(unknown[:5])} are unknown here. Restore it with that release or later.",
            code=BackupsCode.BACKUP_TOO_NEW,
        )
    return sorted(current - backed_up)


def _schema_load(reader: ArchiveReader, schema_name: str, progress: Progress) -> None:
    """Create `schema_name` from the archive, inside the caller's transaction."""
    manifest = reader.manifest
    ddl = reader.json_verified(manifest.ddl)
    pre_data, post_data = _statements(ddl, "pre_data"), _statements(ddl, "post_data")
    total = max(sum(t.rows for t in manifest.tables), 1)
    done = 0
    with ddl_block() as cursor:
        schema_create(cursor=cursor, schema_name=schema_name)
        with search_path_local(schema_name):
            for statement in pre_data:
                script_execute(cursor=cursor, script=statement)
            for index, table in enumerate(manifest.tables, start=1):
                progress(f"table {index}/{len(manifest.tables)} {table.name}", done, total)
                columns = ", ".join(quote(column) for column in table.columns)
                sql = f"COPY {qualified(schema_name, table.name)} ({columns}) FROM STDIN"
                with cursor.copy(sql) as copy:
                    for chunk in reader.chunks(table.file, table.sha256):
                        copy.write(chunk)
                if cursor.rowcount != table.rows:
                    raise ValidationFailed(
                        f"Backup file is corrupt: {table.name} has {cursor.rowcount} rows, the manifest says "
                        f"{table.rows}. Nothing was restored.",
                        code=BackupsCode.BACKUP_CHECKSUM_MISMATCH,
                    )
                done += table.rows
            progress("constraints and indexes", done, total)
            for statement in post_data:
                script_execute(cursor=cursor, script=statement)
            for sequence in manifest.sequences:
                cursor.execute(
                    "SELECT setval(%s::regclass, %s, %s)",
                    [qualified(schema_name, sequence.name), sequence.last_value, sequence.is_called],
                )


def _migrate(schema_name: str, pending: list[str]) -> None:
    """Apply this code's migrations that the backup predates, inside the restore's transaction."""
    if pending:
        call_command("migrate_schemas", schema_name=schema_name, interactive=False, verbosity=0)


def _verify(schema_name: str, manifest: Manifest) -> None:
    """The loaded schema has exactly the manifest's tables, row counts and sequence positions."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_depend d JOIN pg_class c ON c.oid = d.objid "
            "WHERE d.refclassid = 'pg_namespace'::regclass AND d.classid = 'pg_class'::regclass "
            "AND d.refobjid = (SELECT oid FROM pg_namespace WHERE nspname = %s) AND c.relkind = 'r'",
            [schema_name],
        )
        tables = {row[0] for row in cursor.fetchall()}
        expected = {t.name for t in manifest.tables}
        problems = [f"tables differ: {sorted(tables ^ expected)[:5]}"] if tables != expected else []
        for table in manifest.tables:
            cursor.execute(f"SELECT count(*) FROM {qualified(schema_name, table.name)}")  # noqa: S608 - catalog names quoted by ddl.quote/qualified; values are parameters
            count = cursor.fetchone()[0]
            if count != table.rows:
                problems.append(f"{table.name}: {count} rows, expected {table.rows}")
        for sequence in manifest.sequences:
            cursor.execute(f"SELECT last_value, is_called FROM {qualified(schema_name, sequence.name)}")  # noqa: S608 - catalog names quoted by ddl.quote/qualified; values are parameters
            if tuple(cursor.fetchone()) != (sequence.last_value, sequence.is_called):
                problems.append(f"sequence {sequence.name} position differs")
    if problems:
        raise Conflict(
            f"Verification of the restored schema failed: {'; '.join(problems)}.", code=BackupsCode.RESTORE_VERIFY
        )


def _members_restore(project: Project, members: object) -> list[str]:
    """Re-create memberships for e-mails that have an account here; returns the e-mails skipped."""
    skipped: list[str] = []
    if not isinstance(members, list):
        return skipped
    for member in members:
        email, role = str(member.get("email", "")), str(member.get("role", ""))
        user = User.objects.filter(email=email.lower()).first()
        if user is None or role not in ProjectRole.values:
            skipped.append(email)
            continue
        ProjectMembership.objects.create(project=project, user=user, role=role)
    return skipped


def restore_as(*, path: Path, new_slug: str, progress: Progress = no_progress) -> tuple[Project, list[str]]:
    """Restore into a new project `new_slug` (new schema, domain `<new_slug>.<BASE_DOMAIN>`, the backup's
    organization, its members that have accounts here). Returns the project and the member e-mails skipped."""
    slug_validate(new_slug)
    schema_name = schema_name_for(new_slug)
    host = f"{new_slug}.{settings.BASE_DOMAIN}"
    with ArchiveReader(path) as reader:
        manifest = reader.manifest
        with in_public():
            organization = Organization.objects.filter(slug=manifest.project["organization"]).first()
            if organization is None:
                raise NotFound(
                    f"Organization '{manifest.project['organization']}' of the backup does not exist here.",
                    code=CommonCode.ORGANIZATION_NOT_FOUND,
                )
            if Project.objects.filter(slug=new_slug).exists() or Domain.objects.filter(domain=host).exists():
                raise Conflict(f"Project '{new_slug}' already exists.", code=CommonCode.SLUG_TAKEN)
            pending = _pending_migrations(manifest)
        metadata = reader.json_verified(manifest.metadata)
        media = MediaSwap(staged=None, schema_name=schema_name, replace=False)
        media.staged = media_stage(reader, manifest.media, schema_name)
        try:
            with in_public(), transaction.atomic():
                project_meta = metadata.get("project", {}) if isinstance(metadata, dict) else {}
                project = Project(
                    slug=new_slug,
                    schema_name=schema_name,
                    name=str(project_meta.get("name") or new_slug)[:150],
                    description=str(project_meta.get("description") or ""),
                    organization=organization,
                    status=ProjectStatus.READY,
                )
                project.save()
                Domain.objects.create(domain=host, tenant=project, is_primary=True)
                skipped = _members_restore(project, metadata.get("members") if isinstance(metadata, dict) else [])
                _schema_load(reader, schema_name, progress)
                _migrate(schema_name, pending)
                file_paths_rebase(schema_name=schema_name, source_schema=manifest.schema)
                media.apply()
                transaction.on_commit(lambda: routing_invalidate(hosts=[host]))
                transaction.on_commit(lambda: restore_hooks_run(schema_name=schema_name, project_id=project.pk))
        except BaseException:
            media.undo()
            raise
        media.finish()
    return project, skipped


def restore_replace(*, path: Path, progress: Progress = no_progress) -> Project:
    """Replace the backup's own project (by slug) with the backup's content: schema, data and files. The
    project's platform rows (domains, members, API keys) are kept as they are."""
    with ArchiveReader(path) as reader:
        manifest = reader.manifest
        slug = manifest.project["slug"]
        with in_public():
            project = Project.objects.filter(slug=slug).first()
            if project is None:
                raise NotFound(
                    f"Project '{slug}' does not exist; restore the backup under a new name with --as.",
                    code=CommonCode.PROJECT_NOT_FOUND,
                )
            pending = _pending_migrations(manifest)
        schema_name = project.schema_name
        suffix = secrets.token_hex(4)
        incoming, outgoing = f"{schema_name}__restore_{suffix}", f"{schema_name}__replaced_{suffix}"
        media = MediaSwap(staged=None, schema_name=schema_name, replace=True)
        media.staged = media_stage(reader, manifest.media, schema_name)
        try:
            with in_public(), transaction.atomic():
                Project.objects.select_for_update().filter(pk=project.pk).first()  # one restore at a time
                _schema_load(reader, incoming, progress)
                _verify(incoming, manifest)
                _migrate(incoming, pending)
                progress("swap", 1, 1)
                with ddl_block() as cursor:
                    schema_rename(cursor=cursor, schema_name=schema_name, new_name=outgoing)
                    schema_rename(cursor=cursor, schema_name=incoming, new_name=schema_name)
                    schema_drop(cursor=cursor, schema_name=outgoing)
                media.apply()
                hosts = project_hosts(project=project)
                transaction.on_commit(lambda: routing_invalidate(hosts=hosts))
                # Processes holding the replaced schema's table definitions reload them.
                # Processes drop what they cached of the replaced schema (definitions: a restore hook).
                transaction.on_commit(lambda: restore_hooks_run(schema_name=schema_name, project_id=project.pk))
        except BaseException:
            media.undo()
            raise
        media.finish()
    return project
