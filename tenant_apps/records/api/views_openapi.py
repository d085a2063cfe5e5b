"""Per-project OpenAPI document and Swagger UI on project hosts: /api/v1/schema/ and /api/v1/docs/."""

import json
from typing import Any, NoReturn

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.foundation.api.renderers import OrjsonRenderer
from shared_apps.foundation.api.requests import ProjectRequest
from tenant_apps.data_schemas.definitions import schema_definitions
from tenants.models import Project
from tenants.permissions import ProjectPermission
from tenants.selectors import project_summary

from ..openapi import project_document, project_document_preview

SCHEMA_CREDENTIALS_MESSAGE = (
    "This project's OpenAPI document needs credentials: an API key of the project in the X-Api-Key header, or a "
    "bearer token (Authorization: Bearer <access token from POST /api/v1/auth/login/ on the platform)."
)


def project_api_title(project: Project) -> str:
    """The title of a project's API document and docs page: it names the project (`Shop API (shop)`)."""
    name = str(project_summary(project_id=project.pk)["name"] or "")  # request.tenant carries no name
    return f"{name} API ({project.slug})" if name and name != project.slug else f"{project.slug} API"


class ProjectSchemaView(APIView):
    """The project's OpenAPI 3.0 document (needs `read`: it shows the project's tables and fields)."""

    permission_classes = [ProjectPermission]
    renderer_classes = [OrjsonRenderer]

    def permission_denied(self, request: Request, message: str | None = None, code: str | None = None) -> NoReturn:
        if request.authenticators and not request.successful_authenticator:
            raise NotAuthenticated(SCHEMA_CREDENTIALS_MESSAGE)
        super().permission_denied(request, message=message, code=code)

    @extend_schema(
        summary="This OpenAPI 3.0 document",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="An OpenAPI 3.0 document")},
    )
    def get(self, request: ProjectRequest) -> Response:
        defs = schema_definitions()
        tenant = request.tenant
        document = project_document(defs, scope=f"{defs.schema}:{tenant.pk}", title=project_api_title(tenant))
        return Response(document)


class ProjectDocsView(SpectacularSwaggerView):
    """Swagger UI for the project's document, from the locked drf-spectacular-sidecar assets. The page is public;
    it offers "Authorize" (API key or bearer token) and then loads the document with those credentials."""

    url_name = "project-schema"
    template_name_js = "records/project_swagger_ui.js"

    @extend_schema(exclude=True)
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        title = project_api_title(request.tenant)
        response.data["title"] = title
        response.data["preview_json"] = json.dumps(project_document_preview(title=title))
        return response
