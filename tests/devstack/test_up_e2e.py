"""End to end: `manage.py up` on this machine's servers serves the platform and the demo project, and Ctrl-C stops
everything it started."""

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import pytest

from devstack.embedded import database_url_with_name, drop_database, pid_alive, port_is_free

REPO = Path(__file__).resolve().parents[2]
PORT = 18765
HEALTH = "/api/v1/foundation/health/"
E2E_REDIS_DB = 15  # keeps the stack's Celery queues and keys away from other users of the same Redis


def _status(host: str) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
    try:
        conn.request("GET", HEALTH, headers={"Host": host})
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def _redis_url_with_db(url: str, db: int) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{db}"))


@pytest.mark.slow
def test_up_serves_platform_and_demo_then_stops_on_sigint(tmp_path: Path) -> None:
    database_url = database_url_with_name(
        os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/nocode", f"nocode_e2e_{os.getpid()}"
    )
    redis_url = _redis_url_with_db(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0", E2E_REDIS_DB)
    assert port_is_free(PORT), f"port {PORT} is busy"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PORT": str(PORT),
        "NOCODE_VAR_DIR": str(tmp_path / "var"),
        "CACHE_KEY_PREFIX": f"nocode-e2e-{os.getpid()}",
    }
    log_path = tmp_path / "up.log"
    children: set[int] = set()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, str(REPO / "manage.py"), "up"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
        )

        def tail() -> str:
            return "\n--- manage.py up output ---\n" + log_path.read_text(errors="replace")[-6000:]

        try:
            deadline = time.monotonic() + 90
            while _status("localhost") != 200:
                assert proc.poll() is None, f"up exited with {proc.returncode}" + tail()
                assert time.monotonic() < deadline, "health never answered 200" + tail()
                time.sleep(0.5)
            assert _status("demo.localhost") == 200, tail()

            processes = psutil.Process(proc.pid).children(recursive=True)
            children = {p.pid for p in processes}
            cmdlines = [" ".join(p.cmdline()) for p in processes]
            for role in ("gunicorn", "worker", "beat"):
                assert any(role in cmd for cmd in cmdlines), f"no {role} process among {cmdlines}"

            proc.send_signal(signal.SIGINT)
            assert proc.wait(30) == 0, tail()
            deadline = time.monotonic() + 5
            while (alive := [pid for pid in children if pid_alive(pid)]) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not alive, f"still running after up exited: {alive}" + tail()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for pid in children:
                if pid_alive(pid):
                    os.kill(pid, signal.SIGKILL)
            drop_database(database_url)
