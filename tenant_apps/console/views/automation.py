"""Workflows and their runs, webhooks and their deliveries (tenant_apps.automation), through its selectors and
services: browse, start a run now, re-run a run. Definitions are edited through the automation API."""

import json
from typing import Any

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse

from shared_apps.foundation.exceptions import DomainError, NotFound
from tenant_apps.automation import services
from tenant_apps.automation.selectors import (
    delivery_list,
    run_get,
    run_list,
    webhook_get,
    webhook_list,
    workflow_get,
    workflow_list,
)

from .pages import error_message, render_page

RUNS_SHOWN = 50


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str) if value not in (None, [], {}) else ""


def _found(read: Any, **kwargs: Any) -> Any:
    try:
        return read(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def workflow_list_page(request: HttpRequest, site: AdminSite) -> HttpResponse:
    rows = [
        {
            "url": reverse("console:workflow_detail", kwargs={"workflow_id": w.pk}),
            "cells": [
                w.pk,
                w.name,
                w.get_trigger_type_display(),
                w.trigger_table.name if w.trigger_table else "",
                "yes" if w.active else "no",
                w.updated_at,
            ],
        }
        for w in workflow_list()
    ]
    return render_page(
        request,
        site,
        "console/object_list.html",
        title="Workflows",
        columns=["id", "name", "trigger", "table", "active", "updated"],
        rows=rows,
        empty="No workflows yet (create them through the automation API).",
    )


def workflow_detail(request: HttpRequest, site: AdminSite, workflow_id: int) -> HttpResponse:
    workflow = _found(workflow_get, workflow_id=workflow_id)
    items: list[tuple[str, Any]] = [
        ("name", workflow.name),
        ("description", workflow.description),
        ("active", "yes" if workflow.active else "no"),
        ("trigger", workflow.get_trigger_type_display()),
        ("table", workflow.trigger_table.name if workflow.trigger_table else ""),
        ("events", ", ".join(workflow.trigger_events)),
        ("filter", _json(workflow.trigger_filter)),
        ("schedule (cron, UTC)", workflow.schedule_cron),
        ("steps", _json(workflow.steps)),
        ("updated", workflow.updated_at),
    ]
    runs = [
        {
            "url": reverse("console:run_detail", kwargs={"run_id": run.pk}),
            "cells": [run.pk, run.trigger, run.state, run.created_at, run.finished_at or "", run.error[:200]],
        }
        for run in run_list(workflow_id=workflow.pk, limit=RUNS_SHOWN)
    ]
    return render_page(
        request,
        site,
        "console/object_detail.html",
        title=f"Workflow {workflow.name}",
        items=items,
        back_url=reverse("console:workflow_list"),
        actions=[{"url": reverse("console:workflow_run", kwargs={"workflow_id": workflow.pk}), "label": "Run now"}],
        related={
            "title": "Recent runs",
            "columns": ["run", "trigger", "state", "created", "finished", "error"],
            "rows": runs,
            "empty": "No runs yet.",
        },
    )


def workflow_run(request: HttpRequest, site: AdminSite, workflow_id: int) -> HttpResponse:
    """POST: start a manual run (as `POST .../workflows/{id}/run/` does)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        run = services.workflow_run_manual(workflow_id=workflow_id, user_id=request.user.pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        error_message(request, exc)
        return HttpResponseRedirect(reverse("console:workflow_detail", kwargs={"workflow_id": workflow_id}))
    messages.success(request, f"Run {run.pk} started.")
    return HttpResponseRedirect(reverse("console:run_detail", kwargs={"run_id": run.pk}))


def run_detail(request: HttpRequest, site: AdminSite, run_id: int) -> HttpResponse:
    run = _found(run_get, run_id=run_id)
    items: list[tuple[str, Any]] = [
        ("workflow", run.workflow.name),
        ("trigger", run.trigger),
        ("state", run.state),
        ("re-run of", run.rerun_of_id or ""),
        ("created", run.created_at),
        ("started", run.started_at or ""),
        ("finished", run.finished_at or ""),
        ("error", run.error),
        ("payload", _json(run.payload)),
        ("steps", _json(run.steps)),
    ]
    return render_page(
        request,
        site,
        "console/object_detail.html",
        title=f"Run {run.pk} of {run.workflow.name}",
        items=items,
        back_url=reverse("console:workflow_detail", kwargs={"workflow_id": run.workflow_id}),
        actions=[{"url": reverse("console:run_rerun", kwargs={"run_id": run.pk}), "label": "Re-run"}],
    )


def run_rerun(request: HttpRequest, site: AdminSite, run_id: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        run = services.run_rerun(run_id=run_id, user_id=request.user.pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, f"Run {run.pk} started (re-run of {run_id}).")
    return HttpResponseRedirect(reverse("console:run_detail", kwargs={"run_id": run.pk}))


def webhook_list_page(request: HttpRequest, site: AdminSite) -> HttpResponse:
    rows = [
        {
            "url": reverse("console:webhook_detail", kwargs={"webhook_id": hook.pk}),
            "cells": [
                hook.pk,
                hook.name,
                hook.table.name,
                ", ".join(hook.events),
                hook.url,
                "yes" if hook.active else "no",
                hook.consecutive_failures,
            ],
        }
        for hook in webhook_list()
    ]
    return render_page(
        request,
        site,
        "console/object_list.html",
        title="Webhooks",
        columns=["id", "name", "table", "events", "url", "active", "failures in a row"],
        rows=rows,
        empty="No webhooks yet (create them through the automation API).",
    )


def webhook_detail(request: HttpRequest, site: AdminSite, webhook_id: int) -> HttpResponse:
    hook = _found(webhook_get, webhook_id=webhook_id)
    items: list[tuple[str, Any]] = [
        ("name", hook.name),
        ("table", hook.table.name),
        ("events", ", ".join(hook.events)),
        ("url", hook.url),
        ("active", "yes" if hook.active else "no"),
        ("failures in a row", hook.consecutive_failures),
        ("disabled", f"{hook.disabled_at} {hook.disabled_reason}" if hook.disabled_at else ""),
        ("updated", hook.updated_at),
    ]
    deliveries = [
        {
            "url": "",
            "cells": [
                d.pk,
                d.event,
                d.state,
                d.attempts,
                d.status_code or "",
                d.duration_ms or "",
                d.error[:200],
                d.created_at,
            ],
        }
        for d in delivery_list(webhook_id=hook.pk, limit=RUNS_SHOWN)
    ]
    return render_page(
        request,
        site,
        "console/object_detail.html",
        title=f"Webhook {hook.name or hook.pk}",
        items=items,
        back_url=reverse("console:webhook_list"),
        related={
            "title": "Recent deliveries",
            "rows": deliveries,
            "empty": "No deliveries yet.",
            "columns": ["delivery", "event", "state", "attempts", "status", "ms", "error", "created"],
        },
    )
