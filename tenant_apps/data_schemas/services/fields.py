"""Fields: add, delete, reorder."""

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.db import IntegrityError, transaction

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.confirmation import confirmation_require
from shared_apps.foundation.db import ddl
from shared_apps.foundation.db.schemas import current_schema
from shared_apps.foundation.exceptions import Conflict, NotFound, ValidationFailed
from tenant_apps.data_schemas.codes import DataSchemasCode

from .. import filestore, naming, physical, search_index
from ..definitions import (
    FIELD_VALUES,
    FieldDef,
    TableDef,
    field_def_from_row,
)
from ..models import Field, Table
from .field_specs import FieldSpec, db_value, field_clean
from .loading import (
    fields_of,
    limit_of,
    options_context_for,
    physical_of,
    search_index_refresh,
    table_def_of,
    table_locked,
    table_touch,
)


def field_add(*, cursor: Any, table: Table, spec: FieldSpec, position: int, prefix: str = "") -> FieldDef:
    draft = field_clean(spec, context=options_context_for(table.pk), position=position, prefix=prefix)
    row = Field.objects.create(
        table=table,
        name=draft.name,
        type=draft.type,
        options=draft.options,
        required=draft.required,
        unique=draft.unique,
        default=draft.default,
        constraints=draft.constraints,
        position=position,
    )
    field = replace(draft, id=row.pk, created_at=row.created_at, updated_at=row.updated_at)
    table_physical = naming.physical_table(table.name)
    if field.field_type.links_records and field.options["target_table_id"] != table.pk:
        # Hold the target's definition (a concurrent delete of the target waits for this change, then sees the link).
        cursor.execute("SELECT 1 FROM data_schemas_table WHERE id = %s FOR SHARE", [field.options["target_table_id"]])
    fill = None
    if field.has_column:
        rows = ddl.table_has_rows(cursor=cursor, table=table_physical)
        if rows and field.required and field.default is None:
            raise ValidationFailed(
                "The table has records: a new required field needs a default.",
                code=DataSchemasCode.DEFAULT_REQUIRED,
                fields={f"{prefix}default": ["Required for a required field on a table with records."]},
            )
        if rows and field.default is not None:
            table_def = table_def_of(table.pk)
            fill = db_value(table_def, field, field.default_value())
    try:
        physical.field_add(
            cursor=cursor,
            table_id=table.pk,
            physical=table_physical,
            field=field,
            physical_of=physical_of,
            fill=fill,
        )
    except IntegrityError as exc:
        raise Conflict(
            "The default would make existing values not unique.",
            code=CommonCode.UNIQUE_VIOLATION,
            fields={f"{prefix}unique": ["Existing records would share the default value."]},
        ) from exc
    return field


def field_create(*, table_name: str, spec: FieldSpec) -> FieldDef:
    with ddl.ddl_block() as cursor:
        table = table_locked(table_name)
        existing = fields_of(table)
        max_fields = limit_of("MAX_FIELDS_PER_TABLE")
        if len(existing) >= max_fields:
            raise ValidationFailed(
                f"A table has at most {max_fields} fields.",
                code=CommonCode.LIMIT_REACHED,
                fields={"name": [f"Limit of {max_fields} fields reached."]},
            )
        if any(f.name == spec.name for f in existing):
            raise Conflict(
                f"Field '{spec.name}' already exists.", code=DataSchemasCode.FIELD_EXISTS, fields={"name": ["Taken."]}
            )
        position = max((f.position for f in existing), default=-1) + 1
        field = field_add(cursor=cursor, table=table, spec=spec, position=position)
        if search_index.searchable(field):
            search_index_refresh(cursor=cursor, table=table)
        table_touch(table)
        return field


def field_get(table: Table, name: str) -> FieldDef:
    row = Field.objects.filter(table=table, name=name).values(*FIELD_VALUES).first()
    if row is None:
        raise NotFound(f"Field '{name}' not found.", code=CommonCode.FIELD_NOT_FOUND)
    return field_def_from_row(row)


def field_delete(*, table_name: str, field_name: str, confirm: str | None) -> None:
    confirmation_require(confirm=confirm, name=field_name, what="field", loses="its values")
    with ddl.ddl_block() as cursor:
        table = table_locked(table_name)
        field = field_get(table, field_name)
        physical.field_drop(cursor=cursor, physical=naming.physical_table(table.name), table_id=table.pk, field=field)
        Field.objects.filter(pk=field.id).delete()
        if search_index.searchable(field):  # dropping the column dropped the index; rebuild it without the field
            search_index_refresh(cursor=cursor, table=table)
        table_touch(table)
        if field.field_type.stores_files:
            schema, table_id = current_schema(), table.pk
            transaction.on_commit(
                lambda: filestore.field_files_delete(schema=schema, table_id=table_id, field_id=field.id)
            )


def fields_reorder(*, table_name: str, order: Sequence[str]) -> TableDef:
    """Set field positions: `order` lists every field name exactly once."""
    with ddl.ddl_block():
        table = table_locked(table_name)
        names = [f.name for f in fields_of(table)]
        unknown = [name for name in order if name not in names]
        missing = [name for name in names if name not in order]
        errors = []
        if unknown:
            errors.append(f"Unknown fields: {', '.join(map(str, unknown))}.")
        if missing:
            errors.append(f"Missing fields: {', '.join(missing)}.")
        if len(set(order)) != len(order):
            errors.append("Each field appears once.")
        if errors:
            raise ValidationFailed("Invalid field order.", fields={"order": errors})
        for position, name in enumerate(order):
            Field.objects.filter(table=table, name=name).update(position=position)
        table_touch(table)
        return table_def_of(table.pk)
