"""Prometheus metrics of web, worker and beat processes, and their exposition.

Label values are bounded: HTTP metrics are labelled by the resolved URL route pattern (`api/v1/projects/<slug:slug>/`),
never the raw path; per-project request counts by `project_label` (a fixed number of hash buckets, plus the projects
named in NOCODE["METRICS_NAMED_PROJECTS"]); Celery metrics by registered task name.
"""

import zlib

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

from . import multiproc

MULTIPROCESS = multiproc.enable()

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "<unmatched>"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "nocode_http_requests",
    "HTTP requests by host kind (platform|project), method, route pattern and status code.",
    ["host", "method", "route", "status"],
)
HTTP_ERRORS = Counter(
    "nocode_http_errors",
    "HTTP responses with a 4xx or 5xx status, by host kind, method, route pattern and status class.",
    ["host", "method", "route", "status_class"],
)
HTTP_LATENCY = Histogram(
    "nocode_http_request_duration_seconds",
    "Time from routing to response, by host kind, method and route pattern.",
    ["host", "method", "route"],
    buckets=LATENCY_BUCKETS,
)
PROJECT_REQUESTS = Counter(
    "nocode_project_requests",
    "Requests on project hosts by project label (hash bucket, or the schema of a named project).",
    ["project"],
)
TASKS_PUBLISHED = Counter("nocode_celery_tasks_published", "Celery tasks sent, by task name.", ["task"])
TASKS_FINISHED = Counter(
    "nocode_celery_tasks",
    "Celery task executions by task name and outcome (succeeded|failed|retried).",
    ["task", "outcome"],
)
TASK_DURATION = Histogram(
    "nocode_celery_task_duration_seconds", "Celery task run time, by task name.", ["task"], buckets=LATENCY_BUCKETS
)
DB_CONNECTIONS_OPENED = Counter(
    "nocode_db_connections_opened", "PostgreSQL connections opened, by process role (web|worker|beat).", ["service"]
)
DB_CONNECTIONS_OPEN = Gauge(
    "nocode_db_connections_open",
    "PostgreSQL connections currently held open, per process (label pid = process slot in multiprocess mode).",
    ["service"],
    multiprocess_mode="liveall",
)


def method_label(method: str | None) -> str:
    return method if method in METHODS else "OTHER"


def project_label(schema_name: str) -> str:
    """A bounded label for a project: its schema if named in settings, else one of N stable hash buckets.

    Bucket of a schema: `crc32(schema) % NOCODE["METRICS_PROJECT_BUCKETS"]` (see docs/observability.md).
    """
    nocode = settings.NOCODE
    if schema_name in nocode["METRICS_NAMED_PROJECTS"]:
        return schema_name
    buckets = max(1, int(nocode["METRICS_PROJECT_BUCKETS"]))
    return f"bucket-{zlib.crc32(schema_name.encode()) % buckets:03d}"


def exposition() -> tuple[bytes, str]:
    """The text exposition of every process's metrics (merged from PROMETHEUS_MULTIPROC_DIR when set)."""
    if MULTIPROCESS:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
