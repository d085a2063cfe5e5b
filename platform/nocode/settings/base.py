"""Settings shared by every environment. All configuration comes from the environment (django-environ)."""

from datetime import timedelta
from pathlib import Path

import environ

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
    "shared_apps.accounts",
    "shared_apps.organizations",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "django_filters",
    "django_celery_beat",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django_celery_beat",
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
    "tenants.middleware.ProjectRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# --- database -----------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/nocode")}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5))
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
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "shared_apps.foundation.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
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
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULER = "tenant_schemas_celery.db_scheduler:TenantAwareDatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}
CELERY_TIMEZONE = "UTC"

# --- i18n, static, media ------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(REPO_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))

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
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)

# --- project knobs (limits, page sizes, timeouts) -----------------------------------------------
NOCODE = {
    "PUBLIC_HOSTS": PUBLIC_HOSTS,
    "PG_BIN_DIR": env("NOCODE_PG_BIN_DIR", default=""),
    "ROUTING_CACHE_SECONDS": env.int("NOCODE_ROUTING_CACHE_SECONDS", default=300),
    "DDL_LOCK_TIMEOUT_MS": env.int("NOCODE_DDL_LOCK_TIMEOUT_MS", default=3000),
    "HEALTH_TIMEOUT_SECONDS": env.float("NOCODE_HEALTH_TIMEOUT_SECONDS", default=2.0),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django_redis": {"level": "ERROR"}},
}
