"""Fuzzing both OpenAPI documents with schemathesis (all phases, stateful links included), on the embedded default:
no server error, no answer outside its documented schema, no undocumented status code. Fixed seed, bounded budget;
a failure prints schemathesis' report with the curl command reproducing it."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.contract.conftest import Contract

pytestmark = pytest.mark.slow

SEED = os.environ.get("NOCODE_FUZZ_SEED", "15")
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"
PHASES = "examples,coverage,fuzzing,stateful"
STATELESS = "examples,coverage,fuzzing"
# `--max-time` per run (fuzzing and stateful testing repeat until it is spent): about 3 minutes in all, scaled by
# NOCODE_FUZZ_SCALE (e.g. 0.2 for a quick look, 5 for a long hunt).
SCALE = float(os.environ.get("NOCODE_FUZZ_SCALE", "1"))
EXAMPLES = os.environ.get("NOCODE_FUZZ_EXAMPLES", "25")
DEFINITION_CHANGES = r"^/api/v1/(tables/\{table\}/($|fields/)|spec/apply/)"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def _fuzz(url: str, *headers: str, seconds: int, only: tuple[str, ...] = (), phases: str = PHASES) -> str | None:
    """One schemathesis run, in a fresh folder: its cache (`.schemathesis/`, replayed crashes) never outlives it.
    None when it passed, else the end of its report (each failure with the curl command reproducing it)."""
    budget = max(5, round(seconds * SCALE))
    command = [str(SCHEMATHESIS), "run", url, "--seed", SEED, "--phases", phases, "--checks", CHECKS, *only]
    command += ["--max-time", str(budget), "--max-examples", EXAMPLES, "--workers", "1", "--no-shrink"]
    command += ["--suppress-health-check", "all", "--request-timeout", "30", "--output-truncate", "false"]
    for header in headers:
        command += ["-H", header]
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=budget * 3 + 120)
    report = done.stdout + done.stderr
    print(report)  # the summary, and for each failure the curl command reproducing it
    if os.environ.get("NOCODE_FUZZ_REPORT"):
        with Path(os.environ["NOCODE_FUZZ_REPORT"]).open("a") as out:
            out.write(report)
    return None if done.returncode == 0 else report[-20000:]


def test_project_document_holds_under_fuzzing(contract: Contract, served: str) -> None:
    credentials = (f"Host: {contract.host}", f"X-Api-Key: {contract.admin_key}")
    # The document is read once: operations that change the tables' definitions (and so the document) run after
    # everything else, in their own run (no links between them: no stateful phase).
    records = _fuzz(
        f"{served}/api/v1/schema/", *credentials, seconds=90, only=("--exclude-path-regex", DEFINITION_CHANGES)
    )
    definition_changes = ("--include-path-regex", DEFINITION_CHANGES)
    definitions = _fuzz(f"{served}/api/v1/schema/", *credentials, seconds=30, only=definition_changes, phases=STATELESS)
    assert (records, definitions) == (None, None), f"{records or ''}\n{definitions or ''}"


def test_platform_document_holds_under_fuzzing(contract: Contract, served: str, base_host: str) -> None:
    failures = _fuzz(
        f"{served}/api/v1/schema/?format=json",
        f"Host: {base_host}",
        f"Authorization: Bearer {contract.owner_token}",
        seconds=60,
    )
    assert failures is None, failures
