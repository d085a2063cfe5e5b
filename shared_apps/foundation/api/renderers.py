"""A fast JSON renderer (orjson) for hot read paths: dates as ISO 8601 with `Z`, decimals as strings."""

from typing import Any

from rest_framework.renderers import BaseRenderer

from shared_apps.foundation.jsoncodec import json_dumps

__all__ = ["OrjsonRenderer", "json_dumps"]


class OrjsonRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        return json_dumps(data)
