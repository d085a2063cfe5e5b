"""Data that names its own schema and must follow a restore into another schema.

The dynamic-tables engine keeps a `file` field's metadata (jsonb) with a storage path that starts with the
project's schema: `<schema>/<table id>/<field id>/<random>/<name>` (tenant_apps/data_schemas/filestore.py). Restored
or cloned under a new schema, those paths would still point at the SOURCE project's files, and deleting a record in
the copy would delete the source's file. `file_paths_rebase` rewrites that prefix inside the restore's transaction.
It becomes unnecessary if filestore stores schema-relative paths.
"""

from django.db import connection

from shared_apps.foundation.db.ddl import qualified, quote

FIELD_TABLE = "data_schemas_field"
TABLE_TABLE = "data_schemas_table"
PHYSICAL_PREFIX = "t_"  # tenant_apps/data_schemas/naming.py TABLE_PREFIX


def file_paths_rebase(*, schema_name: str, source_schema: str) -> int:
    """Rewrite `path` of every `file` field value from `<source_schema>/...` to `<schema_name>/...`; returns the
    number of values changed. Does nothing when the schema has no dynamic-table definitions."""
    if schema_name == source_schema:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [qualified(schema_name, FIELD_TABLE)])
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute(
            f"SELECT t.name, f.name FROM {qualified(schema_name, FIELD_TABLE)} f "  # noqa: S608 - catalog names quoted by ddl.quote/qualified; values are parameters
            f"JOIN {qualified(schema_name, TABLE_TABLE)} t ON t.id = f.table_id WHERE f.type = 'file' ORDER BY 1, 2"
        )
        columns = cursor.fetchall()
        old_prefix, new_prefix = f"{source_schema}/", f"{schema_name}/"
        changed = 0
        for table, column in columns:
            target = quote(column)
            cursor.execute(
                f"UPDATE {qualified(schema_name, PHYSICAL_PREFIX + table)} "  # noqa: S608 - catalog names quoted by ddl.quote/qualified; values are parameters
                f"SET {target} = jsonb_set({target}, '{{path}}', to_jsonb(%s || substr({target} ->> 'path', %s))) "
                f"WHERE jsonb_typeof({target}) = 'object' AND left({target} ->> 'path', %s) = %s",
                [new_prefix, len(old_prefix) + 1, len(old_prefix), old_prefix],
            )
            changed += cursor.rowcount
    return changed
