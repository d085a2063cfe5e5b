"""Settings shared by every environment. All configuration comes from the environment (django-environ)."""

from datetime import timedelta
from pathlib import Path

import environ
from kombu import Queue

from shared_apps.observability.logs import logging_config

REPO_DIR = Path(__file__).resolve().parents[3]
PLATFORM_DIR = REPO_DIR / "platform"

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)

BASE_DOMAIN = env("BASE_DOMAIN", default="localhost").lower()
# Hosts served by the platform API (everything else is looked up as a project domain).
PUBLIC_HOSTS = env.list("PUBLIC_HOSTS", default=[BASE_DOMAIN, "127.0.0.1", "localhost"])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[*PUBLIC_HOSTS, f".{BASE_DOMAIN}"])

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
VAR_DIR = Path(env("NOCODE_VAR_DIR", default=str(REPO_DIR / ".var")))

# --- tenancy ------------------------------------------------------------------------------------
SHARED_APPS = [
    "tenants",  # before django_tenants: its migrate/migrate_schemas commands take precedence
    "django_tenants",
    "shared_apps.foundation",
    "shared_apps.observability",
    "shared_apps.accounts",
    "shared_apps.organizations",
    "shared_apps.backups",
    "shared_apps.operations",
    "shared_apps.analytics",
    "shared_apps.events",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc assets, pinned by the lock, served as static files
    "corsheaders",
    "django_filters",
    "django_celery_beat",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "tenant_apps.jobs",
    "tenant_apps.data_schemas",
    "tenant_apps.records",
    "tenant_apps.automation",
    "tenant_apps.transfers",  # no models: import / export jobs
    "tenant_apps.console",  # no models: the project console (AdminSite) on project hosts
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Project"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# Schema kept migrated at every deploy and replayed to provision new projects (see docs/tenancy.md).
TENANT_TEMPLATE_SCHEMA = "nocode_template"
# search_path is only re-sent when the tenant of a connection changes.
TENANT_LIMIT_SET_CALLS = True
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)

ROOT_URLCONF = "nocode.urls_tenants"
PUBLIC_SCHEMA_URLCONF = "nocode.urls_public"

MIDDLEWARE = [
    # Outermost: HTML error pages Django renders itself (DEBUG 404/400/500, a view's bare 405) become the JSON shape.
    "shared_apps.foundation.http.errorpages.JsonErrorPagesMiddleware",
    "tenants.middleware.ProjectRoutingMiddleware",
    # Request id, access log line, HTTP metrics: sees every response produced below.
    "shared_apps.observability.middleware.RequestObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # /static/ (console styles, Swagger UI / ReDoc assets) served by the web process itself, in every mode.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # After CORS and security headers so 429/413 answers carry them too.
    "tenants.ratelimit.ProjectRateLimitMiddleware",
    "shared_apps.analytics.middleware.UsageCountingMiddleware",
    "shared_apps.foundation.http.bodylimit.RequestBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# --- database -----------------------------------------------------------------------------------
# No fallback to a server on 127.0.0.1:5432: `manage.py` takes the URL of the running `up` (platform/devstack/
# servers.py) when DATABASE_URL is unset, and without either the only commands that run are those needing no database;
# the placeholder names a socket that does not exist, so nothing can connect to another server by accident.
NO_DATABASE_URL = "postgres://postgres@/%2Fnonexistent%2Fno-DATABASE_URL-and-no-manage.py-up/nocode"
DATABASES = {"default": env.db("DATABASE_URL", default=NO_DATABASE_URL)}
# django-tenants' backend with a round-trip-free health check (shared_apps/foundation/db/postgresql/base.py).
DATABASES["default"]["ENGINE"] = "shared_apps.foundation.db.postgresql"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
# An unreachable server fails a connection attempt within this bound (libpq's minimum is 2 s) and the request
# answers 503 SERVICE_UNAVAILABLE (shared_apps/foundation/outage.py) instead of hanging.
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=2))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache --------------------------------------------------------------------------------------
_redis_cache_options = {
    "CLIENT_CLASS": "django_redis.client.DefaultClient",
    "SOCKET_CONNECT_TIMEOUT": 1,
    "SOCKET_TIMEOUT": 1,
    # A Redis outage degrades caching (reads fall back to PostgreSQL) instead of failing requests.
    "IGNORE_EXCEPTIONS": True,
}
CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", default="nocode")
CACHES = {
    # Tenant-scoped keys: the current schema is part of every key.
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": env("CACHE_URL", default=REDIS_URL),
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "OPTIONS": _redis_cache_options,
    },
    # Platform-wide keys (host routing, API keys): never scoped by schema.
    "platform": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": env("CACHE_URL", default=REDIS_URL),
        "KEY_PREFIX": f"{CACHE_KEY_PREFIX}:platform",
        "OPTIONS": _redis_cache_options,
    },
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# --- auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.authentication.ProjectApiKeyAuthentication",
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["shared_apps.foundation.api.parsers.JsonParser"],
    "EXCEPTION_HANDLER": "shared_apps.foundation.http.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["tenants.ratelimit.ApiKeyRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "shared_apps.foundation.openapi.NocodeAutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NoCode Backend platform API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from the drf-spectacular-sidecar static files (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    # Jobs and workflow runs share these states under the field name `state`: one named enum, not a hash suffix.
    "ENUM_NAME_OVERRIDES": {"ProgressStateEnum": ["pending", "running", "succeeded", "failed"]},
    # The base domain's document offers no API keys (shared_apps/foundation/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "shared_apps.foundation.openapi.platform_security",
        "shared_apps.foundation.openapi.error_codes_listed",
    ],
}

# --- celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Outages fail fast instead of stalling requests (docs/async.md, "Faults"): bounded connect/socket timeouts on the
# broker and the result backend, and no result subscription on publish (nothing reads task results: the state of
# every unit of work is a row; a publish used to wait ~19 s in the result backend's reconnect loop with Redis down).
# The transport's max_retries/interval_* bound kombu's connect loop on publish (default: ~2 s of sleeps).
_REDIS_TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 2}
_CONNECT_ONCE = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, **_REDIS_TIMEOUTS, **_CONNECT_ONCE}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = _CONNECT_ONCE
CELERY_TASK_IGNORE_RESULT = env.bool("CELERY_TASK_IGNORE_RESULT", default=True)
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 2
CELERY_REDIS_BACKEND_HEALTH_CHECK_INTERVAL = 10
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": _CONNECT_ONCE}
# One DatabaseScheduler over public: per-project user schedules are PeriodicTask rows in public whose headers carry
# `_schema_name` (tenant-schemas-celery switches the worker to it). TenantAwareDatabaseScheduler was rejected: it
# queries every tenant schema at each sync (O(projects) statements every few seconds). See docs/async.md.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_DEFAULT_QUEUE = "default"
# A worker started without -Q consumes both; the fan-out publishers can also get a dedicated worker (-Q fanout).
CELERY_TASK_QUEUES = (Queue("default"), Queue("fanout"))
CELERY_TASK_ROUTES = {"tenants.tasks.fanout_*": {"queue": "fanout"}}
CELERY_TIMEZONE = "UTC"

# --- e-mail: console locally; production sets EMAIL_URL (smtp+tls://user:pass@host:587) --------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"NoCode Backend <noreply@{BASE_DOMAIN}>")

# --- i18n, static, media ------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(REPO_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# --- project backups (docs/backup.md) ---------------------------------------------------------------
NOCODE_BACKUP_DIR = Path(env("NOCODE_BACKUP_DIR", default=str(VAR_DIR / "backups")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # A local directory by default; any Django storage backend (e.g. django-storages' S3) via these two variables.
    "backups": {
        "BACKEND": env("NOCODE_BACKUP_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env.json(
            "NOCODE_BACKUP_STORAGE_OPTIONS",
            default={
                "location": str(NOCODE_BACKUP_DIR),
                "file_permissions_mode": 0o600,
                "directory_permissions_mode": 0o700,
            },
        ),
    },
}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
WSGI_APPLICATION = "nocode.wsgi.application"
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
# django-cors-headers' defaults plus the project API key header and the request id (docs/observability.md).
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
    "x-api-key",
    "x-request-id",
)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)

# --- project knobs (limits, page sizes, timeouts) -----------------------------------------------
NOCODE = {
    "PUBLIC_HOSTS": PUBLIC_HOSTS,
    # The public URL of each project (`https://{slug}.nocode.example.com`) as the platform API reports it; unset,
    # `<scheme>://<slug>.<BASE_DOMAIN>[:port]` with the scheme and port of the request.
    "PUBLIC_URL_TEMPLATE": env("PUBLIC_URL_TEMPLATE", default=""),
    "PG_BIN_DIR": env("NOCODE_PG_BIN_DIR", default=""),
    "ROUTING_CACHE_SECONDS": env.int("NOCODE_ROUTING_CACHE_SECONDS", default=300),
    "DDL_LOCK_TIMEOUT_MS": env.int("NOCODE_DDL_LOCK_TIMEOUT_MS", default=3000),
    "HEALTH_TIMEOUT_SECONDS": env.float("NOCODE_HEALTH_TIMEOUT_SECONDS", default=2.0),
    # Record-write counts of a request ride on the process's next request; without one they are sent after this.
    "USAGE_WRITES_MAX_WAIT_SECONDS": env.float("NOCODE_USAGE_WRITES_MAX_WAIT_SECONDS", default=1.0),
    # User tables (docs/data-schemas.md) and the records API (docs/records-api.md).
    "MAX_TABLES_PER_PROJECT": env.int("NOCODE_MAX_TABLES_PER_PROJECT", default=100),
    "MAX_FIELDS_PER_TABLE": env.int("NOCODE_MAX_FIELDS_PER_TABLE", default=50),
    "DEFINITIONS_CACHE_SCHEMAS": env.int("NOCODE_DEFINITIONS_CACHE_SCHEMAS", default=512),
    "DEFINITIONS_MAX_AGE_SECONDS": env.int("NOCODE_DEFINITIONS_MAX_AGE_SECONDS", default=300),
    "RECORDS_PAGE_SIZE": env.int("NOCODE_RECORDS_PAGE_SIZE", default=50),
    "RECORDS_MAX_PAGE_SIZE": env.int("NOCODE_RECORDS_MAX_PAGE_SIZE", default=1000),
    "RECORDS_MAX_BULK": env.int("NOCODE_RECORDS_MAX_BULK", default=1000),
    "FILE_MAX_BYTES": env.int("NOCODE_FILE_MAX_BYTES", default=10 * 1024 * 1024),
    # Rate limits (requests per window, 0 = off): every request on a project host, and each API key.
    "RATE_LIMIT_WINDOW_SECONDS": env.int("NOCODE_RATE_LIMIT_WINDOW_SECONDS", default=60),
    "RATE_LIMIT_PROJECT": env.int("NOCODE_RATE_LIMIT_PROJECT", default=6000),
    "RATE_LIMIT_API_KEY": env.int("NOCODE_RATE_LIMIT_API_KEY", default=1200),
    # Requests on a project host that are not admitted there (no credential, an invalid one, or no role in the
    # project) never count toward the project's limit: they count per client address (unset: RATE_LIMIT_PROJECT).
    "RATE_LIMIT_CLIENT": env.int("NOCODE_RATE_LIMIT_CLIENT", default=None),
    # Failed logins per account and per client address, and registrations per client address, per window.
    "LOGIN_WINDOW_SECONDS": env.int("NOCODE_LOGIN_WINDOW_SECONDS", default=900),
    "LOGIN_FAILURES_PER_ACCOUNT": env.int("NOCODE_LOGIN_FAILURES_PER_ACCOUNT", default=10),
    "LOGIN_FAILURES_PER_ADDRESS": env.int("NOCODE_LOGIN_FAILURES_PER_ADDRESS", default=50),
    "REGISTRATIONS_PER_ADDRESS": env.int("NOCODE_REGISTRATIONS_PER_ADDRESS", default=20),
    # Proxies in front of the app that append to X-Forwarded-For (compose: nginx = 1); 0 = REMOTE_ADDR is the client.
    "TRUSTED_PROXIES": env.int("NOCODE_TRUSTED_PROXIES", default=0),
    # The records lane (tenant_apps/records/api/lane.py) answers the hot records requests without Django's
    # middleware chain and DRF; off sends everything through Django (same answers, about half the throughput).
    "RECORDS_LANE": env.bool("NOCODE_RECORDS_LANE", default=True),
    # /metrics answers only `Authorization: Bearer <METRICS_TOKEN>` (404 while unset). Per-project request counts
    # are labelled by hash bucket (this many) or, for the schemas listed, by schema name. docs/observability.md.
    "METRICS_TOKEN": env("METRICS_TOKEN", default=""),
    "METRICS_PROJECT_BUCKETS": env.int("NOCODE_METRICS_PROJECT_BUCKETS", default=64),
    "METRICS_NAMED_PROJECTS": env.list("NOCODE_METRICS_NAMED_PROJECTS", default=[]),
    # Backups (docs/backup.md): zlib level of the archive (0 = stored, 1 = fastest ... 9), retention defaults of
    # `tenant_backups --prune`, and after how long a backup still marked running counts as abandoned.
    "BACKUP_COMPRESSLEVEL": env.int("NOCODE_BACKUP_COMPRESSLEVEL", default=1),
    "BACKUP_KEEP_DAILY": env.int("NOCODE_BACKUP_KEEP_DAILY", default=7),
    "BACKUP_KEEP_WEEKLY": env.int("NOCODE_BACKUP_KEEP_WEEKLY", default=4),
    "BACKUP_STALE_SECONDS": env.int("NOCODE_BACKUP_STALE_SECONDS", default=6 * 3600),
    # Tasks: bounded retries with countdown = base * 2**retries (capped).
    "TASK_MAX_RETRIES": env.int("NOCODE_TASK_MAX_RETRIES", default=5),
    "TASK_RETRY_BASE_SECONDS": env.int("NOCODE_TASK_RETRY_BASE_SECONDS", default=10),
    "TASK_RETRY_MAX_SECONDS": env.int("NOCODE_TASK_RETRY_MAX_SECONDS", default=600),
    # Leases of accepted work (docs/async.md, "Faults"): how long a claim lives without a heartbeat, how long queued
    # work may wait for its first claim, and how often the sweeper re-enqueues an item before failing it.
    "LEASE_SECONDS": env.int("NOCODE_LEASE_SECONDS", default=120),
    "LEASE_PENDING_GRACE_SECONDS": env.int("NOCODE_LEASE_PENDING_GRACE_SECONDS", default=120),
    "LEASE_MAX_REQUEUES": env.int("NOCODE_LEASE_MAX_REQUEUES", default=3),
    # Per-project periodic jobs are spread over this many minutes (deterministic per-project slot).
    "FANOUT_WINDOW_MINUTES": env.int("NOCODE_FANOUT_WINDOW_MINUTES", default=60),
    "FANOUT_CHUNK_SIZE": env.int("NOCODE_FANOUT_CHUNK_SIZE", default=500),
    # Record events outbox (docs/automation.md): pending events older than this are republished by the every-minute
    # sweep (at most EVENTS_SWEEP_BATCH per sweep, given up after EVENTS_MAX_SWEEPS); processed ones are kept this long.
    "EVENTS_SWEEP_AFTER_SECONDS": env.int("NOCODE_EVENTS_SWEEP_AFTER_SECONDS", default=60),
    "EVENTS_SWEEP_BATCH": env.int("NOCODE_EVENTS_SWEEP_BATCH", default=5000),
    "EVENTS_MAX_SWEEPS": env.int("NOCODE_EVENTS_MAX_SWEEPS", default=60),
    "EVENTS_RETENTION_HOURS": env.int("NOCODE_EVENTS_RETENTION_HOURS", default=168),
    # Automation: workflow chains (a run's writes triggering workflows) stop past this depth; outgoing HTTP (steps,
    # webhooks) refuses private/loopback addresses unless allowed; timeouts in seconds.
    "AUTOMATION_MAX_CHAIN_DEPTH": env.int("NOCODE_AUTOMATION_MAX_CHAIN_DEPTH", default=3),
    "AUTOMATION_ALLOW_PRIVATE_URLS": env.bool("NOCODE_AUTOMATION_ALLOW_PRIVATE_URLS", default=False),
    "AUTOMATION_HTTP_TIMEOUT_SECONDS": env.float("NOCODE_AUTOMATION_HTTP_TIMEOUT_SECONDS", default=10.0),
    "AUTOMATION_HTTP_MAX_TIMEOUT_SECONDS": env.float("NOCODE_AUTOMATION_HTTP_MAX_TIMEOUT_SECONDS", default=30.0),
    # Outgoing webhooks: per-attempt timeout, attempts per delivery, consecutive failed deliveries before disabling.
    "WEBHOOK_TIMEOUT_SECONDS": env.int("NOCODE_WEBHOOK_TIMEOUT_SECONDS", default=10),
    "WEBHOOK_MAX_ATTEMPTS": env.int("NOCODE_WEBHOOK_MAX_ATTEMPTS", default=5),
    "WEBHOOK_DISABLE_AFTER_FAILURES": env.int("NOCODE_WEBHOOK_DISABLE_AFTER_FAILURES", default=5),
    # Import / export of tables (docs/automation.md): upload size and row limits, export row limit.
    "IMPORT_MAX_BYTES": env.int("NOCODE_IMPORT_MAX_BYTES", default=20 * 1024 * 1024),
    "IMPORT_MAX_ROWS": env.int("NOCODE_IMPORT_MAX_ROWS", default=100_000),
    # Import and export files are kept this many days (transfers.files_prune, daily).
    "TRANSFER_FILES_DAYS": env.int("NOCODE_TRANSFER_FILES_DAYS", default=7),
    "EXPORT_MAX_ROWS": env.int("NOCODE_EXPORT_MAX_ROWS", default=1_000_000),
}

from .schedule import CELERY_BEAT_SCHEDULE  # noqa: E402,F401

# Logs: plain text here and in local/test, one JSON object per line in production (LOG_FORMAT=plain|json); every
# line carries service, request id, schema and user id. See docs/observability.md.
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = logging_config(log_format=env("LOG_FORMAT", default="plain"), level=LOG_LEVEL)
