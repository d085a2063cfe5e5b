"""Keyset (cursor) pagination: the cursor holds the sort values of the last row returned, so the next page starts
strictly after it whatever was inserted or deleted meanwhile (no duplicates, no skipped rows).

A cursor is opaque base64url JSON `{"s": "<sort>", "v": [<values>]}` where the values follow the sort keys (which
always end with `id`). PostgreSQL orders NULLs last ascending and first descending; the "after" condition follows.
"""

import base64
import binascii
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import Q

from shared_apps.foundation.exceptions import ValidationFailed
from shared_apps.foundation.jsoncodec import json_loads
from tenant_apps.data_schemas.definitions import TableDef
from tenant_apps.data_schemas.field_types import FieldValueError
from tenant_apps.records.codes import RecordsCode

from .params import SortKey


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    return value


def sort_signature(sort: list[SortKey]) -> str:
    return ",".join(str(key) for key in sort)


def cursor_encode(sort: list[SortKey], row: dict[str, Any]) -> str:
    payload = {"s": sort_signature(sort), "v": [_jsonable(row[key.field]) for key in sort]}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid(reason: str) -> ValidationFailed:
    return ValidationFailed("Invalid cursor.", code=RecordsCode.INVALID_CURSOR, fields={"cursor": [reason]})


def _value(table: TableDef, name: str, raw: Any) -> Any:
    if raw is None:
        return None
    if name == "id":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise _invalid("Malformed cursor.")
        return raw
    if name in ("created_at", "updated_at"):
        from tenant_apps.data_schemas.field_types.scalars import DateTimeType

        return DateTimeType().to_python(raw, None)  # type: ignore[arg-type]
    field = table.field(name)
    if field is None:
        raise _invalid("The cursor names an unknown field.")
    return field.field_type.cursor_value(raw, field)


def cursor_decode(table: TableDef, sort: list[SortKey], cursor: str) -> list[Any]:
    try:
        payload = json_loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise _invalid("Malformed cursor.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("v"), list):
        raise _invalid("Malformed cursor.")
    if payload.get("s") != sort_signature(sort):
        raise _invalid("This cursor was made for another sort; start again without a cursor.")
    if len(payload["v"]) != len(sort):
        raise _invalid("Malformed cursor.")
    try:
        return [_value(table, key.field, raw) for key, raw in zip(sort, payload["v"], strict=True)]
    except FieldValueError:
        raise _invalid("Malformed cursor.") from None


def _after(key: SortKey, value: Any) -> Q:
    name = key.field
    if key.descending:  # NULLS FIRST
        return Q(**{f"{name}__isnull": False}) if value is None else Q(**{f"{name}__lt": value})
    if value is None:  # ascending, NULLS LAST: nothing comes after NULL
        return Q(pk__in=[])
    return Q(**{f"{name}__gt": value}) | Q(**{f"{name}__isnull": True})


def _equal(key: SortKey, value: Any) -> Q:
    if value is None:
        return Q(**{f"{key.field}__isnull": True})
    return Q(**{key.field: value})


def keyset_after(sort: list[SortKey], values: list[Any]) -> Q:
    """Rows strictly after `values` in the order `sort`."""
    condition = Q(pk__in=[])
    prefix = Q()
    for key, value in zip(sort, values, strict=True):
        condition |= prefix & _after(key, value)
        prefix &= _equal(key, value)
    return condition
