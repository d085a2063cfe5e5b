"""Number types: integer (64-bit), decimal (precision and scale), float; the renderer's number limits."""

import json
import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation, localcontext
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models

from ..base import (
    COMPARISON,
    FieldType,
    FieldValueError,
    OptionsContext,
    OptionsError,
)

if TYPE_CHECKING:
    from ...definitions import FieldDef


BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1
# A jsonb number that is a whole number comes back as a JSON integer: integers and whole floats must stay within
# what the renderer writes (64-bit signed; orjson refuses larger integers).
JSON_NUMBER_LIMIT = float(2**63)
# Decimal values and filter operands: PostgreSQL's numeric holds ~131072 digits before the point, 16383 after.
DECIMAL_EXPONENT_LIMIT = 1000


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
        return with_bounds({"type": "integer", "format": "int64"}, field)

    def to_python(self, value: Any, field: "FieldDef") -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldValueError("Expected an integer.")
        if not BIGINT_MIN <= value <= BIGINT_MAX:
            raise FieldValueError("Out of range for a 64-bit integer.")
        return value

    def form_field(self, field: "FieldDef", **common: Any) -> forms.Field:
        return forms.IntegerField(**common)


def decimal_number(value: Any) -> Decimal:
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
        number = decimal_number(value)
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
        return decimal_number(value)

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
        return with_bounds({"type": "number", "format": "double"}, field)

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


def json_scalar(raw: str) -> Any:
    """`5` -> 5, `true` -> True, `1.5` -> 1.5; anything else stays the string (and fails the type's check)."""
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value if isinstance(value, (int, float, bool)) else raw


def with_bounds(schema: dict[str, Any], field: "FieldDef") -> dict[str, Any]:
    if "min" in field.constraints:
        schema["minimum"] = field.constraints["min"]
    if "max" in field.constraints:
        schema["maximum"] = field.constraints["max"]
    if "choices" in field.constraints:
        schema["enum"] = field.constraints["choices"]
    return schema
