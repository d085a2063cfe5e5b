"""Changing a field's type (or its type options): how many values would not convert, and the conversion itself.

Every conversion is an SQL expression over the old column that yields NULL for a value that does not convert
exactly (pg_temp.nocode_try_* helpers in ddl.py; text is the common ground: `text_sql` of the old type, then the
new type's parser). A dry run counts those values and shows up to five; the real change refuses when any exists,
unless the caller explicitly asked to null them. Links and files never change type.
"""

from dataclasses import dataclass
from typing import Any

from django.db.backends.utils import CursorWrapper

from shared_apps.foundation.db import ddl

from .definitions import FieldDef
from .field_types import NotConvertible

EXAMPLES = 5


@dataclass(frozen=True)
class ConversionReport:
    rows: int
    invalid: int
    examples: list[dict[str, Any]]

    def data(self) -> dict[str, Any]:
        return {"rows": self.rows, "invalid": self.invalid, "examples": self.examples}


def conversion_needed(old: FieldDef, new: FieldDef) -> bool:
    return old.type != new.type or old.options != new.options


def _expression(old: FieldDef, new: FieldDef) -> tuple[str, list[Any]]:
    if not (old.field_type.convertible and new.field_type.convertible):
        raise NotConvertible(f"A {old.type} field cannot change to {new.type} (nor change its link options).")
    return new.field_type.from_sql(ddl.ident(old.name), old, new)


def conversion_check_possible(old: FieldDef, new: FieldDef) -> None:
    """Raise NotConvertible when no data could make this change."""
    _expression(old, new)


def conversion_check(*, cursor: CursorWrapper, physical: str, old: FieldDef, new: FieldDef) -> ConversionReport:
    expression, params = _expression(old, new)
    ddl.try_cast_functions_create(cursor=cursor)
    rows, invalid, examples = ddl.column_conversion_failures(
        cursor=cursor,
        table=physical,
        column=old.name,
        converted_sql=expression,
        params=params,
        shown_sql=old.field_type.text_sql(ddl.ident(old.name)),
        limit=EXAMPLES,
    )
    return ConversionReport(
        rows=rows, invalid=invalid, examples=[{"id": record_id, "value": value} for record_id, value in examples]
    )


def conversion_apply(
    *, cursor: CursorWrapper, physical: str, old: FieldDef, new: FieldDef, report: ConversionReport
) -> None:
    """Convert the column (values that do not convert become NULL: callers allow that explicitly)."""
    old_type, new_type = old.field_type.sql_type(old.options), new.field_type.sql_type(new.options)
    if old_type == new_type and report.invalid == 0:
        return  # same storage and every value is valid: nothing to rewrite
    expression, params = _expression(old, new)
    ddl.try_cast_functions_create(cursor=cursor)
    ddl.column_type_change(
        cursor=cursor, table=physical, column=old.name, sql_type=new_type, using_sql=expression, params=params
    )
