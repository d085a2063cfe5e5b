"""Reads of table and field definitions (from the per-process definitions cache; see definitions.py)."""

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.exceptions import NotFound

from .definitions import FieldDef, SchemaDefs, TableDef, schema_definitions


def table_list() -> tuple[SchemaDefs, list[TableDef]]:
    defs = schema_definitions()
    return defs, sorted(defs.tables.values(), key=lambda t: (t.position, t.id))


def table_get(*, name: str) -> tuple[SchemaDefs, TableDef]:
    defs = schema_definitions()
    return defs, defs.table(name)


def field_get(*, table_name: str, field_name: str) -> tuple[SchemaDefs, TableDef, FieldDef]:
    defs, table = table_get(name=table_name)
    field = table.field(field_name)
    if field is None:
        raise NotFound(f"Field '{field_name}' not found.", code=CommonCode.FIELD_NOT_FOUND)
    return defs, table, field
