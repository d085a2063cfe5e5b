"""Input shapes of the schema API (semantics are checked by the services) and the JSON of definitions."""

from typing import Any

from rest_framework import serializers

from ..definitions import FieldDef, SchemaDefs, TableDef
from ..services import FieldSpec


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know (a typo must not be silently ignored)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: ["Unknown key."] for key in unknown})
        return super().to_internal_value(data)


class FieldInput(StrictSerializer):
    name = serializers.CharField(max_length=100, trim_whitespace=False)
    type = serializers.CharField(max_length=32)
    options = serializers.DictField(required=False, default=dict)
    required = serializers.BooleanField(required=False, default=False)  # type: ignore[assignment]
    unique = serializers.BooleanField(required=False, default=False)
    default = serializers.JSONField(required=False, allow_null=True, default=None)
    constraints = serializers.DictField(required=False, default=dict)


class FieldUpdateInput(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False, trim_whitespace=False)
    type = serializers.CharField(max_length=32, required=False)
    options = serializers.DictField(required=False)
    required = serializers.BooleanField(required=False)  # type: ignore[assignment]
    unique = serializers.BooleanField(required=False)
    default = serializers.JSONField(required=False, allow_null=True)
    constraints = serializers.DictField(required=False)
    on_invalid = serializers.ChoiceField(choices=["refuse", "set_null"], required=False, default="refuse")


class TableCreateInput(StrictSerializer):
    name = serializers.CharField(max_length=100, trim_whitespace=False)
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    fields = FieldInput(many=True, required=False, default=list)  # type: ignore[assignment]


class TableUpdateInput(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False, trim_whitespace=False)
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    position = serializers.IntegerField(required=False, min_value=0, max_value=1_000_000)


class FieldOrderInput(StrictSerializer):
    order = serializers.ListField(child=serializers.CharField(max_length=100), max_length=1000)


def field_spec(data: dict[str, Any]) -> FieldSpec:
    return FieldSpec(
        name=data["name"],
        type=data["type"],
        options=data.get("options") or {},
        required=data.get("required", False),
        unique=data.get("unique", False),
        default=data.get("default"),
        constraints=data.get("constraints") or {},
    )


def field_data(field: FieldDef, defs: SchemaDefs | None) -> dict[str, Any]:
    options = field.options
    if defs is not None:
        options = field.field_type.public_options(field.options, context=defs.options_context())
    return {
        "name": field.name,
        "type": field.type,
        "options": options,
        "required": field.required,
        "unique": field.unique,
        "default": field.default,
        "constraints": field.constraints,
        "position": field.position,
        "created_at": field.created_at,
        "updated_at": field.updated_at,
    }


def table_data(table: TableDef, defs: SchemaDefs | None) -> dict[str, Any]:
    return {
        "name": table.name,
        "display_name": table.display_name,
        "description": table.description,
        "position": table.position,
        "version": table.version,
        "created_at": table.created_at,
        "updated_at": table.updated_at,
        "fields": [field_data(f, defs) for f in table.fields],
        "records_url": f"/api/v1/tables/{table.name}/records/",
    }
