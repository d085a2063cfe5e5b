import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from shared_apps.observability.logs import ContextFilter, JsonFormatter


class JsonLog:
    """Log lines as the production handler writes them (ContextFilter + JsonFormatter), parsed."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self, logger: str | None = None) -> list[dict[str, Any]]:
        parsed = [json.loads(line) for line in self.stream.getvalue().splitlines() if line]
        return [p for p in parsed if logger is None or p["logger"] == logger]


@pytest.fixture
def json_log() -> Iterator[JsonLog]:
    log = JsonLog()
    handler = logging.StreamHandler(log.stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield log
    root.removeHandler(handler)
    root.setLevel(old_level)
