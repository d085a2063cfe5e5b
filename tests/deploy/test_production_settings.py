"""Production settings: `check --deploy` is clean with only the required environment, logs are JSON by default."""

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings

DUMMY_ENV = {
    "SECRET_KEY": "dummy-production-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH",
    "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
    "REDIS_URL": "redis://127.0.0.1:1/0",
}


def run(code_or_args: list[str], settings_module: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LOG_FORMAT", "SECURE_HSTS_PRELOAD")}
    env.update(DUMMY_ENV, DJANGO_SETTINGS_MODULE=settings_module, NOCODE_NO_BOOTSTRAP="1", **extra)
    return subprocess.run(
        [sys.executable, *code_or_args], cwd=settings.REPO_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_no_security_issue() -> None:
    done = run(
        ["manage.py", "check", "--deploy", "--tag", "security", "--fail-level", "WARNING"], "nocode.settings.production"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_hsts_preload_is_an_explicit_opt_in() -> None:
    done = run(
        ["manage.py", "check", "--deploy", "--tag", "security"],
        "nocode.settings.production",
        SECURE_HSTS_PRELOAD="True",
    )
    assert done.returncode == 0, done.stderr
    assert "no issues (0 silenced)" in done.stdout


FORMATTER = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.LOGGING['handlers']['console']['formatter'])"
)


@pytest.mark.parametrize(
    ("module", "log_format", "expected"),
    [
        ("nocode.settings.production", None, "json"),
        ("nocode.settings.production", "plain", "plain"),
        ("nocode.settings.local", None, "plain"),
        ("nocode.settings.local", "json", "json"),
    ],
)
def test_log_format_defaults(module: str, log_format: str | None, expected: str) -> None:
    extra = {"LOG_FORMAT": log_format} if log_format else {}
    pythonpath = f"{settings.REPO_DIR}:{settings.REPO_DIR / 'platform'}"
    done = run(["-c", FORMATTER], module, PYTHONPATH=pythonpath, **extra)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


def test_production_collects_compressed_hashed_static_files(tmp_path: Any) -> None:
    """What the image build and the migrate job run: CompressedManifestStaticFilesStorage writes content-hashed
    copies, gzip siblings and the manifest WhiteNoise serves from."""
    root = tmp_path / "static"
    done = run(["manage.py", "collectstatic", "--noinput", "--verbosity", "0"], "nocode.settings.production",
               STATIC_ROOT=str(root))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["admin/css/base.css"]
    assert hashed != "admin/css/base.css"
    assert (root / hashed).is_file()
    assert (root / f"{hashed}.gz").is_file()
    assert (root / manifest["drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"]).is_file()
