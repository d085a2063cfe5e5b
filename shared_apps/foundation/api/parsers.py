"""The JSON parser of every DRF view (settings DEFAULT_PARSER_CLASSES): foundation.jsoncodec's limits, 400 in the
one error shape (`MALFORMED_REQUEST`, `JSON_TOO_DEEP`, `JSON_INVALID_UNICODE`) naming the body."""

from collections.abc import Mapping
from typing import IO, Any

from rest_framework.parsers import JSONParser

from shared_apps.foundation.exceptions import ValidationFailed
from shared_apps.foundation.jsoncodec import JSON_INVALID_UNICODE, JsonInputError, json_loads


def json_input_refused(exc: JsonInputError, *, field: str = "body") -> ValidationFailed:
    """The 400 of JSON text that `json_loads` refused."""
    return ValidationFailed(exc.message, code=exc.code, fields={field: [exc.message]})


class JsonParser(JSONParser):
    """application/json bodies through `json_loads` (depth, Unicode, exact integers)."""

    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        parser_context = parser_context or {}
        encoding = str(parser_context.get("encoding") or "utf-8").lower()
        raw = stream.read()
        if encoding not in ("utf-8", "utf8"):
            try:
                raw = raw.decode(encoding).encode()
            except (LookupError, UnicodeError):
                raise ValidationFailed(
                    "The body is not valid text in its charset.",
                    code=JSON_INVALID_UNICODE,
                    fields={"body": ["Not valid text in its charset."]},
                ) from None
        try:
            return json_loads(raw)
        except JsonInputError as exc:
            raise json_input_refused(exc) from None
