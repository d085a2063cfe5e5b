"""Platform API (base domain): projects, their members and API keys."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.foundation.api.inputs import validated
from shared_apps.foundation.api.requests import AuthedRequest
from shared_apps.organizations.selectors import organization_get_for_user

from .. import services
from ..models import Project
from ..selectors import (
    api_key_list,
    project_api_url,
    project_get_for_user,
    project_list_with_roles_for_user,
    project_member_list,
)
from .schemas import (
    CONFIRM_PROJECT_PARAMETER,
    ProjectApiKeyIssuedSerializer,
    ProjectApiKeyListSerializer,
    ProjectCreatedSerializer,
    ProjectListSerializer,
    ProjectMemberListSerializer,
    ProjectMemberSerializer,
    ProjectSerializer,
)
from .serializers import (
    ApiKeyInput,
    MemberInput,
    ProjectCreateInput,
    ProjectUpdateInput,
    RoleInput,
    SuspendInput,
    api_key_data,
    project_data,
    project_member_data,
)


def project_answer(request: AuthedRequest, project: Project, role: str | None) -> dict[str, Any]:
    """A project as the platform API shows it, its `url` on the scheme and port this request came in on."""
    return project_data(
        project, role, url=project_api_url(slug=project.slug, scheme=request.scheme or "http", host=request.get_host())
    )


class ProjectListView(APIView):
    @extend_schema(operation_id="projects_list", summary="Projects the caller can see", responses=ProjectListSerializer)
    def get(self, request: AuthedRequest) -> Response:
        listed = project_list_with_roles_for_user(user=request.user)
        return Response({"results": [project_answer(request, project, role) for project, role in listed]})

    @extend_schema(
        summary="Create (provision) a project, optionally from a spec",
        request=ProjectCreateInput,
        responses={201: ProjectCreatedSerializer},
    )
    def post(self, request: AuthedRequest) -> Response:
        data = validated(ProjectCreateInput, request.data)
        organization, org_role = organization_get_for_user(user=request.user, slug=data.pop("organization"))
        if "spec" in data:
            created = services.project_create_from_spec(
                user=request.user, organization=organization, org_role=org_role, **data
            )
            body = {**project_answer(request, created.project, "owner"), "spec_job_id": created.spec_job_id}
            return Response(body, status=status.HTTP_201_CREATED)
        project = services.project_create(user=request.user, organization=organization, org_role=org_role, **data)
        return Response(project_answer(request, project, "owner"), status=status.HTTP_201_CREATED)


class ProjectDetailView(APIView):
    @extend_schema(summary="A project", responses=ProjectSerializer)
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project, role = project_get_for_user(user=request.user, slug=slug)
        return Response(project_answer(request, project, role))

    @extend_schema(
        summary="Change a project (owners and admins)", request=ProjectUpdateInput, responses=ProjectSerializer
    )
    def patch(self, request: AuthedRequest, slug: str) -> Response:
        project, role = project_get_for_user(user=request.user, slug=slug)
        data = validated(ProjectUpdateInput, request.data)
        project = services.project_update(
            project=project,
            actor_role=role,
            name=data.get("name"),
            description=data.get("description"),
            cors_allowed_origins=data.get("cors_allowed_origins"),
        )
        return Response(project_answer(request, project, role))

    @extend_schema(
        summary="Delete a project and all its data (owners)",
        parameters=[CONFIRM_PROJECT_PARAMETER],
        responses={204: None},
    )
    def delete(self, request: AuthedRequest, slug: str) -> Response:
        project, role = project_get_for_user(user=request.user, slug=slug)
        confirm = request.query_params.get("confirm")
        services.project_delete(project=project, actor_role=role, confirm=confirm)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProjectSuspendView(APIView):
    @extend_schema(
        summary="Suspend a project (its host refuses requests)", request=SuspendInput, responses=ProjectSerializer
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        project, role = project_get_for_user(user=request.user, slug=slug)
        data = validated(SuspendInput, request.data)
        project = services.project_suspend(project=project, actor_role=role, reason=data["reason"])
        return Response(project_answer(request, project, role))


class ProjectResumeView(APIView):
    @extend_schema(summary="Resume a suspended project", request=None, responses=ProjectSerializer)
    def post(self, request: AuthedRequest, slug: str) -> Response:
        project, role = project_get_for_user(user=request.user, slug=slug)
        project = services.project_resume(project=project, actor_role=role)
        return Response(project_answer(request, project, role))


class ProjectMemberListView(APIView):
    @extend_schema(
        operation_id="projects_members_list", summary="Members of a project", responses=ProjectMemberListSerializer
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project, _ = project_get_for_user(user=request.user, slug=slug)
        return Response({"results": [project_member_data(m) for m in project_member_list(project=project)]})

    @extend_schema(summary="Add a member by e-mail", request=MemberInput, responses={201: ProjectMemberSerializer})
    def post(self, request: AuthedRequest, slug: str) -> Response:
        project, role = project_get_for_user(user=request.user, slug=slug)
        data = validated(MemberInput, request.data)
        membership = services.project_member_add(project=project, actor_role=role, **data)
        return Response(project_member_data(membership), status=status.HTTP_201_CREATED)


class ProjectMemberDetailView(APIView):
    @extend_schema(summary="Change a member's role", request=RoleInput, responses=ProjectMemberSerializer)
    def patch(self, request: AuthedRequest, slug: str, user_id: int) -> Response:
        project, role = project_get_for_user(user=request.user, slug=slug)
        data = validated(RoleInput, request.data)
        membership = services.project_member_role_change(
            project=project, actor_role=role, user_id=user_id, role=data["role"]
        )
        return Response(project_member_data(membership))

    @extend_schema(summary="Remove a member", responses={204: None})
    def delete(self, request: AuthedRequest, slug: str, user_id: int) -> Response:
        project, role = project_get_for_user(user=request.user, slug=slug)
        services.project_member_remove(project=project, actor_role=role, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiKeyListView(APIView):
    @extend_schema(
        operation_id="projects_api_keys_list",
        summary="API keys of a project (owners and admins)",
        responses=ProjectApiKeyListSerializer,
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project, role = project_get_for_user(user=request.user, slug=slug)
        keys = api_key_list(project=project, actor_role=role)
        return Response({"results": [api_key_data(k) for k in keys]})

    @extend_schema(
        summary="Issue an API key (the secret is in this answer only)",
        request=ApiKeyInput,
        responses={201: ProjectApiKeyIssuedSerializer},
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        project, role = project_get_for_user(user=request.user, slug=slug)
        data = validated(ApiKeyInput, request.data)
        issued = services.api_key_create(project=project, actor_role=role, user=request.user, **data)
        body = {**api_key_data(issued.key), "key": issued.secret}
        return Response(body, status=status.HTTP_201_CREATED)


class ApiKeyDetailView(APIView):
    @extend_schema(summary="Revoke an API key", responses={204: None})
    def delete(self, request: AuthedRequest, slug: str, key_id: int) -> Response:
        project, role = project_get_for_user(user=request.user, slug=slug)
        services.api_key_revoke(project=project, actor_role=role, key_id=key_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
