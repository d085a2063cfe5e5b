from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.foundation.api.schemas import HealthReportSerializer
from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.health import health_report
from shared_apps.foundation.http.errors import error_body


class HealthView(APIView):
    """Per-dependency health: 200 when all are up, 503 naming what is down."""

    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    @extend_schema(
        summary="Health of the dependencies (database, cache, broker)",
        responses={
            200: HealthReportSerializer,
            503: OpenApiResponse(HealthReportSerializer, description="A dependency is down (UNHEALTHY)"),
        },
    )
    def get(self, request: Request) -> Response:
        ok, checks = health_report()
        if ok:
            return Response({"status": "ok", "checks": checks})
        down = ", ".join(name for name, result in checks.items() if result["status"] != "ok")
        body = {"status": "unavailable", "checks": checks, **error_body(CommonCode.UNHEALTHY, f"Down: {down}.")}
        return Response(body, status=503)


# What the platform root lists: relative paths on the base domain.
PLATFORM_LINKS = {
    "register": "/api/v1/auth/register/",
    "login": "/api/v1/auth/login/",
    "me": "/api/v1/auth/me/",
    "organizations": "/api/v1/organizations/",
    "projects": "/api/v1/projects/",
    "health": "/api/v1/foundation/health/",
    "docs": "/api/v1/docs/",
    "redoc": "/api/v1/redoc/",
    "schema": "/api/v1/schema/",
    "console": "/admin/",
}


class PlatformRootView(APIView):
    """`GET /api/v1/` on the base domain: what the platform API offers (public, no credentials needed)."""

    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    @extend_schema(
        summary="What the platform API offers",
        responses={
            200: inline_serializer(
                "PlatformRoot",
                {
                    "name": serializers.CharField(),
                    "links": serializers.DictField(child=serializers.URLField(), help_text="endpoint name -> URL"),
                    "projects": serializers.CharField(help_text="where each project's own API is served"),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        return Response(
            {
                "name": "NoCode Backend platform API",
                "links": {name: request.build_absolute_uri(path) for name, path in PLATFORM_LINKS.items()},
                "projects": "Each project's API is served at <slug>.<base domain>/api/v1/ (see `url` in projects/).",
            }
        )
