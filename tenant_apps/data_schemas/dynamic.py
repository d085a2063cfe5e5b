"""Run-time Django models of user tables, built with `type()` from a `TableDef` (managed=False).

Each model gets its own app registry, so building a new version never collides with (or leaks into) Django's
global registry; a model lives as long as the cached `TableDef` that built it. Attribute names are the field names
(validated slugs that avoid every attribute of `models.Model`). Links are plain `bigint` columns, not Django
relations: expansion and joins are done explicitly (records/selectors.py), which keeps each model independent.
"""

from typing import TYPE_CHECKING, Any

from django.apps.registry import Apps
from django.db import models
from django.db.models.functions import Now

from . import naming

if TYPE_CHECKING:
    from .definitions import FieldDef, TableDef

APP_LABEL = "dynamic_tables"


def _meta(db_table: str) -> type:
    return type("Meta", (), {"managed": False, "db_table": db_table, "app_label": APP_LABEL, "apps": Apps()})


def model_build(table: "TableDef") -> type[models.Model]:
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "Meta": _meta(table.physical),
        "id": models.BigAutoField(primary_key=True),
        "created_at": models.DateTimeField(db_default=Now()),
        "updated_at": models.DateTimeField(db_default=Now()),
    }
    for field_def in table.fields:
        if field_def.has_column:
            attrs[field_def.name] = field_def.field_type.model_field(field_def)
    return type(f"Table{table.id}V{table.version}", (models.Model,), attrs)


def join_model_build(table: "TableDef", field_def: "FieldDef") -> type[models.Model]:
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "Meta": _meta(naming.join_table(table.id, field_def.id)),
        "id": models.BigAutoField(primary_key=True),
        "source_id": models.BigIntegerField(),
        "target_id": models.BigIntegerField(),
    }
    return type(f"Join{table.id}F{field_def.id}V{table.version}", (models.Model,), attrs)
