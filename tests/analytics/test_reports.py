import io
from datetime import date
from typing import Any

from openpyxl import load_workbook

from shared_apps.analytics.models import UsageDay
from shared_apps.analytics.reports import report_period, usage_reports_email
from shared_apps.organizations.models import Membership
from tenants.models import Project, ProjectMembership


def test_report_periods_are_the_last_complete_week_and_month() -> None:
    assert report_period(period="weekly", today=date(2026, 11, 24))[:2] == (date(2026, 11, 16), date(2026, 11, 22))
    assert report_period(period="monthly", today=date(2026, 12, 1))[:2] == (date(2026, 11, 1), date(2026, 11, 30))


def test_weekly_reports_are_emailed_to_owners_with_xlsx_and_pdf(
    owner: Any, make_user: Any, make_project: Any, mailoutbox: Any
) -> None:
    alpha = make_project(owner, slug="alpha")
    co_owner = make_user(email="co@example.com")
    ProjectMembership.objects.create(project=alpha, user=co_owner, role="owner")
    ProjectMembership.objects.create(project=alpha, user=make_user(email="viewer@example.com"), role="viewer")
    sleepy = make_project(make_user(email="sleepy@example.com"), slug="sleepy")
    Project.objects.filter(pk=sleepy.pk).update(status="suspended")
    UsageDay.objects.create(project=alpha, day=date(2026, 11, 17), api_requests=120, record_writes=7)
    UsageDay.objects.create(project=alpha, day=date(2026, 11, 23), api_requests=999, record_writes=9)  # next week

    assert usage_reports_email(period="weekly", today=date(2026, 11, 24)) == 1
    (message,) = mailoutbox
    assert sorted(message.to) == ["co@example.com", "owner@example.com"]
    assert "120 API requests, 7 record writes" in message.body
    names = [name for name, _, _ in message.attachments]
    assert names == ["usage-alpha-2026-11-16-2026-11-22.xlsx", "usage-alpha-2026-11-16-2026-11-22.pdf"]
    sheet = load_workbook(io.BytesIO(message.attachments[0][1])).active
    rows = [tuple(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert len(rows) == 8
    assert rows[1][1:] == (120, 7)
    assert rows[-1] == ("Total", 120, 7)
    assert message.attachments[1][1][:5] == b"%PDF-"


def test_organization_owners_receive_reports_too(
    owner: Any, make_user: Any, make_project: Any, mailoutbox: Any
) -> None:
    project = make_project(owner, slug="alpha")
    boss = make_user(email="boss@example.com")
    Membership.objects.create(organization_id=project.organization_id, user=boss, role="owner")
    usage_reports_email(period="monthly", today=date(2026, 12, 1))
    assert sorted(mailoutbox[0].to) == ["boss@example.com", "owner@example.com"]
