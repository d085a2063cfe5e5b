"""The project console: a separate AdminSite served on project hosts only (`<project>.<base domain>/admin/`).

Owners and admins of THAT project sign in with their platform account (e-mail + password; a Django session on the
project host). `has_permission` resolves the role on `request.tenant` for every request, so a session (or a
cookie carried to another host) never opens another project's console. Every page goes through the services and
selectors of the apps it shows; nothing here writes a model directly.
"""

from collections.abc import Callable
from functools import update_wrapper
from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path

from .access import console_allowed, console_role, role_on_project


class ConsoleLoginForm(AuthenticationForm):
    """E-mail + password of a platform account that is an owner or admin of the request's project."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Please enter a correct email address and password.",
        "not_allowed": "This account is not an owner or admin of this project.",
    }

    def clean_username(self) -> str:
        return str(self.cleaned_data.get("username") or "").strip().lower()

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        project = getattr(self.request, "tenant", None)
        if not console_allowed(role_on_project(user=user, project=project)):
            raise ValidationError(self.error_messages["not_allowed"], code="not_allowed")


class ConsoleSite(AdminSite):
    site_title = "Project console"
    index_title = "Project console"
    site_url = None  # a project host has no HTML site besides this console
    enable_nav_sidebar = False
    login_form = ConsoleLoginForm

    def has_permission(self, request: HttpRequest) -> bool:
        return console_allowed(console_role(request))

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        tenant = getattr(request, "tenant", None)
        slug = tenant.slug if tenant is not None else ""
        context.update(
            site_header=f"Project console · {slug}",
            project_slug=slug,
            console_role=console_role(request) if request.user.is_authenticated else None,
        )
        return context

    def password_change(self, request: HttpRequest, extra_context: Any = None) -> TemplateResponse:
        """Platform passwords are changed on the platform (base domain), not on a project host."""
        raise Http404("Not available in the project console.")

    def password_change_done(self, request: HttpRequest, extra_context: Any = None) -> TemplateResponse:
        raise Http404("Not available in the project console.")

    def index(self, request: HttpRequest, extra_context: Any = None) -> TemplateResponse:
        from .views import overview

        return overview.index(request, self)

    def console_view(self, view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        """`view(request, site, **kwargs)` behind the permission check, CSRF protection and never_cache."""

        def bound(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            request.current_app = self.name
            return view(request, self, *args, **kwargs)

        return self.admin_view(update_wrapper(bound, view))

    def get_urls(self) -> list[URLResolver | URLPattern]:
        from .views import automation, operations, records, schema

        v = self.console_view
        custom = [
            path("tables/", v(schema.table_list), name="table_list"),
            path("tables/add/", v(schema.table_add), name="table_add"),
            path("tables/<str:table>/", v(schema.table_detail), name="table_detail"),
            path("tables/<str:table>/delete/", v(schema.table_delete), name="table_delete"),
            path("tables/<str:table>/fields/add/", v(schema.field_add), name="field_add"),
            path("tables/<str:table>/fields/<str:field>/", v(schema.field_edit), name="field_edit"),
            path("tables/<str:table>/fields/<str:field>/delete/", v(schema.field_delete), name="field_delete"),
            path("tables/<str:table>/records/", v(records.record_list), name="record_list"),
            path("tables/<str:table>/records/add/", v(records.record_add), name="record_add"),
            path("tables/<str:table>/records/<int:record_id>/", v(records.record_edit), name="record_edit"),
            path("tables/<str:table>/records/<int:record_id>/delete/", v(records.record_delete), name="record_delete"),
            path(
                "tables/<str:table>/records/<int:record_id>/files/<str:field>/",
                v(records.record_file),
                name="record_file",
            ),
            path("jobs/", v(operations.job_list), name="job_list"),
            path("jobs/<str:job_id>/", v(operations.job_detail), name="job_detail"),
            path("workflows/", v(automation.workflow_list_page), name="workflow_list"),
            path("workflows/<int:workflow_id>/", v(automation.workflow_detail), name="workflow_detail"),
            path("workflows/<int:workflow_id>/run/", v(automation.workflow_run), name="workflow_run"),
            path("runs/<int:run_id>/", v(automation.run_detail), name="run_detail"),
            path("runs/<int:run_id>/rerun/", v(automation.run_rerun), name="run_rerun"),
            path("webhooks/", v(automation.webhook_list_page), name="webhook_list"),
            path("webhooks/<int:webhook_id>/", v(automation.webhook_detail), name="webhook_detail"),
            path("backups/", v(operations.backup_list), name="backup_list"),
            path("backups/start/", v(operations.backup_start), name="backup_start"),
            path("backups/<int:backup_id>/download/", v(operations.backup_download), name="backup_download"),
        ]
        return custom + super().get_urls()


console_site = ConsoleSite(name="console")
