"""URLs of a project host (<slug>.<BASE_DOMAIN>): the project's own API."""

from django.urls import include, path

from tenants.api.views_tenant import ProjectRootView

urlpatterns = [
    path("api/v1/", ProjectRootView.as_view(), name="project-root"),
    path("api/v1/foundation/", include("shared_apps.foundation.api.urls")),
    path("api/v1/tables/", include("tenant_apps.data_schemas.api.urls")),
    path("api/v1/analytics/", include("shared_apps.analytics.api.urls_tenant")),
    path("api/v1/automation/", include("tenant_apps.jobs.api.urls")),
]

handler400 = "shared_apps.foundation.errors.json_bad_request"
handler403 = "shared_apps.foundation.errors.json_forbidden"
handler404 = "shared_apps.foundation.errors.json_not_found"
handler500 = "shared_apps.foundation.errors.json_server_error"
