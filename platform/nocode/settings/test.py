"""Test settings: fast hashing, tasks run eagerly, isolated cache keys."""

import os

from .base import *  # noqa: F403
from .base import CACHES, env

SECRET_KEY = env("SECRET_KEY", default="test-only-secret-key-0123456789abcdef0123456789")
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
_prefix = f"nocode-test-{os.getpid()}"
CACHES["default"]["KEY_PREFIX"] = _prefix
CACHES["platform"]["KEY_PREFIX"] = f"{_prefix}:platform"
