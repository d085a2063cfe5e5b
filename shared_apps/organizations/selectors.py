"""Reads for organizations. `organization_get_for_user` is the one access chokepoint."""

from django.db.models import QuerySet

from shared_apps.accounts.models import User
from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.exceptions import NotFound

from .models import Membership, Organization


def organization_list_for_user(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user).order_by("slug")


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organization").order_by("organization__slug")


def organization_get_for_user(*, user: User, slug: str) -> tuple[Organization, str]:
    """The organization and the caller's role in it; NotFound when it does not exist or the caller is no member."""
    membership = Membership.objects.filter(user=user, organization__slug=slug).select_related("organization").first()
    if membership is None:
        raise NotFound(f"Organization '{slug}' not found.", code=CommonCode.ORGANIZATION_NOT_FOUND)
    return membership.organization, membership.role


def organization_role(*, user: User, organization: Organization) -> str | None:
    return Membership.objects.filter(user=user, organization=organization).values_list("role", flat=True).first()


def member_list(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user").order_by("user__email")
