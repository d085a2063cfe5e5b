"""Application specs: a project's tables and fields as JSON, and the plan/apply that makes a project match one.

Format (version 1; docs/openapi-and-specs.md):

    {"version": 1, "tables": [{"name", "display_name"?, "description"?,
                               "fields": [{"name", "type", "options"?, "required"?, "unique"?, "default"?,
                                           "constraints"?}, ...]}, ...]}

A spec is the whole desired state: tables and fields it does not name are dropped — only when the caller allows
drops. `spec_plan` compares a spec with the current definitions (both normalised through the field-type registry,
so a hand-written `{"type": "decimal"}` equals the stored `{"precision": 12, "scale": 2}`) and lists the steps;
`spec_apply` runs them through the schema services in ONE transaction (all or nothing). Applying a spec the
project already matches plans nothing. Renames are not detected: a renamed table or field is a drop plus a create.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from shared_apps.foundation.exceptions import Conflict, ValidationFailed

from . import naming, services
from .definitions import FieldDef, SchemaDefs, TableDef, definitions_load, options_context, schema_definitions
from .field_types import FieldValueError, OptionsContext, OptionsError, TableRef, field_types
from .field_types.base import json_value
from .services import FieldSpec

SPEC_VERSION = 1
MAX_SPEC_TABLES = 1000
FIELD_KEYS = ("type", "options", "required", "unique", "default", "constraints")
TABLE_KEYS = frozenset({"name", "display_name", "description", "fields"})
FIELD_SPEC_KEYS = frozenset({"name", *FIELD_KEYS})


# --- export ----------------------------------------------------------------------------------------------------


def _field_export(table_field: FieldDef, context: OptionsContext) -> dict[str, Any]:
    return {
        "name": table_field.name,
        "type": table_field.type,
        "options": table_field.field_type.public_options(table_field.options, context=context),
        "required": table_field.required,
        "unique": table_field.unique,
        "default": table_field.default,
        "constraints": table_field.constraints,
    }


def spec_export(defs: SchemaDefs | None = None) -> dict[str, Any]:
    """The current project's tables and fields as a version-1 spec (tables by position, fields in order)."""
    defs = defs or schema_definitions()
    context = defs.options_context()
    tables = sorted(defs.tables.values(), key=lambda t: (t.position, t.id))
    return {
        "version": SPEC_VERSION,
        "tables": [
            {
                "name": table.name,
                "display_name": table.display_name,
                "description": table.description,
                "fields": [_field_export(f, context) for f in table.fields],
            }
            for table in tables
        ],
    }


# --- normalisation ---------------------------------------------------------------------------------------------


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


class _Errors(dict[str, list[str]]):
    def add(self, path: str, message: str) -> None:
        self.setdefault(path, []).append(message)


def _spec_context(names: Sequence[str]) -> OptionsContext:
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


def _shape_errors(spec: Any, errors: _Errors) -> list[dict[str, Any]]:
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


def _check_bool(raw: Mapping[str, Any], key: str, path: str, errors: _Errors) -> None:
    if key in raw and not isinstance(raw[key], bool):
        errors.add(f"{path}.{key}", "true or false.")


def spec_normalize(spec: Any) -> list[WantedTable]:
    """Validate a spec's shape and every field definition against the registry (400 naming `spec.tables.i...`)."""
    errors = _Errors()
    raw_tables = _shape_errors(spec, errors)
    names = [t.get("name") for t in raw_tables if isinstance(t, dict)]
    context = _spec_context([n for n in names if isinstance(n, str)])
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
            _field_normalize(raw_field, f"{path}.fields.{position}", table, context, errors)
        wanted.append(table)
    if errors:
        first, messages = next(iter(errors.items()))
        raise ValidationFailed(f"Invalid spec: {first}: {messages[0]}", code="INVALID_SPEC", fields=errors)
    return wanted


def _field_normalize(raw: Any, path: str, table: WantedTable, context: OptionsContext, errors: _Errors) -> None:
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
    _check_bool(raw, "required", path, errors)
    _check_bool(raw, "unique", path, errors)
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


# --- plan ------------------------------------------------------------------------------------------------------


@dataclass
class Plan:
    steps: list[dict[str, Any]]

    @property
    def empty(self) -> bool:
        return not self.steps

    def drops(self) -> list[str]:
        out = []
        for step in self.steps:
            if step["action"] == "drop_table":
                out.append(f"table {step['table']}")
            elif step["action"] == "drop_field":
                out.append(f"field {step['table']}.{step['field']}")
        return out

    def summary(self) -> dict[str, Any]:
        def names(action: str) -> list[str]:
            return [
                f"{s['table']}.{s['field']}" if "field" in s else s["table"]
                for s in self.steps
                if s["action"] == action
            ]

        return {
            "tables": {"create": names("create_table"), "update": names("update_table"), "drop": names("drop_table")},
            "fields": {"create": names("create_field"), "update": names("update_field"), "drop": names("drop_field")},
            "reorder": names("reorder_fields"),
        }

    def data(self) -> dict[str, Any]:
        return {"empty": self.empty, "summary": self.summary(), "drops": self.drops(), "steps": self.steps}


def _current_definition(table_field: FieldDef, context: OptionsContext) -> dict[str, Any]:
    exported = _field_export(table_field, context)
    return {key: exported[key] for key in FIELD_KEYS}


def _is_link(definition: Mapping[str, Any]) -> bool:
    return definition["type"] in field_types and field_types.get(definition["type"]).links_records


def spec_plan(spec: Any, *, defs: SchemaDefs | None = None) -> Plan:
    """The steps that make the current project (or `defs`) match `spec`; 400 INVALID_SPEC on a bad spec."""
    wanted = spec_normalize(spec)
    defs = defs or schema_definitions()
    context = options_context(defs.tables.values(), table_id=None)
    wanted_names = {t.name for t in wanted}
    create_tables: list[dict[str, Any]] = []
    late_links: list[dict[str, Any]] = []
    field_steps: list[dict[str, Any]] = []
    drop_field_steps: list[dict[str, Any]] = []
    table_updates: list[dict[str, Any]] = []
    reorders: list[dict[str, Any]] = []
    errors = _Errors()
    for t_index, table in enumerate(wanted):
        for f_index, wanted_field in enumerate(table.fields):
            target = wanted_field.definition["options"].get("target") if _is_link(wanted_field.definition) else None
            if target is not None and target not in wanted_names:
                errors.add(
                    f"spec.tables.{t_index}.fields.{f_index}.options.target", f"Table '{target}' is not in the spec."
                )
        current = defs.tables.get(table.name)
        if current is None:
            create_tables.append(
                {
                    "action": "create_table",
                    "table": table.name,
                    "display_name": table.display_name,
                    "description": table.description,
                    "fields": [{"name": f.name, **f.definition} for f in table.fields if not _is_link(f.definition)],
                }
            )
            late_links += [
                {"action": "create_field", "table": table.name, "field": f.name, "definition": f.definition}
                for f in table.fields
                if _is_link(f.definition)
            ]
            _plan_order(table, [], reorders)
            continue
        changes = {
            key: value
            for key, value in (("display_name", table.display_name), ("description", table.description))
            if getattr(current, key) != value
        }
        if changes:
            table_updates.append({"action": "update_table", "table": table.name, "changes": changes})
        _plan_fields(table, current, context, t_index, field_steps, late_links, drop_field_steps, reorders, errors)
    if errors:
        first, messages = next(iter(errors.items()))
        raise ValidationFailed(f"Invalid spec: {first}: {messages[0]}", code="INVALID_SPEC", fields=errors)
    dropped_tables = [t for t in sorted(defs.tables.values(), key=lambda t: t.id) if t.name not in wanted_names]
    dropped_names = {t.name for t in dropped_tables}
    for dropped in dropped_tables:  # links between dropped tables go first, so each table can be dropped
        for table_field in dropped.fields:
            target = defs.tables_by_id.get(table_field.options.get("target_table_id", 0))
            if (
                table_field.field_type.links_records
                and target is not None
                and target.name in dropped_names
                and target.name != dropped.name
            ):
                drop_field_steps.append({"action": "drop_field", "table": dropped.name, "field": table_field.name})
    steps = [
        *create_tables,
        *table_updates,
        *drop_field_steps,
        *field_steps,
        *late_links,
        *reorders,
        *({"action": "drop_table", "table": t.name} for t in dropped_tables),
    ]
    return Plan(steps=steps)


def _plan_fields(
    table: WantedTable,
    current: TableDef,
    context: OptionsContext,
    t_index: int,
    field_steps: list[dict[str, Any]],
    late_links: list[dict[str, Any]],
    drop_field_steps: list[dict[str, Any]],
    reorders: list[dict[str, Any]],
    errors: _Errors,
) -> None:
    wanted_names = [f.name for f in table.fields]
    for existing in current.fields:
        if existing.name not in wanted_names:
            drop_field_steps.append({"action": "drop_field", "table": table.name, "field": existing.name})
    for f_index, wanted_field in enumerate(table.fields):
        found = current.field(wanted_field.name)
        if found is None:
            step = {
                "action": "create_field",
                "table": table.name,
                "field": wanted_field.name,
                "definition": wanted_field.definition,
            }
            (late_links if _is_link(wanted_field.definition) else field_steps).append(step)
            continue
        now = _current_definition(found, context)
        changes = {key: wanted_field.definition[key] for key in FIELD_KEYS if now[key] != wanted_field.definition[key]}
        if not changes:
            continue
        link_involved = _is_link(now) or _is_link(wanted_field.definition)
        if link_involved and ("type" in changes or "options" in changes):
            errors.add(
                f"spec.tables.{t_index}.fields.{f_index}",
                "A link's type, target and multiplicity cannot change: give the new link another name.",
            )
            continue
        if "type" in changes:  # a type change states the whole new definition
            changes = {key: wanted_field.definition[key] for key in FIELD_KEYS}
        field_steps.append(
            {"action": "update_field", "table": table.name, "field": wanted_field.name, "changes": changes}
        )
    _plan_order(table, [f.name for f in current.fields if f.name in wanted_names], reorders)


def _plan_order(table: WantedTable, kept: list[str], reorders: list[dict[str, Any]]) -> None:
    """Fields are created after the kept ones, plain fields before links: reorder when that is not the spec's order."""
    created = [f for f in table.fields if f.name not in kept]
    predicted = kept + [f.name for f in created if not _is_link(f.definition)]
    predicted += [f.name for f in created if _is_link(f.definition)]
    wanted_names = [f.name for f in table.fields]
    if predicted != wanted_names:
        reorders.append({"action": "reorder_fields", "table": table.name, "order": wanted_names})


def spec_plan_for_new_project(spec: Any) -> Plan:
    """Validate `spec` as the first state of a project that has no tables yet (400 INVALID_SPEC)."""
    empty = SchemaDefs(schema="", token=None, loaded_at=0.0, tables={}, tables_by_id={})
    return spec_plan(spec, defs=empty)


# --- apply -----------------------------------------------------------------------------------------------------


def _field_spec(name: str, definition: Mapping[str, Any]) -> FieldSpec:
    return FieldSpec(
        name=name,
        type=definition["type"],
        options=definition["options"],
        required=definition["required"],
        unique=definition["unique"],
        default=definition["default"],
        constraints=definition["constraints"],
    )


def drops_refuse(plan: Plan) -> None:
    """409 DROP_NOT_ALLOWED naming every table and field the plan would drop."""
    drops = plan.drops()
    if drops:
        raise Conflict(
            f'The spec would drop {", ".join(drops)}; pass "allow_drop": true to allow it.',
            code="DROP_NOT_ALLOWED",
            fields={"allow_drop": drops},
        )


@transaction.atomic
def spec_apply(*, spec: Any, allow_drop: bool = False) -> Plan:
    """Make the current project match `spec`, all or nothing; returns the plan that was applied."""
    plan = spec_plan(spec, defs=_fresh_definitions())
    if not allow_drop:
        drops_refuse(plan)
    for step in plan.steps:
        _step_apply(step)
    return plan


def _fresh_definitions() -> SchemaDefs:
    """Definitions read from PostgreSQL now (a job must not plan from a cache another process may not have left)."""
    from shared_apps.foundation.schemas import current_schema

    return definitions_load(current_schema(), None)


def _step_apply(step: Mapping[str, Any]) -> None:
    action, table = step["action"], step["table"]
    if action == "create_table":
        services.table_create(
            name=table,
            display_name=step["display_name"],
            description=step["description"],
            fields=[_field_spec(f["name"], f) for f in step["fields"]],
        )
    elif action == "update_table":
        services.table_update(table_name=table, **step["changes"])
    elif action == "create_field":
        services.field_create(table_name=table, spec=_field_spec(step["field"], step["definition"]))
    elif action == "update_field":
        services.field_update(table_name=table, field_name=step["field"], changes=step["changes"])
    elif action == "drop_field":
        services.field_delete(table_name=table, field_name=step["field"], confirm=step["field"])
    elif action == "reorder_fields":
        services.fields_reorder(table_name=table, order=step["order"])
    elif action == "drop_table":
        services.table_delete(table_name=table, confirm=table)
    else:  # pragma: no cover - plans are built above
        raise ValueError(f"Unknown step {action!r}.")
