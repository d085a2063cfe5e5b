"""The console's home page: what the project holds and where to go."""

from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.template.response import TemplateResponse

from shared_apps.backups.selectors import backup_list_for_project
from tenant_apps.automation.selectors import webhook_list, workflow_list
from tenant_apps.data_schemas.selectors import table_list
from tenant_apps.jobs.selectors import job_list

from ..access import console_role
from .pages import render_page


def index(request: HttpRequest, site: AdminSite) -> TemplateResponse:
    request.current_app = site.name
    role = console_role(request)
    assert role is not None  # the site's permission check ran
    _, tables = table_list()
    sections = [
        ("Tables", "console:table_list", f"{len(tables)} table(s): define tables and fields, browse and edit records"),
        ("Workflows", "console:workflow_list", f"{workflow_list().count()} workflow(s) and their runs"),
        ("Webhooks", "console:webhook_list", f"{webhook_list().count()} webhook(s) and their deliveries"),
        ("Jobs", "console:job_list", f"{job_list().count()} recent job(s): imports, exports, schema changes, ..."),
        (
            "Backups",
            "console:backup_list",
            f"{backup_list_for_project(project=request.tenant, actor_role=role).count()} backup(s) of this project",  # type: ignore[attr-defined]
        ),
    ]
    return render_page(request, site, "console/index.html", title="Project console", sections=sections, tables=tables)
