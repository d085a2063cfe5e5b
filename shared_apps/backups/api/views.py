"""Platform API (base domain): a project's backups, for its owners and admins."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.backups.codes import BackupsCode
from shared_apps.foundation.api.requests import AuthedRequest
from shared_apps.foundation.api.schemas import error_response
from shared_apps.foundation.exceptions import Conflict
from tenants.selectors import project_get_for_user

from .. import services
from ..models import BackupStatus
from ..selectors import backup_get_for_project, backup_list_for_project
from ..storage import backup_file_response
from .schemas import BackupListSerializer, BackupSerializer
from .serializers import backup_data


class BackupListView(APIView):
    @extend_schema(
        operation_id="projects_backups_list",
        summary="Backups of a project (owners and admins)",
        responses=BackupListSerializer,
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project, role = project_get_for_user(user=request.user, slug=slug)
        backups = backup_list_for_project(project=project, actor_role=role)
        return Response({"results": [backup_data(b) for b in backups]})

    @extend_schema(
        summary="Start a backup (a job)",
        request=None,
        responses={202: BackupSerializer, 409: error_response("A backup of this project is already running")},
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        project, role = project_get_for_user(user=request.user, slug=slug)
        backup = services.backup_start(project=project, actor_role=role, user=request.user)
        return Response(backup_data(backup), status=status.HTTP_202_ACCEPTED)


class BackupDetailView(APIView):
    @extend_schema(summary="A backup", responses=BackupSerializer)
    def get(self, request: AuthedRequest, slug: str, backup_id: int) -> Response:
        project, role = project_get_for_user(user=request.user, slug=slug)
        return Response(backup_data(backup_get_for_project(project=project, actor_role=role, backup_id=backup_id)))


class BackupDownloadView(APIView):
    @extend_schema(
        summary="Download a finished backup",
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            409: error_response("The backup is not finished (BACKUP_NOT_READY)"),
        },
    )
    def get(self, request: AuthedRequest, slug: str, backup_id: int) -> FileResponse:
        project, role = project_get_for_user(user=request.user, slug=slug)
        backup = backup_get_for_project(project=project, actor_role=role, backup_id=backup_id)
        if backup.status != BackupStatus.SUCCEEDED:
            raise Conflict(
                f"Backup {backup.pk} is {backup.status}; only a finished backup can be downloaded.",
                code=BackupsCode.BACKUP_NOT_READY,
            )
        return backup_file_response(backup)
