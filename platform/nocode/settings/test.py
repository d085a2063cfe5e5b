"""Test settings: fast hashing, tasks run eagerly, isolated cache keys."""

import os

from .base import *  # noqa: F403
from .base import CACHES, CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS, REDIS_URL, env


def _redis_db(url: str, db: int) -> str:
    base, _, last = url.rstrip("/").rpartition("/")
    return f"{base}/{db}" if last.isdigit() else f"{url.rstrip('/')}/{db}"


SECRET_KEY = env("SECRET_KEY", default="test-only-secret-key-0123456789abcdef0123456789")
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Eager by default; the real-worker tests turn it off in the test process and start a worker with it False.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# A separate Redis database for the test broker, so a developer's running worker never takes test messages.
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default=_redis_db(REDIS_URL, 15))
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
# Every test session gets its own broker key space, so concurrent runs on one machine never take each other's
# messages; the real-worker fixture passes the same prefix to its worker.
BROKER_KEY_PREFIX = env("NOCODE_TEST_BROKER_PREFIX", default=f"nocode-test-{os.getpid()}:")
CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": BROKER_KEY_PREFIX}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    **CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS,
    "global_keyprefix": BROKER_KEY_PREFIX,
}
# The real-worker tests read task results (`result.get()`); production ignores them (base.py).
CELERY_TASK_IGNORE_RESULT = env.bool("CELERY_TASK_IGNORE_RESULT", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
_prefix = f"nocode-test-{os.getpid()}"
CACHES["default"]["KEY_PREFIX"] = _prefix
CACHES["platform"]["KEY_PREFIX"] = f"{_prefix}:platform"
# Tests that count Redis round trips must not meet the writes timer (tests/analytics tests it with a short wait).
NOCODE["USAGE_WRITES_MAX_WAIT_SECONDS"] = 60.0  # noqa: F405
