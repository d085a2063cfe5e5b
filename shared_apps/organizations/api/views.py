from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from shared_apps.accounts.api.schemas import AuthMeSerializer
from shared_apps.accounts.api.serializers import UserOutput
from shared_apps.foundation.api.inputs import validated
from shared_apps.foundation.api.requests import AuthedRequest

from .. import services
from ..selectors import member_list, membership_list_for_user, organization_get_for_user
from .schemas import (
    OrganizationListSerializer,
    OrganizationMemberListSerializer,
    OrganizationMemberSerializer,
    OrganizationSerializer,
)
from .serializers import (
    MemberInput,
    OrganizationInput,
    OrganizationUpdateInput,
    RoleInput,
    member_data,
    organization_data,
)


class OrganizationListView(APIView):
    @extend_schema(
        operation_id="organizations_list",
        summary="Organizations the caller belongs to",
        responses=OrganizationListSerializer,
    )
    def get(self, request: AuthedRequest) -> Response:
        memberships = membership_list_for_user(user=request.user)
        return Response({"results": [organization_data(m.organization, m.role) for m in memberships]})

    @extend_schema(
        summary="Create an organization (the caller owns it)",
        request=OrganizationInput,
        responses={201: OrganizationSerializer},
    )
    def post(self, request: AuthedRequest) -> Response:
        organization = services.organization_create(user=request.user, **validated(OrganizationInput, request.data))
        return Response(organization_data(organization, "owner"), status=status.HTTP_201_CREATED)


class OrganizationDetailView(APIView):
    @extend_schema(summary="An organization", responses=OrganizationSerializer)
    def get(self, request: AuthedRequest, slug: str) -> Response:
        organization, role = organization_get_for_user(user=request.user, slug=slug)
        return Response(organization_data(organization, role))

    @extend_schema(
        summary="Rename an organization (owners and admins)",
        request=OrganizationUpdateInput,
        responses=OrganizationSerializer,
    )
    def patch(self, request: AuthedRequest, slug: str) -> Response:
        organization, role = organization_get_for_user(user=request.user, slug=slug)
        data = validated(OrganizationUpdateInput, request.data)
        organization = services.organization_update(organization=organization, actor_role=role, name=data["name"])
        return Response(organization_data(organization, role))


class MemberListView(APIView):
    @extend_schema(
        operation_id="organizations_members_list",
        summary="Members of an organization",
        responses=OrganizationMemberListSerializer,
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        organization, _ = organization_get_for_user(user=request.user, slug=slug)
        return Response({"results": [member_data(m) for m in member_list(organization=organization)]})

    @extend_schema(
        summary="Add a member by e-mail (owners and admins)",
        request=MemberInput,
        responses={201: OrganizationMemberSerializer},
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        organization, role = organization_get_for_user(user=request.user, slug=slug)
        membership = services.member_add(
            organization=organization, actor_role=role, **validated(MemberInput, request.data)
        )
        return Response(member_data(membership), status=status.HTTP_201_CREATED)


class MemberDetailView(APIView):
    @extend_schema(summary="Change a member's role", request=RoleInput, responses=OrganizationMemberSerializer)
    def patch(self, request: AuthedRequest, slug: str, user_id: int) -> Response:
        organization, role = organization_get_for_user(user=request.user, slug=slug)
        data = validated(RoleInput, request.data)
        membership = services.member_role_change(
            organization=organization, actor_role=role, user_id=user_id, role=data["role"]
        )
        return Response(member_data(membership))

    @extend_schema(summary="Remove a member", responses={204: None})
    def delete(self, request: AuthedRequest, slug: str, user_id: int) -> Response:
        organization, role = organization_get_for_user(user=request.user, slug=slug)
        services.member_remove(organization=organization, actor_role=role, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in user and their organization memberships."""

    authentication_classes = [JWTAuthentication]

    @extend_schema(summary="The signed-in user and their organizations", responses=AuthMeSerializer)
    def get(self, request: AuthedRequest) -> Response:
        memberships = [
            {"organization": m.organization.slug, "name": m.organization.name, "role": m.role}
            for m in membership_list_for_user(user=request.user)
        ]
        return Response({**UserOutput(request.user).data, "organizations": memberships})
