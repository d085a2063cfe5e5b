"""Backups write files: point the backup storage, MEDIA_ROOT and VAR_DIR at a per-test directory."""

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _backup_dirs(backup_dirs: dict[str, Path]) -> dict[str, Path]:
    """Every backup test writes into per-test directories (tests/conftest.backup_dirs)."""
    return backup_dirs
