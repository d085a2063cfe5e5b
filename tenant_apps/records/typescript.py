"""Per-project TypeScript types (`GET /api/v1/schema/typescript/`), like Supabase's generated types.

One `.d.ts`: `Database["tables"][<table>]` holds `Row` (a record as read), `Insert` (a create body: required
fields without a default are required keys), `Update` (a partial update) and `Filters` (per field, the filter
operators the API supports for it), plus helpers `Tables<T>`, `TablesInsert<T>`, `TablesUpdate<T>` and
`Filter<T>` (a condition or an and/or group). Value types come from the OpenAPI document's value schemas (each field
type's `json_schema`), so both always agree.
"""

import json
import re
from typing import Any

from tenant_apps.data_schemas.definitions import FieldDef, SchemaDefs, TableDef

from .filters import AUTOMATIC_DEFS, OPERATORS, field_operators
from .openapi import field_value_schema

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

PRELUDE = """\
/** A JSON value (json fields). */
export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[];

/** A file field's value, as read (upload with POST .../records/{id}/files/{field}/). */
export interface FileValue {
  name: string;
  size: number;
  content_type: string;
  uploaded_at: string;
  url: string;
}
"""

HELPERS = """\
type TableName = keyof Database["tables"];

/** A record of table T as read (`fields=` narrows an answer to some keys; `id` is always there). */
export type Tables<T extends TableName> = Database["tables"][T]["Row"];
/** The body creating a record of table T (POST records/, PUT records/{id}/). */
export type TablesInsert<T extends TableName> = Database["tables"][T]["Insert"];
/** The body changing a record of table T (PATCH records/{id}/). */
export type TablesUpdate<T extends TableName> = Database["tables"][T]["Update"];
/** The filter operators of field F of table T. */
export type FilterOperator<T extends TableName, F extends keyof Database["tables"][T]["Filters"]> =
  Database["tables"][T]["Filters"][F];
/** One condition of a `filter` on table T: a field, one of its operators, an operand. */
export type Condition<T extends TableName> = {
  [F in keyof Database["tables"][T]["Filters"]]: { field: F; op: Database["tables"][T]["Filters"][F]; value?: unknown };
}[keyof Database["tables"][T]["Filters"]];
/** The `filter` query parameter of table T (JSON-encode it): a condition or an and/or group. */
export type Filter<T extends TableName> = Condition<T> | { and: Filter<T>[] } | { or: Filter<T>[] };
"""


def _key(name: str) -> str:
    return name if IDENTIFIER.match(name) else json.dumps(name)


def ts_type(schema: dict[str, Any]) -> str:
    """The TypeScript type of a JSON schema (as written by the field types' `json_schema`)."""
    if "enum" in schema:
        literal = " | ".join("null" if v is None else json.dumps(v) for v in schema["enum"])
    elif schema.get("type") in ("integer", "number"):
        literal = "number"
    elif schema.get("type") == "string":
        literal = "string"
    elif schema.get("type") == "boolean":
        literal = "boolean"
    elif schema.get("type") == "array":
        item = ts_type(schema.get("items", {}))
        literal = f"({item})[]" if "|" in item else f"{item}[]"
    elif schema.get("type") == "object":
        literal = "FileValue" if "uploaded_at" in schema.get("properties", {}) else "{ [key: string]: Json }"
    else:
        literal = "Json"
    if schema.get("nullable") and literal != "Json" and "null" not in literal.split(" | "):
        literal += " | null"
    return literal


def _operators(field: FieldDef) -> str:
    supported = field_operators(field)
    return " | ".join(json.dumps(op) for op in OPERATORS if op in supported) or "never"


def _writable(field: FieldDef) -> bool:
    return not field.field_type.json_schema(field).get("readOnly", False)


def _table_block(table: TableDef, defs: SchemaDefs) -> str:
    row = [("id", "number")]
    row += [(f.name, ts_type(field_value_schema(f, defs))) for f in table.fields]
    row += [("created_at", "string"), ("updated_at", "string")]
    insert = [
        (f.name + ("" if f.required and f.default is None else "?"), ts_type(field_value_schema(f, defs)))
        for f in table.fields
        if _writable(f)
    ]
    update = [(f"{f.name}?", ts_type(field_value_schema(f, defs))) for f in table.fields if _writable(f)]
    filters = [(name, _operators(AUTOMATIC_DEFS[name])) for name in ("id", "created_at", "updated_at")]
    filters += [(f.name, _operators(f)) for f in table.fields]

    def members(pairs: list[tuple[str, str]]) -> str:
        if not pairs:
            return "{}"
        lines = "".join(
            f"        {_key(name.rstrip('?'))}{'?' if name.endswith('?') else ''}: {t};\n" for name, t in pairs
        )
        return "{\n" + lines + "      }"

    doc = f"    /** {table.display_name or table.name}{': ' + table.description if table.description else ''} */\n"
    return (
        doc
        + f"    {_key(table.name)}: {{\n"
        + f"      Row: {members(row)};\n"
        + f"      Insert: {members(insert)};\n"
        + f"      Update: {members(update)};\n"
        + f"      Filters: {members(filters)};\n"
        + "    };\n"
    )


def project_typescript(defs: SchemaDefs, *, project: str) -> str:
    """The `.d.ts` of the current project's tables (in table order)."""
    tables = sorted(defs.tables.values(), key=lambda t: (t.position, t.id))
    header = f"// TypeScript types of project {json.dumps(project)}'s tables (GET /api/v1/schema/typescript/).\n"
    header += "// Generated from the table definitions: regenerate after a schema change rather than editing.\n\n"
    body = "".join(_table_block(t, defs) for t in tables)
    database = "export interface Database {\n  tables: {\n" + body + "  };\n}\n"
    return header + PRELUDE + "\n" + database + "\n" + HELPERS
