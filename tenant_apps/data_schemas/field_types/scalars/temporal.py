"""Date and date-time types (date-times in UTC, years 1-9999 once converted)."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime

from ..base import (
    COMPARISON,
    FieldType,
    FieldValueError,
)

if TYPE_CHECKING:
    from ...definitions import FieldDef


class DateType(FieldType):
    name = "date"
    try_function = "nocode_try_date"
    allowed_constraints = frozenset({"min", "max"})
    filter_operators = COMPARISON

    def sql_type(self, options: Mapping[str, Any]) -> str:
        return "date"

    def model_field(self, field: "FieldDef") -> models.Field:
        return models.DateField(null=True)

    def json_schema(self, field: "FieldDef") -> dict[str, Any]:
        return {"type": "string", "format": "date"}

    def to_python(self, value: Any, field: "FieldDef") -> Any:
        if isinstance(value, str) and len(value) == 10:
            try:
                parsed = parse_date(value)
            except ValueError:
                parsed = None
            if parsed is not None:
                return parsed
        raise FieldValueError("Expected a date as YYYY-MM-DD.")

    def text_sql(self, column_sql: str) -> str:
        return f"to_char({column_sql}, 'YYYY-MM-DD')"

    def form_field(self, field: "FieldDef", **common: Any) -> forms.Field:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)


class DateTimeType(FieldType):
    name = "datetime"
    try_function = "nocode_try_timestamptz"
    allowed_constraints = frozenset({"min", "max"})
    filter_operators = COMPARISON

    def sql_type(self, options: Mapping[str, Any]) -> str:
        return "timestamptz"

    def model_field(self, field: "FieldDef") -> models.Field:
        return models.DateTimeField(null=True)

    def json_schema(self, field: "FieldDef") -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}

    def to_python(self, value: Any, field: "FieldDef") -> Any:
        """ISO 8601; a value without a UTC offset is taken as UTC. Stored and returned in UTC."""
        parsed: datetime | None = None
        if isinstance(value, str) and len(value) <= 40:
            try:
                parsed = parse_datetime(value)
            except ValueError:
                parsed = None
        if parsed is None:
            raise FieldValueError("Expected an ISO 8601 date-time, e.g. 2024-05-01T12:30:00Z.")
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:  # e.g. 9999-12-31T23:59:59-10:00 is in year 10000 in UTC
            raise FieldValueError("Out of range: the date-time in UTC must be within years 1-9999.") from None

    def _bound(self, raw: Any, field: "FieldDef") -> Any:
        return self.to_python(raw, field)

    def text_sql(self, column_sql: str) -> str:
        return f"to_char({column_sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

    def form_field(self, field: "FieldDef", **common: Any) -> forms.Field:
        common["help_text"] = f"{common.get('help_text', '')} · UTC"
        return forms.CharField(widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}), **common)
