#!/usr/bin/env bash
# Celery beat: run EXACTLY ONE instance per deployment, or every periodic task fires once per instance.
# The scheduler class (tenant-aware database scheduler) comes from settings.CELERY_BEAT_SCHEDULER.
set -euo pipefail

exec celery \
    --workdir /app/platform \
    -A nocode \
    beat \
    -l info \
    "$@"
