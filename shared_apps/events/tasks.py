"""Thin Celery shells of the outbox (docs/automation.md, "Record events")."""

from typing import Any

from shared_apps.foundation.tasks import TRANSIENT_ERRORS, platform_task, project_task

from .services import event_fail_note, event_process, outbox_sweep


@project_task(name="events.process_event")
def process_event(self: Any, event_id: int) -> str:
    try:
        return event_process(event_id=event_id)
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:
        event_fail_note(event_id=event_id, error=f"{type(exc).__name__}: {exc}")
        raise


@platform_task(name="events.outbox_sweep")
def sweep_outbox(self: Any) -> dict[str, int]:
    return outbox_sweep()
