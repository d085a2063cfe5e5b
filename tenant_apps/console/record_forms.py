"""The add/edit form of a record, generated from the table's field definitions.

The form only turns HTML inputs into the JSON values the records API takes (numbers, booleans, lists, ISO dates);
types, required values, constraints and links are validated by the records services, whose errors are put back
on the form fields they name. Every input is optional here for that reason. `file` fields are uploaded (and
cleared) through the records file services after the record is written.
"""

import json
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from tenant_apps.data_schemas.definitions import FieldDef, SchemaDefs, TableDef

CLEAR_SUFFIX = "__clear"  # never a field name: field names have no "__"


def _help(field: FieldDef, defs: SchemaDefs) -> str:
    def table_name(table_id: int) -> str | None:
        target = defs.tables_by_id.get(table_id)
        return target.name if target else None

    kind = field.field_type.form_help(field, table_name=table_name)
    return f"{kind}{' · required' if field.required else ''}{' · unique' if field.unique else ''}"


def form_field(field: FieldDef, defs: SchemaDefs) -> forms.Field:
    """The HTML input of one field definition (never required here: the records services decide)."""
    return field.field_type.form_field(field, required=False, label=field.name, help_text=_help(field, defs))


def initial_value(field: FieldDef, value: Any) -> Any:
    """A stored value (as the records selectors return it) in the form's input format."""
    return None if value is None else field.field_type.form_initial(value)


class RecordForm(forms.Form):
    """Built by `record_form` for one table version."""

    table: TableDef

    def value_fields(self) -> list[FieldDef]:
        return [f for f in self.table.fields if not f.field_type.stores_files]

    def file_fields(self) -> list[FieldDef]:
        return [f for f in self.table.fields if f.field_type.stores_files]

    def record_data(self, *, only_changed: bool) -> dict[str, Any]:
        """The JSON body for the records services: a create omits empty inputs (defaults apply); an edit sends the
        inputs that changed, an emptied one as null."""
        data: dict[str, Any] = {}
        changed = set(self.changed_data)
        for field in self.value_fields():
            value = field.field_type.form_value(self.cleaned_data.get(field.name))
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
        if field.field_type.stores_files and record is not None and record.get(field.name):
            current = record[field.name]
            attrs[field.name].help_text = f"current: {current.get('name')} ({current.get('size')} bytes)"
            attrs[f"{field.name}{CLEAR_SUFFIX}"] = forms.BooleanField(required=False, label=f"clear {field.name}")
    return type(f"RecordForm_{table.name}", (RecordForm,), attrs)


def record_initial(table: TableDef, record: dict[str, Any]) -> dict[str, Any]:
    return {f.name: initial_value(f, record.get(f.name)) for f in table.fields}


def cell_text(field: FieldDef | None, value: Any, *, limit: int = 80) -> str:
    """A value as shown in the records table (`field` None: a column the table no longer defines)."""
    if value is None:
        return ""
    if field is not None:
        text = field.field_type.display_text(value)
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
