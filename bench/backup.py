"""Benchmark: backup and restore of one small project (10 tables x 10,000 rows, 20 files) while 1,000 and 10,000
other project schemas exist, against `pg_dump -n` of the same schema.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nocode_bench_backup .venv/bin/python bench/backup.py \
        --levels 1000,10000 --repeat 5

Uses its own database (created if missing). The other projects are provisioned by the template replay, as real
projects are. Each measured operation runs in a fresh child process: the figures are the operation's wall time
(after Django start-up), the child's peak RSS (ru_maxrss, includes Django and the libraries, ~60 MB) and the RSS
it added over its own baseline. Results are printed as Markdown for docs/benchmarks.md.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "platform")]
WORK = Path(tempfile.gettempdir()) / "nocode_bench_backup"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nocode_bench_backup")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocode.settings.local")
os.environ.setdefault("CACHE_KEY_PREFIX", "nocode-bench-backup")
os.environ.setdefault("DEBUG", "false")  # DEBUG keeps every query in memory
os.environ.setdefault("MEDIA_ROOT", str(WORK / "media"))
os.environ.setdefault("NOCODE_BACKUP_DIR", str(WORK / "backups"))
os.environ.setdefault("NOCODE_VAR_DIR", str(WORK / "var"))
os.environ.setdefault("LOG_LEVEL", "WARNING")

SUBJECT = "subject"
TABLES, ROWS, FILES = 10, 10_000, 20


def _ensure_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process. VmHWM starts afresh at exec, unlike ru_maxrss, which a child
    inherits from the parent it was forked from."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _child(operation: str, argument: str) -> None:
    """Run one operation in this (fresh) process and print its figures as JSON."""
    import django

    django.setup()
    from django.db import connection

    from shared_apps.backups.services import backup_restore, backup_write_to_path
    from tenants.models import Project

    connection.ensure_connection()
    project = Project.objects.get(slug=SUBJECT)
    baseline = _status_mb("VmRSS")
    started = time.perf_counter()
    if operation == "backup":
        manifest = backup_write_to_path(project=project, output=Path(argument))
        detail = manifest.summary()
    else:
        result = backup_restore(path=WORK / "subject.zip", new_slug=argument)
        detail = {"slug": result.project.slug}
    seconds = time.perf_counter() - started
    peak = _status_mb("VmHWM")
    print(json.dumps({"seconds": seconds, "baseline_mb": baseline, "peak_mb": peak, "detail": detail}))


def _run_child(operation: str, argument: str) -> dict[str, Any]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, __file__, "--child", operation, argument], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"child {operation} failed: {result.stderr[-2000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["process_seconds"] = time.perf_counter() - started
    return figures


def _pg_dump(schema: str) -> dict[str, Any]:
    from tenants.pgtools import conninfo, pg_tool_path

    # GNU time reports pg_dump's own peak RSS (wait4 from this big process would include ours, see _status_mb).
    command = [pg_tool_path("pg_dump"), "--format=custom", "-n", schema, "-f", str(WORK / "pg_dump.out")]
    started = time.perf_counter()
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command, "-d", conninfo()], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return {"seconds": seconds, "peak_mb": int(result.stderr.strip().splitlines()[-1]) / 1024}


def _subject_create(user: Any, org: Any) -> None:
    from django.conf import settings

    from shared_apps.foundation.ddl import ddl_block
    from shared_apps.foundation.schemas import in_schema
    from tenants.models import Project
    from tenants.services import project_create

    if Project.objects.filter(slug=SUBJECT).exists():
        return
    project_create(user=user, organization=org, org_role="owner", slug=SUBJECT, name="Backup subject")
    with in_schema(SUBJECT), ddl_block() as cursor:
        for t in range(TABLES):
            cursor.execute(
                f"CREATE TABLE t_bench_{t} (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, label text, "
                "amount numeric(12,2), qty integer, flag boolean, created timestamptz, meta jsonb, ref uuid)"
            )
            cursor.execute(f"CREATE INDEX t_bench_{t}_created ON t_bench_{t} (created)")
            cursor.execute(
                f"INSERT INTO t_bench_{t} (label, amount, qty, flag, created, meta, ref) "
                "SELECT md5(g::text), g * 1.25, g % 1000, g % 2 = 0, now() - g * interval '1 minute', "
                "jsonb_build_object('n', g, 'tag', 'x' || (g % 17)), md5(g::text)::uuid "
                f"FROM generate_series(1, {ROWS}) g"
            )
            cursor.execute(f"ANALYZE t_bench_{t}")
    media = Path(settings.MEDIA_ROOT) / SUBJECT / "attachments"
    media.mkdir(parents=True, exist_ok=True)
    for i in range(FILES):
        (media / f"file-{i}.bin").write_bytes(os.urandom(10_000))


def _fill(user: Any, org: Any, level: int) -> None:
    from tenants.models import Project
    from tenants.services import project_create

    present = Project.objects.filter(slug__startswith="o-").count()
    started = time.perf_counter()
    for i in range(present, level):
        project_create(user=user, organization=org, org_role="owner", slug=f"o-{i}", name="other")
        if i and i % 1000 == 0:
            print(f"  ... {i} other projects ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)


def _stats(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("OPERATION", "ARGUMENT"))
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    WORK.mkdir(parents=True, exist_ok=True)
    _ensure_database()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from shared_apps.accounts.selectors import user_get_by_email
    from shared_apps.accounts.services import user_create
    from shared_apps.organizations.models import Organization
    from shared_apps.organizations.services import organization_create
    from tenants.models import Project
    from tenants.services import project_delete

    call_command("migrate_schemas", interactive=False, verbosity=0)
    user = user_get_by_email(email="bench@example.com") or user_create(
        email="bench@example.com", password="bench-password-123"
    )
    org = Organization.objects.filter(slug="bench").first() or organization_create(user=user, slug="bench", name="B")
    _subject_create(user, org)

    results = []
    for level in [int(x) for x in args.levels.split(",")]:
        _fill(user, org, level)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_namespace")
            schemas = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM pg_class")
            classes = cursor.fetchone()[0]
        backups = [_run_child("backup", str(WORK / "subject.zip")) for _ in range(args.repeat)]
        restores = []
        for i in range(args.repeat):
            slug = f"restored-{level}-{i}"
            restores.append(_run_child("restore", slug))
            project_delete(project=Project.objects.get(slug=slug), actor_role="owner", confirm=slug)
            shutil.rmtree(Path(os.environ["MEDIA_ROOT"]) / slug.replace("-", "_"), ignore_errors=True)
        dumps = [_pg_dump(SUBJECT) for _ in range(args.repeat)]
        results.append((level, schemas, classes, backups, restores, dumps))
        print(f"level {level} done", file=sys.stderr, flush=True)

    size = (WORK / "subject.zip").stat().st_size / 1e6
    detail = results[-1][3][-1]["detail"]
    tables, rows, files = detail["tables"], detail["rows"], detail["media_files"]
    print(f"Subject: {tables} tables, {rows} rows, {files} files; archive {size:.1f} MB")
    print()
    print(
        "| other projects | schemas | pg_class rows | operation | median s | min s | max s | peak RSS MB "
        "| RSS added by the operation MB | whole process s |"
    )
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for level, schemas, classes, backups, restores, dumps in results:
        for name, runs in (("backup (`tenant_backup`)", backups), ("restore `--as`", restores)):
            print(
                f"| {level:,} | {schemas:,} | {classes:,} | {name} | {_stats([r['seconds'] for r in runs])} "
                f"| {max(r['peak_mb'] for r in runs):.0f} "
                f"| {max(r['peak_mb'] - r['baseline_mb'] for r in runs):.0f} "
                f"| {statistics.median(r['process_seconds'] for r in runs):.2f} |"
            )
        print(
            f"| {level:,} | {schemas:,} | {classes:,} | `pg_dump -Fc -n` (for comparison) "
            f"| {_stats([d['seconds'] for d in dumps])} | {max(d['peak_mb'] for d in dumps):.0f} | | "
            f"{statistics.median(d['seconds'] for d in dumps):.2f} |"
        )


if __name__ == "__main__":
    main()
