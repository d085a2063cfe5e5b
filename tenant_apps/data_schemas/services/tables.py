"""Tables: create (with their first fields), update, delete."""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Max

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.confirmation import confirmation_require
from shared_apps.foundation.db import ddl
from shared_apps.foundation.db.schemas import current_schema
from shared_apps.foundation.exceptions import Conflict, ValidationFailed
from tenant_apps.data_schemas.codes import DataSchemasCode

from .. import filestore, naming, physical, search_index
from ..definitions import (
    TableDef,
    definitions_changed,
)
from ..models import Field, Table
from .field_specs import FieldSpec
from .fields import field_add
from .loading import fields_of, limit_of, search_index_refresh, table_def_of, table_locked, table_touch


def table_create(
    *, name: str, display_name: str = "", description: str = "", fields: Sequence[FieldSpec] = ()
) -> TableDef:
    """Create a table (definition + physical `t_<name>`) with its first fields, all or nothing."""
    naming.table_name_validate(name)
    max_fields = limit_of("MAX_FIELDS_PER_TABLE")
    if len(fields) > max_fields:
        raise ValidationFailed(
            f"A table has at most {max_fields} fields.", code=CommonCode.LIMIT_REACHED, fields={"fields": ["Too many."]}
        )
    with ddl.ddl_block() as cursor:
        ddl.schema_lock(cursor=cursor, key="tables")
        max_tables = limit_of("MAX_TABLES_PER_PROJECT")
        if Table.objects.count() >= max_tables:
            raise ValidationFailed(
                f"A project has at most {max_tables} tables.",
                code=CommonCode.LIMIT_REACHED,
                fields={"name": [f"Limit of {max_tables} tables reached."]},
            )
        if Table.objects.filter(name=name).exists():
            raise Conflict(f"Table '{name}' already exists.", code=CommonCode.TABLE_EXISTS, fields={"name": ["Taken."]})
        naming.physical_name_check_free(naming.physical_table(name))
        position = (Table.objects.aggregate(m=Max("position"))["m"] or 0) + 1
        table = Table.objects.create(
            name=name, display_name=display_name.strip() or name, description=description, position=position
        )
        physical.table_create(cursor=cursor, table_id=table.pk, physical=naming.physical_table(name))
        seen: set[str] = set()
        for index, spec in enumerate(fields):
            if spec.name in seen:
                raise ValidationFailed(
                    "Duplicate field name.", fields={f"fields.{index}.name": [f"'{spec.name}' appears twice."]}
                )
            seen.add(spec.name)
            field_add(cursor=cursor, table=table, spec=spec, position=index, prefix=f"fields.{index}.")
        if any(spec.type in search_index.SEARCHABLE_TYPES for spec in fields):
            search_index_refresh(cursor=cursor, table=table)
        definitions_changed()
        return table_def_of(table.pk)


def table_update(
    *,
    table_name: str,
    name: str | None = None,
    display_name: str | None = None,
    description: str | None = None,
    position: int | None = None,
) -> TableDef:
    """Rename (also the physical table) and/or change display name, description, position."""
    with ddl.ddl_block() as cursor:
        table = table_locked(table_name)
        if name is not None and name != table.name:
            naming.table_name_validate(name)
            ddl.schema_lock(cursor=cursor, key="tables")
            if Table.objects.filter(name=name).exists():
                raise Conflict(
                    f"Table '{name}' already exists.", code=CommonCode.TABLE_EXISTS, fields={"name": ["Taken."]}
                )
            naming.physical_name_check_free(naming.physical_table(name))
            ddl.table_rename(
                cursor=cursor, table=naming.physical_table(table.name), new_name=naming.physical_table(name)
            )
            table.name = name
        if display_name is not None:
            table.display_name = display_name.strip() or table.name
        if description is not None:
            table.description = description
        if position is not None:
            table.position = position
        table.save(update_fields=["name", "display_name", "description", "position", "updated_at"])
        table_touch(table)
        return table_def_of(table.pk)


def table_delete(*, table_name: str, confirm: str | None) -> None:
    """Drop the table, its join tables, definitions and files. `confirm` must repeat the table name."""
    confirmation_require(confirm=confirm, name=table_name, what="table", loses="all its records")
    with ddl.ddl_block() as cursor:
        table = table_locked(table_name)
        inbound = [
            f"{table_name_}.{field_name}"
            for table_name_, field_name, options in Field.objects.filter(type="link")
            .exclude(table=table)
            .values_list("table__name", "name", "options")
            if options.get("target_table_id") == table.pk
        ]
        if inbound:
            raise Conflict(
                f"Table '{table_name}' is linked from {', '.join(sorted(inbound))}; delete those fields first.",
                code=DataSchemasCode.TABLE_IN_USE,
                fields={"links": sorted(inbound)},
            )
        for field in fields_of(table):
            if field.field_type.links_records and field.options["multiple"]:
                physical.field_drop(
                    cursor=cursor, physical=naming.physical_table(table.name), table_id=table.pk, field=field
                )
        ddl.table_drop(cursor=cursor, table=naming.physical_table(table.name))
        table_id = table.pk
        table.delete()
        definitions_changed()
        schema = current_schema()
        transaction.on_commit(lambda: filestore.table_files_delete(schema=schema, table_id=table_id))
