"""A real Celery worker (prefork, 2 processes) against the test database and the test broker.

Eager mode hides headers, serialization and retries, so these tests publish real messages. They need committed
data: use `transactional_db`.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from devstack.embedded import database_url_from_settings
from nocode.celery import app as celery_app

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[subprocess.Popen[bytes]]:
    """Start a worker on the test database; make this process publish for real (not eagerly)."""
    broker = settings.CELERY_BROKER_URL
    with celery_app.connection_for_write() as conn:  # drop leftovers of earlier runs
        for queue in ("default", "fanout"):
            conn.default_channel.queue_purge(queue)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "nocode.settings.test",
        "DATABASE_URL": database_url_from_settings(connection.settings_dict),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "TEST_CELERY_BROKER_URL": broker,
        "NOCODE_TEST_BROKER_PREFIX": settings.BROKER_KEY_PREFIX,
        "NOCODE_TASK_RETRY_BASE_SECONDS": "1",
        "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'platform'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "--workdir", str(REPO / "platform"), "-A", "nocode", "worker",
         "-Q", "default,fanout", "-c", "2", "-P", "prefork", "--without-mingle", "--without-gossip",
         "--without-heartbeat", "-I", "tests.worker.worker_probe", "-l", "warning"],
        env=env, cwd=REPO,
    )  # fmt: skip
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        _wait_for_worker(process)
        yield process
    finally:
        celery_app.conf.task_always_eager = eager
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_worker(process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"worker exited with {process.returncode}")
        replies = celery_app.control.ping(timeout=1.0)
        if replies:
            return
    raise RuntimeError("worker did not answer a ping in time")


def wait_until(predicate: Any, timeout: float = 30, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
