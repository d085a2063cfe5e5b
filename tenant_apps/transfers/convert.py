"""From file cells to record values: field types inferred for a new table, and cells typed for existing fields.

Inference (new tables) looks at every non-empty cell of a column and picks the narrowest type that fits them all:
boolean (true/false), integer, decimal (up to 10 places and 38 digits; else float), date (YYYY-MM-DD, or a
date-formatted spreadsheet cell), datetime (ISO 8601), email, url, json (JSON lists/objects), text, long_text (a
cell over 255 characters or with a line break). A decimal gets headroom: the scale is the most places seen (at least
2), the precision leaves at least 16 digits (and twice those seen) before the point, up to 38 in all. An empty
column is text. Column names become field names: lower-case, other characters -> `_`, a leading digit prefixed with
`f_`, reserved names suffixed with `_field`, repeats numbered.

Typing (existing tables): an empty cell is omitted (the field's default applies, a required field reports it);
strings are converted to what the field type expects (numbers, booleans, JSON parsed; lists as JSON lists, as export
writes them, or split on commas); a cell that does not convert is passed on unchanged and the records validation
reports it for that row.
"""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.dateparse import parse_date, parse_datetime

from shared_apps.foundation.exceptions import ValidationFailed
from shared_apps.foundation.jsoncodec import json_loads
from shared_apps.foundation.numbers import is_digits
from tenant_apps.data_schemas import naming
from tenant_apps.data_schemas.definitions import FieldDef
from tenant_apps.data_schemas.services import FieldSpec

TRUE = {"true", "yes", "1", "y"}
FALSE = {"false", "no", "0", "n"}
TEXT_KINDS = frozenset({"text", "long_text", "email", "url", "uuid", "single_select"})
INT_RE = re.compile(r"^[+-]?\d{1,18}$")
NUMBER_RE = re.compile(r"^[+-]?(\d+)(?:\.(\d+))?$")
_email = EmailValidator()
_url = URLValidator(schemes=["http", "https"])


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- field names ----------------------------------------------------------------------------------------------------


def field_names_for(columns: list[str]) -> dict[str, str]:
    """column -> a valid, unique field name."""
    used: set[str] = set()
    out: dict[str, str] = {}
    for index, column in enumerate(columns):
        base = re.sub(r"[^a-z0-9]+", "_", column.strip().lower()).strip("_")
        base = re.sub(r"_+", "_", base)[:40].rstrip("_") or f"field_{index + 1}"
        if not base[0].isalpha():
            base = f"f_{base}"
        try:
            naming.field_name_validate(base)
        except ValidationFailed:
            base = f"{base}_field"
            try:
                naming.field_name_validate(base)
            except ValidationFailed:
                base = f"field_{index + 1}"
        name, n = base, 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        out[column] = name
    return out


# --- inference ------------------------------------------------------------------------------------------------------


def _fits(kind: str, value: Any) -> bool:
    if kind == "boolean":
        return isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in ("true", "false"))
    if isinstance(value, bool):
        return False
    if kind == "integer":
        return (isinstance(value, int) and abs(value) < 2**63) or (
            isinstance(value, str) and bool(INT_RE.match(value.strip()))
        )
    if kind == "number":
        if isinstance(value, (int, float, Decimal)):
            return True
        return isinstance(value, str) and bool(NUMBER_RE.match(value.strip()))
    if kind == "date":
        return (isinstance(value, date) and not isinstance(value, datetime)) or (
            isinstance(value, str) and len(value.strip()) == 10 and _parse(parse_date, value) is not None
        )
    if kind == "datetime":
        return isinstance(value, datetime) or (isinstance(value, str) and _parse(parse_datetime, value) is not None)
    if kind in ("email", "url"):
        if not isinstance(value, str):
            return False
        try:
            (_email if kind == "email" else _url)(value.strip())
        except ValidationError:
            return False
        return True
    if kind == "json":
        return isinstance(value, (dict, list))
    return True


def _parse(parser: Any, value: str) -> Any:
    try:
        return parser(value.strip())
    except ValueError:
        return None


MAX_SCALE = 10
MIN_SCALE = 2
MIN_WHOLE_DIGITS = 16


def _decimal_options(values: list[Any]) -> dict[str, int] | None:
    """precision/scale fitting every value with headroom (module docstring); None: a float fits better."""
    whole, places = 1, 0
    for value in values:
        if isinstance(value, float):
            text = format(Decimal(repr(value)), "f")  # 1.5 -> "1.5" (not "1.500000")
        elif isinstance(value, Decimal):
            text = format(value, "f")
        else:
            text = str(value).strip()
        match = NUMBER_RE.match(text.lstrip("+-") if text[:1] in "+-" else text)
        if match is None:
            return None
        whole = max(whole, len(match.group(1).lstrip("0") or "0"))
        places = max(places, len(match.group(2) or ""))
    if places > MAX_SCALE or whole + places > 38:
        return None
    scale = max(places, MIN_SCALE)
    precision = min(38, scale + max(MIN_WHOLE_DIGITS, 2 * whole))
    if precision - scale < whole:
        return None
    return {"precision": precision, "scale": scale}


def infer_field(name: str, values: list[Any]) -> FieldSpec:
    present = [v for v in values if not _empty(v)]
    if not present:
        return FieldSpec(name=name, type="text", options={})
    for kind in ("boolean", "integer", "number", "date", "datetime", "email", "url", "json"):
        if all(_fits(kind, v) for v in present):
            if kind == "number":
                options = _decimal_options(present)
                return (
                    FieldSpec(name=name, type="decimal", options=options) if options else FieldSpec(name, "float", {})
                )
            return FieldSpec(name=name, type=kind, options={})
    long = any(isinstance(v, str) and (len(v) > 255 or "\n" in v) for v in present)
    return FieldSpec(name=name, type="long_text" if long else "text", options={})


# --- typing cells for fields ----------------------------------------------------------------------------------------


def _number(value: str) -> Any:
    text = value.strip()
    if INT_RE.match(text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return value


def _json_list(value: str) -> list[Any] | None:
    """A cell holding a JSON list (`["a", "b"]`, `[1, 2]`: how export writes lists), else None."""
    if not value.strip().startswith("["):
        return None
    try:
        parsed = json_loads(value)
    except ValueError:  # JsonInputError included: not a list, read as comma-separated values
        return None
    return parsed if isinstance(parsed, list) else None


def _ids(value: Any) -> Any:
    if isinstance(value, str):
        listed = _json_list(value)
        if listed is not None:
            return listed
        parts = [p.strip() for p in value.split(",") if p.strip()]
        return [int(p) if is_digits(p) else p for p in parts]
    return value


def cell_value(field: FieldDef, value: Any) -> Any:
    """A cell converted for `field` (unchanged when it does not convert: validation then reports it)."""
    kind = field.type
    if isinstance(value, datetime):
        return value.date().isoformat() if kind == "date" else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if kind in ("integer", "float"):
        if isinstance(value, str):
            number = _number(value)
            if kind == "integer" and isinstance(number, float) and number.is_integer():
                return int(number)
            return number
        return value
    if kind == "decimal":
        if isinstance(value, float):
            return str(Decimal(repr(value)))
        return str(value).strip() if isinstance(value, str) else value
    if kind == "boolean" and isinstance(value, (str, int)) and not isinstance(value, bool):
        text = str(value).strip().lower()
        return True if text in TRUE else False if text in FALSE else value
    if kind == "json" and isinstance(value, str):
        try:
            return json_loads(value)
        except ValueError:
            return value
    if kind == "multi_select" and isinstance(value, str):
        listed = _json_list(value)
        return listed if listed is not None else [part.strip() for part in value.split(",") if part.strip()]
    if kind == "link":
        if field.options.get("multiple"):
            return _ids(value) if not isinstance(value, list) else value
        if isinstance(value, str) and is_digits(value.strip()):
            return int(value.strip())
        return value
    if kind in TEXT_KINDS and isinstance(value, (bool, int, float, Decimal)):
        return ("true" if value else "false") if isinstance(value, bool) else str(value)
    return value


def row_values(row: dict[str, Any], mapping: dict[str, FieldDef]) -> dict[str, Any]:
    """The record for one file row: mapped columns, empty cells omitted, cells typed for their field."""
    out: dict[str, Any] = {}
    for column, field in mapping.items():
        value = row.get(column)
        if _empty(value):
            continue
        out[field.name] = cell_value(field, value)
    return out
