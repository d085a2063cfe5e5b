"""Documentation-only shapes of the auth API (the platform OpenAPI document; never used to read or write)."""

from rest_framework import serializers

from .serializers import UserOutput


class AuthTokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="A JWT for `Authorization: Bearer ...` (short-lived).")
    refresh = serializers.CharField(help_text="A JWT for `auth/refresh/`.")


class AuthRegisteredSerializer(AuthTokenPairSerializer):
    user = UserOutput()


class AuthLoginInputSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True)


class AuthRefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class AuthAccessSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="A new access JWT.")


class AuthMembershipSerializer(serializers.Serializer):
    organization = serializers.CharField(help_text="The organization's slug.")
    name = serializers.CharField()
    role = serializers.CharField()


class AuthMeSerializer(UserOutput):
    organizations = AuthMembershipSerializer(many=True)
