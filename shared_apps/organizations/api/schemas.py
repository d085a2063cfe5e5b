"""Documentation-only shapes of the organizations API (the platform OpenAPI document; the views build the JSON)."""

from rest_framework import serializers

from ..models import OrgRole


class OrganizationSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    role = serializers.ChoiceField(choices=OrgRole.values, help_text="The caller's role in it.")


class OrganizationListSerializer(serializers.Serializer):
    results = OrganizationSerializer(many=True)


class OrganizationMemberSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=OrgRole.values)


class OrganizationMemberListSerializer(serializers.Serializer):
    results = OrganizationMemberSerializer(many=True)
