"""Per-project OpenAPI document and Swagger UI on project hosts: /api/v1/schema/ and /api/v1/docs/."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.foundation.api.renderers import OrjsonRenderer
from shared_apps.foundation.api.requests import ProjectRequest
from tenant_apps.data_schemas.definitions import schema_definitions
from tenants.permissions import ProjectPermission

from ..openapi import project_document


class ProjectSchemaView(APIView):
    """The project's OpenAPI 3.0 document (needs `read`: it shows the project's tables and fields)."""

    permission_classes = [ProjectPermission]
    renderer_classes = [OrjsonRenderer]

    @extend_schema(
        summary="This OpenAPI 3.0 document",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="An OpenAPI 3.0 document")},
    )
    def get(self, request: ProjectRequest) -> Response:
        defs = schema_definitions()
        tenant = request.tenant
        document = project_document(defs, scope=f"{defs.schema}:{tenant.pk}", title=f"{tenant.slug} API")
        return Response(document)


class ProjectDocsView(SpectacularSwaggerView):
    """Swagger UI for the project's document (the page itself is public; the document needs credentials)."""

    url_name = "project-schema"
