"""Links to records of another table of the project (or the same one).

Options: `{"target": "<table name>", "multiple": false}`; stored as `{"target_table_id": <id>, "multiple": ...}` so
a rename of the target keeps the link. Many-to-one (`multiple: false`): a `bigint` column with a foreign key
(`ON DELETE SET NULL`); the value is the target record's id. Many-to-many (`multiple: true`): a join table
`t_<table id>__<field id>` (source_id, target_id; both `ON DELETE CASCADE`); the value is a list of ids.
A link never changes type, nor target.
"""

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models

from shared_apps.foundation.numbers import is_digits

from .base import EQUALITY, SET_OPERATORS, FieldType, FieldValueError, OptionsContext, OptionsError
from .forms import LinkIdsField

if TYPE_CHECKING:
    from ..definitions import FieldDef


def _record_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**63 - 1:
        raise FieldValueError("Expected a record id (a positive integer).")
    return value


class LinkType(FieldType):
    name = "link"
    links_records = True
    convertible = False
    supports_default = False
    filter_operators = EQUALITY | SET_OPERATORS

    def clean_options(self, options: Mapping[str, Any], *, context: OptionsContext) -> dict[str, Any]:
        errors: dict[str, list[str]] = {
            f"options.{key}": ["Unknown option for this type."]
            for key in sorted(set(options) - {"target", "multiple", "target_table_id"})
        }
        multiple = options.get("multiple", False)
        if not isinstance(multiple, bool):
            errors["options.multiple"] = ["true or false."]
        target = None
        if "target_table_id" in options and "target" not in options:  # an already stored definition
            target = context.table_by_id(options["target_table_id"])
        elif isinstance(options.get("target"), str):
            target = context.table_by_name(options["target"])
        if target is None:
            errors["options.target"] = [f"The name of an existing table of {context.tables_of}."]
        if errors:
            raise OptionsError(errors)
        assert target is not None
        return {"target_table_id": target.id, "multiple": multiple}

    def public_options(self, options: Mapping[str, Any], *, context: OptionsContext) -> dict[str, Any]:
        target = context.table_by_id(options["target_table_id"])
        return {"target": target.name if target else None, "multiple": options["multiple"]}

    def has_column(self, options: Mapping[str, Any]) -> bool:
        return not options.get("multiple", False)

    def sortable(self, options: Mapping[str, Any]) -> bool:
        return not options.get("multiple", False)

    def supports_unique(self, options: Mapping[str, Any]) -> bool:
        return not options.get("multiple", False)

    def operators(self, options: Mapping[str, Any]) -> frozenset[str]:
        return SET_OPERATORS if options.get("multiple", False) else EQUALITY

    def sql_type(self, options: Mapping[str, Any]) -> str:
        return "bigint"

    def model_field(self, field: "FieldDef") -> models.Field:
        return models.BigIntegerField(null=True)

    def json_schema(self, field: "FieldDef") -> dict[str, Any]:
        if field.options["multiple"]:
            return {"type": "array", "items": {"type": "integer", "format": "int64"}}
        return {"type": "integer", "format": "int64"}

    def query_value(self, raw: str) -> Any:
        return int(raw) if is_digits(raw) else raw

    def filter_value(self, value: Any, field: "FieldDef") -> Any:
        """A record id (the operand of eq/in on a many-to-one link, or an item of has_any/has_all)."""
        return _record_id(value)

    def to_python(self, value: Any, field: "FieldDef") -> Any:
        """A record id (many-to-one) or a list of distinct ids (many-to-many); existence is checked in batch."""
        if not field.options["multiple"]:
            return _record_id(value)
        if not isinstance(value, list):
            raise FieldValueError("Expected a list of record ids.")
        if len(value) > 1000:
            raise FieldValueError("At most 1000 linked records.")
        out: list[int] = []
        for item in value:
            record_id = _record_id(item)
            if record_id not in out:
                out.append(record_id)
        return out

    def form_field(self, field: "FieldDef", **common: Any) -> forms.Field:
        if field.options.get("multiple"):
            return LinkIdsField(**common)
        return forms.IntegerField(min_value=1, **common)

    def form_help(self, field: "FieldDef", *, table_name: Callable[[int], str | None]) -> str:
        target = table_name(field.options.get("target_table_id", 0)) or "?"
        if field.options.get("multiple"):
            return f"ids of records of '{target}', comma-separated"
        return f"id of a record of '{target}'"

    def form_initial(self, value: Any) -> Any:
        return ", ".join(str(item) for item in value) if isinstance(value, list) else value
