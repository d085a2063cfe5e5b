"""URLs of the base domain: the platform API (accounts, organizations, projects) and console."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from shared_apps.foundation.api.views import PlatformRootView
from shared_apps.organizations.api.views import MeView

urlpatterns = [
    path("api/v1/", PlatformRootView.as_view(), name="platform-root"),
    # `me` lists the user's organizations: it is organizations' view (accounts sits below organizations).
    path("api/v1/auth/me/", MeView.as_view(), name="auth-me"),
    path("api/v1/auth/", include("shared_apps.accounts.api.urls")),
    path("api/v1/organizations/", include("shared_apps.organizations.api.urls")),
    path("api/v1/projects/", include("tenants.api.urls")),
    path("api/v1/projects/<slug:slug>/backups/", include("shared_apps.backups.api.urls")),
    path("api/v1/foundation/", include("shared_apps.foundation.api.urls")),
    path("api/v1/analytics/", include("shared_apps.analytics.api.urls_public")),
    path("api/v1/schema/", SpectacularAPIView.as_view(urlconf="nocode.urls_public"), name="platform-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="platform-schema"), name="platform-docs"),
    path("api/v1/redoc/", SpectacularRedocView.as_view(url_name="platform-schema"), name="platform-redoc"),
    path("admin/", admin.site.urls),
    path("", include("shared_apps.observability.api.urls")),
]

handler400 = "shared_apps.foundation.http.errors.json_bad_request"
handler403 = "shared_apps.foundation.http.errors.json_forbidden"
handler404 = "shared_apps.foundation.http.errors.json_not_found"
handler500 = "shared_apps.foundation.http.errors.json_server_error"
