"""Which servers a `manage.py` command uses: the one source of truth shared by `up` and every other command.

`up` records the DATABASE_URL / REDIS_URL it runs on in `<var>/servers.json` (written atomically, mode 0600, removed
when it stops). Any other `manage.py` command takes each of the two URLs that is unset in its environment from that
file, provided the `up` that wrote it is still running. With neither an environment URL nor a running `up`, a command
that needs a database stops with one line saying what to do: it never falls back to a server on 127.0.0.1:5432.

Only the standard library is imported at module level (manage.py imports this before Django).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import string
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

STATE_FILE = "servers.json"
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name
STAFF_PASSWORD_FILE = "staff_password"  # noqa: S105 - a file name
SECRET_ALPHABET = string.ascii_letters + string.digits
URL_NAMES = ("DATABASE_URL", "REDIS_URL")
# Management commands that never open a database connection: they run without any server.
NO_DATABASE_COMMANDS = frozenset(
    {
        "help",
        "version",
        "--help",
        "-h",
        "--version",
        "check",
        "collectstatic",
        "findstatic",
        "diffsettings",
        "makemigrations",
        "startapp",
        "startproject",
        "makemessages",
        "compilemessages",
        "spectacular",
        "error_catalogue",
    }
)
NO_SERVERS_MESSAGE = (
    "manage.py {command}: no database: start `python3 manage.py up` (in another terminal) or set DATABASE_URL."
)


def var_dir() -> Path:
    """Where local data lives: NOCODE_VAR_DIR, default `<repo>/.var`."""
    return Path(os.environ.get("NOCODE_VAR_DIR") or Path(__file__).resolve().parents[2] / ".var").resolve()


def _process_started(pid: int) -> float | None:
    """Start time of a live (non-zombie) process, None when there is none with this pid."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil is locked in every environment that runs `up`
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):
            return None
        return 0.0
    try:
        process = psutil.Process(pid)
        return None if process.status() == psutil.STATUS_ZOMBIE else float(process.create_time())
    except psutil.Error:
        return None


def servers_write(var: Path, *, database_url: str, redis_url: str, pid: int | None = None) -> Path:
    """Record the servers of the running `up` (process `pid`, default this one); atomic, readable by the owner only."""
    pid = os.getpid() if pid is None else pid
    state = {
        "pid": pid,
        "started": _process_started(pid),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
    }
    var.mkdir(parents=True, exist_ok=True)
    path = var / STATE_FILE
    temporary = var / f".{STATE_FILE}.{os.getpid()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(state, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return path


def servers_remove(var: Path, *, pid: int | None = None) -> None:
    """Forget the recorded servers, if they were recorded by process `pid` (default this one)."""
    pid = os.getpid() if pid is None else pid
    path = var / STATE_FILE
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text()).get("pid") == pid:
            path.unlink()


def servers_read(var: Path) -> dict[str, str] | None:
    """{"DATABASE_URL": ..., "REDIS_URL": ...} of the `up` running on `var`; None when none runs there (no file, an
    unreadable one, or one left by an `up` that died: its pid is gone or now belongs to another process)."""
    try:
        state: dict[str, Any] = json.loads((var / STATE_FILE).read_text())
        pid = int(state["pid"])
        urls = {name: str(state[name]) for name in URL_NAMES}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    started = _process_started(pid)
    if started is None or (state.get("started") is not None and abs(started - float(state["started"])) > 1.0):
        return None
    return urls


def command_name(argv: list[str]) -> str | None:
    """The management command of `manage.py` argv (None for bare `manage.py`)."""
    return argv[1] if len(argv) > 1 else None


def apply_servers(environ: MutableMapping[str, str], *, var: Path, command: str | None) -> str | None:
    """Fill the unset DATABASE_URL / REDIS_URL of `environ` from the running `up`.

    Returns the one-line error to print (and exit non-zero) when the command needs a database and none is known.
    """
    missing = [name for name in URL_NAMES if not environ.get(name)]
    if not missing:
        return None
    recorded = servers_read(var)
    if recorded is not None:
        for name in missing:
            environ[name] = recorded[name]
        return None
    if "DATABASE_URL" in missing and command is not None and command not in NO_DATABASE_COMMANDS:
        return NO_SERVERS_MESSAGE.format(command=command)
    return None


def ensure_secret(var: Path, name: str, *, length: int) -> Path:
    """`<var>/<name>`: a random secret of letters and digits (easy to copy from a terminal), generated once per data
    folder, readable by the owner only (0600).

    `up` keeps the SECRET_KEY (SECRET_KEY_FILE, read by the local settings) and the staff password this way."""
    var.mkdir(parents=True, exist_ok=True)
    path = var / name
    if not path.exists():
        temporary = var / f".{name}.{os.getpid()}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write("".join(secrets.choice(SECRET_ALPHABET) for _ in range(length)))
        with contextlib.suppress(FileExistsError):  # another process created it first: keep theirs
            os.link(temporary, path)
        os.unlink(temporary)
    return path
