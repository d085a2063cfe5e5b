"""Reads for backups."""

from django.db.models import QuerySet

from shared_apps.backups.codes import BackupsCode
from shared_apps.foundation.exceptions import NotFound
from tenants.models import Project
from tenants.roles import require_capability

from .models import Backup

MANAGE_MESSAGE = "Only project owners and admins can see and make backups."


def backup_list(*, project_slug: str | None = None) -> QuerySet[Backup]:
    """Every backup record, newest first (operators: `tenant_backups`)."""
    backups = Backup.objects.order_by("-created_at", "-id")
    return backups.filter(project_slug=project_slug) if project_slug else backups


def backup_list_for_project(*, project: Project, actor_role: str) -> QuerySet[Backup]:
    require_capability(actor_role, "manage_project", MANAGE_MESSAGE)
    return Backup.objects.filter(project=project).order_by("-created_at", "-id")


def backup_get_for_project(*, project: Project, actor_role: str, backup_id: int) -> Backup:
    """A backup of `project`; NotFound for any other id (including other projects' backups)."""
    require_capability(actor_role, "manage_project", MANAGE_MESSAGE)
    backup = Backup.objects.filter(project=project, pk=backup_id).first()
    if backup is None:
        raise NotFound("No such backup.", code=BackupsCode.BACKUP_NOT_FOUND)
    return backup
