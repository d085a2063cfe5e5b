#!/usr/bin/env bash
# Celery worker. On SIGTERM (docker stop) celery stops taking tasks and finishes the running ones (warm shutdown);
# give the container a stop_grace_period long enough for them. A task killed mid-run is redelivered because
# tasks are acks_late with reject_on_worker_lost (settings), so tasks must be idempotent.
set -euo pipefail

exec celery \
    --workdir /app/platform \
    -A nocode \
    worker \
    -l info \
    --concurrency "${CELERY_CONCURRENCY:-2}" \
    "$@"
