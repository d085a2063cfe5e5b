"""Documentation-only shapes of the project host's root (the OpenAPI document; the view builds the real JSON)."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from ..models import ApiKeyScope, ProjectRole, ProjectStatus
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


# --- platform API (base domain) ------------------------------------------------------------------------------


class ProjectSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    organization = serializers.CharField(help_text="The organization's slug.")
    status = serializers.ChoiceField(choices=ProjectStatus.values)
    suspended_reason = serializers.CharField()
    cors_allowed_origins = serializers.ListField(child=serializers.CharField())
    schema = serializers.CharField(help_text="The project's PostgreSQL schema.")
    url = serializers.CharField(help_text="The project's API root on its own host.")
    created_at = serializers.DateTimeField()
    role = serializers.ChoiceField(choices=ProjectRole.values, allow_null=True, help_text="The caller's role.")


class ProjectCreatedSerializer(ProjectSerializer):
    spec_job_id = serializers.IntegerField(
        required=False, help_text="Only with a `spec`: the job applying it (`automation/tasks/{id}/status/`)."
    )


class ProjectListSerializer(serializers.Serializer):
    results = ProjectSerializer(many=True)


class ProjectMemberSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=ProjectRole.values)


class ProjectMemberListSerializer(serializers.Serializer):
    results = ProjectMemberSerializer(many=True)


class ProjectApiKeySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The first characters of the key, to recognise it.")
    scope = serializers.ChoiceField(choices=ApiKeyScope.values)
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class ProjectApiKeyIssuedSerializer(ProjectApiKeySerializer):
    key = serializers.CharField(help_text="The secret (`nk_...`): shown this once only.")


class ProjectApiKeyListSerializer(serializers.Serializer):
    results = ProjectApiKeySerializer(many=True)


CONFIRM_PROJECT_PARAMETER = OpenApiParameter(
    "confirm", str, required=True, description="The project's slug again, to confirm deleting it and its data."
)
