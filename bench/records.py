"""Benchmark: records API throughput through a production server, and the same queries through psycopg alone.

    .venv/bin/python bench/records.py                      # gunicorn and granian, then the psycopg floor
    .venv/bin/python bench/records.py --servers gunicorn --duration 15 --warmup 5
    .venv/bin/python bench/records.py --servers gunicorn-w3,gunicorn-gthread --no-floor   # variants tried

Servers: `gunicorn` (production: sync workers, -w 2), `granian`, and the variants measured while choosing:
`gunicorn-w3` (3 sync workers), `gunicorn-gthread` / `gunicorn-gthread2` (gthread, 1 or 2 threads, keep-alive 5 s).
Set BENCH_LOG_LEVEL=WARNING to measure without the access log.

What it does (one command, nothing to prepare):
1. Creates its own database (`nocode_bench_records`, dropped and re-created) and Redis database 13, migrates, and
   makes a project `bench` with table `items` (title text, price decimal(10,2), qty integer, active boolean, created
   datetime) holding 10,000 rows (row i: title `item-i`, price ((i*37) mod 10000)/100, qty i mod 100, active when i is
   even), inserted in bulk through the records service, and a read-write API key.
2. Starts the server as in production: `python -m gunicorn --chdir platform nocode.wsgi:application -w 2` (and
   `granian --interface wsgi --workers 2 --blocking-threads 2`), settings `nocode.settings.production`, DEBUG off,
   JSON access log lines written to a file, rate limits on but high enough never to refuse a request.
3. Runs wrk (installed with apt-get when missing) with -t2 -c32 through the project host (`Host: bench.localhost`,
   `X-Api-Key`): 5 s warm-up, then 15 s measured with --latency, for (a) list 50 sorted by id, (b) filter price > 50
   and active, 50 sorted by id, (c) get one by id cycling over 1,000 ids, (d) create one. Reports req/s, p50, p99,
   non-2xx answers, the summed RSS of the server's workers (largest sample during the run, psutil) and the CPU
   time per answered request of the server, PostgreSQL, Redis and wrk (psutil, over the measured run).
4. Serves the same four statements from a plain WSGI function over psycopg (no Django) with the same server and wrk:
   the floor.
Prints Markdown tables for docs/benchmarks.md.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "platform")]
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nocode_bench_records")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
HOST = "bench.localhost"
ROWS = 10_000
FILTER = {"and": [{"field": "price", "op": "gt", "value": 50}, {"field": "active", "op": "eq", "value": True}]}
SCENARIOS = {
    "a": ("list 50 sorted by id", "/api/v1/tables/items/records/?sort=id&page_size=50"),
    "b": (
        "filter price > 50 and active, 50 sorted by id",
        "/api/v1/tables/items/records/?sort=id&page_size=50&filter=" + urllib.parse.quote(json.dumps(FILTER)),
    ),
    "c": ("get one by id (1,000 ids)", "/api/v1/tables/items/records/{id}/"),
    "d": ("create one", "/api/v1/tables/items/records/"),
}
CREATE_BODY = {"title": "new item", "price": "12.34", "qty": 5, "active": True, "created": "2026-01-01T00:00:00Z"}


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": f"{REPO}:{REPO / 'platform'}:{REPO / 'bench'}",
            "DJANGO_SETTINGS_MODULE": "nocode.settings.production",
            "SECRET_KEY": "bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            "SECURE_SSL_REDIRECT": "False",
            "DEBUG": "False",
            "DATABASE_URL": DB_URL,
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": "nocode-bench-records",
            "BASE_DOMAIN": "localhost",
            "ALLOWED_HOSTS": "localhost,127.0.0.1,.localhost",
            "NOCODE_RATE_LIMIT_PROJECT": "100000000",
            "NOCODE_RATE_LIMIT_API_KEY": "100000000",
            "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "INFO"),
        }
    )
    return env


# --- setup ----------------------------------------------------------------------------------------------------


def setup() -> str:
    """Fresh database and project; returns the API key."""
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    with psycopg.connect(DB_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(server_env())
    import django

    django.setup()
    from django.core.cache import caches
    from django.core.management import call_command

    from shared_apps.accounts.services import user_create
    from shared_apps.foundation.db.schemas import activate
    from shared_apps.organizations.services import organization_create
    from tenant_apps.data_schemas import services as schema_services
    from tenant_apps.data_schemas.definitions import schema_definitions
    from tenant_apps.records.services import records_create
    from tenants.services import api_key_create, project_create

    for alias in ("default", "platform"):
        caches[alias].clear()
    call_command("migrate_schemas", interactive=False, verbosity=0)
    user = user_create(email="bench@example.com", password="bench-password-123")
    org = organization_create(user=user, slug="bench-org", name="Bench")
    project = project_create(user=user, organization=org, org_role="owner", slug="bench", name="Bench")
    activate(project)
    spec = schema_services.FieldSpec
    schema_services.table_create(
        name="items",
        fields=[
            spec(name="title", type="text", options={}),
            spec(name="price", type="decimal", options={"precision": 10, "scale": 2}),
            spec(name="qty", type="integer", options={}),
            spec(name="active", type="boolean", options={}),
            spec(name="created", type="datetime", options={}),
        ],
    )
    defs = schema_definitions()
    table = defs.table("items")
    for start in range(1, ROWS + 1, 1000):
        rows = [
            {
                "title": f"item-{i}",
                "price": f"{((i * 37) % 10000) / 100:.2f}",
                "qty": i % 100,
                "active": i % 2 == 0,
                "created": f"2026-01-01T00:00:{i % 60:02d}Z",
            }
            for i in range(start, min(start + 1000, ROWS + 1))
        ]
        records_create(defs=defs, table=table, rows=rows, bulk=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE t_items")
    activate(None)
    key = api_key_create(project=project, actor_role="owner", user=user, name="bench", scope="read-write").secret
    return key


# --- servers --------------------------------------------------------------------------------------------------


def server_command(kind: str, port: int, app: str) -> list[str]:
    if kind.startswith("gunicorn"):
        extra = {
            "gunicorn": [],
            "gunicorn-gthread": ["-k", "gthread", "--threads", "1", "--keep-alive", "5"],
            "gunicorn-gthread2": ["-k", "gthread", "--threads", "2", "--keep-alive", "5"],
            "gunicorn-w3": ["-w", "3"],
        }[kind]
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--chdir",
            str(REPO / "platform"),
            app,
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            *extra,
        ]
    if kind == "granian":
        return [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--blocking-threads",
            "2",
            "--no-access-log",
            "--log-level",
            "warning",
            app,
        ]
    raise ValueError(kind)


def start_server(kind: str, port: int, app: str, log_path: Path) -> subprocess.Popen[bytes]:
    log = log_path.open("wb")
    process = subprocess.Popen(
        server_command(kind, port, app),
        cwd=str(REPO / "platform"),
        env=server_env(),
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            health = f"http://127.0.0.1:{port}/api/v1/foundation/health/"
            request = urllib.request.Request(health, headers={"Host": HOST})
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                if response.status in (200, 401, 403, 404, 503):
                    return process
        except urllib.error.HTTPError:
            return process
        except OSError:
            time.sleep(0.3)
    stop_server(process)
    raise RuntimeError(f"{kind} did not start; see {log_path}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def workers_rss_mb(process: subprocess.Popen[bytes]) -> float:
    """Summed RSS of the server's worker processes (granian: every process below the master)."""
    import psutil

    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return 0.0
    total = 0
    for child in children:
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 1024 / 1024


# --- wrk ------------------------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def lua_script(scenario: str, key: str, directory: Path) -> Path:
    headers = f'wrk.headers["Host"] = "{HOST}"\nwrk.headers["X-Api-Key"] = "{key}"\n'
    if scenario == "c":
        body = headers + (
            "local counter = 0\n"
            "request = function()\n"
            "  counter = counter % 1000 + 1\n"
            '  return wrk.format("GET", "/api/v1/tables/items/records/" .. counter .. "/")\n'
            "end\n"
        )
    elif scenario == "d":
        body = headers + (
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = '{json.dumps(CREATE_BODY)}'\n"
        )
    else:
        body = headers
    path = directory / f"{scenario}.lua"
    path.write_text(body)
    return path


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(wrk: str, url: str, script: Path, seconds: int) -> dict[str, Any]:
    output = subprocess.run(
        [wrk, "-t2", "-c32", f"-d{seconds}s", "--latency", "-s", str(script), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.MULTILINE))
    parsed = {}
    for pct, text in latency.items():
        number, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
        parsed[pct] = _ms(number, unit)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    return {
        "rps": rps,
        "p50": parsed.get("50", 0.0),
        "p99": parsed.get("99", 0.0),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
        "raw": output,
    }


def sample_rss(process: subprocess.Popen[bytes], samples: list[float], done: threading.Event) -> None:
    while not done.is_set():
        samples.append(workers_rss_mb(process))
        done.wait(1.0)


def cpu_seconds(server: subprocess.Popen[bytes]) -> dict[int, tuple[str, float]]:
    """{pid: (group, CPU seconds used so far)} of the server's processes, PostgreSQL's, Redis' and wrk's."""
    import psutil

    try:
        server_pids = {server.pid} | {c.pid for c in psutil.Process(server.pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        server_pids = set()
    found: dict[int, tuple[str, float]] = {}
    for proc in psutil.process_iter(["name"]):
        name = proc.info["name"] or ""
        if proc.pid in server_pids:
            group = "server"
        elif name.startswith(("postgres", "redis")) or name == "wrk":
            group = "wrk" if name == "wrk" else name.split("-")[0].split(":")[0]
        else:
            continue
        try:
            times = proc.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        found[proc.pid] = (group, times.user + times.system)
    return found


def cpu_delta(first: dict[int, tuple[str, float]], last: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds per group between two readings; a process that exited in between is left out (its time is gone
    from the second reading), one that started in between counts from zero."""
    groups = {"server": 0.0, "postgres": 0.0, "redis": 0.0, "wrk": 0.0}
    for pid, (group, seconds) in last.items():
        before = first.get(pid, (group, 0.0))[1]
        groups[group if group in groups else "postgres"] += max(0.0, seconds - before)
    return groups


CpuReading = tuple[float, dict[int, tuple[str, float]]]


def sample_cpu(server: subprocess.Popen[bytes], samples: list[CpuReading], done: threading.Event) -> None:
    """(time, CPU reading) twice a second while wrk runs (wrk's own time is gone once it exits)."""
    while not done.is_set():
        samples.append((time.perf_counter(), cpu_seconds(server)))
        done.wait(0.5)


def measure(
    wrk: str, process: subprocess.Popen[bytes], port: int, scripts: dict[str, Path], args: Any
) -> dict[str, Any]:
    results = {}
    for scenario in args.scenarios:
        path = SCENARIOS[scenario][1]
        url = f"http://127.0.0.1:{port}{path if scenario != 'c' else '/'}"
        run_wrk(wrk, url, scripts[scenario], args.warmup)
        samples: list[float] = []
        cpu_samples: list[CpuReading] = []
        done = threading.Event()

        sampler = threading.Thread(target=sample_rss, args=(process, samples, done), daemon=True)
        cpu_sampler = threading.Thread(target=sample_cpu, args=(process, cpu_samples, done), daemon=True)
        sampler.start()
        cpu_sampler.start()
        result = run_wrk(wrk, url, scripts[scenario], args.duration)
        done.set()
        sampler.join()
        cpu_sampler.join()
        result["rss"] = max(samples) if samples else 0.0
        # CPU per answered request between the first and the last reading taken while wrk ran.
        (t0, first), (t1, last) = cpu_samples[0], cpu_samples[-1]
        answered = result["rps"] * (t1 - t0) or 1.0
        result["cpu_us"] = {k: seconds * 1e6 / answered for k, seconds in cpu_delta(first, last).items()}
        results[scenario] = result
        cpu = " ".join(f"{k} {v:.0f}" for k, v in result["cpu_us"].items())
        print(
            f"  ({scenario}) {result['rps']:.0f} req/s p50 {result['p50']:.2f} ms p99 {result['p99']:.2f} ms "
            f"rss {result['rss']:.0f} MB non-2xx {result['non_2xx']} {result['socket_errors']} | CPU µs/req: {cpu}",
            flush=True,
        )
    return results


def table(label: str, results: dict[str, dict[str, Any]]) -> None:
    targets = {"a": 1500, "b": 1300, "c": 2000, "d": 1200}
    print(f"\n{label}\n")
    print(
        "| scenario | req/s | target | p50 ms | p99 ms | workers' RSS MB | non-2xx | CPU µs/req server/pg/redis/wrk |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for scenario, result in results.items():
        cpu = " / ".join(f"{result['cpu_us'].get(k, 0):.0f}" for k in ("server", "postgres", "redis", "wrk"))
        print(
            f"| ({scenario}) {SCENARIOS[scenario][0]} | {result['rps']:,.0f} | ≥ {targets[scenario]:,} | "
            f"{result['p50']:.2f} | {result['p99']:.2f} | {result['rss']:.0f} | {result['non_2xx']} | {cpu} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", default="gunicorn,granian")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--scenarios", default="abcd")
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--port", type=int, default=8731)
    args = parser.parse_args()
    wrk = ensure_wrk()
    print("Setting up the database and 10,000 rows ...", flush=True)
    started = time.perf_counter()
    key = setup()
    print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    directory = Path(tempfile.mkdtemp(prefix="bench-records-"))
    scripts = {s: lua_script(s, key, directory) for s in args.scenarios}
    all_results = {}
    for kind in [s for s in args.servers.split(",") if s]:
        print(f"\n{kind}: Django (nocode.settings.production), 2 workers", flush=True)
        process = start_server(kind, args.port, "nocode.wsgi:application", directory / f"{kind}.log")
        try:
            all_results[kind] = measure(wrk, process, args.port, scripts, args)
        finally:
            stop_server(process)
    if not args.no_floor:
        for kind in [s for s in args.servers.split(",") if s]:
            print(f"\n{kind}: plain WSGI + psycopg (the floor), 2 workers", flush=True)
            process = start_server(kind, args.port, "records_floor:application", directory / f"floor-{kind}.log")
            try:
                all_results[f"floor-{kind}"] = measure(wrk, process, args.port, scripts, args)
            finally:
                stop_server(process)
    for label, results in all_results.items():
        table(label, results)
    print(f"\nServer logs and wrk scripts: {directory}")


if __name__ == "__main__":
    main()
