"""The admission pipeline of a request to a project host: every decision that lets a caller through, in order.

Django's path runs these stages as the middlewares of `settings.MIDDLEWARE` and the DRF classes of the records
views; the records lane (tenant_apps/records/api/lane.py) runs the same stages in the same order by calling the
functions those middlewares and classes call, and hands the request to Django at the first stage that would not
let it through. `tests/tenants/test_admission.py` fails when `MIDDLEWARE`, DRF's defaults or the records views'
classes change without this list, and the lane refuses to import unless it has a step for every stage: a new check
is added here first, then to both paths (docs/decisions/0002-records-lane.md).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    """One admission decision: the Django middlewares, or the DRF classes of the records views' `view_attribute`
    (e.g. `authentication_classes`), that make it on Django's path."""

    name: str
    middleware: tuple[str, ...] = ()
    drf: tuple[str, ...] = ()
    view_attribute: str = ""
    why: str = ""


PIPELINE: tuple[Stage, ...] = (
    Stage(
        "error_pages",
        middleware=("shared_apps.foundation.http.errorpages.JsonErrorPagesMiddleware",),
        why="HTML error pages Django renders itself become the JSON error shape (the lane answers JSON only)",
    ),
    Stage(
        "routing",
        middleware=("tenants.middleware.ProjectRoutingMiddleware",),
        why="host -> project (unknown/suspended/provisioning refused), the request's one Redis round trip",
    ),
    Stage(
        "observability",
        middleware=("shared_apps.observability.middleware.RequestObservabilityMiddleware",),
        why="request id, access log line, HTTP metrics of every answer",
    ),
    Stage(
        "security",
        middleware=("django.middleware.security.SecurityMiddleware",),
        why="SSL redirect; HSTS and other security headers on the answer",
    ),
    Stage(
        "static_files",
        middleware=("whitenoise.middleware.WhiteNoiseMiddleware",),
        why="/static/ served by the web process (the lane's paths are never under /static/)",
    ),
    Stage("cors", middleware=("corsheaders.middleware.CorsMiddleware",), why="the project's CORS headers"),
    Stage(
        "project_rate_limit",
        middleware=("tenants.ratelimit.ProjectRateLimitMiddleware",),
        why="the project's request quota (429)",
    ),
    Stage(
        "usage",
        middleware=("shared_apps.analytics.middleware.UsageCountingMiddleware",),
        why="the request counted once in the project's usage",
    ),
    Stage(
        "body_limit",
        middleware=("shared_apps.foundation.http.bodylimit.RequestBodyLimitMiddleware",),
        why="bodies over DATA_UPLOAD_MAX_MEMORY_SIZE refused (413) before they are read",
    ),
    Stage(
        "cookies",
        middleware=(
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ),
        why="sessions, CSRF, session login and messages (the consoles); APPEND_SLASH. The lane serves only requests "
        "without cookies, authenticated by a header, on paths that end in '/': none of these applies to them",
    ),
    Stage(
        "frame_options",
        middleware=("django.middleware.clickjacking.XFrameOptionsMiddleware",),
        why="X-Frame-Options on the answer",
    ),
    Stage(
        "authentication",
        drf=(
            "tenants.authentication.ProjectApiKeyAuthentication",
            "rest_framework_simplejwt.authentication.JWTAuthentication",
        ),
        view_attribute="authentication_classes",
        why="the project's API key or a member's JWT (401 otherwise)",
    ),
    Stage(
        "permission",
        drf=("tenants.permissions.ProjectPermission",),
        view_attribute="permission_classes",
        why="the caller's role has the method's capability (403 otherwise)",
    ),
    Stage(
        "key_rate_limit",
        drf=("tenants.ratelimit.ApiKeyRateThrottle",),
        view_attribute="throttle_classes",
        why="the API key's quota (429)",
    ),
    Stage(
        "parsing",
        drf=("shared_apps.foundation.api.parsers.JsonParser",),
        view_attribute="parser_classes",
        why="the request body through foundation.jsoncodec.json_loads (malformed, too deep or invalid Unicode: 400)",
    ),
    Stage(
        "rendering",
        drf=("shared_apps.foundation.api.renderers.OrjsonRenderer",),
        view_attribute="renderer_classes",
        why="the answer's JSON",
    ),
)

STAGE_NAMES: tuple[str, ...] = tuple(stage.name for stage in PIPELINE)


def pipeline_middleware() -> list[str]:
    """The middleware list the pipeline stands for, in order (settings.MIDDLEWARE must be exactly this)."""
    return [path for stage in PIPELINE for path in stage.middleware]
