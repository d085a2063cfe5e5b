"""Form inputs the field types offer the consoles (see `FieldType.form_field`)."""

from typing import Any

from django import forms

from shared_apps.foundation.numbers import is_digits


class OptionalJSONField(forms.JSONField):
    """JSON input where "no value" is an empty box (not the text `null`)."""

    def prepare_value(self, value: Any) -> Any:
        return "" if value is None else super().prepare_value(value)


class LinkIdsField(forms.CharField):
    """Record ids of a many-to-many link, comma-separated."""

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        parts = [part.strip() for part in str(text).split(",") if part.strip()]
        if not all(is_digits(part) for part in parts):
            raise forms.ValidationError("Record ids separated by commas, e.g. 1, 4, 7.")
        return [int(part) for part in parts]


BOOLEAN_CHOICES = [("", "—"), ("true", "Yes"), ("false", "No")]
