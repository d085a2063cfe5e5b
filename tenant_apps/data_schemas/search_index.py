"""The full-text search index of a user table: one GIN expression index `fts_<table id>` over its text fields.

The indexed expression is `ddl.search_vector_sql(search_columns(fields))` and the records API searches with the very
same expression (records/search.py), so PostgreSQL uses the index. Services keep it current: after a table is
created with text fields, and whenever a text field is added, dropped or changes type (a rename needs nothing: the
index follows the column). Columns are taken in field-id order, so reordering fields never invalidates it.
"""

from collections.abc import Iterable

from django.db.backends.utils import CursorWrapper

from shared_apps.foundation.db import ddl

from .definitions import FieldDef

SEARCHABLE_TYPES = frozenset({"text", "long_text", "email", "url"})


def searchable(field: FieldDef) -> bool:
    return field.type in SEARCHABLE_TYPES


def search_columns(fields: Iterable[FieldDef]) -> list[str]:
    """The searchable columns of a table, in field-id order."""
    return [f.name for f in sorted(fields, key=lambda f: f.id) if searchable(f)]


def search_index_name(table_id: int) -> str:
    return f"fts_{int(table_id)}"


def search_index_drop(*, cursor: CursorWrapper, table_id: int) -> None:
    ddl.index_drop(cursor=cursor, name=search_index_name(table_id))


def search_index_sync(*, cursor: CursorWrapper, table_id: int, physical: str, fields: Iterable[FieldDef]) -> None:
    """(Re)build the index for the table's current text fields; no text field, no index."""
    search_index_drop(cursor=cursor, table_id=table_id)
    columns = search_columns(fields)
    if columns:
        ddl.search_index_create(cursor=cursor, table=physical, name=search_index_name(table_id), columns=columns)
