"""Workflows, runs, webhooks and deliveries in the project console."""

from typing import Any

import pytest

from shared_apps.foundation.db.schemas import in_schema
from tenant_apps.automation.models import Webhook, WebhookDelivery, Workflow, WorkflowRun
from tenant_apps.data_schemas import services as schema_services
from tenant_apps.data_schemas.models import Table
from tenants.models import Project
from tests.console.conftest import ConsoleClient, page_text


@pytest.fixture
def workflow(shop: Project) -> Workflow:
    with in_schema(shop.schema_name):
        flow = Workflow.objects.create(name="Nightly tidy", trigger_type="manual", steps=[])
        WorkflowRun.objects.create(workflow=flow, trigger="manual", state="failed", error="Step 1 broke.")
    return flow


def test_workflows_runs_and_a_manual_run(owner_console: ConsoleClient, shop: Project, workflow: Workflow) -> None:
    listing = owner_console.get("/admin/workflows/")
    assert listing.status_code == 200
    assert f'href="/admin/workflows/{workflow.pk}/"' in page_text(listing)
    assert "Nightly tidy" in page_text(listing)
    detail = page_text(owner_console.get(f"/admin/workflows/{workflow.pk}/"))
    assert "Step 1 broke." in detail
    with in_schema(shop.schema_name):
        failed = WorkflowRun.objects.get()
    run_page = owner_console.get(f"/admin/runs/{failed.pk}/")
    assert run_page.status_code == 200
    assert "Step 1 broke." in page_text(run_page)

    started = owner_console.post(f"/admin/workflows/{workflow.pk}/run/")
    assert started.status_code == 302
    with in_schema(shop.schema_name):
        manual = WorkflowRun.objects.exclude(pk=failed.pk).get()
    assert started["Location"] == f"/admin/runs/{manual.pk}/"
    assert manual.trigger == "manual"

    rerun = owner_console.post(f"/admin/runs/{failed.pk}/rerun/")
    assert rerun.status_code == 302
    with in_schema(shop.schema_name):
        again = WorkflowRun.objects.get(rerun_of=failed.pk)
    assert again.trigger == "rerun"


def test_run_actions_need_post_and_unknown_ids_are_404(
    owner_console: ConsoleClient, shop: Project, workflow: Workflow
) -> None:
    assert owner_console.get(f"/admin/workflows/{workflow.pk}/run/").status_code == 405
    assert owner_console.get("/admin/workflows/999/").status_code == 404
    assert owner_console.post("/admin/workflows/999/run/").status_code == 404
    assert owner_console.get("/admin/runs/999/").status_code == 404
    with in_schema(shop.schema_name):
        assert WorkflowRun.objects.count() == 1


def test_webhooks_and_deliveries(owner_console: ConsoleClient, shop: Project) -> None:
    with in_schema(shop.schema_name):
        schema_services.table_create(name="orders")
        hook = Webhook.objects.create(
            name="ERP", table=Table.objects.get(), events=["record.created"], url="https://erp.example/hook", secret="s"
        )
        WebhookDelivery.objects.create(
            webhook=hook, event="record.created", payload={}, state="failed", error="HTTP 500"
        )
    listing = page_text(owner_console.get("/admin/webhooks/"))
    assert f'href="/admin/webhooks/{hook.pk}/"' in listing
    assert "https://erp.example/hook" in listing
    detail = owner_console.get(f"/admin/webhooks/{hook.pk}/")
    assert detail.status_code == 200
    assert "HTTP 500" in page_text(detail)
    assert ">s<" not in page_text(detail)  # the signing secret is not shown
    assert owner_console.get("/admin/webhooks/999/").status_code == 404


def test_workflows_of_another_project_are_not_found(
    owner_console: ConsoleClient, owner: Any, make_project: Any
) -> None:
    other = make_project(owner, slug="other")
    with in_schema(other.schema_name):
        flow = Workflow.objects.create(name="Elsewhere", trigger_type="manual", steps=[])
    assert "Elsewhere" not in page_text(owner_console.get("/admin/workflows/"))
    # Ids are per schema: the same id in shop is simply another (absent) workflow.
    assert owner_console.get(f"/admin/workflows/{flow.pk}/").status_code == 404
