"""The steps that make a project match a spec (compared on normalised definitions)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared_apps.foundation.exceptions import ValidationFailed
from tenant_apps.data_schemas.codes import DataSchemasCode

from ..definitions import FieldDef, SchemaDefs, TableDef, options_context, schema_definitions
from ..field_types import OptionsContext, field_types
from .export import field_export
from .format import FIELD_KEYS
from .normalize import SpecErrors, WantedTable, spec_normalize


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


def current_definition(table_field: FieldDef, context: OptionsContext) -> dict[str, Any]:
    exported = field_export(table_field, context)
    return {key: exported[key] for key in FIELD_KEYS}


def is_link(definition: Mapping[str, Any]) -> bool:
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
    errors = SpecErrors()
    for t_index, table in enumerate(wanted):
        for f_index, wanted_field in enumerate(table.fields):
            target = wanted_field.definition["options"].get("target") if is_link(wanted_field.definition) else None
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
                    "fields": [{"name": f.name, **f.definition} for f in table.fields if not is_link(f.definition)],
                }
            )
            late_links += [
                {"action": "create_field", "table": table.name, "field": f.name, "definition": f.definition}
                for f in table.fields
                if is_link(f.definition)
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
        raise ValidationFailed(
            f"Invalid spec: {first}: {messages[0]}", code=DataSchemasCode.INVALID_SPEC, fields=errors
        )
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
    errors: SpecErrors,
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
            (late_links if is_link(wanted_field.definition) else field_steps).append(step)
            continue
        now = current_definition(found, context)
        changes = {key: wanted_field.definition[key] for key in FIELD_KEYS if now[key] != wanted_field.definition[key]}
        if not changes:
            continue
        link_involved = is_link(now) or is_link(wanted_field.definition)
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
    predicted = kept + [f.name for f in created if not is_link(f.definition)]
    predicted += [f.name for f in created if is_link(f.definition)]
    wanted_names = [f.name for f in table.fields]
    if predicted != wanted_names:
        reorders.append({"action": "reorder_fields", "table": table.name, "order": wanted_names})


def spec_plan_for_new_project(spec: Any) -> Plan:
    """Validate `spec` as the first state of a project that has no tables yet (400 INVALID_SPEC)."""
    empty = SchemaDefs(schema="", token=None, loaded_at=0.0, tables={}, tables_by_id={})
    return spec_plan(spec, defs=empty)
