"""The contract of a field type. One subclass per type, registered in `field_types` (see __init__.py).

A type owns: its options (validated/normalised), the physical SQL type, the Django model field of the run-time
model, value validation/coercion (`to_python`, raising `FieldValueError` with a message for the client), the JSON
output, the SQL used when a field changes type, the JSON schema (OpenAPI), the filter operators it supports, and
its input and display in the console. Code elsewhere asks the type (`field.field_type....`), never `field.type`.
"""

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from django import forms
from django.db import models

if TYPE_CHECKING:
    from ..definitions import FieldDef


_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored in PostgreSQL text (NUL, lone surrogates), None when it can."""
    if "\x00" in value:
        return "Must not contain NUL characters."
    if _SURROGATE.search(value):
        return "Must be valid Unicode (no lone surrogates)."
    return None


class FieldValueError(ValueError):
    """A value that does not fit a field; `str(exc)` is shown to the client."""


class OptionsError(ValueError):
    """Invalid type options or constraints: `errors` maps a key (e.g. `options.precision`) to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("Invalid field definition.")
        self.errors = errors


class NotConvertible(ValueError):
    """A type change that cannot be made whatever the data (e.g. to or from a link)."""


@dataclass(frozen=True)
class TableRef:
    """What a field type may know about another table of the project (link targets)."""

    id: int
    name: str
    physical: str


@dataclass(frozen=True)
class OptionsContext:
    """Resolves table names for link options; `table_id` is the table being defined (None while creating it);
    `tables_of` names where the tables come from in messages ("this project", "the spec")."""

    table_by_name: Callable[[str], TableRef | None]
    table_by_id: Callable[[int], TableRef | None]
    table_id: int | None
    tables_of: str = "this project"


# Operators the query language understands; each type declares the subset it supports (the filter engine of the
# records API reads `FieldType.filter_operators`).
COMPARISON = frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "between", "is_null"})
TEXTUAL = frozenset({"eq", "ne", "in", "not_in", "contains", "icontains", "starts_with", "ends_with", "is_null"})
EQUALITY = frozenset({"eq", "ne", "in", "not_in", "is_null"})
SET_OPERATORS = frozenset({"has_any", "has_all", "is_null"})


class FieldType:
    name: ClassVar[str]
    sortable_type: ClassVar[bool] = True
    unique_type: ClassVar[bool] = True
    supports_default: ClassVar[bool] = True
    # Unique values compare without case (a unique index on lower(column) besides the constraint): e-mail.
    unique_casefold: ClassVar[bool] = False
    # Values accepted in JSON writes (False for files, which are uploaded).
    writable: ClassVar[bool] = True
    # Constraint keys this type accepts: min, max, max_length, regex, choices.
    allowed_constraints: ClassVar[frozenset[str]] = frozenset()
    filter_operators: ClassVar[frozenset[str]] = frozenset()
    # True when `to_json` must run on every value read (most values go to the renderer as they are).
    converts_output: ClassVar[bool] = False
    # Values are uploaded files (stored outside the database, removed with the field or the record).
    stores_files: ClassVar[bool] = False
    # Values are ids of records of another table (options `target_table_id`, `multiple`).
    links_records: ClassVar[bool] = False
    # `is_null` also matches an empty value (a multi-select with no choice).
    empty_is_null: ClassVar[bool] = False
    # Link and file values cannot change type (their storage is not a plain column value).
    convertible: ClassVar[bool] = True
    # The pg_temp.nocode_try_* helper (shared_apps/foundation/db/ddl.py) that converts text into this type, NULL when a
    # value does not convert; None: `from_sql` refuses or is overridden.
    try_function: ClassVar[str | None] = None

    # --- definition ----------------------------------------------------------------------------------------------

    def has_column(self, options: Mapping[str, Any]) -> bool:
        """Stored in a column of the record table (a many-to-many link lives in a join table instead)."""
        return True

    def sortable(self, options: Mapping[str, Any]) -> bool:
        return self.sortable_type

    def supports_unique(self, options: Mapping[str, Any]) -> bool:
        return self.unique_type

    def operators(self, options: Mapping[str, Any]) -> frozenset[str]:
        """Filter operators supported by a field with these options."""
        return self.filter_operators

    def clean_options(self, options: Mapping[str, Any], *, context: OptionsContext) -> dict[str, Any]:
        """Validate and normalise type options; raise OptionsError naming `options.<key>`."""
        if options:
            raise OptionsError({f"options.{key}": ["Unknown option for this type."] for key in options})
        return {}

    def public_options(self, options: Mapping[str, Any], *, context: OptionsContext) -> dict[str, Any]:
        """Options as the API shows them (links show the target table's name, not its id)."""
        return dict(options)

    def sql_type(self, options: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def model_field(self, field: "FieldDef") -> models.Field:
        raise NotImplementedError

    def json_schema(self, field: "FieldDef") -> dict[str, Any]:
        """JSON schema of the value (used by the per-project OpenAPI document)."""
        return {}

    # --- values --------------------------------------------------------------------------------------------------

    def to_python(self, value: Any, field: "FieldDef") -> Any:
        """Coerce a non-null JSON value to what is stored; raise FieldValueError with a message for the client."""
        raise NotImplementedError

    def filter_value(self, value: Any, field: "FieldDef") -> Any:
        """Coerce a non-null operand of a filter (eq, gt, in items, ...); FieldValueError names the problem.

        Like `to_python` but without write-only rules (constraints are not applied to filters)."""
        return self.to_python(value, field)

    def cursor_value(self, raw: Any, field: "FieldDef") -> Any:
        """A sort value read back from a pagination cursor; FieldValueError when it cannot be one.

        Like `to_python`, but a value that was stored may no longer pass today's write rules (e.g. a choice since
        removed), so text-like types take any string."""
        return self.to_python(raw, field)

    def query_value(self, raw: str) -> Any:
        """The JSON value meant by a query-string operand (`?qty__gt=5`): strings stay strings by default."""
        return raw

    def to_json(self, value: Any, field: "FieldDef", *, table_name: str, record_id: int) -> Any:
        """Output form of a stored value (only called when `converts_output`)."""
        return value

    def unique_key(self, value: Any) -> Any:
        """What a unique value is compared by (`unique_casefold` types: lower case)."""
        return value.lower() if self.unique_casefold and isinstance(value, str) else value

    def check_constraints(self, value: Any, field: "FieldDef") -> list[str]:
        """Messages for constraint violations of a coerced value (regex is checked by the database, in batch)."""
        errors: list[str] = []
        constraints = field.constraints
        if "choices" in constraints and json_value(value) not in constraints["choices"]:
            errors.append(f"Must be one of: {', '.join(str(c) for c in constraints['choices'])}.")
        if "min" in constraints and value < self._bound(constraints["min"], field):
            errors.append(f"Must be at least {constraints['min']}.")
        if "max" in constraints and value > self._bound(constraints["max"], field):
            errors.append(f"Must be at most {constraints['max']}.")
        if "max_length" in constraints and len(value) > constraints["max_length"]:
            errors.append(f"At most {constraints['max_length']} characters.")
        return errors

    def _bound(self, raw: Any, field: "FieldDef") -> Any:
        return self.to_python(raw, field)

    def clean_constraints(self, constraints: Mapping[str, Any], field: "FieldDef") -> dict[str, Any]:
        """Validate constraint values against this type; raise OptionsError naming `constraints.<key>`."""
        errors: dict[str, list[str]] = {}
        cleaned: dict[str, Any] = {}
        for key, raw in constraints.items():
            name = f"constraints.{key}"
            if key not in self.allowed_constraints:
                errors[name] = [f"Not supported by {self.name} fields."]
                continue
            try:
                cleaned[key] = self._clean_constraint(key, raw, field)
            except FieldValueError as exc:
                errors[name] = [str(exc)]
        if "min" in cleaned and "max" in cleaned and "min" not in errors:
            low, high = self._bound(cleaned["min"], field), self._bound(cleaned["max"], field)
            if low > high:
                errors["constraints.min"] = ["Must not exceed max."]
        if errors:
            raise OptionsError(errors)
        return cleaned

    def _clean_constraint(self, key: str, raw: Any, field: "FieldDef") -> Any:
        if key in ("min", "max"):
            if raw is None:
                raise FieldValueError("Must not be null.")
            return json_value(self.to_python(raw, field))
        if key == "max_length":
            if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= 1_000_000:
                raise FieldValueError("An integer from 1 to 1000000.")
            return raw
        if key == "regex":
            if not isinstance(raw, str) or not 1 <= len(raw) <= 500 or text_problem(raw):
                raise FieldValueError("A PostgreSQL regular expression of 1-500 characters.")
            return raw
        if key == "choices":
            if not isinstance(raw, list) or not 1 <= len(raw) <= 1000:
                raise FieldValueError("A list of 1-1000 allowed values.")
            values = [self.to_python(item, field) for item in raw if item is not None]
            if len(values) != len(raw):
                raise FieldValueError("Choices must not be null.")
            return [json_value(v) for v in values]
        raise FieldValueError("Unknown constraint.")

    # --- type changes --------------------------------------------------------------------------------------------

    def text_sql(self, column_sql: str) -> str:
        """SQL rendering a stored value as text (the common ground of every conversion)."""
        return f"({column_sql})::text"

    def from_sql(self, column_sql: str, source: "FieldDef", target: "FieldDef") -> tuple[str, list[Any]]:
        """SQL converting `source`'s column to this type: NULL for a value that does not convert exactly.

        The default goes through text (`source` type's `text_sql`) into the type's `try_function` (a pg_temp
        helper); types without one refuse the change with NotConvertible.
        """
        if self.try_function is None:
            raise NotConvertible(f"Cannot convert {source.type} to {self.name}.")
        return f"pg_temp.{self.try_function}({source.field_type.text_sql(column_sql)})", []

    # --- the console ----------------------------------------------------------------------------------------------

    def form_field(self, field: "FieldDef", **common: Any) -> forms.Field:
        """The console's input for a value (`common`: label, help_text, required)."""
        return forms.CharField(**common)

    def form_help(self, field: "FieldDef", *, table_name: Callable[[int], str | None]) -> str:
        """What the input takes, in a few words (`table_name` resolves a table id)."""
        return self.name

    def form_initial(self, value: Any) -> Any:
        """A stored, non-null value (as the records selectors return it) in the input's format."""
        if isinstance(value, datetime):
            return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        return value

    def form_value(self, value: Any) -> Any:
        """A cleaned input as the JSON value the records services take: None for an empty input."""
        return None if value == "" or value == [] else value

    def display_text(self, value: Any) -> str:
        """A non-null stored value as the console's records table shows it."""
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, datetime):
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(value, list) and all(not isinstance(item, (dict, list)) for item in value):
            return ", ".join(str(item) for item in value)
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False, default=str)
        return str(value)


# jsonb keeps a whole float as a number without a fraction, which comes back as an integer: one beyond 64 bits is
# then more than the renderer can write.
JSON_FLOAT_LIMIT = float(2**63)


def json_value(value: Any) -> Any:
    """A coerced value in a JSON-storable form (for constraints and defaults kept in JSON columns); FieldValueError
    for a value that would not come back from jsonb as something the API can write."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, float) and abs(value) >= JSON_FLOAT_LIMIT:
        raise FieldValueError("Out of range here: at most 2^63 in magnitude.")
    return value
