#!/usr/bin/env python3
"""Entry point of the project.

Run outside a virtualenv, it first creates `.venv/` and installs the locked dependencies into it (again whenever
`requirements-dev.lock` changes), then re-runs itself there. Inside any virtualenv (or with NOCODE_NO_BOOTSTRAP=1, as
in the Docker image) it runs Django directly.

    python3 manage.py up      # install, start embedded PostgreSQL + Redis if needed, web, worker, beat
    python3 manage.py test    # the whole test suite

Every other command runs on DATABASE_URL / REDIS_URL when set, else on the servers of the running `up`
(platform/devstack/servers.py).
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent
LOCK_FILE = REPO_DIR / "requirements-dev.lock"


def ensure_virtualenv() -> None:
    """Re-exec this command inside `.venv/` with the locked dependencies installed."""
    if os.environ.get("NOCODE_NO_BOOTSTRAP") or sys.prefix != sys.base_prefix:
        return
    env_dir = REPO_DIR / ".venv"
    python = env_dir / "bin" / "python"
    stamp = env_dir / ".lock-sha256"
    wanted = hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()
    if not python.exists():
        print(f"Creating virtualenv in {env_dir} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(env_dir)
    if not stamp.exists() or stamp.read_text().strip() != wanted:
        print("Installing locked dependencies ...", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--require-hashes", "-r", str(LOCK_FILE)],
            check=True,
        )  # fmt: skip
        stamp.write_text(wanted)
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


def main() -> None:
    ensure_virtualenv()
    sys.path[:0] = [str(REPO_DIR), str(REPO_DIR / "platform")]
    if len(sys.argv) > 1 and sys.argv[1] in ("up", "test", "embedded"):
        from devstack.cli import main as devstack_main

        sys.exit(devstack_main(sys.argv[1:]))
    from devstack.servers import apply_servers, command_name, var_dir

    # The servers of a running `up` unless DATABASE_URL / REDIS_URL are set; none at all: one line, exit 1.
    refusal = apply_servers(os.environ, var=var_dir(), command=command_name(sys.argv))
    if refusal is not None:
        print(refusal, file=sys.stderr)
        sys.exit(1)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocode.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
