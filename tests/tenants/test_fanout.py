"""Fan-out dispatch: slots, windows, idempotent starts, ready projects only."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from shared_apps.foundation.exceptions import ValidationFailed
from tenants.fanout import DueWork, fanout_dispatch_due, fanout_run_start, project_slot
from tenants.models import FanoutRun, Project


def test_slot_is_deterministic_and_within_the_window() -> None:
    assert project_slot("alpha", 60) == project_slot("alpha", 60)
    assert {project_slot(f"p{i}", 60) for i in range(2000)} == set(range(60))
    assert project_slot("alpha", 1) == 0


@pytest.mark.django_db
def test_unknown_job_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        fanout_run_start(job="rm_rf")
    assert FanoutRun.objects.count() == 0


@pytest.mark.django_db
def test_starting_twice_in_a_minute_opens_one_run() -> None:
    now = timezone.now().replace(second=5)
    first = fanout_run_start(job="project_backup", window_minutes=10, now=now)
    second = fanout_run_start(job="project_backup", window_minutes=10, now=now.replace(second=50))
    assert first.pk == second.pk
    assert FanoutRun.objects.count() == 1


def test_window_spreads_projects_over_minutes_exactly_once(owner: Any, make_project: Any) -> None:
    schemas = [make_project(owner, slug=f"proj-{i}").schema_name for i in range(12)]
    suspended = make_project(owner, slug="sleepy")
    Project.objects.filter(pk=suspended.pk).update(status="suspended")
    start = timezone.now().replace(second=0, microsecond=0)
    fanout_run_start(job="project_db_maintenance", window_minutes=3, now=start)
    seen: list[str] = []
    for minute in range(5):  # two extra ticks after the window: nothing more is sent
        work = fanout_dispatch_due(now=start + timedelta(minutes=minute, seconds=10))
        batch = [s for w in work for s in w.schemas]
        assert all(project_slot(s, 3) == minute for s in batch)
        assert all(w.task_name == "operations.project_db_maintenance" for w in work)
        seen.extend(batch)
    assert sorted(seen) == sorted(schemas)
    run = FanoutRun.objects.get()
    assert (run.slots_done, run.dispatched, run.finished_at is not None) == (3, 12, True)


def test_a_late_tick_catches_up_on_missed_slots(owner: Any, make_project: Any) -> None:
    schemas = [make_project(owner, slug=f"proj-{i}").schema_name for i in range(6)]
    start = timezone.now().replace(second=0, microsecond=0)
    fanout_run_start(job="project_analytics_update", window_minutes=4, now=start)
    work = fanout_dispatch_due(now=start + timedelta(minutes=10))
    assert work == [DueWork("operations.project_analytics_update", sorted(schemas))]
    assert fanout_dispatch_due(now=start + timedelta(minutes=11)) == []
