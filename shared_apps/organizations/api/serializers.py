from typing import Any

from rest_framework import serializers

from ..models import Membership, Organization


class OrganizationInput(serializers.Serializer):
    slug = serializers.CharField(max_length=50, required=False)  # derived from the name when omitted
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class OrganizationUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=150)


class MemberInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    role = serializers.CharField(max_length=16)


class RoleInput(serializers.Serializer):
    role = serializers.CharField(max_length=16)


def organization_data(organization: Organization, role: str) -> dict[str, Any]:
    return {
        "slug": organization.slug,
        "name": organization.name,
        "created_at": organization.created_at,
        "role": role,
    }


def member_data(membership: Membership) -> dict[str, Any]:
    return {
        "user_id": membership.user_id,
        "email": membership.user.email,
        "name": membership.user.name,
        "role": membership.role,
    }
