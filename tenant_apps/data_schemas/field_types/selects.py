"""Single and multi select: values from `options.choices` (a list of distinct strings)."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.postgres.fields import ArrayField
from django.db import models

from .base import EQUALITY, SET_OPERATORS, FieldType, FieldValueError, OptionsContext, OptionsError, text_problem

if TYPE_CHECKING:
    from ..definitions import FieldDef

MAX_CHOICES = 500
MAX_CHOICE_LENGTH = 200


def clean_choices(options: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {
        f"options.{key}": ["Unknown option for this type."] for key in sorted(set(options) - {"choices"})
    }
    choices = options.get("choices")
    if not isinstance(choices, list) or not 1 <= len(choices) <= MAX_CHOICES:
        errors["options.choices"] = [f"A list of 1-{MAX_CHOICES} distinct strings."]
    elif not all(isinstance(c, str) and 1 <= len(c) <= MAX_CHOICE_LENGTH and not text_problem(c) for c in choices):
        errors["options.choices"] = [f"Each choice is a string of 1-{MAX_CHOICE_LENGTH} characters."]
    elif len(set(choices)) != len(choices):
        errors["options.choices"] = ["Choices must be distinct."]
    if errors:
        raise OptionsError(errors)
    return {"choices": list(choices)}  # type: ignore[arg-type]


def _choice(value: Any, field: "FieldDef") -> str:
    if not isinstance(value, str) or value not in field.options["choices"]:
        raise FieldValueError(f"Must be one of: {', '.join(field.options['choices'])}.")
    return value


class SingleSelectType(FieldType):
    name = "single_select"
    filter_operators = EQUALITY

    def clean_options(self, options: Mapping[str, Any], *, context: OptionsContext) -> dict[str, Any]:
        return clean_choices(options)

    def sql_type(self, options: Mapping[str, Any]) -> str:
        return "text"

    def model_field(self, field: "FieldDef") -> models.Field:
        return models.TextField(null=True)

    def json_schema(self, field: "FieldDef") -> dict[str, Any]:
        return {"type": "string", "enum": list(field.options["choices"])}

    def to_python(self, value: Any, field: "FieldDef") -> Any:
        return _choice(value, field)

    def text_sql(self, column_sql: str) -> str:
        return f"({column_sql})"

    def from_sql(self, column_sql: str, source: "FieldDef", target: "FieldDef") -> tuple[str, list[Any]]:
        if source.type == "multi_select":
            # A single choice converts; an empty or a multi-valued selection does not.
            return (
                f"CASE WHEN cardinality({column_sql}) = 1 AND {column_sql}[1] = ANY(%s::text[]) "
                f"THEN {column_sql}[1] END",
                [target.options["choices"]],
            )
        text = source.field_type.text_sql(column_sql)
        return f"CASE WHEN {text} = ANY(%s::text[]) THEN {text} END", [target.options["choices"]]

    def form_field(self, field: "FieldDef", **common: Any) -> forms.Field:
        choices = [(choice, choice) for choice in field.options.get("choices", [])]
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)

    def cursor_value(self, raw: Any, field: "FieldDef") -> Any:
        if not isinstance(raw, str):
            raise FieldValueError("Malformed cursor.")
        return raw


class MultiSelectType(FieldType):
    """Stored as `text[]` in the order given, without duplicates."""

    name = "multi_select"
    empty_is_null = True
    sortable_type = False
    unique_type = False
    filter_operators = SET_OPERATORS

    def clean_options(self, options: Mapping[str, Any], *, context: OptionsContext) -> dict[str, Any]:
        return clean_choices(options)

    def sql_type(self, options: Mapping[str, Any]) -> str:
        return "text[]"

    def model_field(self, field: "FieldDef") -> models.Field:
        return ArrayField(models.TextField(), null=True)

    def json_schema(self, field: "FieldDef") -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string", "enum": list(field.options["choices"])}}

    def filter_value(self, value: Any, field: "FieldDef") -> Any:
        """One choice (an item of has_any/has_all)."""
        return _choice(value, field)

    def to_python(self, value: Any, field: "FieldDef") -> Any:
        if not isinstance(value, list):
            raise FieldValueError("Expected a list of choices.")
        out: list[str] = []
        for item in value:
            choice = _choice(item, field)
            if choice not in out:
                out.append(choice)
        return out

    def text_sql(self, column_sql: str) -> str:
        return f"array_to_string({column_sql}, ', ')"

    def from_sql(self, column_sql: str, source: "FieldDef", target: "FieldDef") -> tuple[str, list[Any]]:
        choices = target.options["choices"]
        if source.type == "multi_select":
            return f"CASE WHEN {column_sql} <@ %s::text[] THEN {column_sql} END", [choices]
        text = source.field_type.text_sql(column_sql)
        return f"CASE WHEN {text} = ANY(%s::text[]) THEN ARRAY[{text}] END", [choices]

    def form_field(self, field: "FieldDef", **common: Any) -> forms.Field:
        choices = [(choice, choice) for choice in field.options.get("choices", [])]
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)

    def form_value(self, value: Any) -> Any:
        """An empty selection is a value (no choice), unlike an empty text input."""
        return None if value == "" else value
