"""Automation API on project hosts (/api/v1/automation/...): workflows, runs, incoming hooks, outgoing webhooks.

Reading needs `read` (members); creating, changing and deleting workflows and webhooks needs `manage_project`
(admins, owners, admin API keys); starting and re-running runs needs `write_records` (editors and up). Secrets (the
incoming hook URL, a webhook's signing secret, workflow step secrets such as HTTP headers, query-string values of
step and webhook URLs) are shown only to callers who may manage the project; the others get them masked ("***").
"""

from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.foundation.api.inputs import query_params_check, validated
from shared_apps.foundation.api.parsers import JsonParser
from shared_apps.foundation.api.requests import ProjectRequest
from shared_apps.foundation.exceptions import NotFound, ValidationFailed
from shared_apps.foundation.http.bodylimit import request_too_large
from shared_apps.foundation.numbers import is_digits
from tenant_apps.automation.codes import AutomationCode
from tenant_apps.data_schemas.models import Table
from tenants.access import project_access
from tenants.permissions import ProjectPermission

from .. import services
from ..models import Workflow
from ..selectors import delivery_list, run_get, run_list, webhook_get, webhook_list, workflow_get, workflow_list
from .schemas import (
    HOOK_BODY,
    LIMIT_PARAMETER,
    RUN_STATE_PARAMETER,
    AutomationDeliveryListSerializer,
    AutomationHookRunSerializer,
    AutomationRunListSerializer,
    AutomationRunSerializer,
    AutomationWebhookCreateSerializer,
    AutomationWebhookListSerializer,
    AutomationWebhookSerializer,
    AutomationWebhookUpdateSerializer,
    AutomationWorkflowCreateSerializer,
    AutomationWorkflowListSerializer,
    AutomationWorkflowRunRequestSerializer,
    AutomationWorkflowSerializer,
    AutomationWorkflowUpdateSerializer,
)
from .serializers import (
    WebhookCreateInput,
    WebhookUpdateInput,
    WorkflowCreateInput,
    WorkflowRunInput,
    WorkflowUpdateInput,
    delivery_data,
    hook_path,
    run_data,
    webhook_data,
    workflow_data,
)

MANAGE = {"GET": "read", "HEAD": "read", "OPTIONS": "read", "POST": "manage_project", "PATCH": "manage_project",
          "DELETE": "manage_project"}  # fmt: skip
RUN = {"POST": "write_records"}
MAX_HOOK_BODY = 256 * 1024


def _manages(request: ProjectRequest) -> bool:
    return "manage_project" in project_access(request).capabilities


def _user_id(request: ProjectRequest) -> int | None:
    return project_access(request).user_id


def _limit(request: ProjectRequest) -> int:
    raw = request.query_params.get("limit", "50")
    if not is_digits(raw) or not 1 <= int(raw) <= 200:
        raise ValidationFailed("Invalid limit.", fields={"limit": ["1 to 200."]})
    return int(raw)


def _workflow_json(request: ProjectRequest, workflow: Workflow, table_names: dict[int, str] | None = None) -> Any:
    if table_names is None:
        table_names = dict(Table.objects.values_list("id", "name"))
    manages = _manages(request)
    path = hook_path(workflow) if manages else None
    hook_url = request.build_absolute_uri(path) if path else None
    return workflow_data(workflow, table_names=table_names, hook_url=hook_url, with_secrets=manages)


class WorkflowListView(APIView):
    permission_classes = [ProjectPermission]
    capabilities = MANAGE

    @extend_schema(summary="List the workflows", responses={200: AutomationWorkflowListSerializer})
    def get(self, request: ProjectRequest) -> Response:
        query_params_check(request, ())
        names = dict(Table.objects.values_list("id", "name"))
        return Response({"results": [_workflow_json(request, w, names) for w in workflow_list()]})

    @extend_schema(
        summary="Create a workflow",
        request=AutomationWorkflowCreateSerializer,
        responses={201: AutomationWorkflowSerializer},
    )
    def post(self, request: ProjectRequest) -> Response:
        data = validated(WorkflowCreateInput, request.data)
        workflow = services.workflow_create(**data, created_by_id=_user_id(request))
        return Response(_workflow_json(request, workflow), status=status.HTTP_201_CREATED)


class WorkflowDetailView(APIView):
    permission_classes = [ProjectPermission]
    capabilities = MANAGE

    @extend_schema(summary="Get a workflow", responses={200: AutomationWorkflowSerializer})
    def get(self, request: ProjectRequest, workflow_id: int) -> Response:
        return Response(_workflow_json(request, workflow_get(workflow_id=workflow_id)))

    @extend_schema(
        summary="Change a workflow",
        request=AutomationWorkflowUpdateSerializer,
        responses={200: AutomationWorkflowSerializer},
    )
    def patch(self, request: ProjectRequest, workflow_id: int) -> Response:
        data = validated(WorkflowUpdateInput, request.data)
        workflow = services.workflow_update(workflow_id=workflow_id, **data)
        return Response(_workflow_json(request, workflow))

    @extend_schema(summary="Delete a workflow", responses={204: OpenApiResponse(description="Deleted")})
    def delete(self, request: ProjectRequest, workflow_id: int) -> Response:
        services.workflow_delete(workflow_id=workflow_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WorkflowRunView(APIView):
    """POST: start a run now (202); `{"payload": {...}}` becomes `trigger`, `{"record_id": n}` loads `record`."""

    permission_classes = [ProjectPermission]
    capabilities = RUN

    @extend_schema(
        summary="Start a run now",
        request=AutomationWorkflowRunRequestSerializer,
        responses={202: AutomationRunSerializer},
    )
    def post(self, request: ProjectRequest, workflow_id: int) -> Response:
        data = validated(WorkflowRunInput, request.data)
        run = services.workflow_run_manual(workflow_id=workflow_id, **data, user_id=_user_id(request))
        return Response(run_data(run), status=status.HTTP_202_ACCEPTED)


class WorkflowRunsView(APIView):
    permission_classes = [ProjectPermission]

    @extend_schema(
        summary="The runs of a workflow (newest first)",
        parameters=[RUN_STATE_PARAMETER, LIMIT_PARAMETER],
        responses={200: AutomationRunListSerializer},
    )
    def get(self, request: ProjectRequest, workflow_id: int) -> Response:
        query_params_check(request, ("state", "limit"))
        workflow = workflow_get(workflow_id=workflow_id)
        state = request.query_params.get("state")
        runs = run_list(workflow_id=workflow.pk, state=state, limit=_limit(request))
        return Response({"results": [run_data(r, full=False) for r in runs]})


class RunDetailView(APIView):
    permission_classes = [ProjectPermission]

    @extend_schema(summary="Get a run (with its context)", responses={200: AutomationRunSerializer})
    def get(self, request: ProjectRequest, run_id: int) -> Response:
        return Response(run_data(run_get(run_id=run_id)))


class RunRerunView(APIView):
    permission_classes = [ProjectPermission]
    capabilities = RUN

    @extend_schema(
        summary="Run again with the same trigger payload (no request body)",
        request=None,
        responses={202: AutomationRunSerializer},
    )
    def post(self, request: ProjectRequest, run_id: int) -> Response:
        run = services.run_rerun(run_id=run_id, user_id=_user_id(request))
        return Response(run_data(run), status=status.HTTP_202_ACCEPTED)


class HookView(APIView):
    """POST /api/v1/automation/hooks/<secret>/: starts the workflow; the secret is the only credential."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [JsonParser]

    @extend_schema(
        summary="Start the workflow of this incoming hook (the secret is the credential)",
        request={"application/json": HOOK_BODY},
        responses={202: AutomationHookRunSerializer},
    )
    def post(self, request: ProjectRequest, secret: str) -> Response | HttpResponse:
        if getattr(request, "tenant", None) is None:
            raise NotFound("No such hook.", code=AutomationCode.HOOK_NOT_FOUND)
        if len(request.body) > MAX_HOOK_BODY:
            return request_too_large(MAX_HOOK_BODY, len(request.body))
        body = request.data if request.body else {}
        run = services.hook_trigger(secret=secret, body=body)
        return Response({"run": run.pk, "state": run.state}, status=status.HTTP_202_ACCEPTED)


class WebhookListView(APIView):
    permission_classes = [ProjectPermission]
    capabilities = MANAGE

    @extend_schema(summary="List the outgoing webhooks", responses={200: AutomationWebhookListSerializer})
    def get(self, request: ProjectRequest) -> Response:
        query_params_check(request, ())
        secret = _manages(request)
        return Response({"results": [webhook_data(w, with_secret=secret) for w in webhook_list()]})

    @extend_schema(
        summary="Create an outgoing webhook",
        request=AutomationWebhookCreateSerializer,
        responses={201: AutomationWebhookSerializer},
    )
    def post(self, request: ProjectRequest) -> Response:
        data = validated(WebhookCreateInput, request.data)
        webhook = services.webhook_create(**data)
        return Response(webhook_data(webhook_get(webhook_id=webhook.pk), with_secret=True), status=201)


class WebhookDetailView(APIView):
    permission_classes = [ProjectPermission]
    capabilities = MANAGE

    @extend_schema(summary="Get an outgoing webhook", responses={200: AutomationWebhookSerializer})
    def get(self, request: ProjectRequest, webhook_id: int) -> Response:
        return Response(webhook_data(webhook_get(webhook_id=webhook_id), with_secret=_manages(request)))

    @extend_schema(
        summary="Change an outgoing webhook",
        request=AutomationWebhookUpdateSerializer,
        responses={200: AutomationWebhookSerializer},
    )
    def patch(self, request: ProjectRequest, webhook_id: int) -> Response:
        data = validated(WebhookUpdateInput, request.data)
        webhook = services.webhook_update(webhook_id=webhook_id, **data)
        return Response(webhook_data(webhook_get(webhook_id=webhook.pk), with_secret=True))

    @extend_schema(summary="Delete an outgoing webhook", responses={204: OpenApiResponse(description="Deleted")})
    def delete(self, request: ProjectRequest, webhook_id: int) -> Response:
        services.webhook_delete(webhook_id=webhook_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveriesView(APIView):
    permission_classes = [ProjectPermission]

    @extend_schema(
        summary="The deliveries of a webhook (newest first)",
        parameters=[LIMIT_PARAMETER],
        responses={200: AutomationDeliveryListSerializer},
    )
    def get(self, request: ProjectRequest, webhook_id: int) -> Response:
        query_params_check(request, ("limit",))
        webhook = webhook_get(webhook_id=webhook_id)
        deliveries = delivery_list(webhook_id=webhook.pk, limit=_limit(request))
        return Response({"results": [delivery_data(d) for d in deliveries]})
