from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..errors import error_body
from ..health import health_report
from .schemas import HealthReportSerializer


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
        body = {"status": "unavailable", "checks": checks, **error_body("UNHEALTHY", f"Down: {down}.")}
        return Response(body, status=503)
