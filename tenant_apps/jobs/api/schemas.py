"""Documentation-only shapes of the jobs API (the OpenAPI document; `job_data` builds the real JSON)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

from ..models import JobState


@extend_schema_field({"description": "What the job produced (depends on its kind); null until it succeeds."})
class JobResultField(serializers.JSONField):
    """Any JSON value (documentation)."""


class JobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField(help_text="e.g. import, export, spec_apply.")
    state = serializers.ChoiceField(choices=JobState.values)
    status = serializers.ChoiceField(
        choices=[*JobState.values, "stale", "retrying"],
        help_text="The state, or `stale` (running, but its worker stopped: it is re-queued within minutes) or "
        "`retrying` (pending again after an interrupted attempt).",
    )
    progress = serializers.IntegerField(min_value=0, max_value=100, help_text="Percent.")
    message = serializers.CharField()
    result = JobResultField(allow_null=True)
    error = serializers.CharField()
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class JobListSerializer(serializers.Serializer):
    results = JobSerializer(many=True, help_text="The newest 50 jobs.")


KIND_PARAMETER = OpenApiParameter("kind", OpenApiTypes.STR, description="Only jobs of this kind (e.g. import).")
