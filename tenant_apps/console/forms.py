"""Forms of the console's schema pages. They only shape input; the data_schemas services validate and write."""

from typing import Any

from django import forms

from tenant_apps.data_schemas.definitions import FieldDef, SchemaDefs
from tenant_apps.data_schemas.field_types import field_types
from tenant_apps.data_schemas.field_types.forms import OptionalJSONField
from tenant_apps.data_schemas.services import FieldSpec

JSON_HELP = 'JSON, e.g. {"choices": ["a", "b"]} for selects, {"target": "customers"} for links; empty for none.'


def _json_widget() -> forms.Textarea:
    return forms.Textarea(attrs={"rows": 2, "cols": 60})


class TableForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="a-z, 0-9 and _; starts with a letter (the API path).")
    display_name = forms.CharField(max_length=150, required=False)
    description = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ConfirmForm(forms.Form):
    """Deletions repeat the name of what they delete, as the API's `?confirm=` does."""

    confirm = forms.CharField(max_length=100, label="Type the name to confirm")


class FieldForm(forms.Form):
    name = forms.CharField(max_length=100)
    type = forms.ChoiceField(choices=())
    options = OptionalJSONField(required=False, widget=_json_widget(), help_text=JSON_HELP)
    required = forms.BooleanField(required=False)
    unique = forms.BooleanField(required=False)
    default = OptionalJSONField(
        required=False, widget=_json_widget(), help_text='A JSON value, e.g. "draft", 0 or true; empty for none.'
    )
    constraints = OptionalJSONField(
        required=False, widget=_json_widget(), help_text='JSON, e.g. {"min": 0, "max": 10, "max_length": 80}.'
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [(name, name) for name in field_types.names()]  # type: ignore[attr-defined]

    def _object(self, key: str) -> dict[str, Any]:
        value = self.cleaned_data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError("A JSON object, e.g. {}.")
        return value

    def clean_options(self) -> dict[str, Any]:
        return self._object("options")

    def clean_constraints(self) -> dict[str, Any]:
        return self._object("constraints")

    def spec(self) -> FieldSpec:
        data = self.cleaned_data
        return FieldSpec(
            name=data["name"],
            type=data["type"],
            options=data["options"],
            required=data["required"],
            unique=data["unique"],
            default=data["default"],
            constraints=data["constraints"],
        )


def field_initial(field: FieldDef, defs: SchemaDefs) -> dict[str, Any]:
    """The form's initial values: the definition as the API shows it (links name their target table)."""
    return {
        "name": field.name,
        "type": field.type,
        "options": field.field_type.public_options(field.options, context=defs.options_context()) or None,
        "required": field.required,
        "unique": field.unique,
        "default": field.default,
        "constraints": field.constraints or None,
    }


class FieldEditForm(FieldForm):
    dry_run = forms.BooleanField(
        required=False, label="Dry run", help_text="Only report what a type change would do to the stored values."
    )
    on_invalid = forms.ChoiceField(
        choices=[("refuse", "refuse the change"), ("set_null", "empty them")],
        initial="refuse",
        label="Values that do not convert",
    )

    def changes(self, initial: dict[str, Any]) -> dict[str, Any]:
        """The keys whose value differs from the current definition (the service keeps the others)."""
        data = self.cleaned_data
        compared = {**initial, "options": initial["options"] or {}, "constraints": initial["constraints"] or {}}
        keys = ("name", "type", "options", "required", "unique", "default", "constraints")
        return {key: data[key] for key in keys if data[key] != compared[key]}
