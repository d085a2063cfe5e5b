"""Documentation-only shapes of the import and export API (the OpenAPI document; the views read the data by hand)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

from tenant_apps.jobs.api.schemas import JobSerializer

from ..formats import CONTENT_TYPES, FORMATS
from ..services import MODES


@extend_schema_field(OpenApiTypes.BINARY)
class TransferFileField(serializers.FileField):
    """The uploaded file (binary; drf-spectacular would say `uri` without COMPONENT_SPLIT_REQUEST)."""


class TransferTableImportSerializer(serializers.Serializer):
    file = TransferFileField(help_text="The CSV, JSON or XLSX file (header row: column names).")
    mode = serializers.ChoiceField(
        choices=list(MODES),
        required=False,
        default="all_or_nothing",
        help_text="all_or_nothing: any invalid row refuses the import; skip_invalid: import the valid rows.",
    )
    mapping = serializers.CharField(
        required=False, help_text='A JSON object column -> field, e.g. {"Name": "name"} (default: same names).'
    )
    format = serializers.ChoiceField(
        choices=list(FORMATS), required=False, help_text="Default: from the file name's extension."
    )


class TransferNewTableImportSerializer(serializers.Serializer):
    file = TransferFileField(help_text="The CSV, JSON or XLSX file (header row: column names).")
    table = serializers.CharField(help_text="The name of the new table (its fields are guessed from the file).")
    mode = serializers.ChoiceField(choices=list(MODES), required=False, default="all_or_nothing")
    format = serializers.ChoiceField(
        choices=list(FORMATS), required=False, help_text="Default: from the file name's extension."
    )


@extend_schema_field({"type": "object", "description": "A filter tree, as the records list's `filter`."})
class TransferFilterField(serializers.JSONField):
    """A filter tree (documentation)."""


class TransferExportSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=list(FORMATS), required=False, default="csv")
    filter = TransferFilterField(required=False)
    sort = serializers.CharField(required=False, help_text="Comma-separated fields, `-` for descending.")
    fields = serializers.CharField(required=False, help_text="Comma-separated field names to export.")  # type: ignore[assignment]


class TransferJobSerializer(JobSerializer):
    status_url = serializers.CharField(help_text="The job's status (GET); poll until succeeded or failed.")


# A JSON export is a JSON array of the records (a client parses it); CSV and XLSX are files.
JSON_EXPORT_SCHEMA = {"type": "array", "items": {"type": "object", "additionalProperties": True}}
EXPORT_FILE_RESPONSES = {
    (200, media): OpenApiResponse(
        JSON_EXPORT_SCHEMA if media == "application/json" else OpenApiTypes.BINARY,
        description="The export file (CSV, JSON or XLSX, as the export's format)",
    )
    for media in (content_type.split(";")[0] for content_type in CONTENT_TYPES.values())
}
