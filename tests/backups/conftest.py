"""Backups write files: point the backup storage, MEDIA_ROOT and VAR_DIR at a per-test directory."""

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def backup_dirs(settings: Any, tmp_path: Path) -> dict[str, Path]:
    dirs = {"media": tmp_path / "media", "backups": tmp_path / "backups", "var": tmp_path / "var"}
    settings.MEDIA_ROOT = dirs["media"]
    settings.VAR_DIR = dirs["var"]
    settings.STORAGES = {
        **settings.STORAGES,
        "backups": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(dirs["backups"]), "file_permissions_mode": 0o600},
        },
    }
    return dirs
