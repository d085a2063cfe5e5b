"""Benchmark: project provisioning time (p50/p95) with 0 and with 1,000 projects present, and the cost of routing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nocode_bench .venv/bin/python bench/provisioning.py

Uses its own database (created if missing, dropped with --drop). Results are printed as Markdown for
docs/benchmarks.md.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "platform")]
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nocode_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocode.settings.local")
os.environ.setdefault("CACHE_KEY_PREFIX", "nocode-bench")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--background", type=int, default=1000)
    args = parser.parse_args()
    from benchkit import django_with_bench_owner

    user, org = django_with_bench_owner()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tenants.models import Project
    from tenants.services import api_key_create, project_create

    run = int(time.time())

    def provision(label: str, count: int) -> list[float]:
        timings = []
        for i in range(count):
            started = time.perf_counter()
            project_create(user=user, organization=org, org_role="owner", slug=f"b{run}-{label}-{i}", name="b")
            timings.append((time.perf_counter() - started) * 1000)
        return timings

    existing = Project.objects.count()
    rows = []
    rows.append((existing, provision("a", args.samples)))
    missing = args.background - Project.objects.count()
    if missing > 0:
        provision("fill", missing)
    rows.append((Project.objects.count(), provision("b", args.samples)))

    print("| projects present | samples | p50 ms | p95 ms | max ms |")
    print("|---:|---:|---:|---:|---:|")
    for present, timings in rows:
        print(
            f"| {present} | {len(timings)} | {statistics.median(timings):.1f} | {_pct(timings, 0.95):.1f} "
            f"| {max(timings):.1f} |"
        )

    # Routing: what the middleware adds to a warm request, and which statements a warm request sends.
    from django.http import HttpResponse
    from django.test import RequestFactory

    from tenants.middleware import ProjectRoutingMiddleware

    project = Project.objects.filter(slug__startswith=f"b{run}-b-").first()
    assert project is not None
    key = api_key_create(project=project, actor_role="owner", user=user, name="bench", scope="read").secret
    middleware = ProjectRoutingMiddleware(lambda request: HttpResponse())
    factory = RequestFactory()
    tenant_request = factory.get("/api/v1/", HTTP_HOST=f"{project.slug}.localhost")
    public_request = factory.get("/api/v1/", HTTP_HOST="localhost")

    def middleware_us(request: object, n: int = 5000) -> float:
        middleware(request)  # warm
        started = time.perf_counter()
        for _ in range(n):
            middleware(request)
        return (time.perf_counter() - started) / n * 1e6

    tenant_us, public_us = middleware_us(tenant_request), middleware_us(public_request)
    client = Client()
    headers = {"HTTP_HOST": f"{project.slug}.localhost", "HTTP_X_API_KEY": key}
    for _ in range(20):
        client.get("/api/v1/", **headers)
    started = time.perf_counter()
    for _ in range(1000):
        client.get("/api/v1/", **headers)
    request_us = (time.perf_counter() - started) / 1000 * 1e6
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/", **headers)
    routing = sum(
        1
        for q in queries.captured_queries
        if "tenants_domain" in q["sql"] or "tenants_apikey" in q["sql"] or "search_path" in q["sql"]
    )
    print()
    print("| routing, warm (in-process) | value |")
    print("|---|---:|")
    print(f"| routing middleware, project host (Redis GET of the cached route) | {tenant_us:.0f} µs |")
    print(f"| routing middleware, base domain (no lookup) | {public_us:.0f} µs |")
    print(f"| whole `GET /api/v1/` on a project host with an API key (Django test client) | {request_us:.0f} µs |")
    print(f"| SQL statements of that request | {len(queries.captured_queries)} |")
    print(f"| of which domain/key lookups or SET search_path | {routing} |")


if __name__ == "__main__":
    main()
