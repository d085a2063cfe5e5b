"""A project's tables and fields as a spec."""

from typing import Any

from ..definitions import FieldDef, SchemaDefs, schema_definitions
from ..field_types import OptionsContext
from .format import SPEC_VERSION


def field_export(table_field: FieldDef, context: OptionsContext) -> dict[str, Any]:
    return {
        "name": table_field.name,
        "type": table_field.type,
        "options": table_field.field_type.public_options(table_field.options, context=context),
        "required": table_field.required,
        "unique": table_field.unique,
        "default": table_field.default,
        "constraints": table_field.constraints,
    }


def spec_export(defs: SchemaDefs | None = None) -> dict[str, Any]:
    """The current project's tables and fields as a version-1 spec (tables by position, fields in order)."""
    defs = defs or schema_definitions()
    context = defs.options_context()
    tables = sorted(defs.tables.values(), key=lambda t: (t.position, t.id))
    return {
        "version": SPEC_VERSION,
        "tables": [
            {
                "name": table.name,
                "display_name": table.display_name,
                "description": table.description,
                "fields": [field_export(f, context) for f in table.fields],
            }
            for table in tables
        ],
    }
