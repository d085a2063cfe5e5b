"""Platform console (base domain /admin/, staff only): projects, domains, API keys, fan-out runs.

Every write goes through the services (provisioning, suspend/resume, delete, key revocation), acting with owner
rights as platform staff; the admin never writes these models directly.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from shared_apps.foundation.exceptions import DomainError

from . import services
from .models import ApiKey, Domain, FanoutRun, Project

STAFF_ROLE = "owner"


def project_admin_actions_add(*actions: Any) -> None:
    """Offer `actions` (admin action functions) on the platform console's project list, after its own ones."""
    ProjectAdmin.actions = (*ProjectAdmin.actions, *(a for a in actions if a not in ProjectAdmin.actions))


class ProjectCreateForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ("slug", "name", "description", "organization")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "organization", "status", "schema_name", "created_at")
    list_filter = ("status",)
    search_fields = ("slug", "name", "organization__slug")
    readonly_fields = ("schema_name", "status", "suspended_reason", "created_by", "created_at", "updated_at")
    # Apps above `tenants` add their project actions with `project_admin_actions_add` (backups does).
    actions: tuple[Any, ...] = ("suspend_projects", "resume_projects")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ProjectCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*self.readonly_fields, "slug", "organization") if obj else ()

    def save_model(self, request: HttpRequest, obj: Project, form: Any, change: bool) -> None:
        if change:
            services.project_update(project=obj, actor_role=STAFF_ROLE, name=obj.name, description=obj.description)
            return
        created = services.project_create(
            user=request.user,  # type: ignore[arg-type]
            organization=obj.organization,
            org_role=STAFF_ROLE,
            slug=obj.slug,
            name=obj.name,
            description=obj.description,
        )
        obj.pk = created.pk

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """Domains and keys go with the project (the service removes them): no separate permission needed."""
        deleted, model_count, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, set(), protected

    def delete_model(self, request: HttpRequest, obj: Project) -> None:
        services.project_delete(project=obj, actor_role=STAFF_ROLE, confirm=obj.slug)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Project]) -> None:
        for project in queryset:
            self.delete_model(request, project)

    def _each(self, request: HttpRequest, queryset: QuerySet[Project], action: Any, verb: str) -> None:
        done = 0
        for project in queryset:
            try:
                action(project)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{project.slug}: {exc.message}", messages.ERROR)
        self.message_user(request, f"{verb} {done} project(s).")

    @admin.action(description="Suspend selected projects")
    def suspend_projects(self, request: HttpRequest, queryset: QuerySet[Project]) -> None:
        self._each(
            request,
            queryset,
            lambda p: services.project_suspend(project=p, actor_role=STAFF_ROLE, reason="Suspended by platform staff."),
            "Suspended",
        )

    @admin.action(description="Resume selected projects")
    def resume_projects(self, request: HttpRequest, queryset: QuerySet[Project]) -> None:
        self._each(request, queryset, lambda p: services.project_resume(project=p, actor_role=STAFF_ROLE), "Resumed")


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "tenant", "is_primary")
    search_fields = ("domain", "tenant__slug")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "prefix", "scope", "created_at", "revoked_at")
    list_filter = ("scope",)
    search_fields = ("name", "prefix", "project__slug")
    readonly_fields = ("project", "name", "prefix", "scope", "created_by", "created_at", "revoked_at")
    exclude = ("secret_hash",)
    actions = ("revoke_keys",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Revoke selected API keys")
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            services.api_key_revoke(project=key.project, actor_role=STAFF_ROLE, key_id=key.pk)
        self.message_user(request, f"Revoked {queryset.count()} key(s).")


@admin.register(FanoutRun)
class FanoutRunAdmin(admin.ModelAdmin):
    list_display = ("job", "scheduled_for", "window_minutes", "slots_done", "dispatched", "finished_at")
    list_filter = ("job",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
