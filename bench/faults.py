"""Benchmark: faults under load. The stack (devstack.faultstack: its own embedded PostgreSQL, a Redis without
persistence, gunicorn with 2 workers, a Celery worker) serves a bounded read/write load on loopback while
PostgreSQL, then Redis, then the worker are stopped and started.

    .venv/bin/python bench/faults.py [--rate 40] [--outage 8] [--json out.json]

Reported: per second, the status codes answered (and how many were not JSON); for each outage the time from the
stop to the first 503 and from the restart to full recovery (the first moment after which every answer is a
success); accepted vs present work: every 201 record must be there exactly once, every accepted import must finish
with all its rows once, every webhook delivery of an accepted record must reach the receiver (same delivery id on a
resend). Jobs left behind by a lost message or a killed worker are finished by the lease sweeper, sent here every 2 s
after the last fault as beat would (every 2 minutes). Prints Markdown for docs/benchmarks.md.
"""

import argparse
import csv
import io
import json
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "platform")]

from devstack.faultstack import FaultStack, Project, Receiver  # noqa: E402

ITEMS = "/api/v1/tables/items/records/"


@dataclass
class Sample:
    sent: float
    done: float
    kind: str
    status: int  # 0: no answer (connection error / timeout)
    json: bool
    title: str = ""


class Load:
    """`threads` clients, together about `rate` requests per second: half reads (list, detail), half writes."""

    def __init__(self, project: Project, *, rate: float, threads: int = 4) -> None:
        self.project = project
        self.interval = threads / rate
        self.threads = threads
        self.samples: list[Sample] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        self.seq = 0

    def _title(self) -> str:
        with self.lock:
            self.seq += 1
            return f"w-{self.seq:06d}"

    def _one(self, kind: str) -> Sample:
        sent = time.monotonic() - self.t0
        title = ""
        try:
            if kind == "write":
                title = self._title()
                answer = self.project.call("POST", ITEMS, {"title": title, "n": 1}, timeout=10)
            elif kind == "list":
                answer = self.project.call("GET", f"{ITEMS}?page_size=20", timeout=10)
            else:
                answer = self.project.call("GET", f"{ITEMS}1/", timeout=10)
            status, is_json = answer.status, answer.is_json
        except OSError:
            status, is_json = 0, False
        return Sample(sent, time.monotonic() - self.t0, kind, status, is_json, title)

    def _client(self, index: int) -> None:
        kinds = ["write", "list", "write", "detail"]
        i = index
        while not self.stop.is_set():
            started = time.monotonic()
            sample = self._one(kinds[i % len(kinds)])
            with self.lock:
                self.samples.append(sample)
            i += 1
            self.stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def start(self) -> None:
        self.workers = [threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(self.threads)]
        for worker in self.workers:
            worker.start()

    def finish(self) -> None:
        self.stop.set()
        for worker in self.workers:
            worker.join(15)

    def now(self) -> float:
        return time.monotonic() - self.t0


def _csv(prefix: str, count: int) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([["title", "n"], *([f"{prefix}-{i:06d}", i] for i in range(count))])
    return out.getvalue().encode()


def _import(project: Project, prefix: str, count: int) -> str | None:
    answer = project.upload("/api/v1/tables/items/import/", "rows.csv", _csv(prefix, count), {"mode": "all_or_nothing"})
    return str(answer.json()["id"]) if answer.status == 202 else None


def _all_titles(project: Project) -> list[str]:
    titles: list[str] = []
    cursor = None
    while True:
        path = f"{ITEMS}?page_size=1000&fields=title" + (f"&cursor={cursor}" if cursor else "")
        page = project.call("GET", path, timeout=60).json()
        titles += [row["title"] for row in page["results"]]
        if not page.get("next_cursor"):
            return titles
        cursor = page["next_cursor"]


def _outage(samples: list[Sample], stopped: float, restarting: float, ready: float) -> dict[str, Any]:
    """Figures of one outage: stopped at `stopped`, restart begun at `restarting`, server ready at `ready`."""
    by_done = sorted(samples, key=lambda s: s.done)
    first_503 = next((s.done for s in by_done if s.sent >= stopped and s.status == 503), None)
    after = [s for s in samples if s.sent >= ready]
    failing = [s for s in after if not 200 <= s.status < 300]
    recovered = max(s.done for s in failing) if failing else ready
    during = [s for s in samples if stopped <= s.sent < ready]
    return {
        "stopped_at_s": round(stopped, 1),
        "restarted_at_s": round(restarting, 1),
        "server_ready_after_restart_s": round(ready - restarting, 2),
        "first_503_after_stop_s": None if first_503 is None else round(first_503 - stopped, 3),
        "all_succeed_again_after_ready_s": round(recovered - ready, 3),
        "failed_after_ready": len(failing),
        "answers_stop_to_ready": dict(sorted(Counter(s.status for s in during).items())),
        "slowest_answer_stop_to_ready_s": round(max((s.done - s.sent for s in during), default=0.0), 3),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="nocode-bench-faults-"))
    # The outbox sweep republishes every event still pending after this long; sent every 10 s below (beat: every
    # minute, after 60 s), so a backlog after the faults is not flooded with copies.
    stack = FaultStack(root=root, extra_env={"NOCODE_EVENTS_SWEEP_AFTER_SECONDS": "15"})
    receiver = Receiver()
    t_setup = time.monotonic()
    stack.start()
    try:
        project = stack.provision("bench")
        hook = {"table": "items", "events": ["created"], "url": receiver.url}
        webhook = project.call("POST", "/api/v1/automation/webhooks/", hook).json()
        print(f"stack ready in {time.monotonic() - t_setup:.1f} s ({root})", file=sys.stderr)
        load = Load(project, rate=args.rate)
        imports: dict[str, tuple[str, int]] = {}
        events: dict[str, tuple[float, float, float]] = {}
        load.start()
        time.sleep(args.warmup)

        def outage(name: str, stop: Any, start: Any) -> None:
            job = _import(project, f"imp-{name}", args.import_rows)  # queued or running when the fault hits
            if job:
                imports[job] = (f"imp-{name}", args.import_rows)
            time.sleep(0.5)
            stopped = load.now()
            stop()
            time.sleep(args.outage)
            restarting = load.now()
            start()
            events[name] = (stopped, restarting, load.now())
            print(f"{name}: stopped {stopped:.1f} s, restarted {restarting:.1f} s, ready {load.now():.1f} s",
                  file=sys.stderr)  # fmt: skip
            time.sleep(args.settle)

        outage("postgresql", stack.stop_postgres, stack.start_postgres)
        outage("redis", stack.stop_redis, stack.start_redis)
        outage("worker", stack.kill_worker, stack.start_worker)
        load.finish()
        samples = list(load.samples)

        # Let the lease sweeper (and the outbox sweep) finish what the faults left behind.
        accepted = sorted(s.title for s in samples if s.kind == "write" and s.status == 201)
        drain_started = time.monotonic()
        deadline = drain_started + args.drain
        drained_at = None
        sweeps = 0
        while time.monotonic() < deadline:
            states = {job: project.call("GET", f"/api/v1/automation/tasks/{job}/status/").json()["state"]
                      for job in imports}  # fmt: skip
            deliveries = _deliveries(project, webhook["id"])
            if (
                all(s in ("succeeded", "failed") for s in states.values())
                and all(d["state"] in ("succeeded", "failed") for d in deliveries)
                and _events(project).get("pending", 0) == 0
            ):
                drained_at = time.monotonic()
                break
            stack.send_task("operations.project_lease_sweep", schema=project.slug)
            stack.send_task("operations.public_lease_sweep")
            if sweeps % 5 == 0:
                stack.send_task("events.outbox_sweep")
            sweeps += 1
            time.sleep(2)
        drain_s = None if drained_at is None else round(drained_at - drain_started, 1)
        present = Counter(_all_titles(project))
        jobs = {job: project.call("GET", f"/api/v1/automation/tasks/{job}/status/").json() for job in imports}
        deliveries = _deliveries(project, webhook["id"])
        delivered_ids = set(receiver.delivery_ids())
        per_second: dict[int, Counter[int]] = defaultdict(Counter)
        not_json: Counter[int] = Counter()
        for s in samples:
            per_second[int(s.sent)][s.status] += 1
            if not s.json:
                not_json[int(s.sent)] += 1
        return {
            "rate_target": args.rate,
            "requests": len(samples),
            "per_second": {sec: dict(sorted(c.items())) for sec, c in sorted(per_second.items())},
            "not_json": dict(sorted(not_json.items())),
            "answers": dict(sorted(Counter(s.status for s in samples).items())),
            "html_or_5xx_other_than_503": sum(1 for s in samples if not s.json or s.status in (0, 500, 502, 504)),
            "outages": {name: _outage(samples, *times) for name, times in events.items()},
            "writes_accepted": len(accepted),
            "writes_present": sum(1 for t in accepted if present[t] >= 1),
            "writes_duplicated": sum(1 for t in accepted if present[t] > 1),
            "writes_lost": sum(1 for t in accepted if present[t] == 0),
            "imports": {
                v[0]: {
                    "state": jobs[k]["state"],
                    "attempts": jobs[k]["attempts"],
                    "rows_expected": v[1],
                    "rows_present": sum(n for t, n in present.items() if t.startswith(v[0] + "-")),
                }
                for k, v in imports.items()
            },
            "record_events": _events(project),
            "deliveries": {
                "rows": len(deliveries),
                "states": dict(Counter(d["state"] for d in deliveries)),
                "distinct_ids_received": len(delivered_ids),
                "requests_received": len(receiver.requests),
                "ids_never_received": sum(1 for d in deliveries if str(d["id"]) not in delivered_ids),
            },
            "drain_after_last_fault_s": drain_s,
        }
    finally:
        receiver.close()
        stack.close()


def _deliveries(project: Project, webhook_id: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    # The API lists the newest 200; this benchmark produces more: read them from the database instead.
    rows = project.stack.sql(
        f'SELECT id, state FROM "{project.slug}".automation_webhookdelivery WHERE webhook_id = %s', (webhook_id,)
    )
    out = [{"id": row[0], "state": row[1]} for row in rows]
    return out


def _events(project: Project) -> dict[str, int]:
    """Outbox events of the project by state (each committed write of `items` records one; each becomes a delivery)."""
    rows = project.stack.sql(
        "SELECT state, count(*) FROM public.events_outboxevent WHERE schema_name = %s GROUP BY state", (project.slug,)
    )
    return {str(state): int(count) for state, count in rows}


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"Load: ~{result['rate_target']} req/s target (half `POST records/`, half `GET` list/detail), "
        f"{result['requests']} requests in all.",
        "",
        "| outage | stopped at | restarted at | server ready after | first 503 after stop | all answers succeed "
        "again after ready | answers stop..ready | slowest answer stop..ready |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, o in result["outages"].items():
        first = "none (served)" if o["first_503_after_stop_s"] is None else f"{o['first_503_after_stop_s']} s"
        lines.append(
            f"| {name} | {o['stopped_at_s']} s | {o['restarted_at_s']} s | {o['server_ready_after_restart_s']} s "
            f"| {first} | {o['all_succeed_again_after_ready_s']} s | {o['answers_stop_to_ready']} "
            f"| {o['slowest_answer_stop_to_ready_s']} s |"
        )
    lines += ["", "| second | answers (status: count) | not JSON |", "|---|---|---|"]
    for sec, counts in result["per_second"].items():
        lines.append(f"| {sec} | {counts} | {result['not_json'].get(sec, 0)} |")
    lines += [
        "",
        f"Writes: {result['writes_accepted']} accepted (201), {result['writes_present']} present, "
        f"{result['writes_lost']} lost, {result['writes_duplicated']} duplicated. "
        f"HTML, 5xx other than 503, or no answer: {result['html_or_5xx_other_than_503']}.",
        f"Imports: {json.dumps(result['imports'])}.",
        f"Record events (outbox): {json.dumps(result['record_events'])}.",
        f"Deliveries: {json.dumps(result['deliveries'])}. Drained {result['drain_after_last_fault_s']} s after the "
        "last fault.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=40.0, help="target requests per second (all clients)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of load before the first fault")
    parser.add_argument("--outage", type=float, default=8.0, help="seconds each server stays down")
    parser.add_argument("--settle", type=float, default=8.0, help="seconds of load after each restart")
    parser.add_argument("--import-rows", type=int, default=5000, help="rows of the import queued before each fault")
    parser.add_argument("--drain", type=float, default=240.0, help="at most this long for the sweeper to finish")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args()
    result = run(args)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    print(markdown(result))


if __name__ == "__main__":
    main()
