"""Which servers a `manage.py` command uses (platform/devstack/servers.py): the state file of a running `up`, or one
line and a non-zero exit when there is none."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import environ
import pytest
from django.db import connection

from devstack import cli
from devstack.embedded import database_url_from_settings, socket_database_url
from devstack.servers import (
    NO_SERVERS_MESSAGE,
    STATE_FILE,
    apply_servers,
    ensure_secret,
    servers_read,
    servers_remove,
    servers_write,
)
from shared_apps.accounts.services import user_create

REPO = Path(__file__).resolve().parents[2]
DB_URL = "postgres://postgres@/%2Frun%2Fpg/nocode"
REDIS = "redis://127.0.0.1:16379/0"


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_state_file_is_private_and_read_back_while_its_up_runs(tmp_path: Path) -> None:
    path = servers_write(tmp_path, database_url=DB_URL, redis_url=REDIS)
    assert path == tmp_path / STATE_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [STATE_FILE]  # no temporary file left behind
    assert servers_read(tmp_path) == {"DATABASE_URL": DB_URL, "REDIS_URL": REDIS}
    servers_remove(tmp_path)
    assert not path.exists()
    assert servers_read(tmp_path) is None


def test_state_of_a_dead_or_replaced_up_is_ignored(tmp_path: Path) -> None:
    servers_write(tmp_path, database_url=DB_URL, redis_url=REDIS, pid=_dead_pid())
    assert servers_read(tmp_path) is None
    # The pid lives, but it is another process than the one that wrote the file (pid reuse): its start time differs.
    servers_write(tmp_path, database_url=DB_URL, redis_url=REDIS)
    state = json.loads((tmp_path / STATE_FILE).read_text())
    (tmp_path / STATE_FILE).write_text(json.dumps({**state, "started": state["started"] - 3600}))
    assert servers_read(tmp_path) is None
    (tmp_path / STATE_FILE).write_text("{not json")
    assert servers_read(tmp_path) is None


def test_remove_leaves_the_file_of_another_up(tmp_path: Path) -> None:
    servers_write(tmp_path, database_url=DB_URL, redis_url=REDIS)
    servers_remove(tmp_path, pid=os.getpid() + 1)
    assert servers_read(tmp_path) == {"DATABASE_URL": DB_URL, "REDIS_URL": REDIS}


def test_apply_fills_only_unset_urls_from_the_running_up(tmp_path: Path) -> None:
    servers_write(tmp_path, database_url=DB_URL, redis_url=REDIS)
    environ_: dict[str, str] = {"REDIS_URL": "redis://elsewhere:6379/0"}
    assert apply_servers(environ_, var=tmp_path, command="shell") is None
    assert environ_ == {"DATABASE_URL": DB_URL, "REDIS_URL": "redis://elsewhere:6379/0"}
    explicit = {"DATABASE_URL": "postgres://db.example/x", "REDIS_URL": "redis://r/0"}
    assert apply_servers(dict(explicit), var=tmp_path, command="shell") is None


@pytest.mark.parametrize("command", ["tenant_backup", "tenant_restore", "createsuperuser", "shell", "migrate_schemas"])
def test_without_servers_a_database_command_is_refused_in_one_line(tmp_path: Path, command: str) -> None:
    environ_: dict[str, str] = {}
    assert apply_servers(environ_, var=tmp_path, command=command) == NO_SERVERS_MESSAGE.format(command=command)
    assert environ_ == {}


@pytest.mark.parametrize("command", [None, "help", "version", "check", "collectstatic", "makemigrations"])
def test_without_servers_commands_needing_no_database_run(tmp_path: Path, command: str | None) -> None:
    environ_: dict[str, str] = {}
    assert apply_servers(environ_, var=tmp_path, command=command) is None
    assert environ_ == {}


def test_secret_is_generated_once_and_private(tmp_path: Path) -> None:
    path = ensure_secret(tmp_path / "var", "secret_key", length=64)
    first = path.read_text()
    assert len(first) == 64
    assert first.isalnum()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_secret(tmp_path / "var", "secret_key", length=64).read_text() == first
    assert sorted(p.name for p in (tmp_path / "var").iterdir()) == ["secret_key"]


def test_local_settings_use_the_generated_secret_key(tmp_path: Path) -> None:
    key = ensure_secret(tmp_path, "secret_key", length=64).read_text()
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    run = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**env, "DJANGO_SETTINGS_MODULE": "nocode.settings.local", "NOCODE_VAR_DIR": str(tmp_path)},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == key


@pytest.mark.parametrize(
    "db",
    [
        {"HOST": "/run/my pg", "PORT": "", "NAME": "test_nocode", "USER": "postgres", "PASSWORD": ""},
        {"HOST": "/run/pg", "PORT": "", "NAME": "test_nocode", "USER": "postgres", "PASSWORD": "p@ss"},
        {"HOST": "db.example", "PORT": "5433", "NAME": "test_nocode", "USER": "u", "PASSWORD": "p@ss:w/rd"},
        {"HOST": "", "PORT": "", "NAME": "test_nocode", "USER": "postgres", "PASSWORD": ""},
    ],
)
def test_child_database_url_reaches_the_same_database(db: dict[str, str]) -> None:
    config = environ.Env.db_url_config(database_url_from_settings(db))
    expected_host = db["HOST"] or "127.0.0.1"
    assert (config["HOST"], str(config["PORT"] or ""), config["NAME"]) == (expected_host, db["PORT"], db["NAME"])
    assert (config["USER"], config["PASSWORD"] or "") == (db["USER"], db["PASSWORD"])
    if db["HOST"].startswith("/") and not db["PASSWORD"]:
        assert database_url_from_settings(db) == socket_database_url(db["HOST"], db["NAME"])


def _manage(var: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"NOCODE_VAR_DIR": str(var), "NOCODE_NO_BOOTSTRAP": "1", **extra})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("args", [["tenant_backups"], ["createsuperuser", "--noinput"], ["shell", "-c", "1"]])
def test_command_with_no_servers_at_all_fails_with_one_line(tmp_path: Path, args: list[str]) -> None:
    run = _manage(tmp_path / "empty-var", *args)
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.splitlines() == [NO_SERVERS_MESSAGE.format(command=args[0])]
    assert "python3 manage.py up" in run.stderr
    assert "DATABASE_URL" in run.stderr
    assert not (tmp_path / "empty-var").exists()  # nothing was started or written


@pytest.mark.django_db(transaction=True)
def test_command_next_to_a_running_up_acts_on_its_database(tmp_path: Path, make_user: Any) -> None:
    """The state file names this test's database (as `up` would name its own): the command finds a row that only
    this database holds."""
    user_create(email="only-in-this-database@example.com", password="correct-horse-battery-9")
    var = tmp_path / "var"
    redis_url = os.environ["REDIS_URL"]
    servers_write(var, database_url=database_url_from_settings(connection.settings_dict), redis_url=redis_url)
    code = (
        "from shared_apps.accounts.models import User; "
        "print(list(User.objects.filter(email__startswith='only-in').values_list('email', flat=True)))"
    )
    run = _manage(var, "shell", "-c", code, DJANGO_SETTINGS_MODULE="nocode.settings.test")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "['only-in-this-database@example.com']"


def test_banner_prints_the_staff_account() -> None:
    banner = cli._banner(8000, cli.Stack(), 1.0, "s3cretStaffPassw0rd")
    assert f"{cli.STAFF_EMAIL} / s3cretStaffPassw0rd" in banner
    assert f"{cli.DEMO_EMAIL} / {cli.DEMO_PASSWORD}" in banner
    assert "http://localhost:8000/admin/" in banner


def test_collectstatic_is_skipped_while_its_sources_are_unchanged(tmp_path: Path, monkeypatch: Any) -> None:
    calls: list[tuple[str, ...]] = []
    monkeypatch.setenv("STATIC_ROOT", str(tmp_path / "static"))
    (tmp_path / "static").mkdir()
    monkeypatch.setattr(cli, "_manage", lambda env, *args: calls.append(args))
    cli._collect_static({})
    cli._collect_static({})
    assert calls == [("collectstatic", "--noinput", "--verbosity", "0")]
    (tmp_path / "static" / cli.STATIC_STAMP).write_text("an older lock")
    cli._collect_static({})
    assert len(calls) == 2


def test_embedded_command_usage() -> None:
    assert cli.main(["embedded"]) == 2
    assert cli.main(["embedded", "--help"]) == 0


def test_test_runs_adopt_the_servers_of_a_running_up(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert cli.adopt_up_servers(tmp_path) is False
    assert "DATABASE_URL" not in os.environ
    servers_write(tmp_path, database_url=DB_URL, redis_url=REDIS)
    assert cli.adopt_up_servers(tmp_path) is True
    assert (os.environ["DATABASE_URL"], os.environ["REDIS_URL"]) == (DB_URL, REDIS)
    monkeypatch.setenv("DATABASE_URL", "postgres://db.example/x")
    monkeypatch.setenv("REDIS_URL", "redis://r/0")
    assert cli.adopt_up_servers(tmp_path) is False
    assert os.environ["DATABASE_URL"] == "postgres://db.example/x"
