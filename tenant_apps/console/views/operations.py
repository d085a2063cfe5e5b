"""Jobs (tenant_apps.jobs) and this project's backups (shared_apps.backups, records in public with a project FK)."""

import json
from typing import Any

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from shared_apps.backups import services as backup_services
from shared_apps.backups.models import BackupStatus
from shared_apps.backups.selectors import backup_get_for_project, backup_list_for_project
from shared_apps.backups.storage import backup_file_response
from shared_apps.foundation.exceptions import DomainError, NotFound
from tenant_apps.jobs.selectors import job_get
from tenant_apps.jobs.selectors import job_list as jobs_read

from ..access import console_role
from .pages import error_message, render_page

JOBS_SHOWN = 100


def _role(request: HttpRequest) -> str:
    role = console_role(request)
    assert role is not None  # the site's permission check ran
    return role


def job_list(request: HttpRequest, site: AdminSite) -> HttpResponse:
    kind = request.GET.get("kind", "").strip()
    jobs = jobs_read(kind=kind or None, limit=JOBS_SHOWN)
    rows = [
        {
            "url": reverse("console:job_detail", kwargs={"job_id": str(job.pk)}),
            "cells": [
                str(job.pk)[:8],
                job.kind,
                job.state,
                f"{job.progress}%",
                job.message,
                job.created_at,
                job.finished_at or "",
            ],
        }
        for job in jobs
    ]
    return render_page(
        request,
        site,
        "console/object_list.html",
        title="Jobs",
        columns=["job", "kind", "state", "progress", "message", "created", "finished"],
        rows=rows,
        empty="No jobs yet.",
        search={"name": "kind", "value": kind, "label": "Kind"},
    )


def job_detail(request: HttpRequest, site: AdminSite, job_id: str) -> HttpResponse:
    try:
        job = job_get(job_id=job_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    items: list[tuple[str, Any]] = [
        ("id", job.pk),
        ("kind", job.kind),
        ("state", job.state),
        ("progress", f"{job.progress}%"),
        ("message", job.message),
        ("attempts", job.attempts),
        ("created", job.created_at),
        ("started", job.started_at or ""),
        ("finished", job.finished_at or ""),
        ("params", json.dumps(job.params, indent=2, default=str)),
        ("result", json.dumps(job.result, indent=2, default=str) if job.result is not None else ""),
        ("error", job.error),
    ]
    return render_page(
        request,
        site,
        "console/object_detail.html",
        title=f"Job {job.kind}",
        items=items,
        back_url=reverse("console:job_list"),
    )


def backup_list(request: HttpRequest, site: AdminSite) -> HttpResponse:
    backups = backup_list_for_project(project=request.tenant, actor_role=_role(request))  # type: ignore[attr-defined]
    rows = []
    for backup in backups[:200]:
        download = ""
        if backup.status == BackupStatus.SUCCEEDED:
            download = reverse("console:backup_download", kwargs={"backup_id": backup.pk})
        rows.append(
            {
                "url": download,
                "cells": [
                    f"#{backup.pk}",
                    backup.status,
                    backup.get_trigger_display(),
                    filesizeformat(backup.size_bytes) if backup.size_bytes is not None else "",
                    backup.created_at,
                    backup.finished_at or "",
                    backup.error[:200],
                ],
            }
        )
    return render_page(
        request,
        site,
        "console/object_list.html",
        title="Backups",
        columns=["backup", "status", "trigger", "size", "created", "finished", "error"],
        rows=rows,
        empty="No backups yet.",
        link_label="download",
        post_action={"url": reverse("console:backup_start"), "label": "Back up now"},
        note="A backup runs in the background: reload this page to follow its status. Restores are made by the "
        "platform operators (tenant_restore).",
    )


def backup_start(request: HttpRequest, site: AdminSite) -> HttpResponse:
    """POST: start a backup of this project as a task (the same service as the API)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        backup = backup_services.backup_start(
            project=request.tenant,  # type: ignore[attr-defined]
            actor_role=_role(request),
            user=request.user,  # type: ignore[arg-type]
        )
    except DomainError as exc:
        error_message(request, exc)
    else:
        messages.success(request, f"Backup #{backup.pk} started.")
    return HttpResponseRedirect(reverse("console:backup_list"))


def backup_download(request: HttpRequest, site: AdminSite, backup_id: int) -> HttpResponseBase:
    try:
        backup = backup_get_for_project(project=request.tenant, actor_role=_role(request), backup_id=backup_id)  # type: ignore[attr-defined]
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if backup.status != BackupStatus.SUCCEEDED:
        messages.error(request, f"Backup #{backup.pk} is {backup.status}; only a finished backup can be downloaded.")
        return HttpResponseRedirect(reverse("console:backup_list"))
    return backup_file_response(backup)
