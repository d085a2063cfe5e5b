"""What the backup commands share: a progress bar only on a terminal, clean exits on failure and on SIGTERM."""

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from django.core.management.base import CommandError, OutputWrapper

from shared_apps.foundation.exceptions import DomainError
from tenants.models import Project

from .progress import Progress, TerminalBar, no_progress


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextmanager
def command_run(stdout: OutputWrapper, title: str, *, verbosity: int) -> Iterator[Progress]:
    """Yield a progress callback (a bar when stdout is a terminal, else silent). Domain errors and unexpected
    failures become CommandError (exit status 1, one clear line); SIGTERM unwinds like Ctrl-C so temporary files
    are removed and transactions rolled back."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    bar = TerminalBar(stdout, title) if verbosity > 0 and sys.stdout.isatty() else None
    try:
        yield bar if bar is not None else no_progress
    except DomainError as exc:
        raise CommandError(f"{title} failed: {exc.message}") from exc
    except KeyboardInterrupt as exc:
        raise CommandError(f"{title} interrupted; nothing was left behind.") from exc
    except Exception as exc:
        raise CommandError(f"{title} failed: {type(exc).__name__}: {exc}") from exc
    finally:
        if bar is not None:
            bar.close()
        signal.signal(signal.SIGTERM, previous)


def project_by_slug(slug: str) -> Project:
    project = Project.objects.select_related("organization").filter(slug=slug).first()
    if project is None:
        raise CommandError(f"No project '{slug}'.")
    return project


def size_text(size: Any) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
