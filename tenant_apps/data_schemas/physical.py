"""Definitions -> physical tables and columns. Every statement goes through shared_apps/foundation/db/ddl.py.

Callers run these inside `ddl_block()` (one transaction with the definition rows, short lock_timeout).
"""

from collections.abc import Callable
from typing import Any

from django.db.backends.utils import CursorWrapper

from shared_apps.foundation.db import ddl

from . import naming
from .definitions import FieldDef

PhysicalOf = Callable[[int], str]  # table id -> physical table name (link targets)


def automatic_columns(table_id: int) -> list[ddl.Column]:
    return [
        ddl.Column("id", "bigint", primary_key=True, identity=True, primary_key_name=naming.primary_key_name(table_id)),
        ddl.Column("created_at", "timestamptz", not_null=True, default_now=True),
        ddl.Column("updated_at", "timestamptz", not_null=True, default_now=True),
    ]


def _is_many_to_one(field: FieldDef) -> bool:
    return field.field_type.links_records and not field.options["multiple"]


def _is_many_to_many(field: FieldDef) -> bool:
    return field.field_type.links_records and bool(field.options["multiple"])


def field_column(table_id: int, field: FieldDef, physical_of: PhysicalOf, *, not_null: bool) -> ddl.Column:
    references = fk_name = None
    if _is_many_to_one(field):
        references = physical_of(field.options["target_table_id"])
        fk_name = naming.foreign_key_name(table_id, field.id)
    return ddl.Column(
        field.name,
        field.field_type.sql_type(field.options),
        not_null=not_null,
        references=references,
        fk_name=fk_name,
        on_delete="SET NULL",
    )


def table_create(*, cursor: CursorWrapper, table_id: int, physical: str) -> None:
    ddl.table_create(cursor=cursor, table=physical, columns=automatic_columns(table_id))


def field_add(
    *, cursor: CursorWrapper, table_id: int, physical: str, field: FieldDef, physical_of: PhysicalOf, fill: Any
) -> None:
    """Add the field's column (or join table), fill existing rows with `fill` (a db value, None: leave NULL),
    then apply NOT NULL, the unique constraint and the link index."""
    if _is_many_to_many(field):
        _join_table_create(cursor=cursor, table_id=table_id, physical=physical, field=field, physical_of=physical_of)
        return
    ddl.column_add(cursor=cursor, table=physical, column=field_column(table_id, field, physical_of, not_null=False))
    if fill is not None:
        ddl.column_fill(cursor=cursor, table=physical, column=field.name, value=fill)
    if field.required:
        ddl.column_not_null_set(cursor=cursor, table=physical, column=field.name, not_null=True)
    if field.unique:
        unique_set(cursor=cursor, table_id=table_id, physical=physical, field=field, unique=True)
    if _is_many_to_one(field):
        ddl.index_create(
            cursor=cursor, table=physical, name=naming.index_name(table_id, field.id), columns=[field.name]
        )


def _join_table_create(
    *, cursor: CursorWrapper, table_id: int, physical: str, field: FieldDef, physical_of: PhysicalOf
) -> None:
    join = naming.join_table(table_id, field.id)
    target = physical_of(field.options["target_table_id"])
    ddl.table_create(
        cursor=cursor,
        table=join,
        columns=[
            ddl.Column(
                "id",
                "bigint",
                primary_key=True,
                identity=True,
                primary_key_name=f"pk_{int(table_id)}_{int(field.id)}",
            ),
            ddl.Column(
                "source_id",
                "bigint",
                not_null=True,
                references=physical,
                fk_name=naming.foreign_key_name(table_id, field.id, "_s"),
                on_delete="CASCADE",
            ),
            ddl.Column(
                "target_id",
                "bigint",
                not_null=True,
                references=target,
                fk_name=naming.foreign_key_name(table_id, field.id, "_t"),
                on_delete="CASCADE",
            ),
        ],
        unique=[(naming.unique_name(table_id, field.id), ["source_id", "target_id"])],
    )
    ddl.index_create(cursor=cursor, table=join, name=naming.index_name(table_id, field.id, "_t"), columns=["target_id"])


def field_drop(*, cursor: CursorWrapper, physical: str, table_id: int, field: FieldDef) -> None:
    if _is_many_to_many(field):
        ddl.table_drop(cursor=cursor, table=naming.join_table(table_id, field.id))
    else:
        ddl.column_drop(cursor=cursor, table=physical, column=field.name)


def unique_set(*, cursor: CursorWrapper, table_id: int, physical: str, field: FieldDef, unique: bool) -> None:
    """Add or drop the field's unique constraint, and for `unique_casefold` types its unique index on lower()."""
    name = naming.unique_name(table_id, field.id)
    if unique:
        ddl.unique_add(cursor=cursor, table=physical, name=name, columns=[field.name])
    else:
        ddl.constraint_drop(cursor=cursor, table=physical, name=name)
    unique_casefold_set(cursor=cursor, table_id=table_id, physical=physical, field=field, present=unique)


def unique_casefold_set(*, cursor: CursorWrapper, table_id: int, physical: str, field: FieldDef, present: bool) -> None:
    """The unique index on lower(column) exists iff `present` and the field's type compares unique values without
    case (dropped before a type change, which could not rebuild it, and made again after)."""
    name = naming.unique_casefold_name(table_id, field.id)
    ddl.index_drop(cursor=cursor, name=name)
    if present and field.field_type.unique_casefold:
        ddl.unique_lower_index_create(cursor=cursor, table=physical, name=name, column=field.name)
