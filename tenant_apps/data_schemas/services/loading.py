"""Loading definitions under lock and the bookkeeping every definition change ends with."""

from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from shared_apps.foundation.db.schemas import current_schema
from shared_apps.foundation.exceptions import NotFound
from tenant_apps.data_schemas.codes import DataSchemasCode

from .. import naming, search_index
from ..definitions import (
    FIELD_VALUES,
    TABLE_VALUES,
    FieldDef,
    TableDef,
    definitions_changed,
    field_def_from_row,
    options_context,
    table_def_from_rows,
)
from ..field_types import OptionsContext
from ..models import Field, Table


def table_locked(name: str) -> Table:
    table = Table.objects.select_for_update().filter(name=name).first()
    if table is None:
        raise NotFound(f"Table '{name}' not found.", code=DataSchemasCode.TABLE_NOT_FOUND)
    return table


def fields_of(table: Table) -> list[FieldDef]:
    rows = Field.objects.filter(table=table).order_by("position", "id").values(*FIELD_VALUES)
    return [field_def_from_row(row) for row in rows]


def table_def_of(table_id: int) -> TableDef:
    row = Table.objects.filter(pk=table_id).values(*TABLE_VALUES).get()
    fields = Field.objects.filter(table_id=table_id).values(*FIELD_VALUES)
    return table_def_from_rows(row, fields, schema=current_schema())


def options_context_for(table_id: int | None) -> OptionsContext:
    return options_context(Table.objects.all(), table_id=table_id)


def physical_of(table_id: int) -> str:
    name = Table.objects.filter(pk=table_id).values_list("name", flat=True).first()
    if name is None:
        raise NotFound("Link target not found.", code=DataSchemasCode.TABLE_NOT_FOUND)
    return naming.physical_table(name)


def table_touch(table: Table) -> None:
    Table.objects.filter(pk=table.pk).update(version=F("version") + 1, updated_at=timezone.now())
    definitions_changed()


def limit_of(key: str) -> int:
    return int(settings.NOCODE[key])


def search_index_refresh(*, cursor: Any, table: Table) -> None:
    """Rebuild the table's full-text index after its text fields changed (search_index.py)."""
    search_index.search_index_sync(
        cursor=cursor, table_id=table.pk, physical=naming.physical_table(table.name), fields=fields_of(table)
    )
