from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.foundation.api.inputs import query_params_check
from shared_apps.foundation.api.requests import AuthedRequest, ProjectRequest
from shared_apps.foundation.exceptions import PermissionDenied, ValidationFailed
from shared_apps.foundation.numbers import is_digits
from tenants.permissions import ProjectPermission

from ..selectors import usage_for_project, usage_platform_report
from .schemas import DAYS_PARAMETER, UsagePlatformReportSerializer, UsageProjectReportSerializer

MAX_DAYS = 366


def _days(request: Request) -> int:
    query_params_check(request, ("days",))
    raw = request.query_params.get("days", "30")
    if not is_digits(raw) or not 1 <= int(raw) <= MAX_DAYS:
        raise ValidationFailed("Invalid days.", fields={"days": [f"A whole number from 1 to {MAX_DAYS}."]})
    return int(raw)


class ProjectUsageView(APIView):
    """Daily API requests and record writes of this project."""

    permission_classes = [ProjectPermission]

    @extend_schema(
        summary="Daily API requests and record writes of this project",
        parameters=[DAYS_PARAMETER],
        responses={200: UsageProjectReportSerializer},
    )
    def get(self, request: ProjectRequest) -> Response:
        return Response({"results": usage_for_project(project_id=request.tenant.pk, days=_days(request))})


class PlatformUsageView(APIView):
    """Platform-wide usage per day and the busiest projects (staff only)."""

    @extend_schema(
        summary="Platform-wide usage per day and the busiest projects (staff only)",
        parameters=[DAYS_PARAMETER],
        responses={200: UsagePlatformReportSerializer},
    )
    def get(self, request: AuthedRequest) -> Response:
        if not request.user.is_staff:
            raise PermissionDenied("Platform staff only.")
        return Response(usage_platform_report(days=_days(request)))
