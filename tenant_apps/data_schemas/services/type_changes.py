"""Changing a field: renames, options, constraints, defaults and type changes (with a dry run and a report of
the values that would not convert)."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.db import ddl
from shared_apps.foundation.exceptions import Conflict, ValidationFailed
from tenant_apps.data_schemas.codes import DataSchemasCode

from .. import conversion, naming, physical, search_index
from ..conversion import ConversionReport
from ..definitions import (
    FieldDef,
)
from ..field_types import FieldValueError, NotConvertible, OptionsContext, OptionsError, field_types
from ..models import Field, Table
from .field_specs import FieldSpec, field_clean
from .fields import field_get
from .loading import options_context_for, search_index_refresh, table_locked, table_touch

ON_INVALID = ("refuse", "set_null")
UNSET: Any = object()


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
        table = table_locked(table_name)
        old = field_get(table, field_name)
        context = options_context_for(table.pk)
        spec = _carried(old, changes.get("type", old.type), changes, context)
        new = replace(
            field_clean(spec, context=context, field_id=old.id, position=old.position), created_at=old.created_at
        )
        table_physical = naming.physical_table(table.name)
        if new.name != old.name and Field.objects.filter(table=table, name=new.name).exists():
            raise Conflict(
                f"Field '{new.name}' already exists.", code=DataSchemasCode.FIELD_EXISTS, fields={"name": ["Taken."]}
            )
        if old.field_type.links_records and old.options != new.options:
            raise ValidationFailed(
                "A link's target and multiplicity cannot change.",
                code=DataSchemasCode.NOT_CONVERTIBLE,
                fields={"options": ["Create a new link field instead."]},
            )
        report: ConversionReport | None = None
        if conversion.conversion_needed(old, new):
            try:
                report = conversion.conversion_check(cursor=cursor, physical=table_physical, old=old, new=new)
            except NotConvertible as exc:
                raise ValidationFailed(
                    str(exc), code=DataSchemasCode.NOT_CONVERTIBLE, fields={"type": [str(exc)]}
                ) from exc
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
            search_index_refresh(cursor=cursor, table=table)
        table_touch(table)
        return FieldUpdateResult(field=field_get(table, new.name), conversion=report, dry_run=False)


def _refuse_lossy(report: ConversionReport, new: FieldDef, on_invalid: str) -> None:
    examples = ", ".join(f"{e['value']!r} (id {e['id']})" for e in report.examples)
    message = f"{report.invalid} of {report.rows} values would not convert to {new.type}, e.g. {examples}."
    if on_invalid != "set_null":
        raise ValidationFailed(
            message + ' Fix them, or pass "on_invalid": "set_null" to empty them.',
            code=DataSchemasCode.CONVERSION_WOULD_LOSE_DATA,
            fields={"type": [message]},
        )
    if new.required:
        raise ValidationFailed(
            message + " A required field cannot empty them.",
            code=DataSchemasCode.CONVERSION_WOULD_LOSE_DATA,
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
        elif old.unique:  # the index on lower(column) could not survive the new column type: made again below
            physical.unique_casefold_set(
                cursor=cursor, table_id=table.pk, physical=physical_name, field=old, present=False
            )
        try:
            conversion.conversion_apply(cursor=cursor, physical=physical_name, old=old, new=new, report=report)
        except IntegrityError as exc:
            raise Conflict(
                "Converted values would not be unique.",
                code=CommonCode.UNIQUE_VIOLATION,
                fields={"unique": ["Some values become equal after the conversion."]},
            ) from exc
    if new.name != old.name:
        ddl.column_rename(cursor=cursor, table=physical_name, column=old.name, new_name=new.name)
    if report is not None and old.unique and new.unique:
        try:
            physical.unique_casefold_set(
                cursor=cursor, table_id=table.pk, physical=physical_name, field=new, present=True
            )
        except IntegrityError as exc:
            raise Conflict(
                "Converted values would not be unique.",
                code=CommonCode.UNIQUE_VIOLATION,
                fields={"unique": ["Some values differ only in case (unique e-mail addresses ignore case)."]},
            ) from exc
    if new.required != old.required:
        if new.required:
            missing = ddl.column_null_count(cursor=cursor, table=physical_name, column=new.name)
            if missing:
                raise ValidationFailed(
                    f"{missing} records have no value for '{new.name}'.",
                    code=DataSchemasCode.VALUES_MISSING,
                    fields={"required": [f"{missing} records have no value; fill them first."]},
                )
        ddl.column_not_null_set(cursor=cursor, table=physical_name, column=new.name, not_null=new.required)
    if new.unique != old.unique and not (report is not None and old.unique and not new.unique):
        try:
            physical.unique_set(cursor=cursor, table_id=table.pk, physical=physical_name, field=new, unique=new.unique)
        except IntegrityError as exc:
            raise Conflict(
                f"Existing values of '{new.name}' are not unique.",
                code=CommonCode.UNIQUE_VIOLATION,
                fields={"unique": ["Existing records share values; make them distinct first."]},
            ) from exc
