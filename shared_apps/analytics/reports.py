"""Weekly and monthly usage reports per project, rendered as XLSX and PDF and e-mailed to the project's owners."""

import io
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from fpdf import FPDF
from openpyxl import Workbook

from shared_apps.foundation.db.schemas import in_public
from shared_apps.organizations.models import Membership
from tenants.models import Project, ProjectMembership, ProjectStatus

from .models import UsageDay

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class UsageReport:
    project_slug: str
    project_name: str
    title: str
    start: date
    end: date  # inclusive
    days: list[tuple[date, int, int]]  # (day, api requests, record writes), one per day of the period

    @property
    def totals(self) -> tuple[int, int]:
        return sum(d[1] for d in self.days), sum(d[2] for d in self.days)


def report_period(*, period: str, today: date) -> tuple[date, date, str]:
    """The last complete week (Mon-Sun) or month before `today`."""
    if period == "weekly":
        end = today - timedelta(days=today.weekday() + 1)
        return end - timedelta(days=6), end, f"Weekly usage {end - timedelta(days=6)} to {end}"
    if period == "monthly":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end, f"Monthly usage {end:%B %Y}"
    raise ValueError(f"unknown report period {period!r}")


def usage_report_build(*, project: Project, start: date, end: date, title: str) -> UsageReport:
    stored = {
        row["day"]: (row["api_requests"], row["record_writes"])
        for row in UsageDay.objects.filter(project=project, day__range=(start, end)).values(
            "day", "api_requests", "record_writes"
        )
    }
    days = [
        (start + timedelta(days=i), *stored.get(start + timedelta(days=i), (0, 0)))
        for i in range((end - start).days + 1)
    ]
    return UsageReport(project.slug, project.name, title, start, end, days)


def usage_report_xlsx(report: UsageReport) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Usage"
    sheet.append([f"{report.title} — {report.project_name} ({report.project_slug})"])
    sheet.append(["Day", "API requests", "Record writes"])
    for day, requests, writes in report.days:
        sheet.append([day, requests, writes])
    sheet.append(["Total", *report.totals])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def usage_report_pdf(report: UsageReport) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, report.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 8, f"Project: {report.project_name} ({report.project_slug})", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 10)
    for heading, width in (("Day", 50), ("API requests", 50), ("Record writes", 50)):
        pdf.cell(width, 7, heading, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 10)
    for day, requests, writes in [*report.days, ("Total", *report.totals)]:
        for value, width in ((str(day), 50), (f"{requests:,}", 50), (f"{writes:,}", 50)):
            pdf.cell(width, 7, value, border=1)
        pdf.ln()
    return bytes(pdf.output())


def project_owner_emails(*, project: Project) -> list[str]:
    """Project owners and organization owners (organization owners own every project of it)."""
    direct = ProjectMembership.objects.filter(project=project, role="owner").values_list("user__email", flat=True)
    org = Membership.objects.filter(organization_id=project.organization_id, role="owner").values_list(
        "user__email", flat=True
    )
    return sorted(set(direct) | set(org))


def usage_reports_email(*, period: str, today: date) -> int:
    """E-mail the report of the last complete `period` to the owners of every READY project; returns e-mails sent."""
    start, end, title = report_period(period=period, today=today)
    sent = 0
    with in_public():
        for project in Project.objects.filter(status=ProjectStatus.READY).order_by("pk").iterator():
            recipients = project_owner_emails(project=project)
            if not recipients:
                continue
            report = usage_report_build(project=project, start=start, end=end, title=title)
            requests, writes = report.totals
            message = EmailMessage(
                subject=f"{title}: {project.name}",
                body=f"{title} for {project.name}: {requests:,} API requests, {writes:,} record writes.\n",
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=recipients,
            )
            stem = f"usage-{project.slug}-{start}-{end}"
            message.attach(f"{stem}.xlsx", usage_report_xlsx(report), XLSX_TYPE)
            message.attach(f"{stem}.pdf", usage_report_pdf(report), "application/pdf")
            message.send()
            sent += 1
    return sent
