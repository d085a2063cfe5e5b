"""What both OpenAPI documents (platform and project hosts) share, registered whatever the process served before.

- `ErrorSerializer`: the one error shape, component `Error`.
- `ProjectApiKeyScheme`: the `X-Api-Key` security scheme. It lives here, in a module every schema generation imports
  (it holds the DEFAULT_SCHEMA_CLASS), so the documents no longer depend on which URLconf a process imported first.
- `NocodeAutoSchema` (DEFAULT_SCHEMA_CLASS): adds to every operation the error answers it can give, in the error
  shape, next to the success answers the views document with `@extend_schema`.
- `platform_security` (a POSTPROCESSING_HOOK): the base domain refuses API keys (ProjectApiKeyAuthentication raises
  there), so its document never offers `apiKeyAuth`.
"""

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from shared_apps.foundation.codes import error_code_classes

API_KEY_SCHEME = "apiKeyAuth"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
BODY_METHODS = ("POST", "PUT", "PATCH")

# The error answers and the codes they carry (the `code` of the error shape).
ERROR_ANSWERS: dict[str, str] = {
    "400": "Invalid input; nothing was written (VALIDATION_FAILED, MALFORMED_REQUEST or a more precise code).",
    "401": "No or invalid credentials (NOT_AUTHENTICATED, AUTHENTICATION_FAILED, TOKEN_INVALID).",
    "403": "The role or key scope does not allow this (PERMISSION_DENIED).",
    "404": "No such object, or not visible to the caller (NOT_FOUND).",
    "409": "Conflicts with the current state; nothing was written (e.g. a taken unique value).",
    "413": "The request body is over the limit (REQUEST_TOO_LARGE).",
    "415": "The body is not of a supported media type (UNSUPPORTED_MEDIA_TYPE).",
    "429": "Too many requests (RATE_LIMITED); see Retry-After.",
    "503": "A dependency is unavailable; retry later.",
}


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="A stable error code, e.g. VALIDATION_FAILED; `x-error-codes` lists them all (docs/errors.md)."
    )
    message = serializers.CharField()
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field (dotted paths); empty when the error is not about fields.",
    )


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    """`{"error": {"code", "message", "fields"}}`: every 4xx and 5xx answer."""

    error = ErrorDetailSerializer()


class ProjectApiKeyScheme(OpenApiAuthenticationExtension):
    """Documents `X-Api-Key` (tenants.authentication.ProjectApiKeyAuthentication)."""

    target_class = "tenants.authentication.ProjectApiKeyAuthentication"
    name = API_KEY_SCHEME

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "header", "name": "X-Api-Key"}


def error_statuses(*, method: str, authenticated: bool, has_body: bool, has_path_parameters: bool) -> list[str]:
    """The error statuses an operation can answer with (besides the ones its view documents itself)."""
    statuses = ["400"]
    if authenticated:
        statuses += ["401", "403"]
    if authenticated or has_path_parameters:
        statuses.append("404")
    if authenticated and method in WRITE_METHODS:
        statuses.append("409")
    if has_body:
        statuses += ["413", "415"]
    statuses.append("503")
    return statuses


class NocodeAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the error answers of each operation, in the one error shape."""

    def _requires_credentials(self) -> bool:
        permissions = self.view.get_permissions()
        return bool(permissions) and not all(isinstance(p, AllowAny) for p in permissions)

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        has_body = self.method in BODY_METHODS and self.get_request_serializer() is not None
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        paths = "{" in self.path
        for status in error_statuses(
            method=self.method, authenticated=self._requires_credentials(), has_body=has_body, has_path_parameters=paths
        ):
            responses.setdefault(
                status,
                {"description": ERROR_ANSWERS[status], "content": {"application/json": {"schema": error}}},
            )
        return dict(sorted(responses.items()))


def error_codes_listed(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOK: the error shape's `code` lists every code of the catalogue (foundation.codes, as
    docs/errors.md) with its usual status and meaning, as the vendor extension `x-error-codes` (not an `enum`: a
    client generated today must accept a code added later)."""
    detail = result.get("components", {}).get("schemas", {}).get("ErrorDetail")
    if detail is not None:
        detail["properties"]["code"]["x-error-codes"] = {
            member.value: {"status": member.status, "description": member.description}
            for cls in error_code_classes()
            for member in cls
        }
    return result


def platform_security(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOK: the base domain's document offers no API keys (the base domain refuses them)."""
    if getattr(generator, "urlconf", None) != settings.PUBLIC_SCHEMA_URLCONF:
        return result
    result.get("components", {}).get("securitySchemes", {}).pop(API_KEY_SCHEME, None)
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "security" in operation:
                operation["security"] = [s for s in operation["security"] if API_KEY_SCHEME not in s]
    return result
