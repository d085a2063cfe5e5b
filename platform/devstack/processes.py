"""Child processes of `up`, `test` and the fault stack: free ports, pids, spawning (dying with their parent on
Linux) and stopping process groups."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when a server could listen on host:port now (same SO_REUSEADDR semantics as gunicorn and Redis)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (chosen by the kernel)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_port_free(port: int, host: str = "127.0.0.1", timeout: float = 10.0) -> bool:
    """Wait (e.g. for a previous run still shutting down) until the port can be bound."""
    deadline = time.monotonic() + timeout
    while not port_is_free(port, host):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def port_accepts(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    """True when the process exists and is not a zombie."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


# --- child processes ----------------------------------------------------------------------------------------------
def _parent_death_hook() -> Callable[[], None] | None:
    """preexec_fn asking Linux to SIGTERM the child when this process dies; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def hook() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the supervisor died before prctl took effect
            os._exit(1)

    return hook


def spawn(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    own_session: bool = True,
    **kwargs: Any,
) -> subprocess.Popen[bytes]:
    """Start a child that dies with this process; in its own session unless own_session=False."""
    return subprocess.Popen(
        list(argv),
        env=dict(env) if env is not None else None,
        cwd=cwd,
        start_new_session=own_session,
        preexec_fn=_parent_death_hook(),  # the supervisor is single-threaded
        **kwargs,
    )


def stop_processes(
    procs: Sequence[subprocess.Popen[bytes]], sig: int = signal.SIGTERM, timeout: float = 20.0, *, groups: bool = True
) -> None:
    """Signal each process, wait, then SIGKILL whatever is left (of its whole process group when `groups`: the
    processes were spawned in their own session)."""
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)
    deadline = time.monotonic() + timeout
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(max(0.0, deadline - time.monotonic()))
    for proc in procs:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if groups:
                os.killpg(proc.pid, signal.SIGKILL)  # stragglers: the leader, gunicorn workers, celery pool processes
            elif proc.poll() is None:
                proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)
