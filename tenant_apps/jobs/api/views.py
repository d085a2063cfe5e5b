from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.foundation.api.inputs import query_params_check
from shared_apps.foundation.api.requests import ProjectRequest
from tenants.permissions import ProjectPermission

from ..models import Job
from ..selectors import job_get, job_list, job_status
from .schemas import KIND_PARAMETER, JobListSerializer, JobSerializer


def job_data(job: Job) -> dict[str, Any]:
    return {
        "id": str(job.id),
        "kind": job.kind,
        "state": job.state,
        "status": job_status(job),
        "progress": job.progress,
        "message": job.message,
        "result": job.result,
        "error": job.error,
        "attempts": job.attempts,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


class JobListView(APIView):
    permission_classes = [ProjectPermission]

    @extend_schema(summary="The newest jobs", parameters=[KIND_PARAMETER], responses={200: JobListSerializer})
    def get(self, request: ProjectRequest) -> Response:
        query_params_check(request, ("kind",))
        kind = request.query_params.get("kind")
        return Response({"results": [job_data(j) for j in job_list(kind=kind)]})


class JobStatusView(APIView):
    permission_classes = [ProjectPermission]

    @extend_schema(summary="The status of a job", responses={200: JobSerializer})
    def get(self, request: ProjectRequest, job_id: str) -> Response:
        return Response(job_data(job_get(job_id=job_id)))
