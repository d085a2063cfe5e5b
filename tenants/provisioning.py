"""Fast, all-or-nothing schema provisioning by replaying the DDL of an always-migrated template schema.

The template schema (settings.TENANT_TEMPLATE_SCHEMA) is migrated by `migrate_schemas` at every deploy. Its
`pg_dump -s` is rewritten once (schema qualifiers -> a placeholder, session SETs -> SET LOCAL) and stored in
TemplateSnapshot keyed by the hash of the template's applied migrations, together with statements that copy its
seed rows (django_migrations, content types, data-migration rows) and sequence positions. Provisioning a schema
is then one script in the caller's transaction: ~tens of ms, flat in the number of schemas.
See docs/tenancy.md for the measurements and traps behind this design.
"""

import re
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.migrations.loader import MigrationLoader

from shared_apps.foundation.db.ddl import ddl_block, quote, schema_create, script_execute
from shared_apps.foundation.db.schemas import search_path_kept
from shared_apps.foundation.exceptions import Unavailable
from tenants.codes import TenantsCode

from .models import TemplateSnapshot
from .pgtools import run_pg_tool

PLACEHOLDER = "__nocode_target_schema__"
_lock = threading.Lock()
_cache: dict[str, str] = {}  # migrations_hash -> script
_verified_hashes: set[str] = set()
# Session settings of the dump that must not override ours (lock_timeout) or may not exist on older servers.
_DROPPED_SETTINGS = frozenset(
    {"statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout", "transaction_timeout"}
)


@dataclass(frozen=True)
class Snapshot:
    migrations_hash: str
    script: str

    def for_schema(self, schema_name: str) -> str:
        return self.script.replace(PLACEHOLDER, quote(schema_name))


def template_schema() -> str:
    return str(settings.TENANT_TEMPLATE_SCHEMA)


def _schema_exists(cursor: CursorWrapper, schema_name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema_name])
    return cursor.fetchone() is not None


def template_ensure() -> None:
    """Create the (empty) template schema if it does not exist yet; migrate_schemas fills it."""
    with connection.cursor() as cursor:
        if _schema_exists(cursor, template_schema()):
            return
    with ddl_block() as cursor:
        schema_create(cursor=cursor, schema_name=template_schema())


def template_migrations_hash() -> str | None:
    """md5 over the template's applied migration names; None when the template is missing or unmigrated."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = 'django_migrations'", [template_schema()]
        )
        if cursor.fetchone() is None:
            return None
        cursor.execute(
            f"SELECT md5(string_agg(app || '.' || name, ',' ORDER BY app, name)) "  # noqa: S608 - schema, table and sequence names quoted by ddl.quote; no user text
            f"FROM {quote(template_schema())}.django_migrations"
        )
        row = cursor.fetchone()
    return row[0] if row and row[0] else None


def _template_is_current() -> bool:
    """Every migration on disk of a tenant app is applied in the template (checked once per hash and process)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    tenant_labels = {app.split(".")[-1] for app in settings.TENANT_APPS}
    on_disk = {key for key in loader.disk_migrations if key[0] in tenant_labels}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {quote(template_schema())}.django_migrations")  # noqa: S608 - schema, table and sequence names quoted by ddl.quote; no user text
        applied = {(app, name) for app, name in cursor.fetchall()}
    return on_disk <= applied


def _rewrite_dump(dump: str) -> str:
    """Turn `pg_dump -s -n <template>` output into a script that builds the schema named by PLACEHOLDER."""
    tpl = template_schema()
    qualifier = re.compile(rf'(?<![\w"$]){re.escape(tpl)}\.|"{re.escape(tpl)}"\.')
    statements: list[str] = []
    for line in dump.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--") or stripped.startswith("\\"):
            continue
        if re.match(rf"^(CREATE|ALTER) SCHEMA {re.escape(tpl)}\b", stripped):
            continue
        if stripped.startswith("SET "):
            if stripped.split()[1] in _DROPPED_SETTINGS:
                continue
            line = "SET LOCAL " + stripped[4:]
        line = line.replace("set_config('search_path', '', false)", "set_config('search_path', '', true)")
        if "search_path" in line and "set_config" not in line and "SET LOCAL search_path" not in line:
            raise RuntimeError(f"Refusing a template that changes search_path: {stripped[:200]}")
        statements.append(_rewrite_qualifiers(line, qualifier))
    return "\n".join(statements)


_STRING = re.compile(r"'(?:[^']|'')*'(::regclass)?")


def _rewrite_qualifiers(line: str, qualifier: re.Pattern[str]) -> str:
    """Rewrite template qualifiers outside string literals, and inside `'...'::regclass` (sequence defaults)."""
    out: list[str] = []
    position = 0
    for match in _STRING.finditer(line):
        out.append(qualifier.sub(f"{PLACEHOLDER}.", line[position : match.start()]))
        literal = match.group(0)
        out.append(qualifier.sub(f"{PLACEHOLDER}.", literal) if match.group(1) else literal)
        position = match.end()
    out.append(qualifier.sub(f"{PLACEHOLDER}.", line[position:]))
    return "".join(out)


def _seed_statements() -> str:
    """Copy every template row (seed data) and every sequence position into the target schema."""
    tpl = quote(template_schema())
    parts: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
            [template_schema()],
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {tpl}.{quote(table)})")  # noqa: S608 - schema, table and sequence names quoted by ddl.quote; no user text
            if cursor.fetchone()[0]:
                parts.append(
                    f"INSERT INTO {PLACEHOLDER}.{quote(table)} OVERRIDING SYSTEM VALUE "  # noqa: S608 - schema, table and sequence names quoted by ddl.quote; no user text
                    f"SELECT * FROM {tpl}.{quote(table)};"
                )
        cursor.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = %s ORDER BY 1", [template_schema()])
        for (sequence,) in cursor.fetchall():
            literal = f"{PLACEHOLDER}.{quote(sequence)}"
            parts.append(f"SELECT setval('{literal}', last_value, is_called) FROM {tpl}.{quote(sequence)};")  # noqa: S608 - schema, table and sequence names quoted by ddl.quote; no user text
    return "\n".join(parts)


def snapshot_build() -> Snapshot:
    """Dump, rewrite and store the template's DDL for its current migration state."""
    migrations_hash = template_migrations_hash()
    if migrations_hash is None:
        raise Unavailable(
            "The template schema is not migrated; run `manage.py migrate_schemas`.", code=TenantsCode.NOT_READY
        )
    dump = run_pg_tool("pg_dump", "--schema-only", "--no-owner", "--no-privileges", "--schema", template_schema())
    script = _rewrite_dump(dump) + "\n" + _seed_statements()
    TemplateSnapshot.objects.update_or_create(migrations_hash=migrations_hash, defaults={"script": script})
    with _lock:
        _cache[migrations_hash] = script
    return Snapshot(migrations_hash, script)


def snapshot_current() -> Snapshot:
    """The snapshot matching the template's current migrations (built on first use after a migration)."""
    migrations_hash = template_migrations_hash()
    if migrations_hash is None:
        raise Unavailable(
            "The template schema is not migrated; run `manage.py migrate_schemas`.", code=TenantsCode.NOT_READY
        )
    if migrations_hash not in _verified_hashes:
        if not _template_is_current():
            raise Unavailable(
                "The template schema lacks migrations that exist on disk; run `manage.py migrate_schemas`.",
                code=TenantsCode.NOT_READY,
            )
        _verified_hashes.add(migrations_hash)
    script = _cache.get(migrations_hash)
    if script is None:
        stored = TemplateSnapshot.objects.filter(migrations_hash=migrations_hash).values_list("script", flat=True)
        script = stored.first()
        if script is None:
            return snapshot_build()
        with _lock:
            _cache[migrations_hash] = script
    return Snapshot(migrations_hash, script)


def schema_provision(*, schema_name: str, snapshot: Snapshot) -> None:
    """Create `schema_name` as an exact copy of the template. Must run inside the caller's transaction."""
    with ddl_block() as cursor, search_path_kept():  # the dump empties search_path (SET LOCAL)
        schema_create(cursor=cursor, schema_name=schema_name)
        script_execute(cursor=cursor, script=snapshot.for_schema(schema_name))
