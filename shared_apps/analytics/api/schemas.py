"""Documentation-only shapes of the usage API (the OpenAPI documents; the selectors build the real JSON)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


class UsageDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    api_requests = serializers.IntegerField()
    record_writes = serializers.IntegerField()


class UsageProjectReportSerializer(serializers.Serializer):
    results = UsageDaySerializer(many=True, help_text="One entry per day with usage, oldest first.")


DAYS_PARAMETER = OpenApiParameter(
    "days", OpenApiTypes.INT, description="The last this many days, today included (1 to 366).", default=30
)


class UsagePlatformProjectSerializer(serializers.Serializer):
    project = serializers.CharField(help_text="The project's slug.")
    api_requests = serializers.IntegerField()
    record_writes = serializers.IntegerField()


class UsagePlatformReportSerializer(serializers.Serializer):
    since = serializers.DateField(help_text="The first day counted.")
    per_day = UsageDaySerializer(many=True, help_text="Every project's usage per day, oldest first.")
    top_projects = UsagePlatformProjectSerializer(many=True, help_text="The 20 busiest projects by API requests.")
