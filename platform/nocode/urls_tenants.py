"""URLs of a project host (<slug>.<BASE_DOMAIN>): the project's own API."""

from django.urls import include, path

from tenant_apps.console.site import console_site
from tenant_apps.records.api.views_openapi import ProjectDocsView, ProjectSchemaView
from tenant_apps.records.api.views_typescript import ProjectTypeScriptView
from tenants.api.views_tenant import ProjectRootView

urlpatterns = [
    path("api/v1/", ProjectRootView.as_view(), name="project-root"),
    path("api/v1/foundation/", include("shared_apps.foundation.api.urls")),
    path("api/v1/tables/", include("tenant_apps.data_schemas.api.urls")),
    path("api/v1/tables/<str:table>/records/", include("tenant_apps.records.api.urls")),
    path("api/v1/tables/<str:table>/aggregate/", include("tenant_apps.records.api.urls_aggregate")),
    path("api/v1/analytics/", include("shared_apps.analytics.api.urls_tenant")),
    path("api/v1/automation/", include("tenant_apps.jobs.api.urls")),
    path("api/v1/automation/", include("tenant_apps.automation.api.urls")),
    path("api/v1/automation/", include("tenant_apps.transfers.api.urls")),
    path("api/v1/tables/", include("tenant_apps.transfers.api.urls_tables")),
    path("api/v1/schema/typescript/", ProjectTypeScriptView.as_view(), name="project-typescript"),
    path("api/v1/schema/", ProjectSchemaView.as_view(), name="project-schema"),
    path("api/v1/docs/", ProjectDocsView.as_view(), name="project-docs"),
    path("api/v1/spec/", include("tenant_apps.data_schemas.api.urls_spec")),
    path("admin/", console_site.urls),  # the project console (owners and admins of this project)
]

handler400 = "shared_apps.foundation.http.errors.json_bad_request"
handler403 = "shared_apps.foundation.http.errors.json_forbidden"
handler404 = "shared_apps.foundation.http.errors.json_not_found"
handler500 = "shared_apps.foundation.http.errors.json_server_error"
