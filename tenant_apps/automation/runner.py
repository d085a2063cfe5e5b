"""Executes a workflow run: its steps in order, each logged with status, output or error.

A run starts only from `pending` (claimed under its row lock, with a lease kept alive by a heartbeat while it runs),
so a run task delivered twice runs once. A run interrupted while `running` (a killed worker) is not restarted, its
steps having had effects: once its lease expires the lease sweeper fails it with the reason (re-run it); a pending
run whose message was lost is queued again by the sweeper. Steps are not one transaction: each
record step commits on its own, like the same request through the API. The first failing step fails the run and
the steps after it are `not_run`; a false `condition` step ends the run successfully and the rest are `skipped`;
a step whose `when` is false is `skipped` alone. Record writes made by a run record events one level deeper, and
record triggers ignore events deeper than NOCODE["AUTOMATION_MAX_CHAIN_DEPTH"] (no endless workflow loops).
"""

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from shared_apps.events.services import writes_caused_by
from shared_apps.foundation.leases import lease_grant, lease_heartbeat, lease_released, lease_seconds

from .models import RunState, WorkflowRun
from .steps import StepFailed, StopRun, context_condition, step_types

logger = logging.getLogger(__name__)


def _now() -> str:
    return timezone.now().isoformat()


def _claim(run_id: int, owner: str) -> WorkflowRun | None:
    with transaction.atomic():
        run = WorkflowRun.objects.select_for_update().select_related("workflow").filter(pk=run_id).first()
        if run is None or run.state != RunState.PENDING:
            return None
        run.state, run.started_at = RunState.RUNNING, timezone.now()
        run.attempts += 1
        fields = lease_grant(run, owner=owner, seconds=lease_seconds())
        run.save(update_fields=["state", "started_at", "attempts", *fields])
    return run


def run_context(run: WorkflowRun) -> dict[str, Any]:
    payload = run.payload or {}
    return {
        "record": payload.get("record") or {},
        "trigger": payload.get("trigger") or {},
        "steps": [],
        "workflow": {"id": run.workflow_id, "name": run.workflow.name},
    }


def run_execute(*, run_id: int, owner: str = "") -> str:
    """Run a pending run to its end; returns its final state (or why it did not run)."""
    run = _claim(run_id, owner or "direct")
    if run is None:
        return "not pending"
    with lease_heartbeat(model=WorkflowRun, pk=run.pk, owner=run.lease_owner):
        return _steps_run(run)


def _steps_run(run: WorkflowRun) -> str:
    run_id = run.pk
    context = run_context(run)
    log: list[dict[str, Any]] = []
    state, error, halted = RunState.SUCCEEDED, "", ""
    with writes_caused_by(depth=run.depth + 1):
        for index, step in enumerate(run.workflow.steps):
            entry: dict[str, Any] = {
                "index": index,
                "type": step.get("type"),
                "name": step.get("name", ""),
                "status": "",
                "output": None,
                "error": "",
                "started_at": None,
                "finished_at": None,
            }
            log.append(entry)
            if halted:
                entry["status"] = halted
                context["steps"].append(None)
                continue
            entry["started_at"] = _now()
            try:
                if "when" in step and not context_condition(step["when"], context):
                    entry["status"] = "skipped"
                else:
                    entry["output"] = step_types.get(step["type"]).run(step, context)
                    entry["status"] = "succeeded"
            except StopRun:
                entry["status"], entry["output"] = "condition_false", {"passed": False}
                halted = "skipped"
            except StepFailed as exc:
                entry.update(status="failed", error=exc.message, output=exc.output)
                if exc.fields:
                    entry["fields"] = exc.fields
                state, error, halted = (
                    RunState.FAILED,
                    f"Step {index} ({step.get('type')}) failed: {exc.message}",
                    "not_run",
                )
            except Exception as exc:
                logger.exception("Workflow run %s: step %s crashed.", run_id, index)
                entry.update(status="failed", error=f"Internal error: {type(exc).__name__}")
                state, error, halted = RunState.FAILED, f"Step {index} ({step.get('type')}) crashed.", "not_run"
            entry["finished_at"] = _now()
            context["steps"].append(entry["output"])
            WorkflowRun.objects.filter(pk=run_id).update(steps=log)
    WorkflowRun.objects.filter(pk=run_id).update(
        state=state, error=error[:5000], steps=log, finished_at=timezone.now(), **lease_released()
    )
    return str(state)
