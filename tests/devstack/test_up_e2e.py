"""End to end: `manage.py up` on this machine's servers serves the platform and the demo project (static files
included), every other `manage.py` command run meanwhile acts on its database, the README's "Try it" works pasted
as written, and Ctrl-C stops everything it started."""

import http.client
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import pytest

from devstack.embedded import database_url_with_name, drop_database
from devstack.processes import pid_alive, port_is_free
from devstack.servers import STAFF_PASSWORD_FILE, STATE_FILE

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


def _request(method: str, path: str, host: str, body: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    try:
        headers = {"Host": host, "Content-Type": "application/json"}
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def readme_try_it_blocks() -> list[str]:
    """The shell blocks of README.md's "Try it" section, on the test's port."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Try it") : readme.index("\n## ", readme.index("## Try it") + 1)]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.S)
    assert len(blocks) == 2, "README's Try it: the curl block and the Python block"
    return [block.replace("8000", str(PORT)) for block in blocks]


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
            var = tmp_path / "var"
            assert (var / STATE_FILE).is_file()
            for secret in ("secret_key", STAFF_PASSWORD_FILE):
                assert stat.S_IMODE((var / secret).stat().st_mode) == 0o600
            staff_password = (var / STAFF_PASSWORD_FILE).read_text().strip()
            assert f"staff@example.com / {staff_password}" in log_path.read_text()

            # Static files (console styles, Swagger UI assets) are served by the web process, on both hosts.
            for host in ("localhost", "demo.localhost"):
                assert _request("GET", "/static/admin/css/base.css", host)[0] == 200, tail()
            docs = _request("GET", "/api/v1/docs/", "demo.localhost")[1].decode()
            assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs
            assert _request("GET", "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js", "localhost")[
                0
            ] == 200  # fmt: skip

            # A command run next to `up` (no DATABASE_URL / REDIS_URL) acts on up's database: it sees a row only
            # that database holds.
            email = f"next-to-up-{uuid.uuid4().hex[:12]}@example.com"
            status, body = _request(
                "POST", "/api/v1/auth/register/", "localhost", {"email": email, "password": "correct-horse-battery-9"}
            )
            assert status == 201, body
            bare = {k: v for k, v in env.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
            code = f"from shared_apps.accounts.models import User; print(User.objects.filter(email='{email}').count())"
            shell = subprocess.run(
                [sys.executable, str(REPO / "manage.py"), "shell", "-c", code],
                cwd=REPO, env=bare, capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            assert shell.returncode == 0, shell.stderr
            assert shell.stdout.strip().splitlines()[-1] == "1"
            staff = subprocess.run(
                [sys.executable, str(REPO / "manage.py"), "shell", "-c",
                 "from shared_apps.accounts.models import User; u = User.objects.get(email='staff@example.com'); "
                 f"print(u.is_staff, u.is_superuser, u.check_password('{staff_password}'))"],
                cwd=REPO, env=bare, capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            assert staff.stdout.strip().splitlines()[-1] == "True True True", staff.stderr

            # README "Try it", pasted as written (on this test's port).
            curl_block, python_block = readme_try_it_blocks()
            tried = subprocess.run(
                ["bash", "-e", "-o", "pipefail", "-c", curl_block],
                cwd=REPO, env=bare, capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            assert tried.returncode == 0, tried.stdout + tried.stderr
            assert '"role":"owner"' in tried.stdout
            assert f'"url":"http://demo.localhost:{PORT}/api/v1/"' in tried.stdout
            assert '"title":"hello"' in tried.stdout
            assert '"error"' not in tried.stdout
            tried = subprocess.run(
                ["bash", "-e", "-c", python_block],
                cwd=REPO, env=bare, capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            assert tried.returncode == 0, tried.stdout + tried.stderr
            assert "'slug': 'demo'" in tried.stdout
            assert "'role': 'owner'" in tried.stdout

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
            assert not (var / STATE_FILE).exists(), "up left its servers file behind"
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for pid in children:
                if pid_alive(pid):
                    os.kill(pid, signal.SIGKILL)
            drop_database(database_url)
