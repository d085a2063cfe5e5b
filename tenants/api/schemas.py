"""Documentation-only shapes of the project host's root (the OpenAPI document; the view builds the real JSON)."""

from rest_framework import serializers

from ..models import ProjectRole, ProjectStatus
from ..roles import CAPABILITIES

CAPABILITY_NAMES = sorted(set().union(*CAPABILITIES.values()))


class ProjectRootProjectSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=ProjectStatus.values)
    organization = serializers.CharField(help_text="The organization's slug.")
    created_at = serializers.DateTimeField()


class ProjectRootSerializer(serializers.Serializer):
    project = ProjectRootProjectSerializer()
    role = serializers.ChoiceField(choices=ProjectRole.values, allow_null=True, help_text="The caller's role here.")
    auth = serializers.ChoiceField(choices=["jwt", "api_key"], help_text="How the caller authenticated.")
    capabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=CAPABILITY_NAMES), help_text="What the caller may do here (sorted)."
    )
