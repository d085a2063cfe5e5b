"""Request types for views behind authentication, so services get a typed `User`/tenant."""

from typing import TYPE_CHECKING, Any

from rest_framework.request import Request

if TYPE_CHECKING:
    from shared_apps.accounts.models import User
    from tenants.models import Project


class AuthedRequest(Request):
    user: "User"


class ProjectRequest(Request):
    """A request on a project host: `tenant` is set by the routing middleware; `user` may be an API key."""

    tenant: "Project"
    user: Any
