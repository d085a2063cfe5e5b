"""Multiprocess metrics (PROMETHEUS_MULTIPROC_DIR): live processes get distinct slots, successors reuse files."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

SCRIPT = r"""
import json, os, sys
from shared_apps.observability import multiproc
multiproc.enable()
from prometheus_client import Counter
counter = Counter("probe_events", "probe")
counter.inc()
out = {"parent": multiproc.process_identifier(), "pid": os.getpid()}
if sys.argv[1] == "fork":
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        counter.inc()
        os.write(w, json.dumps({"child": multiproc.process_identifier(), "pid": os.getpid()}).encode())
        os._exit(0)
    os.waitpid(child, 0)
    out.update(json.loads(os.read(r, 4096)))
    out["child_slot_of_pid"] = multiproc.slot_of_pid(out.pop("pid"))
print(json.dumps(out))
"""


def run(directory: Path, mode: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "NOCODE_SERVICE": "web",
        "PYTHONPATH": f"{settings.REPO_DIR}:{settings.REPO_DIR / 'platform'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


def total(directory: Path) -> float:
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    value = registry.get_sample_value("probe_events_total")
    return float(value or 0)


def test_successive_processes_reuse_one_slot_and_keep_counting(tmp_path: Path) -> None:
    identifiers = {run(tmp_path, "plain")["parent"] for _ in range(3)}
    assert len(identifiers) == 1
    (ident,) = identifiers
    assert ident.startswith("web-")
    assert ident.endswith("-0")
    assert "_" not in ident
    assert sorted(p.name for p in tmp_path.glob("*.db")) == [f"counter_{ident}.db"]
    assert total(tmp_path) == 3


def test_live_processes_get_distinct_slots(tmp_path: Path) -> None:
    out = run(tmp_path, "fork")
    assert out["parent"] != out["child"]
    assert (out["parent"][-2:], out["child"][-2:]) == ("-0", "-1")
    assert out["child_slot_of_pid"] == out["child"]
    assert len(list(tmp_path.glob("counter_*.db"))) == 2
    assert total(tmp_path) == 2
