"""The one JSON input boundary (and the output encoder it must agree with).

`json_loads` is the only way request JSON is parsed: DRF's parser (foundation.api.parsers), the records lane, the
records `?filter=` parameter and every other JSON text a client sends. It refuses, as `JsonInputError` with a named
code, what the rest of the stack cannot hold:

- malformed JSON, NaN and Infinity (`MALFORMED_REQUEST`);
- nesting deeper than `MAX_DEPTH` arrays/objects (`JSON_TOO_DEEP`; Python's own parser would hit RecursionError);
- strings that are not valid Unicode: lone surrogates, escaped (`"\\ud800"`) or raw (`JSON_INVALID_UNICODE`;
  PostgreSQL and UTF-8 cannot store them).

Integers are exact: orjson turns integers beyond 64 bits into floats, so a document with a number of that size is
parsed again by the standard library (safe: its depth is already checked) and keeps the integer exactly; field
types then refuse what their column or the renderer cannot hold.

`json_dumps` is the encoder of every JSON answer (foundation.api.renderers).
"""

import json
import re
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from django.utils.functional import Promise

from shared_apps.foundation.codes import CommonCode

MAX_DEPTH = 64
# A 64-bit float this large or larger may have been an integer literal that orjson could not keep exactly.
_BIG_FLOAT = float(2**63)
# Cheap pre-checks on the raw text: the depth is walked only when the text has more than MAX_DEPTH openers, the
# numbers only when something in it looks like a long or an exponent number.
_OPENERS = (b"[", b"{")
_BIG_NUMBER = re.compile(rb"[0-9]{19}|[0-9][eE]")

MALFORMED_JSON = CommonCode.MALFORMED_REQUEST
JSON_TOO_DEEP = CommonCode.JSON_TOO_DEEP
JSON_INVALID_UNICODE = CommonCode.JSON_INVALID_UNICODE
EMPTY_BODY = CommonCode.EMPTY_BODY

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


class JsonInputError(ValueError):
    """JSON text refused by `json_loads`; `code` is one of the constants above, `str(exc)` is for the client."""

    def __init__(self, code: CommonCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _children(value: Any) -> Iterator[Any]:
    if type(value) is dict:
        return iter(value.values())
    if type(value) is list:
        return iter(value)
    return iter(())


def _walk(data: Any) -> bool:
    """Raise JSON_TOO_DEEP past MAX_DEPTH; True when a float is large enough to have been an inexact integer."""
    big = False
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        for item in _children(value):
            kind = type(item)
            if kind is dict or kind is list:
                if depth >= MAX_DEPTH:
                    raise JsonInputError(JSON_TOO_DEEP, f"JSON nested too deeply (at most {MAX_DEPTH} levels).")
                stack.append((item, depth + 1))
            elif kind is float and abs(item) >= _BIG_FLOAT:
                big = True
    return big


def json_loads(raw: bytes | str) -> Any:
    """Parse client JSON text; raise JsonInputError (see the module docstring) for anything refused."""
    if isinstance(raw, str):
        try:
            raw = raw.encode()
        except UnicodeEncodeError:
            raise JsonInputError(JSON_INVALID_UNICODE, "The JSON text is not valid Unicode.") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        text = str(exc)
        if "surrogate" in text or "UTF-8" in text:
            raise JsonInputError(JSON_INVALID_UNICODE, "Strings must be valid Unicode (no lone surrogates).") from None
        if "depth" in text:
            raise JsonInputError(JSON_TOO_DEEP, f"JSON nested too deeply (at most {MAX_DEPTH} levels).") from None
        raise JsonInputError(MALFORMED_JSON, f"JSON parse error - {text}") from None
    if type(data) is float and abs(data) >= _BIG_FLOAT:
        big = True
    elif raw.count(_OPENERS[0]) + raw.count(_OPENERS[1]) > MAX_DEPTH or _BIG_NUMBER.search(raw):
        big = _walk(data)
    else:
        big = False
    if big:
        try:
            data = json.loads(raw)  # exact integers; depth and Unicode were checked above
        except ValueError:  # an integer of more than sys.get_int_max_str_digits() digits
            raise JsonInputError(MALFORMED_JSON, "JSON parse error - a number is too long.") from None
    return data


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _default_slow(value: Any) -> Any:
    if isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return _default(value)


def json_dumps(data: Any) -> bytes:
    """The JSON of an answer: dates as ISO 8601 with `Z`, decimals as strings.

    orjson writes integers of at most 64 bits; an answer holding a larger one (stored before field types refused
    them, or computed, e.g. a sum) is written by the standard library instead, so no stored value can make its
    record, or a page holding it, unreadable."""
    try:
        return orjson.dumps(data, default=_default, option=_OPTIONS)
    except orjson.JSONEncodeError as exc:
        if "Integer exceeds 64-bit range" not in str(exc):
            raise
        return json.dumps(data, default=_default_slow, ensure_ascii=False, separators=(",", ":")).encode()
