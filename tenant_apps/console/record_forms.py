"""The add/edit form of a record, generated from the table's field definitions.

The form only turns HTML inputs into the JSON values the records API takes (numbers, booleans, lists, ISO dates);
types, required values, constraints and links are validated by the records services, whose errors are put back
on the form fields they name. Every input is optional here for that reason. `file` fields are uploaded (and
cleared) through the records file services after the record is written.
"""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from shared_apps.foundation.numbers import is_digits
from tenant_apps.data_schemas.definitions import FieldDef, SchemaDefs, TableDef

from .forms import OptionalJSONField

CLEAR_SUFFIX = "__clear"  # never a field name: field names have no "__"
BOOLEAN_CHOICES = [("", "—"), ("true", "Yes"), ("false", "No")]


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


def _help(field: FieldDef, defs: SchemaDefs) -> str:
    kind = field.type
    if field.type == "link":
        target = defs.tables_by_id.get(field.options.get("target_table_id", 0))
        target_name = target.name if target else "?"
        kind = (
            f"ids of records of '{target_name}', comma-separated"
            if field.options.get("multiple")
            else (f"id of a record of '{target_name}'")
        )
    return f"{kind}{' · required' if field.required else ''}{' · unique' if field.unique else ''}"


def form_field(field: FieldDef, defs: SchemaDefs) -> forms.Field:
    """The HTML input of one field definition (never required here: the records services decide)."""
    common: dict[str, Any] = {"required": False, "label": field.name, "help_text": _help(field, defs)}
    kind = field.type
    if kind == "long_text":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), strip=False, **common)
    if kind == "integer":
        return forms.IntegerField(**common)
    if kind == "float":
        return forms.FloatField(**common)
    if kind == "boolean":
        return forms.TypedChoiceField(
            choices=BOOLEAN_CHOICES, coerce=lambda value: value == "true", empty_value=None, **common
        )
    if kind == "date":
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == "datetime":
        common["help_text"] += " · UTC"
        return forms.CharField(widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}), **common)
    if kind in ("single_select", "multi_select"):
        choices = [(choice, choice) for choice in field.options.get("choices", [])]
        if kind == "multi_select":
            return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if kind == "json":
        return OptionalJSONField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind == "link":
        if field.options.get("multiple"):
            return LinkIdsField(**common)
        return forms.IntegerField(min_value=1, **common)
    if kind == "file":
        return forms.FileField(**common)
    return forms.CharField(strip=kind != "text", **common)  # text, email, url, uuid, and types added later


def initial_value(field: FieldDef, value: Any) -> Any:
    """A stored value (as the records selectors return it) in the form's input format."""
    if value is None or field.type == "file":
        return None
    if field.type == "boolean":
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if field.type == "link" and isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return value


class RecordForm(forms.Form):
    """Built by `record_form` for one table version."""

    table: TableDef

    def value_fields(self) -> list[FieldDef]:
        return [f for f in self.table.fields if f.type != "file"]

    def file_fields(self) -> list[FieldDef]:
        return [f for f in self.table.fields if f.type == "file"]

    def record_data(self, *, only_changed: bool) -> dict[str, Any]:
        """The JSON body for the records services: a create omits empty inputs (defaults apply); an edit sends the
        inputs that changed, an emptied one as null."""
        data: dict[str, Any] = {}
        changed = set(self.changed_data)
        for field in self.value_fields():
            value = self.cleaned_data.get(field.name)
            if value == "" or (value == [] and field.type != "multi_select"):
                value = None
            if only_changed:
                if field.name in changed:
                    data[field.name] = value
            elif value is not None and value != []:
                data[field.name] = value
        return data

    def uploads(self) -> dict[str, UploadedFile]:
        return {f.name: self.cleaned_data[f.name] for f in self.file_fields() if self.cleaned_data.get(f.name)}

    def cleared(self) -> list[str]:
        return [f.name for f in self.file_fields() if self.cleaned_data.get(f"{f.name}{CLEAR_SUFFIX}")]


def record_form(defs: SchemaDefs, table: TableDef, *, record: dict[str, Any] | None = None) -> type[RecordForm]:
    """A form class for `table`; with `record`, file fields show the current file and a "clear" box."""
    attrs: dict[str, Any] = {"table": table}
    for field in table.fields:
        attrs[field.name] = form_field(field, defs)
        if field.type == "file" and record is not None and record.get(field.name):
            current = record[field.name]
            attrs[field.name].help_text = f"current: {current.get('name')} ({current.get('size')} bytes)"
            attrs[f"{field.name}{CLEAR_SUFFIX}"] = forms.BooleanField(required=False, label=f"clear {field.name}")
    return type(f"RecordForm_{table.name}", (RecordForm,), attrs)


def record_initial(table: TableDef, record: dict[str, Any]) -> dict[str, Any]:
    return {f.name: initial_value(f, record.get(f.name)) for f in table.fields}


def cell_text(field: FieldDef | None, value: Any, *, limit: int = 80) -> str:
    """A value as shown in the records table."""
    if value is None:
        return ""
    if field is not None and field.type == "file":
        return str(value.get("name") or "file") if isinstance(value, dict) else ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    elif isinstance(value, list) and not (field is not None and field.type == "json"):
        text = ", ".join(str(item) for item in value)
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
