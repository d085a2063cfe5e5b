"""Documentation-only serializers of the schema and spec APIs (the OpenAPI document; never used to read or write).

The views build their JSON by hand (`table_data`, `field_data`, `spec_export`, `Plan.data`); these shapes describe it.
Component names are prefixed (`Schema...`, `Spec...`): user tables are components too (lower-case names).
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

# --- tables and fields ------------------------------------------------------------------------------------------


@extend_schema_field({"description": "Any JSON value valid for the field type (null: no default).", "nullable": True})
class AnyValueField(serializers.JSONField):
    """A JSON value of any type (documentation)."""


class SchemaFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField(help_text="The field type, e.g. text, integer, decimal, link, file.")
    options = serializers.DictField(help_text="Type-specific options (links name their target table).")
    required = serializers.BooleanField()  # type: ignore[assignment]
    unique = serializers.BooleanField()
    default = AnyValueField()
    constraints = serializers.DictField()
    position = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class SchemaTableSerializer(serializers.Serializer):
    name = serializers.CharField()
    display_name = serializers.CharField()
    description = serializers.CharField()
    position = serializers.IntegerField()
    version = serializers.IntegerField(help_text="Incremented by every change of the table's definition.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    fields = SchemaFieldSerializer(many=True)  # type: ignore[assignment]
    records_url = serializers.CharField()


class SchemaTableListSerializer(serializers.Serializer):
    results = SchemaTableSerializer(many=True)


class SchemaFieldListSerializer(serializers.Serializer):
    results = SchemaFieldSerializer(many=True)


class SchemaConversionSerializer(serializers.Serializer):
    rows = serializers.IntegerField(help_text="Rows checked.")
    invalid = serializers.IntegerField(help_text="Rows whose value cannot be converted.")
    examples = serializers.ListField(child=serializers.DictField(), help_text="A few values that cannot be converted.")


class SchemaFieldDryRunSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    field = SchemaFieldSerializer(help_text="The field as it would be after the change.")
    conversion = SchemaConversionSerializer(allow_null=True, help_text="null when no values need converting.")
    would_lose_data = serializers.BooleanField()


# --- query parameters -------------------------------------------------------------------------------------------

CONFIRM_TABLE_PARAMETER = OpenApiParameter(
    "confirm", str, required=True, description="The table's name again, to confirm deleting it and its records."
)
CONFIRM_FIELD_PARAMETER = OpenApiParameter(
    "confirm", str, required=True, description="The field's name again, to confirm deleting it and its values."
)
DRY_RUN_PARAMETER = OpenApiParameter(
    "dry_run",
    bool,
    description="true: only report what the change would do to the stored values (nothing is written).",
)

# --- specs --------------------------------------------------------------------------------------------------------


class SpecFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField()
    options = serializers.DictField()
    required = serializers.BooleanField()  # type: ignore[assignment]
    unique = serializers.BooleanField()
    default = AnyValueField()
    constraints = serializers.DictField()


class SpecTableSerializer(serializers.Serializer):
    name = serializers.CharField()
    display_name = serializers.CharField()
    description = serializers.CharField()
    fields = SpecFieldSerializer(many=True)  # type: ignore[assignment]


class SpecDocumentSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The spec format version (1).")
    tables = SpecTableSerializer(many=True)


class SpecFieldInputSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField()
    options = serializers.DictField(required=False)
    required = serializers.BooleanField(required=False, default=False)  # type: ignore[assignment]
    unique = serializers.BooleanField(required=False, default=False)
    default = AnyValueField(required=False)
    constraints = serializers.DictField(required=False)


class SpecTableInputSerializer(serializers.Serializer):
    name = serializers.CharField()
    display_name = serializers.CharField(required=False, max_length=150)
    description = serializers.CharField(required=False, max_length=2000)
    fields = SpecFieldInputSerializer(many=True, required=False)  # type: ignore[assignment]


class SpecDocumentInputSerializer(serializers.Serializer):
    version = serializers.ChoiceField(choices=[1], help_text="The spec format version: 1.")
    tables = SpecTableInputSerializer(many=True, help_text="The whole desired state (at most 1000 tables).")


class SpecRequestSerializer(serializers.Serializer):
    spec = SpecDocumentInputSerializer()
    allow_drop = serializers.BooleanField(
        required=False, default=False, help_text="Allow dropping the tables and fields the spec does not name."
    )


PLAN_ACTIONS = ["create_table", "update_table", "drop_table", "create_field", "update_field", "drop_field",
                "reorder_fields"]  # fmt: skip


class SpecPlanStepSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=PLAN_ACTIONS)
    table = serializers.CharField()
    field = serializers.CharField(required=False, help_text="Field steps.")
    definition = serializers.DictField(required=False, help_text="create_table / create_field: the definition.")
    changes = serializers.DictField(required=False, help_text="update_table / update_field: what changes.")
    order = serializers.ListField(child=serializers.CharField(), required=False, help_text="reorder_fields.")


class SpecNamesSerializer(serializers.Serializer):
    # Declared fields leave the class body (SerializerMetaclass): the create()/update() methods are not shadowed.
    create = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]
    update = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]
    drop = serializers.ListField(child=serializers.CharField())


class SpecSummarySerializer(serializers.Serializer):
    tables = SpecNamesSerializer()
    fields = SpecNamesSerializer()  # type: ignore[assignment]
    reorder = serializers.ListField(child=serializers.CharField())


class SpecPlanSerializer(serializers.Serializer):
    empty = serializers.BooleanField(help_text="true: the project already matches the spec.")
    summary = SpecSummarySerializer()
    drops = serializers.ListField(child=serializers.CharField(), help_text='e.g. "table old", "field items.price".')
    steps = SpecPlanStepSerializer(many=True)


class SpecApplySerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    job_url = serializers.CharField(help_text="The job's status (GET).")
    plan = SpecPlanSerializer()
