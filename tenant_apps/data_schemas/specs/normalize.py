"""A spec as requested, validated and normalised through the field-type registry."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared_apps.foundation.exceptions import ValidationFailed
from tenant_apps.data_schemas.codes import DataSchemasCode

from .. import naming
from ..definitions import FieldDef
from ..field_types import FieldValueError, OptionsContext, OptionsError, TableRef, field_types
from ..field_types.base import json_value
from .format import FIELD_SPEC_KEYS, MAX_SPEC_TABLES, SPEC_VERSION, TABLE_KEYS


@dataclass
class WantedField:
    name: str
    definition: dict[str, Any]  # the FIELD_KEYS, canonical (public options: link targets by name)
    raw: dict[str, Any]  # as given (what the services receive)


@dataclass
class WantedTable:
    name: str
    display_name: str
    description: str
    fields: list[WantedField] = field(default_factory=list)


class SpecErrors(dict[str, list[str]]):
    def add(self, path: str, message: str) -> None:
        self.setdefault(path, []).append(message)


def spec_context(names: Sequence[str]) -> OptionsContext:
    refs = {
        name: TableRef(id=-(index + 1), name=name, physical=naming.physical_table(name))
        for index, name in enumerate(names)
    }
    by_id = {ref.id: ref for ref in refs.values()}
    return OptionsContext(table_by_name=refs.get, table_by_id=by_id.get, table_id=None, tables_of="the spec")


def canonical_field(raw: Mapping[str, Any], context: OptionsContext) -> dict[str, Any]:
    """The comparable definition of a field spec; raises OptionsError/FieldValueError/KeyError on bad input."""
    field_type = field_types.get(raw["type"])
    options = field_type.clean_options(dict(raw.get("options") or {}), context=context)
    draft = FieldDef(
        0,
        raw["name"],
        raw["type"],
        options,
        bool(raw.get("required", False)),
        bool(raw.get("unique", False)),
        None,
        {},
        0,
    )
    constraints = field_type.clean_constraints(dict(raw.get("constraints") or {}), draft)
    draft.constraints = constraints
    default = raw.get("default")
    if default is not None:
        default = json_value(field_type.to_python(default, draft))
    return {
        "type": raw["type"],
        "options": field_type.public_options(options, context=context),
        "required": draft.required,
        "unique": draft.unique,
        "default": default,
        "constraints": constraints,
    }


def shape_errors(spec: Any, errors: SpecErrors) -> list[dict[str, Any]]:
    if not isinstance(spec, dict):
        errors.add("spec", 'Expected {"version": 1, "tables": [...]}.')
        return []
    unknown = sorted(set(spec) - {"version", "tables"})
    for key in unknown:
        errors.add(f"spec.{key}", "Unknown key.")
    if spec.get("version") != SPEC_VERSION:
        errors.add("spec.version", f"Must be {SPEC_VERSION}.")
    tables = spec.get("tables")
    if not isinstance(tables, list) or len(tables) > MAX_SPEC_TABLES:
        errors.add("spec.tables", f"A list of at most {MAX_SPEC_TABLES} tables.")
        return []
    return tables


def check_bool(raw: Mapping[str, Any], key: str, path: str, errors: SpecErrors) -> None:
    if key in raw and not isinstance(raw[key], bool):
        errors.add(f"{path}.{key}", "true or false.")


def spec_normalize(spec: Any) -> list[WantedTable]:
    """Validate a spec's shape and every field definition against the registry (400 naming `spec.tables.i...`)."""
    errors = SpecErrors()
    raw_tables = shape_errors(spec, errors)
    names = [t.get("name") for t in raw_tables if isinstance(t, dict)]
    context = spec_context([n for n in names if isinstance(n, str)])
    wanted: list[WantedTable] = []
    seen_tables: set[str] = set()
    for index, raw_table in enumerate(raw_tables):
        path = f"spec.tables.{index}"
        if not isinstance(raw_table, dict):
            errors.add(path, "Expected a table object.")
            continue
        for key in sorted(set(raw_table) - TABLE_KEYS):
            errors.add(f"{path}.{key}", "Unknown key.")
        try:
            name = naming.table_name_validate(raw_table.get("name"))
        except ValidationFailed as exc:
            errors.add(f"{path}.name", exc.fields["name"][0])
            continue
        if name in seen_tables:
            errors.add(f"{path}.name", f"'{name}' appears twice.")
        seen_tables.add(name)
        display_name: Any = raw_table.get("display_name") or ""
        description: Any = raw_table.get("description") or ""
        if not isinstance(display_name, str) or len(display_name) > 150:
            errors.add(f"{path}.display_name", "A string of at most 150 characters.")
            display_name = ""
        if not isinstance(description, str) or len(description) > 2000:
            errors.add(f"{path}.description", "A string of at most 2000 characters.")
            description = ""
        table = WantedTable(name=name, display_name=display_name.strip() or name, description=description)
        raw_fields = raw_table.get("fields", [])
        if not isinstance(raw_fields, list):
            errors.add(f"{path}.fields", "Expected a list of fields.")
            raw_fields = []
        for position, raw_field in enumerate(raw_fields):
            field_normalize(raw_field, f"{path}.fields.{position}", table, context, errors)
        wanted.append(table)
    if errors:
        first, messages = next(iter(errors.items()))
        raise ValidationFailed(
            f"Invalid spec: {first}: {messages[0]}", code=DataSchemasCode.INVALID_SPEC, fields=errors
        )
    return wanted


def field_normalize(raw: Any, path: str, table: WantedTable, context: OptionsContext, errors: SpecErrors) -> None:
    if not isinstance(raw, dict):
        errors.add(path, "Expected a field object.")
        return
    for key in sorted(set(raw) - FIELD_SPEC_KEYS):
        errors.add(f"{path}.{key}", "Unknown key.")
    try:
        naming.field_name_validate(raw.get("name"))
    except ValidationFailed as exc:
        errors.add(f"{path}.name", exc.fields["name"][0])
        return
    if any(f.name == raw["name"] for f in table.fields):
        errors.add(f"{path}.name", f"'{raw['name']}' appears twice.")
        return
    if raw.get("type") not in field_types:
        errors.add(f"{path}.type", f"Unknown field type {raw.get('type')!r}. One of: {', '.join(field_types.names())}.")
        return
    for key in ("options", "constraints"):
        if raw.get(key) is not None and not isinstance(raw[key], dict):
            errors.add(f"{path}.{key}", "Expected an object.")
            return
    check_bool(raw, "required", path, errors)
    check_bool(raw, "unique", path, errors)
    try:
        definition = canonical_field(raw, context)
    except OptionsError as exc:
        for key, messages in exc.errors.items():
            for message in messages:
                errors.add(f"{path}.{key}", message)
        return
    except FieldValueError as exc:
        errors.add(f"{path}.default", str(exc))
        return
    table.fields.append(WantedField(name=raw["name"], definition=definition, raw=dict(raw)))
