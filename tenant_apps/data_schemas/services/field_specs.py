"""A requested field definition (FieldSpec) and its validation against the field-type registry."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models

from shared_apps.foundation.exceptions import ValidationFailed

from .. import naming
from ..definitions import (
    FieldDef,
    TableDef,
)
from ..field_types import FieldValueError, OptionsContext, OptionsError, field_types
from ..field_types.base import json_value
from ..pgregex import regex_error, regex_mismatches


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


def prefixed(errors: Mapping[str, Sequence[str]], prefix: str) -> dict[str, list[str]]:
    return {f"{prefix}{key}": list(messages) for key, messages in errors.items()}


def field_clean(
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
        raise ValidationFailed("Invalid field definition.", fields=prefixed(errors, prefix))
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
            errors["unique"] = [f"{field_kind(draft)} fields cannot be unique."]
        if spec.required and not (field_type.writable and field_type.has_column(options)):
            errors["required"] = [f"{field_kind(draft)} fields cannot be required."]
        if spec.default is not None:
            problems = default_errors(draft, spec.default)
            if problems:
                errors["default"] = problems
            else:
                draft.default = json_value(field_type.to_python(spec.default, draft))
    if errors:
        raise ValidationFailed("Invalid field definition.", fields=prefixed(errors, prefix))
    return draft


def field_kind(field: FieldDef) -> str:
    if field.field_type.links_records:
        return "Many-to-many link" if field.options.get("multiple") else "Link"
    return field.type.replace("_", " ").capitalize()


def default_errors(field: FieldDef, default: Any) -> list[str]:
    field_type = field.field_type
    if not field_type.supports_default:
        return [f"{field_kind(field)} fields take no default."]
    try:
        value = field_type.to_python(default, field)
        json_value(value)  # kept in a JSON column: must come back as it went in
    except FieldValueError as exc:
        return [str(exc)]
    errors = field_type.check_constraints(value, field)
    pattern = field.constraints.get("regex")
    if pattern and isinstance(value, str) and regex_mismatches([(value, pattern)])[0]:
        errors.append("Does not match the required pattern.")
    return errors


def db_value(table: TableDef, field: FieldDef, value: Any) -> Any:
    """A coerced value prepared for a raw parameter (json, arrays, decimals) by the run-time model field."""
    model_field = table.model._meta.get_field(field.name)
    assert isinstance(model_field, models.Field)
    return model_field.get_db_prep_save(value, connection=connection)
