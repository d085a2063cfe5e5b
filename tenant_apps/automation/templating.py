"""A tiny, safe substitution of `{{ path }}` placeholders in workflow step values. No template engine runs user text.

- A path is dot-separated names or list indexes under one of the roots `record` (the triggering record), `trigger`
  (the trigger payload), `steps` (outputs of earlier steps, by index: `{{ steps.0.id }}`) and `workflow`.
- A string that is exactly one placeholder takes the value itself (a number stays a number, a list a list).
- Otherwise each placeholder is replaced by its text: missing values and null become "", objects and lists JSON.
- Dicts and lists are rendered recursively; other values are returned unchanged.
"""

import json
import re
from collections.abc import Mapping
from typing import Any

ROOTS = ("record", "trigger", "steps", "workflow")
_SEGMENT = r"[A-Za-z_][A-Za-z0-9_\-]*|\d+"
PLACEHOLDER = re.compile(r"\{\{\s*((?:" + _SEGMENT + r")(?:\.(?:" + _SEGMENT + r"))*)\s*\}\}")
MAX_RENDERED = 100_000


def lookup(context: Mapping[str, Any], path: str) -> Any:
    """The value at `path` (None when any part is missing)."""
    value: Any = context
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit():
            index = int(part)
            value = value[index] if index < len(value) else None
        else:
            return None
        if value is None:
            return None
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str, separators=(",", ":"))
    return str(value)


def render(value: Any, context: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value.strip()) if "{{" in value else None
        if whole is not None:
            return lookup(context, whole.group(1))
        if "{{" not in value:
            return value
        rendered = PLACEHOLDER.sub(lambda m: _text(lookup(context, m.group(1))), value)
        return rendered[:MAX_RENDERED]
    if isinstance(value, dict):
        return {key: render(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, context) for item in value]
    return value


def unknown_roots(value: Any) -> list[str]:
    """Placeholders whose root is not one of ROOTS (reported when a workflow is saved)."""
    found: list[str] = []
    if isinstance(value, str):
        found += [m.group(1) for m in PLACEHOLDER.finditer(value) if m.group(1).split(".")[0] not in ROOTS]
    elif isinstance(value, dict):
        for item in value.values():
            found += unknown_roots(item)
    elif isinstance(value, list):
        for item in value:
            found += unknown_roots(item)
    return found
