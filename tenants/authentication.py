"""DRF authentication for project API keys (`X-Api-Key: nk_...` or `Authorization: Api-Key nk_...`)."""

from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from .access import ApiKeyPrincipal
from .apikeys import VerifiedKey, api_key_verify


def raw_key(request: Request | HttpRequest) -> str | None:
    """The key text of `X-Api-Key: ...` or `Authorization: Api-Key ...`, None without one."""
    header = request.META.get("HTTP_X_API_KEY")
    if header:
        return str(header).strip()
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = str(auth).partition(" ")
    if scheme.lower() == "api-key" and value:
        return value.strip()
    return None


class ProjectApiKeyAuthentication(BaseAuthentication):
    """Accepts a key only on its own project's host; anything else is a 401 and nothing is read."""

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, VerifiedKey] | None:
        raw = raw_key(request)
        if raw is None:
            return None
        tenant = getattr(request, "tenant", None)
        if tenant is None:
            raise exceptions.AuthenticationFailed("API keys are accepted only on project hosts.")
        key = api_key_verify(raw=raw)
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        if key.project_id != tenant.pk:
            raise exceptions.AuthenticationFailed("This API key belongs to another project.")
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request: Request) -> str:
        return "Api-Key"
