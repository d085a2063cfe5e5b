"""Progress reporting: services call `progress(step, done, total)`; the commands draw a bar on a terminal."""

import time
from collections.abc import Callable
from typing import Any

Progress = Callable[[str, int, int], None]


def no_progress(step: str, done: int, total: int) -> None:
    """The default: report nothing."""


class TerminalBar:
    """`[#########...........]  45%  step` redrawn in place, at most ten times a second."""

    WIDTH = 30

    def __init__(self, stream: Any, title: str) -> None:
        """`stream`: a text stream or a management command's OutputWrapper."""
        self.stream = stream
        self.title = title
        self._last = 0.0
        self._drawn = False

    def __call__(self, step: str, done: int, total: int) -> None:
        now = time.monotonic()
        finished = total > 0 and done >= total
        if not finished and now - self._last < 0.1:
            return
        self._last = now
        ratio = min(done / total, 1.0) if total > 0 else 0.0
        filled = int(ratio * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{self.title} [{bar}] {ratio:4.0%}  {step[:40]:<40}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
