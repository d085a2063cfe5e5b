"""Production: secrets required from the environment, HTTPS and security headers on."""

from .base import *  # noqa: F403
from .base import LOG_LEVEL, STORAGES, env
from .base import logging_config as _logging_config

DEBUG = False
# Compressed (gzip), content-hashed static files, collected at image build and by the migrate job; WhiteNoise
# serves them with far-future cache headers (nginx may serve the same files from the shared volume).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
SECRET_KEY = env("SECRET_KEY")  # required: no default
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^api/v1/foundation/health/$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# `preload` asks browsers to hard-code HTTPS for the domain and every subdomain; opt in once the domain is submitted
# to hstspreload.org. Until then check --deploy's reminder (security.W021) is silenced.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)

# One JSON object per log line (LOG_FORMAT=plain for text); see docs/observability.md.
LOGGING = _logging_config(log_format=env("LOG_FORMAT", default="json"), level=LOG_LEVEL)
