"""Scalar field types: text, long text, email, url, integer, decimal, float, boolean, date, datetime, uuid, json."""

import json
import math
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation, localcontext
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime

from .base import (
    COMPARISON,
    EQUALITY,
    TEXTUAL,
    FieldType,
    FieldValueError,
    OptionsContext,
    OptionsError,
    text_problem,
)
from .forms import BOOLEAN_CHOICES, OptionalJSONField

if TYPE_CHECKING:
    from ..definitions import FieldDef

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1
# A jsonb number that is a whole number comes back as a JSON integer: integers and whole floats must stay within
# what the renderer writes (64-bit signed; orjson refuses larger integers).
JSON_NUMBER_LIMIT = float(2**63)
# Decimal values and filter operands: PostgreSQL's numeric holds ~131072 digits before the point, 16383 after.
DECIMAL_EXPONENT_LIMIT = 1000


def _text_value(value: Any) -> str:
    if not isinstance(value, str):
        raise FieldValueError("Expected a string.")
    problem = text_problem(value)
    if problem:
        raise FieldValueError(problem)
    return value


class TextType(FieldType):
    name = "text"
    allowed_constraints = frozenset({"max_length", "regex", "choices"})
    filter_operators = COMPARISON | TEXTUAL

    def sql_type(self, options: Mapping[str, Any]) -> str:
        return "text"

    def model_field(self, field: "FieldDef") -> models.Field:
        return models.TextField(null=True)

    def json_schema(self, field: "FieldDef") -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if "max_length" in field.constraints:
            schema["maxLength"] = field.constraints["max_length"]
        if "choices" in field.constraints:
            schema["enum"] = field.constraints["choices"]
        return schema

    def to_python(self, value: Any, field: "FieldDef") -> Any:
        return _text_value(value)

    def filter_value(self, value: Any, field: "FieldDef") -> Any:
        """Any string: `eq "abc"` on an email field is a valid question, answered with no match."""
        return _text_value(value)

    def from_sql(self, column_sql: str, source: "FieldDef", target: "FieldDef") -> tuple[str, list[Any]]:
        return source.field_type.text_sql(column_sql), []

    def form_field(self, field: "FieldDef", **common: Any) -> forms.Field:
        return forms.CharField(strip=False, **common)

    def cursor_value(self, raw: Any, field: "FieldDef") -> Any:
        if not isinstance(raw, str):
            raise FieldValueError("Malformed cursor.")
        return raw


class LongTextType(TextType):
    name = "long_text"

    def form_field(self, field: "FieldDef", **common: Any) -> forms.Field:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), strip=False, **common)


class CheckedTextType(TextType):
    """Text that must match a format: Django's validator on writes, a SQL pattern when a field changes to the type
    (values that do not match become NULL, or refuse the change)."""

    _validator: Any
    invalid_message: str
    json_format: str
    SQL_PATTERN: str
    max_length_sql: int | None = None

    def json_schema(self, field: "FieldDef") -> dict[str, Any]:
        return {**super().json_schema(field), "format": self.json_format}

    def to_python(self, value: Any, field: "FieldDef") -> Any:
        text = _text_value(value)
        try:
            self._validator(text)
        except ValidationError:
            raise FieldValueError(self.invalid_message) from None
        return text

    def from_sql(self, column_sql: str, source: "FieldDef", target: "FieldDef") -> tuple[str, list[Any]]:
        text = source.field_type.text_sql(column_sql)
        length = f" AND length({text}) <= {int(self.max_length_sql)}" if self.max_length_sql else ""
        return f"CASE WHEN {text} ~* %s{length} THEN {text} END", [self.SQL_PATTERN]

    def form_field(self, field: "FieldDef", **common: Any) -> forms.Field:
        return forms.CharField(**common)


class EmailType(CheckedTextType):
    name = "email"
    allowed_constraints = frozenset({"max_length", "regex", "choices"})
    unique_casefold = True  # W@EXAMPLE.COM is w@example.com for uniqueness (stored as given)
    _validator = EmailValidator()
    invalid_message = "Enter a valid email address."
    json_format = "email"
    # Close to Django's EmailValidator; used to check existing values when a field becomes an email field.
    SQL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    max_length_sql = 254


class UrlType(CheckedTextType):
    name = "url"
    _validator = URLValidator(schemes=["http", "https"])
    invalid_message = "Enter a valid http(s) URL."
    json_format = "uri"
    SQL_PATTERN = r"^https?://[^\s/?#]+\.[^\s]*$|^https?://localhost([:/?#][^\s]*)?$"


class IntegerType(FieldType):
    name = "integer"
    try_function = "nocode_try_bigint"
    allowed_constraints = frozenset({"min", "max", "choices"})
    filter_operators = COMPARISON

    def query_value(self, raw: str) -> Any:
        return json_scalar(raw)

    def sql_type(self, options: Mapping[str, Any]) -> str:
        return "bigint"

    def model_field(self, field: "FieldDef") -> models.Field:
        return models.BigIntegerField(null=True)

    def json_schema(self, field: "FieldDef") -> dict[str, Any]:
        return _with_bounds({"type": "integer", "format": "int64"}, field)

    def to_python(self, value: Any, field: "FieldDef") -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldValueError("Expected an integer.")
        if not BIGINT_MIN <= value <= BIGINT_MAX:
            raise FieldValueError("Out of range for a 64-bit integer.")
        return value

    def form_field(self, field: "FieldDef", **common: Any) -> forms.Field:
        return forms.IntegerField(**common)


def _decimal_number(value: Any) -> Decimal:
    """A finite Decimal from a JSON number or string, with an exponent PostgreSQL's numeric (and Python's decimal
    arithmetic) can work with; FieldValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or len(str(value)) > 100:
        raise FieldValueError("Expected a decimal number (a JSON number or a string).")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation:
        raise FieldValueError("Expected a decimal number.") from None
    if not number.is_finite():
        raise FieldValueError("Expected a finite decimal number.")
    exponent = int(number.as_tuple().exponent)
    if abs(number.adjusted()) > DECIMAL_EXPONENT_LIMIT or abs(exponent) > DECIMAL_EXPONENT_LIMIT:
        raise FieldValueError(f"Out of range (exponents from -{DECIMAL_EXPONENT_LIMIT} to {DECIMAL_EXPONENT_LIMIT}).")
    return number


class DecimalType(FieldType):
    """Exact numbers: `precision` digits in all (1-38, default 12), `scale` of them after the point (default 2).

    Values are accepted as JSON numbers or strings and returned as strings (no float rounding in clients).
    """

    name = "decimal"
    allowed_constraints = frozenset({"min", "max", "choices"})
    filter_operators = COMPARISON

    def clean_options(self, options: Mapping[str, Any], *, context: OptionsContext) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        unknown = set(options) - {"precision", "scale"}
        for key in sorted(unknown):
            errors[f"options.{key}"] = ["Unknown option for this type."]
        precision = options.get("precision", 12)
        scale = options.get("scale", 2)
        if not isinstance(precision, int) or isinstance(precision, bool) or not 1 <= precision <= 38:
            errors["options.precision"] = ["An integer from 1 to 38."]
        elif not isinstance(scale, int) or isinstance(scale, bool) or not 0 <= scale <= precision:
            errors["options.scale"] = [f"An integer from 0 to the precision ({precision})."]
        if errors:
            raise OptionsError(errors)
        return {"precision": precision, "scale": scale}

    def sql_type(self, options: Mapping[str, Any]) -> str:
        return f"numeric({int(options['precision'])},{int(options['scale'])})"

    def model_field(self, field: "FieldDef") -> models.Field:
        return models.DecimalField(
            null=True, max_digits=field.options["precision"], decimal_places=field.options["scale"]
        )

    def json_schema(self, field: "FieldDef") -> dict[str, Any]:
        pattern = r"^-?\d+(\.\d+)?$"
        return {"type": "string", "format": "decimal", "pattern": pattern, "example": "12.50"}

    def to_python(self, value: Any, field: "FieldDef") -> Any:
        number = _decimal_number(value)
        precision, scale = field.options["precision"], field.options["scale"]
        with localcontext() as context:
            context.prec = 100
            if abs(number) >= Decimal(10) ** (precision - scale):
                raise FieldValueError(f"At most {precision - scale} digits before the decimal point.")
            rounded = number.quantize(Decimal(1).scaleb(-scale))
            if rounded != number:
                raise FieldValueError(f"At most {scale} decimal places.")
        return rounded

    def filter_value(self, value: Any, field: "FieldDef") -> Any:
        """Any finite decimal number (a filter may compare with more decimal places than the field stores)."""
        return _decimal_number(value)

    def from_sql(self, column_sql: str, source: "FieldDef", target: "FieldDef") -> tuple[str, list[Any]]:
        text = source.field_type.text_sql(column_sql)
        return f"pg_temp.nocode_try_numeric({text}, %s, %s)", [target.options["precision"], target.options["scale"]]


class FloatType(FieldType):
    name = "float"
    try_function = "nocode_try_float"
    allowed_constraints = frozenset({"min", "max"})
    filter_operators = COMPARISON

    def query_value(self, raw: str) -> Any:
        return json_scalar(raw)

    def sql_type(self, options: Mapping[str, Any]) -> str:
        return "double precision"

    def model_field(self, field: "FieldDef") -> models.Field:
        return models.FloatField(null=True)

    def json_schema(self, field: "FieldDef") -> dict[str, Any]:
        return _with_bounds({"type": "number", "format": "double"}, field)

    def to_python(self, value: Any, field: "FieldDef") -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise FieldValueError("Expected a number.")
        try:
            number = float(value)
        except OverflowError:
            raise FieldValueError("Out of range for a 64-bit float.") from None
        if not math.isfinite(number):
            raise FieldValueError("Expected a finite number.")
        return number

    def form_field(self, field: "FieldDef", **common: Any) -> forms.Field:
        return forms.FloatField(**common)


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


def json_scalar(raw: str) -> Any:
    """`5` -> 5, `true` -> True, `1.5` -> 1.5; anything else stays the string (and fails the type's check)."""
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value if isinstance(value, (int, float, bool)) else raw


def _with_bounds(schema: dict[str, Any], field: "FieldDef") -> dict[str, Any]:
    if "min" in field.constraints:
        schema["minimum"] = field.constraints["min"]
    if "max" in field.constraints:
        schema["maximum"] = field.constraints["max"]
    if "choices" in field.constraints:
        schema["enum"] = field.constraints["choices"]
    return schema


__all__ = [
    "BooleanType",
    "DateTimeType",
    "DateType",
    "DecimalType",
    "EmailType",
    "FloatType",
    "IntegerType",
    "JsonType",
    "LongTextType",
    "TextType",
    "UrlType",
    "UuidType",
]
