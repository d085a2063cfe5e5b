"""Local development: DEBUG on; the SECRET_KEY `manage.py up` generated for this data folder when none is given."""

import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR, env


def _generated_secret_key() -> str:
    """`<NOCODE_VAR_DIR>/secret_key`, written once by `up` (platform/devstack/servers.py, mode 0600); without it (no
    `up` ever ran on this folder) a throw-away key for this process only: nothing it signs outlives the command."""
    try:
        return (VAR_DIR / "secret_key").read_text().strip() or secrets.token_urlsafe(50)
    except OSError:
        return secrets.token_urlsafe(50)


DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="") or _generated_secret_key()
