"""Platform console (base domain /admin/, staff): backup records (list, status, download) and the project actions
"Back up now" and "Restore …" (added to the project admin in tenants/admin.py).

Everything goes through the backup services, as the API and the commands do: a backup is started as the task
(`backup_start`), a restore runs `backup_restore` on a recorded backup (`backup_file` resolves its file). Staff act
with owner rights, like the other platform console actions.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from shared_apps.foundation.exceptions import DomainError
from tenants.admin import project_admin_actions_add
from tenants.models import Project

from . import services
from .models import Backup, BackupStatus
from .storage import backup_file_response

STAFF_ROLE = "owner"


@admin.register(Backup)
class BackupAdmin(admin.ModelAdmin):
    list_display = ("id", "project_slug", "status", "trigger", "size", "created_at", "finished_at", "download_link")
    list_filter = ("status", "trigger")
    search_fields = ("project_slug",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "project",
        "project_slug",
        "status",
        "trigger",
        "storage_key",
        "size_bytes",
        "sha256",
        "summary",
        "error",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "download_link",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # started from a project ("Back up now"), the API, the command or the nightly job

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # retention (`tenant_backups --prune`) deletes file and record together

    @admin.display(description="size")
    def size(self, backup: Backup) -> str:
        return filesizeformat(backup.size_bytes) if backup.size_bytes is not None else ""

    @admin.display(description="download")
    def download_link(self, backup: Backup) -> str:
        if backup.status != BackupStatus.SUCCEEDED:
            return ""
        url = reverse("admin:backups_backup_download", args=[backup.pk], current_app=self.admin_site.name)
        return format_html('<a href="{}">download</a>', url)

    def get_urls(self) -> list[URLPattern]:
        download = path(
            "<int:backup_id>/download/",
            self.admin_site.admin_view(self.download_view),
            name="backups_backup_download",
        )
        return [download, *super().get_urls()]

    def download_view(self, request: HttpRequest, backup_id: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise Http404("No such backup.")
        backup = Backup.objects.filter(pk=backup_id, status=BackupStatus.SUCCEEDED).first()
        if backup is None:
            raise Http404("No finished backup with this id.")
        return backup_file_response(backup)


# --- actions of the project admin ---------------------------------------------------------------------------------


@admin.action(description="Back up selected projects now")
def backup_projects(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Project]) -> None:
    """Start one backup task per project (as the API does); a project with a backup in progress is reported."""
    started = []
    for project in queryset:
        try:
            backup = services.backup_start(project=project, actor_role=STAFF_ROLE, user=request.user)  # type: ignore[arg-type]
        except DomainError as exc:
            modeladmin.message_user(request, f"{project.slug}: {exc.message}", messages.ERROR)
        else:
            started.append(f"{project.slug} (#{backup.pk})")
    if started:
        modeladmin.message_user(request, f"Backup started: {', '.join(started)}. See Backups for the status.")


class RestoreForm(forms.Form):
    backup = forms.ModelChoiceField(queryset=Backup.objects.none(), empty_label=None)
    mode = forms.ChoiceField(
        choices=[("as", "into a new project (new schema, new domain)"), ("replace", "in place of this project")],
        widget=forms.RadioSelect,
        initial="as",
    )
    new_slug = forms.CharField(max_length=40, required=False, label="New project slug")

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        backups = Backup.objects.filter(project_slug=project.slug, status=BackupStatus.SUCCEEDED)
        self.fields["backup"].queryset = backups.order_by("-created_at", "-id")  # type: ignore[attr-defined]
        self.fields["backup"].label_from_instance = (  # type: ignore[attr-defined]
            lambda b: f"#{b.pk} · {b.created_at:%Y-%m-%d %H:%M} UTC · {filesizeformat(b.size_bytes or 0)}"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == "as" and not data.get("new_slug"):
            self.add_error("new_slug", "Give the slug of the new project.")
        return data


def _restore(form: RestoreForm) -> str:
    """Run the restore through the backup services; a sentence saying what happened."""
    backup: Backup = form.cleaned_data["backup"]
    replace = form.cleaned_data["mode"] == "replace"
    with services.backup_file(reference=str(backup.pk)) as path:
        result = services.backup_restore(
            path=path, new_slug=None if replace else form.cleaned_data["new_slug"], replace=replace
        )
    done = f"Replaced project '{result.project.slug}'" if replace else f"Restored as project '{result.project.slug}'"
    message = f"{done} from backup #{backup.pk}."
    if result.skipped_members:
        message += f" Members without an account here were skipped: {', '.join(result.skipped_members)}."
    return message


@admin.action(description="Restore a project from a backup …")
def restore_project(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Project]
) -> TemplateResponse | None:
    """An intermediate page: choose a succeeded backup of the project and restore it `--as NEW_SLUG` or
    `--replace`; submitted, it runs the restore (all or nothing) and returns to the project list."""
    projects = list(queryset[:2])
    if len(projects) != 1:
        modeladmin.message_user(request, "Select exactly one project to restore.", messages.WARNING)
        return None
    project = projects[0]
    form = RestoreForm(request.POST if "apply" in request.POST else None, project=project)
    if form.is_valid():
        try:
            modeladmin.message_user(request, _restore(form), messages.SUCCESS)
            return None
        except DomainError as exc:
            form.add_error(None, f"{exc.message} Nothing was changed.")
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"Restore project {project.slug}",
        "project": project,
        "form": form,
        "has_backups": form.fields["backup"].queryset.exists(),  # type: ignore[attr-defined]
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/backups/project_restore.html", context)


project_admin_actions_add(backup_projects, restore_project)
