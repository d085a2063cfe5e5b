"""Benchmark: enqueue one per-project job for 10,000 ready projects (target ≤ 1 s).

    .venv/bin/python bench/fanout.py [--projects 10000]

Uses its own database (nocode_bench_fanout) and Redis database 14. Creates the project rows directly (the fan-out
only reads `schema_name` and `status`; schemas are not needed to enqueue), starts a real Celery worker with two
processes on the `fanout` queue, then times `fanout_start` -> the last per-project message in the `default` queue.
Also times a single process publishing all messages itself, for comparison.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "platform")]
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nocode_bench_fanout")
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ.update(
    DATABASE_URL=DB_URL,
    CELERY_BROKER_URL=BROKER,
    CELERY_RESULT_BACKEND=BROKER,
    DJANGO_SETTINGS_MODULE="nocode.settings.local",
    CACHE_KEY_PREFIX="nocode-bench-fanout",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--not-ready", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import psycopg

    base, name = DB_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    import django

    django.setup()
    import redis
    from django.core.management import call_command

    from nocode.celery import app
    from shared_apps.accounts.services import user_create
    from shared_apps.organizations.services import organization_create
    from tenants.fanout import fanout_publish
    from tenants.models import FanoutRun, Project
    from tenants.tasks import fanout_start

    call_command("migrate_schemas", interactive=False, verbosity=0)
    user = user_create(email="bench@example.com", password="bench-password-123")
    org = organization_create(user=user, slug="bench", name="bench")
    total = args.projects + args.not_ready
    Project.objects.bulk_create(
        [
            Project(
                slug=f"p{i}",
                schema_name=f"p{i}",
                name="p",
                organization=org,
                status="ready" if i < args.projects else "suspended",
            )
            for i in range(total)
        ],
        batch_size=2000,
    )
    queue = redis.Redis.from_url(BROKER)
    queue.flushdb()

    ready = list(Project.objects.filter(status="ready").values_list("schema_name", flat=True))
    started = time.perf_counter()
    fanout_publish(task_name="operations.project_analytics_update", schemas=ready)
    single = time.perf_counter() - started
    assert queue.llen("default") == args.projects
    queue.flushdb()

    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'platform'}"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "--workdir", str(REPO / "platform"), "-A", "nocode", "worker",
         "-Q", "fanout", "-c", "2", "--without-mingle", "--without-gossip", "-l", "warning"],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=1.0):
            if time.monotonic() > deadline:
                raise RuntimeError("worker did not start")
        timings: list[float] = []
        firsts: list[float] = []
        for run in range(args.runs):
            FanoutRun.objects.all().delete()
            queue.delete("default")
            started = time.perf_counter()
            first = None
            fanout_start.apply_async(args=("project_analytics_update",), kwargs={"window_minutes": 1})
            while (queued := queue.llen("default")) < args.projects:
                if queued and first is None:
                    first = time.perf_counter() - started
                if time.perf_counter() - started > 60:
                    raise RuntimeError(f"only {queue.llen('default')} messages after 60 s")
                time.sleep(0.005)
            timings.append(time.perf_counter() - started)
            firsts.append(first or 0.0)
            time.sleep(0.5)
            assert queue.llen("default") == args.projects, f"run {run}: duplicates"
    finally:
        worker.terminate()
        worker.wait(30)
        queue.flushdb()

    timings.sort()
    print(f"| ready projects | {args.projects} (+{args.not_ready} not ready, skipped) |")
    print("|---|---:|")
    median = timings[len(timings) // 2]
    print(f"| beat task -> all messages queued, 2 worker processes, median of {args.runs} | {median:.2f} s |")
    print(f"| best / worst | {timings[0]:.2f} s / {timings[-1]:.2f} s |")
    print(f"| first per-project message queued after (median) | {sorted(firsts)[len(firsts) // 2]:.2f} s |")
    print(f"| one process publishing all messages itself (batched) | {single:.2f} s |")


if __name__ == "__main__":
    main()
