"""Scalar field types: text, long text, email, url, integer, decimal, float, boolean, date, datetime, uuid, json."""

from .numeric import (
    BIGINT_MAX,
    BIGINT_MIN,
    DECIMAL_EXPONENT_LIMIT,
    JSON_NUMBER_LIMIT,
    DecimalType,
    FloatType,
    IntegerType,
    json_scalar,
)
from .other import BooleanType, JsonType, UuidType
from .temporal import DateTimeType, DateType
from .text import CheckedTextType, EmailType, LongTextType, TextType, UrlType

__all__ = [
    "BIGINT_MAX",
    "BIGINT_MIN",
    "DECIMAL_EXPONENT_LIMIT",
    "JSON_NUMBER_LIMIT",
    "BooleanType",
    "CheckedTextType",
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
    "json_scalar",
]
