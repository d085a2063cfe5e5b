"""Per-project TypeScript types on project hosts: GET /api/v1/schema/typescript/ (a `.d.ts`)."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from shared_apps.foundation.api.requests import ProjectRequest
from tenant_apps.data_schemas.definitions import schema_definitions
from tenants.permissions import ProjectPermission

from ..typescript import project_typescript

MEDIA_TYPE = "text/plain"


class ProjectTypeScriptView(APIView):
    """Row / Insert / Update types and filter operators per table (needs `read`, like the OpenAPI document)."""

    permission_classes = [ProjectPermission]

    @extend_schema(
        summary="TypeScript types of this project's tables (.d.ts)",
        responses={(200, MEDIA_TYPE): OpenApiResponse(OpenApiTypes.STR, description="A TypeScript declaration file")},
    )
    def get(self, request: ProjectRequest) -> HttpResponse:
        source = project_typescript(schema_definitions(), project=request.tenant.slug)
        response = HttpResponse(source, content_type=f"{MEDIA_TYPE}; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{request.tenant.slug}.d.ts"'
        return response
