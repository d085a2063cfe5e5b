"""Documentation-only shapes shared by API views (the OpenAPI documents; never used to read or write)."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from shared_apps.foundation.openapi import ErrorSerializer


def error_response(description: str) -> OpenApiResponse:
    """An error answer in the shared error shape (the `Error` component, shared_apps/foundation/openapi.py)."""
    return OpenApiResponse(response=ErrorSerializer, description=description)


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
