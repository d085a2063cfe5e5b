"""Application specs on project hosts: GET /api/v1/spec/ (export), POST spec/plan/, POST spec/apply/ (a job)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.foundation.api.renderers import OrjsonRenderer
from shared_apps.foundation.api.requests import ProjectRequest
from shared_apps.foundation.api.schemas import error_response
from shared_apps.foundation.exceptions import ValidationFailed
from tenants.permissions import ProjectPermission

from ..spec_jobs import spec_apply_enqueue
from ..specs import drops_refuse, spec_export, spec_plan
from .schemas import SpecApplySerializer, SpecDocumentSerializer, SpecPlanSerializer, SpecRequestSerializer


def _spec_body(request: ProjectRequest) -> tuple[Any, bool]:
    """`{"spec": {...}, "allow_drop": false}` -> (spec, allow_drop)."""
    body = request.data
    if not isinstance(body, dict) or "spec" not in body:
        raise ValidationFailed('Expected {"spec": {...}, "allow_drop": false}.', fields={"spec": ["Required."]})
    unknown = sorted(set(body) - {"spec", "allow_drop"})
    if unknown:
        raise ValidationFailed(f"Unknown key(s): {', '.join(unknown)}.", fields={k: ["Unknown key."] for k in unknown})
    allow_drop = body.get("allow_drop", False)
    if not isinstance(allow_drop, bool):
        raise ValidationFailed("Invalid allow_drop.", fields={"allow_drop": ["true or false."]})
    return body["spec"], allow_drop


def _user_id(request: ProjectRequest) -> int | None:
    user_id = getattr(request.user, "pk", None)
    return user_id if isinstance(user_id, int) and getattr(request.user, "key", None) is None else None


class SpecView(APIView):
    permission_classes = [ProjectPermission]
    capabilities = {"GET": "read", "HEAD": "read", "OPTIONS": "read", "POST": "manage_schema"}
    renderer_classes = [OrjsonRenderer]


class SpecExportView(SpecView):
    @extend_schema(summary="Export the project's tables and fields as a spec", responses={200: SpecDocumentSerializer})
    def get(self, request: ProjectRequest) -> Response:
        return Response(spec_export())


class SpecPlanView(SpecView):
    @extend_schema(
        summary="Plan the steps that make the project match a spec (nothing is changed)",
        request=SpecRequestSerializer,
        responses={200: SpecPlanSerializer},
    )
    def post(self, request: ProjectRequest) -> Response:
        spec, _ = _spec_body(request)
        return Response(spec_plan(spec).data())


class SpecApplyView(SpecView):
    @extend_schema(
        summary="Apply a spec (a job)",
        request=SpecRequestSerializer,
        responses={
            202: SpecApplySerializer,
            409: error_response("The plan drops tables or fields and allow_drop is not true (nothing changed)"),
        },
    )
    def post(self, request: ProjectRequest) -> Response:
        """Plan now (400 on a bad spec, 409 on drops not allowed), then apply as a job; 202 with the job id."""
        spec, allow_drop = _spec_body(request)
        plan = spec_plan(spec)
        if not allow_drop:
            drops_refuse(plan)
        job = spec_apply_enqueue(spec=spec, allow_drop=allow_drop, created_by_id=_user_id(request))
        body = {
            "job_id": str(job.pk),
            "job_url": f"/api/v1/automation/tasks/{job.pk}/status/",
            "plan": plan.data(),
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)
