"""Documentation-only shapes shared by API views (the OpenAPI documents; never used to read or write)."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

# The error shape `{"error": {"code", "message", "fields"}}` is the `Error` component of the project documents
# (tenant_apps/records/openapi.py adds it next to the static endpoints).
ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}


def error_response(description: str) -> OpenApiResponse:
    """An error answer in the shared error shape (only for project-host documents, where `Error` exists)."""
    return OpenApiResponse(response=ERROR_SCHEMA, description=description)


class HealthCheckSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "error"])
    latency_ms = serializers.FloatField(required=False, help_text="When the check passed.")
    error = serializers.CharField(required=False, help_text="When the check failed: the exception.")


class HealthErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]


class HealthReportSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "unavailable"])
    checks = serializers.DictField(child=HealthCheckSerializer(), help_text="database, cache, broker.")
    error = HealthErrorSerializer(required=False, help_text="Only when a dependency is down (503).")
