"""Writes for organizations and their memberships. Callers pass the acting user's role from the selector."""

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from shared_apps.accounts.models import User
from shared_apps.accounts.selectors import user_get_by_email
from shared_apps.accounts.tasks import membership_email_on_commit
from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from shared_apps.foundation.slugs import slug_base, slug_free
from shared_apps.organizations.codes import OrganizationsCode

from .models import Membership, Organization, OrgRole

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$")
MANAGERS = {OrgRole.OWNER, OrgRole.ADMIN}


def _require_manager(role: str) -> None:
    if role not in MANAGERS:
        raise PermissionDenied("Only organization owners and admins can do this.")


def _validate_role(role: str) -> OrgRole:
    if role not in OrgRole.values:
        raise ValidationFailed("Unknown role.", fields={"role": [f"Must be one of: {', '.join(OrgRole.values)}."]})
    return OrgRole(role)


SLUG_RULE = "Lower-case letters, digits and hyphens, 1-50 characters."


def organization_slug_for(name: str) -> str:
    """A free organization slug derived from `name` ("Acme Inc." -> "acme-inc", then "acme-inc-2", ...)."""
    base = slug_base(name, max_length=50)

    def free(slug: str) -> bool:
        return bool(SLUG_RE.match(slug)) and not Organization.objects.filter(slug=slug).exists()

    slug = slug_free(base, max_length=50, usable=free) if base else None
    if slug is None:
        raise ValidationFailed(
            "Give the organization a slug (none could be derived from its name).",
            fields={"slug": [f"Required when the name has no letters. {SLUG_RULE}"]},
        )
    return slug


@transaction.atomic
def organization_create(*, user: User, slug: str | None = None, name: str = "") -> Organization:
    """Create an organization; the creator becomes its owner. Without a slug, one is derived from the name."""
    slug = slug if slug else organization_slug_for(name)
    if not SLUG_RE.match(slug):
        suggestion = slug_base(slug, max_length=50)
        example = f" (e.g. '{suggestion}')" if suggestion and SLUG_RE.match(suggestion) else ""
        raise ValidationFailed(
            f"Invalid organization slug '{slug}': use lower-case letters, digits and hyphens{example}.",
            fields={"slug": [SLUG_RULE]},
        )
    if Organization.objects.filter(slug=slug).exists():
        raise Conflict(
            f"Organization '{slug}' already exists.", code=CommonCode.SLUG_TAKEN, fields={"slug": ["Taken."]}
        )
    try:
        with transaction.atomic():
            organization = Organization.objects.create(slug=slug, name=name.strip() or slug)
    except IntegrityError as exc:  # a concurrent create of the same slug
        raise Conflict(f"Organization '{slug}' already exists.", code=CommonCode.SLUG_TAKEN) from exc
    Membership.objects.create(organization=organization, user=user, role=OrgRole.OWNER)
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, actor_role: str, name: str) -> Organization:
    _require_manager(actor_role)
    organization.name = name.strip() or organization.name
    organization.save(update_fields=["name"])
    return organization


@transaction.atomic
def member_add(*, organization: Organization, actor_role: str, email: str, role: str) -> Membership:
    """Add an existing account to the organization. Only owners may add owners."""
    _require_manager(actor_role)
    new_role = _validate_role(role)
    if new_role == OrgRole.OWNER and actor_role != OrgRole.OWNER:
        raise PermissionDenied("Only owners can add owners.")
    user = new_member_user(email=email, members=Membership.objects.filter(organization=organization))
    membership = Membership.objects.create(organization=organization, user=user, role=new_role)
    membership_email_on_commit(user_id=user.pk, place=f"organization {organization.name}", role=new_role)
    return membership


def new_member_user(*, email: str, members: QuerySet[Any]) -> User:
    """The account to add to `members` (an organization's or a project's memberships), found by e-mail.

    NotFound (USER_NOT_FOUND) when no account has that e-mail, Conflict (ALREADY_MEMBER) when it is a member already.
    """
    user = user_get_by_email(email=email)
    if user is None:
        raise NotFound(
            "No account with this e-mail.", code=OrganizationsCode.USER_NOT_FOUND, fields={"email": ["Unknown."]}
        )
    if members.filter(user=user).exists():
        raise Conflict(
            "Already a member.", code=OrganizationsCode.ALREADY_MEMBER, fields={"email": ["Already a member."]}
        )
    return user


def _membership_for_change(*, organization: Organization, actor_role: str, user_id: int) -> Membership:
    _require_manager(actor_role)
    membership = Membership.objects.select_for_update().filter(organization=organization, user_id=user_id).first()
    if membership is None:
        raise NotFound("No such member.", code=CommonCode.MEMBER_NOT_FOUND)
    if membership.role == OrgRole.OWNER and actor_role != OrgRole.OWNER:
        raise PermissionDenied("Only owners can change or remove owners.")
    return membership


def _ensure_other_owner(*, organization: Organization, membership: Membership) -> None:
    others = Membership.objects.filter(organization=organization, role=OrgRole.OWNER).exclude(pk=membership.pk)
    if membership.role == OrgRole.OWNER and not others.select_for_update().exists():
        raise Conflict("An organization must keep at least one owner.", code=OrganizationsCode.LAST_OWNER)


@transaction.atomic
def member_role_change(*, organization: Organization, actor_role: str, user_id: int, role: str) -> Membership:
    new_role = _validate_role(role)
    membership = _membership_for_change(organization=organization, actor_role=actor_role, user_id=user_id)
    if new_role == OrgRole.OWNER and actor_role != OrgRole.OWNER:
        raise PermissionDenied("Only owners can make owners.")
    if new_role != OrgRole.OWNER:
        _ensure_other_owner(organization=organization, membership=membership)
    membership.role = new_role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(*, organization: Organization, actor_role: str, user_id: int) -> None:
    membership = _membership_for_change(organization=organization, actor_role=actor_role, user_id=user_id)
    _ensure_other_owner(organization=organization, membership=membership)
    membership.delete()
