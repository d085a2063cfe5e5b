"""Project host root: what this project is and what the caller may do here."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.foundation.api.requests import ProjectRequest

from ..access import project_access
from ..permissions import ProjectPermission
from ..selectors import project_summary
from .schemas import ProjectRootSerializer


class ProjectRootView(APIView):
    permission_classes = [ProjectPermission]

    @extend_schema(summary="This project and what the caller may do here", responses={200: ProjectRootSerializer})
    def get(self, request: ProjectRequest) -> Response:
        access = project_access(request)
        project = project_summary(project_id=request.tenant.pk)
        return Response(
            {
                "project": project,
                "role": access.role,
                "auth": access.via,
                "capabilities": sorted(access.capabilities),
            }
        )
