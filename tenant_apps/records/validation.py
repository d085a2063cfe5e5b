"""Validation of record payloads against a table definition, for single and bulk writes.

Every problem of every row is collected before anything is written: wrong types, unknown or read-only keys,
required values, constraints (regex in one PostgreSQL query for the whole batch), links to records that do not
exist (one query per link field). Keys of the error map are the field names for a single record and
`records.<index>.<field>` in bulk.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from shared_apps.foundation.exceptions import ValidationFailed
from tenant_apps.data_schemas.definitions import SchemaDefs, TableDef
from tenant_apps.data_schemas.field_types import FieldValueError
from tenant_apps.data_schemas.naming import AUTOMATIC_FIELDS
from tenant_apps.data_schemas.pgregex import regex_mismatches

Mode = Literal["create", "replace", "update"]


@dataclass
class CleanRow:
    values: dict[str, Any] = field(default_factory=dict)  # column fields, coerced
    links: dict[str, list[int]] = field(default_factory=dict)  # many-to-many field -> ids
    record_id: int | None = None  # bulk updates name their record

    @property
    def provided(self) -> frozenset[str]:
        return frozenset(self.values) | frozenset(self.links)


class Errors:
    def __init__(self, bulk: bool) -> None:
        self.bulk = bulk
        self.fields: dict[str, list[str]] = {}

    def add(self, index: int, name: str, message: str) -> None:
        key = f"records.{index}.{name}" if self.bulk else name
        self.fields.setdefault(key, []).append(message)

    def raise_if_any(self, message: str = "Invalid record.") -> None:
        if self.fields:
            raise ValidationFailed(
                message if not self.bulk else "Invalid records; nothing was written.", fields=self.fields
            )


def rows_clean(
    defs: SchemaDefs,
    table: TableDef,
    rows: Sequence[Any],
    *,
    mode: Mode,
    bulk: bool,
    with_id: bool = False,
    row_modes: Sequence[Mode] | None = None,
) -> list[CleanRow]:
    """Coerce and check `rows`; raise ValidationFailed (400) listing every problem. `with_id`: rows carry `id`.
    `row_modes`: a mode per row instead of `mode` (an upsert validates the rows that update as updates)."""
    errors = Errors(bulk)
    cleaned: list[CleanRow] = []
    regex_checks: list[tuple[int, str, str, str]] = []
    for index, raw in enumerate(rows):
        row = CleanRow()
        cleaned.append(row)
        if not isinstance(raw, dict):
            errors.add(index, "record", "Expected an object.")
            continue
        for name, value in raw.items():
            if with_id and name == "id":
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    errors.add(index, "id", "Expected a record id.")
                else:
                    row.record_id = value
                continue
            if name in AUTOMATIC_FIELDS:
                errors.add(index, name, "Read-only.")
                continue
            field_def = table.field(name)
            if field_def is None:
                errors.add(index, name, "Unknown field.")
                continue
            field_type = field_def.field_type
            if value is None:
                if field_def.required:
                    errors.add(index, name, "This field is required.")
                elif field_def.has_column:
                    row.values[name] = None
                else:
                    row.links[name] = []
                continue
            try:
                coerced = field_type.to_python(value, field_def)
            except FieldValueError as exc:
                errors.add(index, name, str(exc))
                continue
            for message in field_type.check_constraints(coerced, field_def):
                errors.add(index, name, message)
            pattern = field_def.constraints.get("regex")
            if pattern and isinstance(coerced, str):
                regex_checks.append((index, name, coerced, pattern))
            if field_def.has_column:
                row.values[name] = coerced
            else:
                row.links[name] = coerced
        if with_id and row.record_id is None and "id" not in raw:
            errors.add(index, "id", "Required to name the record to update.")
        row_mode = row_modes[index] if row_modes is not None else mode
        if row_mode in ("create", "replace"):
            _fill_missing(table, raw, row, errors, index, replace=row_mode == "replace")
    mismatches = regex_mismatches([(value, pattern) for _, _, value, pattern in regex_checks])
    for (index, name, _, _), mismatch in zip(regex_checks, mismatches, strict=True):
        if mismatch:
            errors.add(index, name, "Does not match the required pattern.")
    _links_check(defs, table, cleaned, errors)  # also when other values are invalid: every problem at once
    errors.raise_if_any()
    return cleaned


def _fill_missing(
    table: TableDef, raw: dict[str, Any], row: CleanRow, errors: Errors, index: int, *, replace: bool
) -> None:
    for field_def in table.fields:
        if field_def.name in raw or not field_def.field_type.writable:
            continue
        default = field_def.default_value()
        if default is None and field_def.required:
            errors.add(index, field_def.name, "This field is required.")
        elif field_def.has_column:
            if default is not None or replace:
                row.values[field_def.name] = default
        elif replace:
            row.links[field_def.name] = []


def _links_check(defs: SchemaDefs, table: TableDef, rows: list[CleanRow], errors: Errors) -> None:
    for field_def in table.fields:
        if not field_def.field_type.links_records:
            continue
        wanted: set[int] = set()
        for row in rows:
            if field_def.has_column:
                value = row.values.get(field_def.name)
                if value is not None:
                    wanted.add(value)
            else:
                wanted.update(row.links.get(field_def.name, []))
        if not wanted:
            continue
        target = defs.tables_by_id[field_def.options["target_table_id"]]
        found = set(target.model._default_manager.filter(id__in=wanted).values_list("id", flat=True))
        missing = wanted - found
        if not missing:
            continue
        for index, row in enumerate(rows):
            ids = [row.values.get(field_def.name)] if field_def.has_column else row.links.get(field_def.name, [])
            absent = [i for i in ids if i in missing]
            if absent:
                listed = ", ".join(str(i) for i in absent)
                errors.add(index, field_def.name, f"No record with id {listed} in '{target.name}'.")
