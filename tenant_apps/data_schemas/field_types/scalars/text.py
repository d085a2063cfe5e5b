"""Text types: text, long text, and the checked formats e-mail and URL."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import models

from ..base import (
    COMPARISON,
    TEXTUAL,
    FieldType,
    FieldValueError,
    text_problem,
)

if TYPE_CHECKING:
    from ...definitions import FieldDef


def text_value(value: Any) -> str:
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
        return text_value(value)

    def filter_value(self, value: Any, field: "FieldDef") -> Any:
        """Any string: `eq "abc"` on an email field is a valid question, answered with no match."""
        return text_value(value)

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
        text = text_value(value)
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
