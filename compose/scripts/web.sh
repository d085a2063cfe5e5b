#!/usr/bin/env bash
# Web process: gunicorn serving the Django WSGI app on :8000 (behind nginx).
# Migrations are NOT run here: the one-shot `migrate` service (migrate.sh) runs them once per deploy.
set -euo pipefail

# --max-requests (+ jitter) recycles workers so per-connection catalog caches of many tenant schemas stay bounded.
exec gunicorn \
    --chdir /app/platform \
    nocode.wsgi:application \
    --bind 0.0.0.0:8000 \
    --workers "${WEB_CONCURRENCY:-2}" \
    --graceful-timeout 30 \
    --timeout 60 \
    --access-logfile - \
    --max-requests 2000 \
    --max-requests-jitter 200 \
    "$@"
