"""prometheus-client multiprocess mode (PROMETHEUS_MULTIPROC_DIR) with a bounded number of files.

The client writes one set of mmap files per process identifier. With the default identifier (the pid), every
recycled gunicorn worker (`--max-requests`) and every replaced Celery child leaves new files behind and scrapes get
slower for ever. Here a process takes the lowest free *slot* instead: an exclusive `flock` on
`<dir>/slot-<service>-<host>-<n>.lock`, released by the kernel when the process dies, and the successor reuses the
files (counters continue from the dead process's totals, so they stay monotonic). The identifier
`<service>-<host>-<n>` has no underscore (the collector splits file names on `_`) and includes the host name, so
containers may share one directory. The lock file holds the pid, so gunicorn's `child_exit` can map a dead pid to
its slot (`slot_of_pid`) and drop its live gauges.
"""

import atexit
import fcntl
import os
import re
import socket
from pathlib import Path

from prometheus_client import values

from .logs import service_name

ENV = "PROMETHEUS_MULTIPROC_DIR"
_state: dict[str, object] = {"pid": None, "ident": None, "fd": None}


def directory() -> Path | None:
    value = os.environ.get(ENV)
    return Path(value) if value else None


def _clean(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "-", text)[:40] or "x"


def _acquire_slot(path: Path) -> str:
    prefix = f"{_clean(service_name())}-{_clean(socket.gethostname())}"
    for slot in range(100_000):
        lock_path = path / f"slot-{prefix}-{slot}.lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        inherited = _state["fd"]
        if isinstance(inherited, int):  # the parent's lock, inherited through fork: not ours to keep
            os.close(inherited)
        _state["fd"] = fd
        return f"{prefix}-{slot}"
    raise RuntimeError(f"no free metrics slot in {path}")


def process_identifier() -> str:
    """This process's slot identifier (taken on first use, again after a fork). Called on every metric update."""
    pid = os.getpid()
    if _state["pid"] != pid:
        path = directory()
        assert path is not None
        _state["ident"] = _acquire_slot(path)
        _state["pid"] = pid
    return str(_state["ident"])


def slot_of_pid(pid: int) -> str | None:
    """The slot identifier a (possibly dead) process held, from the pid written into its lock file."""
    path = directory()
    if path is None:
        return None
    for lock in path.glob("slot-*.lock"):
        try:
            if lock.read_text().strip() == str(pid):
                return lock.name[len("slot-") : -len(".lock")]
        except OSError:
            continue
    return None


def _mark_dead_at_exit() -> None:
    """On a normal exit, drop this process's live gauges (pool processes that `os._exit` use a Celery signal)."""
    if _state["pid"] == os.getpid():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(str(_state["ident"]))


def enable() -> bool:
    """Switch prometheus-client to slot-named mmap files when PROMETHEUS_MULTIPROC_DIR is set. Must run before any
    metric is created (metrics.py calls it at import)."""
    path = directory()
    if path is None:
        return False
    path.mkdir(parents=True, exist_ok=True)
    values.ValueClass = values.MultiProcessValue(process_identifier=process_identifier)
    atexit.register(_mark_dead_at_exit)
    return True
