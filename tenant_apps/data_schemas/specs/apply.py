"""Running a plan's steps through the schema services, in one transaction."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from shared_apps.foundation.exceptions import Conflict
from tenant_apps.data_schemas.codes import DataSchemasCode

from .. import services
from ..definitions import SchemaDefs, definitions_load
from ..services import FieldSpec
from .plan import Plan, spec_plan


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
            code=DataSchemasCode.DROP_NOT_ALLOWED,
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
    from shared_apps.foundation.db.schemas import current_schema

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
