"""DRF permission for project hosts: the caller needs a capability of their project role for the HTTP method."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from .access import project_access
from .roles import refusal_message

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class ProjectPermission(BasePermission):
    """Views set `capabilities = {"GET": "read", "POST": "write_records", ...}` (default: read for safe methods)."""

    message = "You do not have access to this project."

    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(request, "tenant", None) is None or not request.user or not request.user.is_authenticated:
            return False
        access = project_access(request)  # type: ignore[arg-type]  # tenant checked above
        if access.role is None:
            self.message = "You are not a member of this project."
            return False
        wanted = getattr(view, "capabilities", {}).get(request.method)
        if wanted is None:
            wanted = "read" if request.method in SAFE_METHODS else "manage_project"
        if wanted not in access.capabilities:
            self.message = refusal_message(role=access.role, via=access.via, capability=wanted)
            return False
        return True
