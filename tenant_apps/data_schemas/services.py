"""Writes of table and field definitions, each with its physical change in ONE transaction.

Every service runs inside `ddl_block()` (short lock_timeout; a lock that cannot be had is a 503 SCHEMA_BUSY),
locks the Table row (`SELECT ... FOR UPDATE`) so two changes of one table are serialised, validates everything
before the first statement that changes anything, changes definitions and physical objects together, bumps
`Table.version` and calls `definitions_changed()`. Any failure rolls both back. Callers check `manage_schema`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Max
from django.utils import timezone

from shared_apps.foundation import ddl
from shared_apps.foundation.exceptions import Conflict, NotFound, ValidationFailed
from shared_apps.foundation.schemas import current_schema

from . import conversion, filestore, naming, physical, search_index
from .conversion import ConversionReport
from .definitions import (
    FIELD_VALUES,
    TABLE_VALUES,
    FieldDef,
    TableDef,
    definitions_changed,
    field_def_from_row,
    options_context,
    table_def_from_rows,
)
from .field_types import FieldValueError, NotConvertible, OptionsContext, OptionsError, field_types
from .field_types.base import json_value
from .models import Field, Table
from .pgregex import regex_error, regex_mismatches

ON_INVALID = ("refuse", "set_null")
UNSET: Any = object()


# --- loading under lock --------------------------------------------------------------------------------------------


def _table_locked(name: str) -> Table:
    table = Table.objects.select_for_update().filter(name=name).first()
    if table is None:
        raise NotFound(f"Table '{name}' not found.", code="TABLE_NOT_FOUND")
    return table


def _fields_of(table: Table) -> list[FieldDef]:
    rows = Field.objects.filter(table=table).order_by("position", "id").values(*FIELD_VALUES)
    return [field_def_from_row(row) for row in rows]


def _table_def(table_id: int) -> TableDef:
    row = Table.objects.filter(pk=table_id).values(*TABLE_VALUES).get()
    fields = Field.objects.filter(table_id=table_id).values(*FIELD_VALUES)
    return table_def_from_rows(row, fields, schema=current_schema())


def _context(table_id: int | None) -> OptionsContext:
    return options_context(Table.objects.all(), table_id=table_id)


def _physical_of(table_id: int) -> str:
    name = Table.objects.filter(pk=table_id).values_list("name", flat=True).first()
    if name is None:
        raise NotFound("Link target not found.", code="TABLE_NOT_FOUND")
    return naming.physical_table(name)


def _touch(table: Table) -> None:
    Table.objects.filter(pk=table.pk).update(version=F("version") + 1, updated_at=timezone.now())
    definitions_changed()


def _limit(key: str) -> int:
    return int(settings.NOCODE[key])


def _search_index_refresh(*, cursor: Any, table: Table) -> None:
    """Rebuild the table's full-text index after its text fields changed (search_index.py)."""
    search_index.search_index_sync(
        cursor=cursor, table_id=table.pk, physical=naming.physical_table(table.name), fields=_fields_of(table)
    )


# --- field definitions: validation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """A field definition as requested (shape-checked by the API layer)."""

    name: str
    type: str
    options: Mapping[str, Any]
    required: bool = False
    unique: bool = False
    default: Any = None
    constraints: Mapping[str, Any] | None = None


def _prefixed(errors: Mapping[str, Sequence[str]], prefix: str) -> dict[str, list[str]]:
    return {f"{prefix}{key}": list(messages) for key, messages in errors.items()}


def _field_clean(
    spec: FieldSpec, *, context: OptionsContext, field_id: int = 0, position: int = 0, prefix: str = ""
) -> FieldDef:
    """Validate a definition against the registry; raise ValidationFailed naming `<prefix><key>`."""
    errors: dict[str, list[str]] = {}
    try:
        naming.field_name_validate(spec.name)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if spec.type not in field_types:
        errors["type"] = [f"Unknown field type '{spec.type}'. One of: {', '.join(field_types.names())}."]
        raise ValidationFailed("Invalid field definition.", fields=_prefixed(errors, prefix))
    field_type = field_types.get(spec.type)
    options: dict[str, Any] = {}
    try:
        options = field_type.clean_options(dict(spec.options or {}), context=context)
    except OptionsError as exc:
        errors.update(exc.errors)
    draft = FieldDef(
        id=field_id,
        name=spec.name,
        type=spec.type,
        options=options,
        required=spec.required,
        unique=spec.unique,
        default=None,
        constraints={},
        position=position,
    )
    if not errors:
        try:
            draft.constraints = field_type.clean_constraints(dict(spec.constraints or {}), draft)
        except OptionsError as exc:
            errors.update(exc.errors)
        if "regex" in draft.constraints:
            problem = regex_error(draft.constraints["regex"])
            if problem:
                errors["constraints.regex"] = [problem]
        if spec.unique and not field_type.supports_unique(options):
            errors["unique"] = [f"{_kind(draft)} fields cannot be unique."]
        if spec.required and not (field_type.writable and field_type.has_column(options)):
            errors["required"] = [f"{_kind(draft)} fields cannot be required."]
        if spec.default is not None:
            default_errors = _default_errors(draft, spec.default)
            if default_errors:
                errors["default"] = default_errors
            else:
                draft.default = json_value(field_type.to_python(spec.default, draft))
    if errors:
        raise ValidationFailed("Invalid field definition.", fields=_prefixed(errors, prefix))
    return draft


def _kind(field: FieldDef) -> str:
    if field.type == "link":
        return "Many-to-many link" if field.options.get("multiple") else "Link"
    return field.type.replace("_", " ").capitalize()


def _default_errors(field: FieldDef, default: Any) -> list[str]:
    field_type = field.field_type
    if not field_type.supports_default:
        return [f"{_kind(field)} fields take no default."]
    try:
        value = field_type.to_python(default, field)
    except FieldValueError as exc:
        return [str(exc)]
    errors = field_type.check_constraints(value, field)
    pattern = field.constraints.get("regex")
    if pattern and isinstance(value, str) and regex_mismatches([(value, pattern)])[0]:
        errors.append("Does not match the required pattern.")
    return errors


def _db_value(table: TableDef, field: FieldDef, value: Any) -> Any:
    """A coerced value prepared for a raw parameter (json, arrays, decimals) by the run-time model field."""
    model_field = table.model._meta.get_field(field.name)
    assert isinstance(model_field, models.Field)
    return model_field.get_db_prep_save(value, connection=connection)


# --- tables --------------------------------------------------------------------------------------------------------


def table_create(
    *, name: str, display_name: str = "", description: str = "", fields: Sequence[FieldSpec] = ()
) -> TableDef:
    """Create a table (definition + physical `t_<name>`) with its first fields, all or nothing."""
    naming.table_name_validate(name)
    max_fields = _limit("MAX_FIELDS_PER_TABLE")
    if len(fields) > max_fields:
        raise ValidationFailed(
            f"A table has at most {max_fields} fields.", code="LIMIT_REACHED", fields={"fields": ["Too many."]}
        )
    with ddl.ddl_block() as cursor:
        ddl.schema_lock(cursor=cursor, key="tables")
        max_tables = _limit("MAX_TABLES_PER_PROJECT")
        if Table.objects.count() >= max_tables:
            raise ValidationFailed(
                f"A project has at most {max_tables} tables.",
                code="LIMIT_REACHED",
                fields={"name": [f"Limit of {max_tables} tables reached."]},
            )
        if Table.objects.filter(name=name).exists():
            raise Conflict(f"Table '{name}' already exists.", code="TABLE_EXISTS", fields={"name": ["Taken."]})
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
            _field_add(cursor=cursor, table=table, spec=spec, position=index, prefix=f"fields.{index}.")
        if any(spec.type in search_index.SEARCHABLE_TYPES for spec in fields):
            _search_index_refresh(cursor=cursor, table=table)
        definitions_changed()
        return _table_def(table.pk)


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
        table = _table_locked(table_name)
        if name is not None and name != table.name:
            naming.table_name_validate(name)
            ddl.schema_lock(cursor=cursor, key="tables")
            if Table.objects.filter(name=name).exists():
                raise Conflict(f"Table '{name}' already exists.", code="TABLE_EXISTS", fields={"name": ["Taken."]})
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
        _touch(table)
        return _table_def(table.pk)


def table_delete(*, table_name: str, confirm: str | None) -> None:
    """Drop the table, its join tables, definitions and files. `confirm` must repeat the table name."""
    if confirm != table_name:
        raise ValidationFailed(
            "Deleting a table needs an explicit confirmation.",
            code="CONFIRMATION_REQUIRED",
            fields={"confirm": [f"Pass confirm={table_name} to delete this table and all its records."]},
        )
    with ddl.ddl_block() as cursor:
        table = _table_locked(table_name)
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
                code="TABLE_IN_USE",
                fields={"links": sorted(inbound)},
            )
        for field in _fields_of(table):
            if field.type == "link" and field.options["multiple"]:
                physical.field_drop(
                    cursor=cursor, physical=naming.physical_table(table.name), table_id=table.pk, field=field
                )
        ddl.table_drop(cursor=cursor, table=naming.physical_table(table.name))
        table_id = table.pk
        table.delete()
        definitions_changed()
        schema = current_schema()
        transaction.on_commit(lambda: filestore.table_files_delete(schema=schema, table_id=table_id))


# --- fields --------------------------------------------------------------------------------------------------------


def _field_add(*, cursor: Any, table: Table, spec: FieldSpec, position: int, prefix: str = "") -> FieldDef:
    draft = _field_clean(spec, context=_context(table.pk), position=position, prefix=prefix)
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
    if field.type == "link" and field.options["target_table_id"] != table.pk:
        # Hold the target's definition (a concurrent delete of the target waits for this change, then sees the link).
        cursor.execute("SELECT 1 FROM data_schemas_table WHERE id = %s FOR SHARE", [field.options["target_table_id"]])
    fill = None
    if field.has_column:
        rows = ddl.table_has_rows(cursor=cursor, table=table_physical)
        if rows and field.required and field.default is None:
            raise ValidationFailed(
                "The table has records: a new required field needs a default.",
                code="DEFAULT_REQUIRED",
                fields={f"{prefix}default": ["Required for a required field on a table with records."]},
            )
        if rows and field.default is not None:
            table_def = _table_def(table.pk)
            fill = _db_value(table_def, field, field.default_value())
    try:
        physical.field_add(
            cursor=cursor,
            table_id=table.pk,
            physical=table_physical,
            field=field,
            physical_of=_physical_of,
            fill=fill,
        )
    except IntegrityError as exc:
        raise Conflict(
            "The default would make existing values not unique.",
            code="UNIQUE_VIOLATION",
            fields={f"{prefix}unique": ["Existing records would share the default value."]},
        ) from exc
    return field


def field_create(*, table_name: str, spec: FieldSpec) -> FieldDef:
    with ddl.ddl_block() as cursor:
        table = _table_locked(table_name)
        existing = _fields_of(table)
        max_fields = _limit("MAX_FIELDS_PER_TABLE")
        if len(existing) >= max_fields:
            raise ValidationFailed(
                f"A table has at most {max_fields} fields.",
                code="LIMIT_REACHED",
                fields={"name": [f"Limit of {max_fields} fields reached."]},
            )
        if any(f.name == spec.name for f in existing):
            raise Conflict(f"Field '{spec.name}' already exists.", code="FIELD_EXISTS", fields={"name": ["Taken."]})
        position = max((f.position for f in existing), default=-1) + 1
        field = _field_add(cursor=cursor, table=table, spec=spec, position=position)
        if search_index.searchable(field):
            _search_index_refresh(cursor=cursor, table=table)
        _touch(table)
        return field


def _field_get(table: Table, name: str) -> FieldDef:
    row = Field.objects.filter(table=table, name=name).values(*FIELD_VALUES).first()
    if row is None:
        raise NotFound(f"Field '{name}' not found.", code="FIELD_NOT_FOUND")
    return field_def_from_row(row)


@dataclass(frozen=True)
class FieldUpdateResult:
    field: FieldDef
    conversion: ConversionReport | None
    dry_run: bool


def _carried(old: FieldDef, new_type: str, changes: Mapping[str, Any], context: OptionsContext) -> FieldSpec:
    """The requested definition: keys not in `changes` keep their value (when still valid for a new type)."""
    field_type = field_types.get(new_type) if new_type in field_types else None
    options: Any = changes.get("options", UNSET)
    constraints: Any = changes.get("constraints", UNSET)
    default: Any = changes.get("default", UNSET)
    if options is UNSET:
        options = old.field_type.public_options(old.options, context=context)
        if field_type is not None and new_type != old.type:
            try:
                field_type.clean_options(options, context=context)
            except OptionsError:
                options = {}
    if constraints is UNSET:
        constraints = old.constraints
        if field_type is not None and new_type != old.type and not set(constraints) <= field_type.allowed_constraints:
            constraints = {}
    if default is UNSET:
        default = old.default
        if field_type is not None and new_type != old.type and default is not None:
            probe = FieldDef(0, old.name, new_type, {}, False, False, None, {}, 0)
            try:
                probe.options = field_type.clean_options(options, context=context)
                field_type.to_python(default, probe)
            except (OptionsError, FieldValueError):
                default = None
    return FieldSpec(
        name=changes.get("name", old.name),
        type=new_type,
        options=options,
        required=changes.get("required", old.required),
        unique=changes.get("unique", old.unique),
        default=default,
        constraints=constraints,
    )


def field_update(
    *, table_name: str, field_name: str, changes: Mapping[str, Any], dry_run: bool = False, on_invalid: str = "refuse"
) -> FieldUpdateResult:
    """Rename, change options/constraints/default/required/unique, or change the type of a field.

    A type (or type option) change checks every value first: `dry_run` only reports; otherwise values that would
    not convert refuse the change (CONVERSION_WOULD_LOSE_DATA) unless `on_invalid="set_null"`.
    """
    if on_invalid not in ON_INVALID:
        raise ValidationFailed("Invalid on_invalid.", fields={"on_invalid": [f"One of: {', '.join(ON_INVALID)}."]})
    with ddl.ddl_block() as cursor:
        table = _table_locked(table_name)
        old = _field_get(table, field_name)
        context = _context(table.pk)
        spec = _carried(old, changes.get("type", old.type), changes, context)
        new = replace(
            _field_clean(spec, context=context, field_id=old.id, position=old.position), created_at=old.created_at
        )
        table_physical = naming.physical_table(table.name)
        if new.name != old.name and Field.objects.filter(table=table, name=new.name).exists():
            raise Conflict(f"Field '{new.name}' already exists.", code="FIELD_EXISTS", fields={"name": ["Taken."]})
        if old.type == "link" and old.options != new.options:
            raise ValidationFailed(
                "A link's target and multiplicity cannot change.",
                code="NOT_CONVERTIBLE",
                fields={"options": ["Create a new link field instead."]},
            )
        report: ConversionReport | None = None
        if conversion.conversion_needed(old, new):
            try:
                report = conversion.conversion_check(cursor=cursor, physical=table_physical, old=old, new=new)
            except NotConvertible as exc:
                raise ValidationFailed(str(exc), code="NOT_CONVERTIBLE", fields={"type": [str(exc)]}) from exc
        if dry_run:
            transaction.set_rollback(True)
            return FieldUpdateResult(field=new, conversion=report, dry_run=True)
        if report is not None and report.invalid:
            _refuse_lossy(report, new, on_invalid)
        search_changed = old.type != new.type and (search_index.searchable(old) or search_index.searchable(new))
        if search_changed:  # the index expression reads the column: drop it before the column changes type
            search_index.search_index_drop(cursor=cursor, table_id=table.pk)
        _field_apply(cursor=cursor, table=table, physical_name=table_physical, old=old, new=new, report=report)
        Field.objects.filter(pk=old.id).update(
            name=new.name,
            type=new.type,
            options=new.options,
            required=new.required,
            unique=new.unique,
            default=new.default,
            constraints=new.constraints,
            updated_at=timezone.now(),
        )
        if search_changed:
            _search_index_refresh(cursor=cursor, table=table)
        _touch(table)
        return FieldUpdateResult(field=_field_get(table, new.name), conversion=report, dry_run=False)


def _refuse_lossy(report: ConversionReport, new: FieldDef, on_invalid: str) -> None:
    examples = ", ".join(f"{e['value']!r} (id {e['id']})" for e in report.examples)
    message = f"{report.invalid} of {report.rows} values would not convert to {new.type}, e.g. {examples}."
    if on_invalid != "set_null":
        raise ValidationFailed(
            message + ' Fix them, or pass "on_invalid": "set_null" to empty them.',
            code="CONVERSION_WOULD_LOSE_DATA",
            fields={"type": [message]},
        )
    if new.required:
        raise ValidationFailed(
            message + " A required field cannot empty them.",
            code="CONVERSION_WOULD_LOSE_DATA",
            fields={"required": ["Values that do not convert cannot be emptied in a required field."]},
        )


def _field_apply(
    *, cursor: Any, table: Table, physical_name: str, old: FieldDef, new: FieldDef, report: ConversionReport | None
) -> None:
    if not old.has_column:
        return  # many-to-many: only the definition changes (name, etc.); the join table is named by ids
    if report is not None:
        if old.unique and not new.unique:
            physical.unique_set(cursor=cursor, table_id=table.pk, physical=physical_name, field=old, unique=False)
        try:
            conversion.conversion_apply(cursor=cursor, physical=physical_name, old=old, new=new, report=report)
        except IntegrityError as exc:
            raise Conflict(
                "Converted values would not be unique.",
                code="UNIQUE_VIOLATION",
                fields={"unique": ["Some values become equal after the conversion."]},
            ) from exc
    if new.name != old.name:
        ddl.column_rename(cursor=cursor, table=physical_name, column=old.name, new_name=new.name)
    if new.required != old.required:
        if new.required:
            missing = ddl.column_null_count(cursor=cursor, table=physical_name, column=new.name)
            if missing:
                raise ValidationFailed(
                    f"{missing} records have no value for '{new.name}'.",
                    code="VALUES_MISSING",
                    fields={"required": [f"{missing} records have no value; fill them first."]},
                )
        ddl.column_not_null_set(cursor=cursor, table=physical_name, column=new.name, not_null=new.required)
    if new.unique != old.unique and not (report is not None and old.unique and not new.unique):
        try:
            physical.unique_set(cursor=cursor, table_id=table.pk, physical=physical_name, field=new, unique=new.unique)
        except IntegrityError as exc:
            raise Conflict(
                f"Existing values of '{new.name}' are not unique.",
                code="UNIQUE_VIOLATION",
                fields={"unique": ["Existing records share values; make them distinct first."]},
            ) from exc


def field_delete(*, table_name: str, field_name: str, confirm: str | None) -> None:
    if confirm != field_name:
        raise ValidationFailed(
            "Deleting a field needs an explicit confirmation.",
            code="CONFIRMATION_REQUIRED",
            fields={"confirm": [f"Pass confirm={field_name} to delete this field and its values."]},
        )
    with ddl.ddl_block() as cursor:
        table = _table_locked(table_name)
        field = _field_get(table, field_name)
        physical.field_drop(cursor=cursor, physical=naming.physical_table(table.name), table_id=table.pk, field=field)
        Field.objects.filter(pk=field.id).delete()
        if search_index.searchable(field):  # dropping the column dropped the index; rebuild it without the field
            _search_index_refresh(cursor=cursor, table=table)
        _touch(table)
        if field.type == "file":
            schema, table_id = current_schema(), table.pk
            transaction.on_commit(
                lambda: filestore.field_files_delete(schema=schema, table_id=table_id, field_id=field.id)
            )


def fields_reorder(*, table_name: str, order: Sequence[str]) -> TableDef:
    """Set field positions: `order` lists every field name exactly once."""
    with ddl.ddl_block():
        table = _table_locked(table_name)
        names = [f.name for f in _fields_of(table)]
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
        _touch(table)
        return _table_def(table.pk)
