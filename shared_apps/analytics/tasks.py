from typing import Any

from shared_apps.foundation.tasks import platform_task

from .services import usage_flush


@platform_task(name="analytics.flush_usage")
def flush_usage(self: Any) -> int:
    return usage_flush()
