"""Faults lose nothing, on a stack this module owns (devstack.faultstack: its own embedded PostgreSQL and a Redis
without persistence, gunicorn with 2 workers, a Celery worker; production settings with short leases): servers are
stopped and started and the worker is killed, and every accepted write or job is found finished afterwards.

The session's own servers are never touched. The lease sweeper is triggered the way beat publishes it (its schedule
is every two minutes; here it is sent at once, repeatedly, until the work is finished).
"""

import csv
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.faultstack import Answer, FaultStack, Project, Receiver, fault_stack

pytestmark = pytest.mark.slow

ITEMS = "/api/v1/tables/items/records/"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    with fault_stack(Path(tmp_path_factory.mktemp("faults"))) as running:
        yield running


@pytest.fixture(scope="module")
def project(stack: FaultStack) -> Project:
    return stack.provision("faults")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _servers_back(stack: FaultStack) -> Iterator[None]:
    """Whatever a test stopped is running again for the next one."""
    yield
    assert stack.pg is not None
    assert stack.redis is not None
    if not stack.pg.alive():
        stack.start_postgres()
    if not stack.redis.alive():
        stack.start_redis()
    if stack.worker is None:
        stack.start_worker()


def _sweep_until(stack: FaultStack, project: Project, done: Any, *, timeout: float = 240) -> Any:
    """Send the lease sweep (project and public) every 2 s until `done()` holds. Work never claimed waits as long
    again as it has waited before it is queued again (leases.lease_queue): on a loaded machine that takes minutes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = done()
        if value:
            return value
        stack.send_task("operations.project_lease_sweep", schema=project.slug)
        stack.send_task("operations.public_lease_sweep")
        stack.send_task("events.outbox_sweep")
        time.sleep(2)
    return done()


def _titles(project: Project) -> list[str]:
    answer = project.call("GET", f"{ITEMS}?page_size=1000")
    assert answer.status == 200, answer.body
    return sorted(r["title"] for r in answer.json()["results"])


def _webhook(project: Project, url: str) -> dict[str, Any]:
    answer = project.call("POST", "/api/v1/automation/webhooks/", {"table": "items", "events": ["created"], "url": url})
    assert answer.status == 201, answer.body
    return dict(answer.json())


def _deliveries(project: Project, webhook_id: int) -> list[dict[str, Any]]:
    return list(project.call("GET", f"/api/v1/automation/webhooks/{webhook_id}/deliveries/").json()["results"])


def _job(project: Project, job_id: str) -> dict[str, Any]:
    return dict(project.call("GET", f"/api/v1/automation/tasks/{job_id}/status/").json())


def _csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _import(project: Project, prefix: str, count: int) -> str:
    body = _csv([["title", "n"], *([f"{prefix}-{i:06d}", i] for i in range(count))])
    answer = project.upload("/api/v1/tables/items/import/", "rows.csv", body, {"mode": "all_or_nothing"})
    assert answer.status == 202, answer.body
    return str(answer.json()["id"])


def _count(project: Project, prefix: str) -> int:
    answer = project.call("GET", f"{ITEMS}?filter=" + _filter_like(prefix) + "&page_size=1&count=exact")
    assert answer.status == 200, answer.body
    return int(answer.json()["count"])


def _filter_like(prefix: str) -> str:
    import json
    from urllib.parse import quote

    return quote(json.dumps({"field": "title", "op": "starts_with", "value": f"{prefix}-"}))


def _assert_fast_json(answer: Answer, allowed: set[int], bound: float) -> None:
    assert answer.status in allowed, (answer.status, answer.body[:300])
    assert answer.is_json, answer.headers
    assert answer.seconds < bound, answer.seconds
    if answer.status == 503:
        assert answer.json()["error"]["code"] in ("SERVICE_UNAVAILABLE", "UNHEALTHY")


# --- PostgreSQL ------------------------------------------------------------------------------------------------------


def test_postgres_down_answers_json_503_fast_and_recovers_without_restart(stack: FaultStack, project: Project) -> None:
    assert project.call("POST", ITEMS, {"title": "before-pg", "n": 1}).status == 201
    stack.stop_postgres()
    for method, path, data in [
        ("GET", ITEMS, None),
        ("GET", f"{ITEMS}1/", None),
        ("POST", ITEMS, {"title": "during-pg", "n": 2}),
        ("GET", "/api/v1/automation/tasks/", None),
    ]:
        answer = project.call(method, path, data)
        _assert_fast_json(answer, {503}, 1.5)
        assert answer.headers["retry-after"] == "5"
    health = stack.request("GET", "localhost", "/api/v1/foundation/health/")
    _assert_fast_json(health, {503}, 2.0)
    assert health.json()["checks"]["database"] == {"status": "error", "error": "OperationalError: database unreachable"}
    assert "PGSQL" not in health.body.decode()
    assert "/" not in health.json()["checks"]["database"]["error"]
    stack.start_postgres()
    recovered = stack.wait_until(lambda: project.call("GET", ITEMS).status == 200, timeout=5, what="recovery")
    assert recovered
    assert "during-pg" not in _titles(project)
    assert "before-pg" in _titles(project)


def test_work_queued_while_postgres_is_down_is_retried_and_done_once_after_the_restart(
    stack: FaultStack, project: Project, receiver: Receiver
) -> None:
    webhook = _webhook(project, receiver.url)
    stack.kill_worker()  # the messages wait in Redis
    job_id = _import(project, "pgq", 500)
    for i in range(5):
        assert project.call("POST", ITEMS, {"title": f"pgq-hook-{i}", "n": i}).status == 201
    stack.stop_postgres()
    stack.start_worker()  # takes the messages while PostgreSQL is down: they must retry, not be skipped
    time.sleep(6)
    stack.start_postgres()
    done = stack.wait_until(lambda: _job(project, job_id)["state"] == "succeeded", timeout=90, what="the import")
    assert done
    assert _count(project, "pgq") == 505  # 500 imported once, 5 posted
    # 6 deliveries: one per posted record, one for the import's bulk write.
    assert stack.wait_until(lambda: len(set(receiver.delivery_ids())) == 6, timeout=90, what="the 6 deliveries")
    assert sorted(d["state"] for d in _deliveries(project, webhook["id"])) == ["succeeded"] * 6


def test_an_import_running_when_postgres_stops_is_retried_and_writes_its_rows_once(
    stack: FaultStack, project: Project
) -> None:
    job_id = _import(project, "pgrun", 20_000)
    assert stack.wait_until(lambda: _job(project, job_id)["state"] == "running", timeout=60, what="the import")
    stack.stop_postgres()
    time.sleep(4)
    stack.start_postgres()
    assert stack.wait_until(lambda: _job(project, job_id)["state"] == "succeeded", timeout=120, what="the import")
    assert _count(project, "pgrun") == 20_000
    assert _job(project, job_id)["attempts"] >= 2  # the attempt cut by the outage, then its retry


# --- Redis -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def own_project(stack: FaultStack) -> Project:
    """A project of its own: no webhook, workflow or record of the module's earlier tests answers in it."""
    return stack.provision("redisfaults")  # slug = schema name: the sweeps are sent to the schema by slug


def test_redis_down_answers_fast_and_no_accepted_job_is_lost_once_swept(
    stack: FaultStack, own_project: Project, receiver: Receiver
) -> None:
    project = own_project
    webhook = _webhook(project, receiver.url)
    workflow = project.call(
        "POST",
        "/api/v1/automation/workflows/",
        {"name": "mark", "trigger": {"type": "manual"},
         "steps": [{"type": "create_record", "table": "items", "values": {"title": "redis-run", "n": 0}}]},
    ).json()  # fmt: skip
    stack.kill_worker()
    export = project.call("POST", "/api/v1/tables/items/export/", {"format": "csv"})
    assert export.status == 202, export.body
    run = project.call("POST", f"/api/v1/automation/workflows/{workflow['id']}/run/", {})
    assert run.status == 202, run.body
    assert project.call("POST", ITEMS, {"title": "redis-hook-0", "n": 0}).status == 201
    stack.stop_redis()  # no persistence: the queued messages are gone
    accepted = ["redis-hook-0"]
    for i in range(1, 4):
        answer = project.call("POST", ITEMS, {"title": f"redis-hook-{i}", "n": i})
        _assert_fast_json(answer, {201, 503}, 2.0)
        if answer.status == 201:
            accepted.append(f"redis-hook-{i}")
        _assert_fast_json(project.call("GET", ITEMS), {200, 503}, 2.0)
    health = stack.request("GET", "localhost", "/api/v1/foundation/health/")
    _assert_fast_json(health, {503}, 2.0)
    assert {k: v["status"] for k, v in health.json()["checks"].items()} == {
        "database": "ok",
        "cache": "error",
        "broker": "error",
    }
    stack.start_redis()
    stack.start_worker()
    assert project.call("GET", ITEMS).status == 200
    assert project.call("POST", ITEMS, {"title": "redis-after", "n": 9}).status == 201
    accepted.append("redis-after")

    def finished() -> bool:
        export_state = _job(project, export.json()["id"])["state"]
        run_state = project.call("GET", f"/api/v1/automation/runs/{run.json()['id']}/").json()["state"]
        # this webhook's deliveries: one per accepted record and one for the run's record, each received (the
        # receiver also hears the webhooks earlier tests of this module left on the same project)
        mine = {str(d["id"]) for d in _deliveries(project, webhook["id"])}
        received = set(receiver.delivery_ids())
        return (
            export_state == "succeeded"
            and run_state == "succeeded"
            and len(mine) == len(accepted) + 1
            and mine <= received
        )

    assert _sweep_until(stack, project, finished), (
        _job(project, export.json()["id"])["state"],
        project.call("GET", f"/api/v1/automation/runs/{run.json()['id']}/").json(),
        sorted(receiver.delivery_ids()),
        [(d["state"], d.get("event")) for d in _deliveries(project, webhook["id"])],
        accepted,
    )
    assert {d["state"] for d in _deliveries(project, webhook["id"])} == {"succeeded"}
    assert [t for t in _titles(project) if t.startswith("redis-")] == sorted([*accepted, "redis-run"])


# --- a killed worker -------------------------------------------------------------------------------------------------


def test_a_worker_killed_mid_delivery_sends_it_again_with_the_same_delivery_id(
    stack: FaultStack, project: Project
) -> None:
    receiver = Receiver(hold=30)  # the first attempt hangs: the worker is killed in the middle of it
    try:
        webhook = _webhook(project, receiver.url)
        assert project.call("POST", ITEMS, {"title": "killed-delivery", "n": 1}).status == 201
        assert receiver.holding.wait(30)
        stack.kill_worker()
        started = time.monotonic()
        stack.start_worker()
        [delivery] = _deliveries(project, webhook["id"])
        assert delivery["state"] == "sending"

        def redelivered() -> bool:
            return len(receiver.requests) >= 2 and _deliveries(project, webhook["id"])[0]["state"] == "succeeded"

        assert _sweep_until(stack, project, redelivered, timeout=60)
        assert time.monotonic() - started < 60  # the lease (6 s here; WEBHOOK_TIMEOUT + 30 s by default), not 1 h
        assert set(receiver.delivery_ids()) == {str(delivery["id"])}
    finally:
        receiver.close()


def test_a_worker_killed_mid_import_resumes_and_writes_every_row_once(stack: FaultStack, project: Project) -> None:
    job_id = _import(project, "kill", 20_000)
    assert stack.wait_until(lambda: _job(project, job_id)["state"] == "running", timeout=60, what="the import")
    stack.kill_worker()
    stale = stack.wait_until(lambda: _job(project, job_id)["status"] == "stale", timeout=30, what="stale")
    assert stale
    stack.start_worker()
    assert _sweep_until(stack, project, lambda: _job(project, job_id)["state"] == "succeeded", timeout=120)
    assert _count(project, "kill") == 20_000
    assert _job(project, job_id)["attempts"] == 2


def test_a_worker_killed_mid_run_fails_the_run_with_a_reason(stack: FaultStack, project: Project) -> None:
    receiver = Receiver(hold=30)
    try:
        workflow = project.call(
            "POST",
            "/api/v1/automation/workflows/",
            {"name": "slow", "trigger": {"type": "manual"},
             "steps": [{"type": "http_request", "url": receiver.url, "timeout": 20, "body": {"x": 1}}]},
        ).json()  # fmt: skip
        run = project.call("POST", f"/api/v1/automation/workflows/{workflow['id']}/run/", {}).json()
        assert receiver.holding.wait(30)
        stack.kill_worker()
        stack.start_worker()
        path = f"/api/v1/automation/runs/{run['id']}/"
        assert _sweep_until(stack, project, lambda: project.call("GET", path).json()["state"] == "failed")
        assert project.call("GET", path).json()["error"] == (
            "Interrupted: the worker running it stopped mid-run (steps already done are kept); re-run it."
        )
    finally:
        receiver.close()


# --- schema changes under traffic ------------------------------------------------------------------------------------


def test_dropping_and_retyping_fields_while_clients_read_and_write_gives_no_500(
    stack: FaultStack, project: Project
) -> None:
    host, owner = project.host, project.auth
    for name, kind in (("extra", "text"), ("score", "integer")):
        field = {"name": name, "type": kind}
        assert stack.request("POST", host, "/api/v1/tables/items/fields/", field, owner).status == 201
    statuses: list[tuple[str, int, bool]] = []
    stop = threading.Event()

    def client(kind: str) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            if kind == "write":
                answer = project.call("POST", ITEMS, {"title": f"ddl-{i}", "n": i})
            else:
                answer = project.call("GET", f"{ITEMS}?page_size=20")
            statuses.append((kind, answer.status, answer.is_json))

    threads = [threading.Thread(target=client, args=(kind,)) for kind in ("read", "read", "write", "write")]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        assert stack.request("PATCH", host, "/api/v1/tables/items/fields/score/", {"type": "text"}, owner).status == 200
        time.sleep(1)
        assert (
            stack.request("DELETE", host, "/api/v1/tables/items/fields/extra/?confirm=extra", None, owner).status == 204
        )
        time.sleep(1)
        assert (
            stack.request("DELETE", host, "/api/v1/tables/items/fields/score/?confirm=score", None, owner).status == 204
        )
        time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert len(statuses) > 50
    assert [s for s in statuses if s[1] >= 500 or not s[2]] == []
    assert {s[1] for s in statuses} <= {200, 201, 409}
