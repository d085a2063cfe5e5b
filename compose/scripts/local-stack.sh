#!/usr/bin/env bash
# Production-like stack without Docker, on this machine's PostgreSQL and Redis:
#   gunicorn (production settings, 2 workers) + Celery worker + Celery beat, behind nginx with compose/nginx's config.
#
#   bash compose/scripts/local-stack.sh         # Ctrl-C (or SIGTERM) stops everything it started
#
# Environment (all optional):
#   DATABASE_URL, REDIS_URL   servers to use (default: postgres://postgres@127.0.0.1:5432/nocode, redis://127.0.0.1:6379/0);
#                             `migrate_schemas` runs on the database first
#   NOCODE_STACK_PORT         nginx port on 127.0.0.1 (default: a free port); BASE_DOMAIN (default localhost)
#   WEB_CONCURRENCY, CELERY_CONCURRENCY (default 2 each), NOCODE_WORKER_NAME (Celery node name, default local-<pid>)
#   NOCODE_STACK_DIR          scratch directory (nginx prefix, static files, metrics); default a new temp dir,
#                             removed on exit
#   METRICS_TOKEN, SECRET_KEY, LOG_FORMAT (default json) are passed through.
# Prints "local-stack: ready ..." once a health check through nginx answers 200.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=${NOCODE_PYTHON:-$ROOT/.venv/bin/python}
BIN=$(dirname "$PY")
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "local-stack: nginx not found (apt-get install nginx-light)" >&2; exit 2; }

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

if [ -n "${NOCODE_STACK_DIR:-}" ]; then
    STACK_DIR=$NOCODE_STACK_DIR
    OWN_DIR=0
else
    STACK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nocode-stack.XXXXXX")
    OWN_DIR=1
fi
mkdir -p "$STACK_DIR"/{nginx/conf.d,nginx/tmp,static,media,metrics,var}
chmod 755 "$STACK_DIR" "$STACK_DIR/static" "$STACK_DIR/media"  # nginx workers (nobody) serve these

export DJANGO_SETTINGS_MODULE=nocode.settings.production
export PYTHONPATH="$ROOT:$ROOT/platform"
export NOCODE_NO_BOOTSTRAP=1
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/nocode}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export BASE_DOMAIN=${BASE_DOMAIN:-localhost}
export SECRET_KEY=${SECRET_KEY:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')}
export SECURE_SSL_REDIRECT=False
export LOG_FORMAT=${LOG_FORMAT:-json}
export STATIC_ROOT=$STACK_DIR/static MEDIA_ROOT=$STACK_DIR/media NOCODE_VAR_DIR=$STACK_DIR/var
export PROMETHEUS_MULTIPROC_DIR=$STACK_DIR/metrics
WEB_PORT=$(free_port)
NGINX_PORT=${NOCODE_STACK_PORT:-$(free_port)}

pids=()
stopping=0
# shellcheck disable=SC2317  # called from the traps
stop() {
    [ "$stopping" -eq 1 ] && return
    stopping=1
    echo "local-stack: stopping ${pids[*]:-nothing}" >&2
    # TERM: gunicorn finishes running requests (graceful_timeout), the Celery worker its running tasks (warm
    # shutdown), beat and nginx exit. Whatever is still alive after 40 s is killed.
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 40); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" -eq 0 ] && break
        sleep 1
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ "$OWN_DIR" -eq 1 ] && rm -rf "$STACK_DIR"
    echo "local-stack: stopped" >&2
}
trap 'stop; exit 0' INT TERM
trap 'stop' EXIT

cd "$ROOT"
echo "local-stack: migrate_schemas on $DATABASE_URL" >&2
"$PY" manage.py migrate_schemas --noinput >&2
"$PY" manage.py collectstatic --noinput --verbosity 0

# nginx: the compose config, rendered as .ci/lint-deploy.sh does, listening on 127.0.0.1:$NGINX_PORT, proxying to
# this gunicorn, serving static/media from the scratch dir, with its pid and temp files under its own prefix.
cp compose/nginx/nginx.conf "$STACK_DIR/nginx/nginx.conf"
cp /etc/nginx/mime.types "$STACK_DIR/nginx/mime.types"
# shellcheck disable=SC2016  # the variable list is for envsubst, not the shell
BASE_DOMAIN=$BASE_DOMAIN NGINX_UPSTREAM=127.0.0.1:$WEB_PORT NGINX_RESOLVER=127.0.0.1 \
    envsubst '${BASE_DOMAIN} ${NGINX_UPSTREAM} ${NGINX_RESOLVER}' \
    <compose/nginx/templates/default.conf.template \
    | sed -E -e "s/^([[:space:]]*listen[[:space:]]+)80([[:space:];])/\1127.0.0.1:$NGINX_PORT\2/" \
        -e "s#/srv/static/#$STACK_DIR/static/#" -e "s#/srv/media/#$STACK_DIR/media/#" \
        >"$STACK_DIR/nginx/conf.d/default.conf"
cat >"$STACK_DIR/nginx/conf.d/00-local-paths.conf" <<CONF
client_body_temp_path $STACK_DIR/nginx/tmp/body;
proxy_temp_path $STACK_DIR/nginx/tmp/proxy;
fastcgi_temp_path $STACK_DIR/nginx/tmp/fastcgi;
uwsgi_temp_path $STACK_DIR/nginx/tmp/uwsgi;
scgi_temp_path $STACK_DIR/nginx/tmp/scgi;
CONF

NOCODE_SERVICE=web "$BIN/gunicorn" --chdir "$ROOT/platform" nocode.wsgi:application \
    -c python:nocode.gunicorn_conf --bind "127.0.0.1:$WEB_PORT" --workers "${WEB_CONCURRENCY:-2}" &
pids+=($!)
NOCODE_SERVICE=worker "$BIN/celery" --workdir "$ROOT/platform" -A nocode worker -l info \
    --concurrency "${CELERY_CONCURRENCY:-2}" -n "${NOCODE_WORKER_NAME:-local-$$}@%h" &
pids+=($!)
NOCODE_SERVICE=beat "$BIN/celery" --workdir "$ROOT/platform" -A nocode beat -l info \
    -s "$STACK_DIR/var/celerybeat-schedule" --pidfile= &
pids+=($!)
"$NGINX" -p "$STACK_DIR/nginx/" -c "$STACK_DIR/nginx/nginx.conf" -g "daemon off; pid $STACK_DIR/nginx/nginx.pid;" &
pids+=($!)

url="http://127.0.0.1:$NGINX_PORT/api/v1/foundation/health/"
for _ in $(seq 1 60); do
    if "$PY" - "$url" "$BASE_DOMAIN" <<'PY' 2>/dev/null; then
import sys, urllib.request
request = urllib.request.Request(sys.argv[1], headers={"Host": sys.argv[2]})
sys.exit(0 if urllib.request.urlopen(request, timeout=3).status == 200 else 1)
PY
        echo "local-stack: ready http://$BASE_DOMAIN:$NGINX_PORT/ (nginx 127.0.0.1:$NGINX_PORT -> gunicorn 127.0.0.1:$WEB_PORT; pids ${pids[*]})"
        break
    fi
    sleep 1
done

# Run until a signal arrives or one of the processes dies (then stop the rest and fail).
set +e
wait -n "${pids[@]}"
status=$?
set -e
echo "local-stack: a process exited (status $status); stopping the others" >&2
exit 1
