"""Boolean, UUID and JSON types."""

import json
import math
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models

from ..base import (
    EQUALITY,
    FieldType,
    FieldValueError,
    text_problem,
)
from ..forms import BOOLEAN_CHOICES, OptionalJSONField

if TYPE_CHECKING:
    from ...definitions import FieldDef
from .numeric import BIGINT_MAX, BIGINT_MIN, JSON_NUMBER_LIMIT, json_scalar


class BooleanType(FieldType):
    name = "boolean"
    try_function = "nocode_try_boolean"
    unique_type = False
    filter_operators = EQUALITY

    def query_value(self, raw: str) -> Any:
        return json_scalar(raw)

    def sql_type(self, options: Mapping[str, Any]) -> str:
        return "boolean"

    def model_field(self, field: "FieldDef") -> models.Field:
        return models.BooleanField(null=True)

    def json_schema(self, field: "FieldDef") -> dict[str, Any]:
        return {"type": "boolean"}

    def to_python(self, value: Any, field: "FieldDef") -> Any:
        if not isinstance(value, bool):
            raise FieldValueError("Expected true or false.")
        return value

    def text_sql(self, column_sql: str) -> str:
        return f"(CASE WHEN {column_sql} THEN 'true' WHEN NOT {column_sql} THEN 'false' END)"

    def form_field(self, field: "FieldDef", **common: Any) -> forms.Field:
        return forms.TypedChoiceField(
            choices=BOOLEAN_CHOICES, coerce=lambda value: value == "true", empty_value=None, **common
        )

    def form_initial(self, value: Any) -> Any:
        return "true" if value else "false"


class UuidType(FieldType):
    name = "uuid"
    try_function = "nocode_try_uuid"
    filter_operators = EQUALITY

    def sql_type(self, options: Mapping[str, Any]) -> str:
        return "uuid"

    def model_field(self, field: "FieldDef") -> models.Field:
        return models.UUIDField(null=True)

    def json_schema(self, field: "FieldDef") -> dict[str, Any]:
        return {"type": "string", "format": "uuid"}

    def to_python(self, value: Any, field: "FieldDef") -> Any:
        if isinstance(value, str) and len(value) <= 64:
            try:
                return uuid.UUID(value)
            except ValueError:
                pass
        raise FieldValueError("Expected a UUID.")


def _json_check(value: Any, depth: int = 0) -> None:
    """What jsonb stores and the renderer writes back: strings PostgreSQL can hold, finite numbers within 64 bits
    (jsonb gives a whole float back as an integer, so 1e20 is refused like 100000000000000000000)."""
    if depth > 32:
        raise FieldValueError("JSON nested too deeply (32 levels at most).")
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise FieldValueError(problem)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise FieldValueError("Object keys must be strings.")
            problem = text_problem(key)
            if problem:
                raise FieldValueError(problem)
            _json_check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _json_check(item, depth + 1)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not BIGINT_MIN <= value <= BIGINT_MAX:
            raise FieldValueError("Integers must be within the 64-bit signed range (-2^63 to 2^63-1).")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise FieldValueError("Expected finite numbers.")
        if abs(value) >= JSON_NUMBER_LIMIT:
            raise FieldValueError("Numbers must be within the 64-bit signed range (-2^63 to 2^63-1).")
    else:
        raise FieldValueError("Expected a JSON value.")


class JsonType(FieldType):
    name = "json"
    sortable_type = False
    unique_type = False
    filter_operators = frozenset({"is_null"})

    def sql_type(self, options: Mapping[str, Any]) -> str:
        return "jsonb"

    def model_field(self, field: "FieldDef") -> models.Field:
        return models.JSONField(null=True)

    def json_schema(self, field: "FieldDef") -> dict[str, Any]:
        return {"description": "Any JSON value."}

    def to_python(self, value: Any, field: "FieldDef") -> Any:
        _json_check(value)
        return value

    def text_sql(self, column_sql: str) -> str:
        return f"({column_sql} #>> '{{}}')"

    def from_sql(self, column_sql: str, source: "FieldDef", target: "FieldDef") -> tuple[str, list[Any]]:
        """Numbers of 2^63 or more in magnitude do not convert (jsonb would give them back as integers the renderer
        cannot write, as for values written through the API)."""
        if source.type in ("decimal", "float"):
            return f"CASE WHEN abs({column_sql}) < %s THEN to_jsonb({column_sql}) END", [Decimal(2**63)]
        return f"to_jsonb({column_sql})", []

    def form_field(self, field: "FieldDef", **common: Any) -> forms.Field:
        return OptionalJSONField(widget=forms.Textarea(attrs={"rows": 3}), **common)

    def display_text(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, default=str)
