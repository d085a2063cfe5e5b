"""Upserts: rows whose key exists are updated (validated as updates), the others created."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from shared_apps.foundation.exceptions import ValidationFailed
from tenant_apps.data_schemas.definitions import FieldDef, SchemaDefs, TableDef
from tenant_apps.data_schemas.field_types import FieldValueError
from tenant_apps.records.codes import RecordsCode

from ..events import record_changes
from ..selectors import records_by_ids
from ..validation import Errors, Mode, rows_clean
from .checks import _by_unique_key, answer_checked, bulk_limit, integrity_error, unique_check, writes_counted
from .writes import links_write, rows_update


def _key_of(key_field: FieldDef, raw: Any) -> Any:
    """The upsert key of a raw row (`FieldType.unique_key` of its coerced value), None when it has none or an
    invalid one (validation names it)."""
    if not isinstance(raw, dict) or raw.get(key_field.name) is None:
        return None
    try:
        return key_field.field_type.unique_key(key_field.field_type.to_python(raw[key_field.name], key_field))
    except FieldValueError:
        return None


def _existing_keys(table: TableDef, key_field: FieldDef, rows: Sequence[Any]) -> dict[Any, int]:
    """unique key (`FieldType.unique_key`) -> id of the existing records that rows of an upsert name."""
    keys = {value for raw in rows if (value := _key_of(key_field, raw)) is not None}
    return dict(_by_unique_key(table, key_field, keys)) if keys else {}


@dataclass(frozen=True)
class UpsertResult:
    records: list[dict[str, Any]]
    created: list[bool]


def records_upsert(*, defs: SchemaDefs, table: TableDef, rows: Sequence[Any], key: str, bulk: bool) -> UpsertResult:
    """Insert, or update the record with the same value of the unique field `key`.

    A row whose key names an existing record is validated and written as an update (PATCH: only the fields it
    gives; required fields may be omitted); the others as creates (omitted fields take their defaults), inserted
    with ON CONFLICT on the key so that a concurrent insert of the same key becomes an update.
    """
    key_field = table.field(key)
    if key_field is None or not key_field.unique or not key_field.has_column:
        raise ValidationFailed(
            "upsert_on must name a unique field.",
            code=RecordsCode.INVALID_UPSERT_KEY,
            fields={"upsert_on": [f"'{key}' is not a unique field of '{table.name}'."]},
        )
    if bulk:
        bulk_limit(rows)
    manager = table.model._default_manager
    existing = _existing_keys(table, key_field, rows)
    modes: list[Mode] = ["update" if _key_of(key_field, raw) in existing else "create" for raw in rows]
    cleaned = rows_clean(defs, table, rows, mode="create", bulk=bulk, row_modes=modes)
    errors = Errors(bulk)
    keys: dict[Any, int] = {}
    for index, (raw, row) in enumerate(zip(rows, cleaned, strict=True)):
        value = row.values.get(key)
        value = None if value is None else key_field.field_type.unique_key(value)
        if value is None or key not in raw:
            errors.add(index, key, "Required for an upsert.")
        elif value in keys:
            errors.add(index, key, "Repeats the key of another record in this request.")
        else:
            keys[value] = index
    errors.raise_if_any()
    model = table.model
    for row in cleaned:
        row.record_id = existing.get(key_field.field_type.unique_key(row.values[key]))
    unique_check(table, cleaned, bulk=bulk, skip=[key])
    updates = [row for row in cleaned if row.record_id is not None]
    groups: dict[frozenset[str], list[int]] = {}
    for index, raw in enumerate(rows):
        if cleaned[index].record_id is not None:
            continue
        given = frozenset(name for name in raw if name in cleaned[index].values and name != key)
        groups.setdefault(given, []).append(index)
    ids: list[int] = [row.record_id or 0 for row in cleaned]
    try:
        with transaction.atomic():
            if updates:
                rows_update(table, updates, replace=False)
            for given, indexes in groups.items():
                objs = [model(**cleaned[i].values) for i in indexes]
                done = manager.bulk_create(
                    objs,
                    update_conflicts=True,
                    unique_fields=[key],
                    update_fields=[*sorted(given), "updated_at"],
                )
                for i, obj in zip(indexes, done, strict=True):
                    ids[i] = obj.pk
            inserted = [(record_id, row) for record_id, row in zip(ids, cleaned, strict=True) if row.record_id is None]
            replace_links = [(record_id, row) for record_id, row in inserted if row.links]
            if replace_links:
                links_write(table, [i for i, _ in replace_links], [r for _, r in replace_links], replace=True)
            record_changes(table, created=[record_id for record_id, _ in inserted])
            records = answer_checked(records_by_ids(table=table, ids=ids))
    except IntegrityError as exc:
        raise integrity_error(table, exc) from exc
    writes_counted(len(cleaned))
    return UpsertResult(records=records, created=[row.record_id is None for row in cleaned])
