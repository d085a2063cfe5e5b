from typing import Any

from rest_framework import serializers

from ..models import ApiKey, Project, ProjectMembership


class ProjectCreateInput(serializers.Serializer):
    organization = serializers.CharField(max_length=50)
    slug = serializers.CharField(max_length=40, required=False)  # derived from the name when omitted
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    # An application spec (docs/openapi-and-specs.md) applied to the new project as a job.
    spec = serializers.JSONField(required=False)


class ProjectUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    cors_allowed_origins = serializers.ListField(child=serializers.CharField(max_length=255), required=False)


class SuspendInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class MemberInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    role = serializers.CharField(max_length=16)


class RoleInput(serializers.Serializer):
    role = serializers.CharField(max_length=16)


class ApiKeyInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.CharField(max_length=16)


def project_data(project: Project, role: str | None, *, url: str) -> dict[str, Any]:
    return {
        "slug": project.slug,
        "name": project.name,
        "description": project.description,
        "organization": project.organization.slug,
        "status": project.status,
        "suspended_reason": project.suspended_reason,
        "cors_allowed_origins": project.cors_allowed_origins,
        "schema": project.schema_name,
        "url": url,
        "created_at": project.created_at,
        "role": role,
    }


def project_member_data(membership: ProjectMembership) -> dict[str, Any]:
    return {
        "user_id": membership.user_id,
        "email": membership.user.email,
        "name": membership.user.name,
        "role": membership.role,
    }


def api_key_data(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.pk,
        "name": key.name,
        "prefix": key.prefix,
        "scope": key.scope,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }
