"""Helpers that rewrite backup archives (corruptions, future versions) for the negative tests."""

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def manifest(path: Path) -> dict[str, Any]:
    return json.loads(members(path)["manifest.json"])


def rewrite(
    source: Path,
    target: Path,
    *,
    change: Callable[[dict[str, bytes]], None] | None = None,
    manifest_change: Callable[[dict[str, Any]], None] | None = None,
) -> Path:
    """Copy an archive, letting `change` edit the members and `manifest_change` the manifest (written last)."""
    content = members(source)
    if change:
        change(content)
    data = json.loads(content.pop("manifest.json"))
    if manifest_change:
        manifest_change(data)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, value in content.items():
            archive.writestr(name, value)
        archive.writestr("manifest.json", json.dumps(data))
    return target


def sha256(value: bytes) -> str:
    return hashlib.sha256(value).hexdigest()
