#!/usr/bin/env bash
# One-shot deploy job, run once per deploy before web/worker/beat start (never by each web replica):
#   1. migrate_schemas: the public schema, every project schema and the provisioning template schema.
#      Extra arguments are passed through, e.g. `migrate.sh --executor=multiprocessing`.
#   2. collectstatic into the shared `static` volume that nginx serves (cheap, keeps it in step with the image).
set -euo pipefail

python /app/manage.py migrate_schemas --noinput "$@"
exec python /app/manage.py collectstatic --noinput --verbosity 0
