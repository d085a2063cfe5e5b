#!/usr/bin/env bash
# Web process: gunicorn serving the Django WSGI app on :8000 (behind nginx).
# Migrations are NOT run here: the one-shot `migrate` service (migrate.sh) runs them once per deploy.
set -euo pipefail

# --max-requests (+ jitter) recycles workers so per-connection catalog caches of many tenant schemas stay bounded.
# nocode/gunicorn_conf.py: gunicorn's own lines in the app's log format (JSON in production), no gunicorn access log
# (Django writes one JSON line per request), metrics bookkeeping when a worker exits.
# SIGTERM: stop accepting, let running requests finish for up to --graceful-timeout seconds, then exit.
exec gunicorn \
    --chdir /app/platform \
    nocode.wsgi:application \
    --config python:nocode.gunicorn_conf \
    --bind 0.0.0.0:8000 \
    --workers "${WEB_CONCURRENCY:-2}" \
    --graceful-timeout 30 \
    --timeout 60 \
    --max-requests 2000 \
    --max-requests-jitter 200 \
    "$@"
