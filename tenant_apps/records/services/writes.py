"""Creating, updating and deleting records, one or in bulk, with their many-to-many links and files."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Now

from shared_apps.foundation.exceptions import Conflict, NotFound, ValidationFailed
from shared_apps.foundation.jsoncodec import json_dumps
from tenant_apps.data_schemas import filestore
from tenant_apps.data_schemas.definitions import SchemaDefs, TableDef
from tenant_apps.records.codes import RecordsCode

from ..events import record_changes
from ..selectors import MAX_RECORD_ID, record_get, records_by_ids, rows_finish
from ..validation import CleanRow, Errors, rows_clean
from .checks import answer_checked, bulk_limit, integrity_error, unique_check, writes_counted


def links_write(table: TableDef, ids: Sequence[int], rows: Sequence[CleanRow], *, replace: bool) -> None:
    for field in table.fields:
        if field.has_column:
            continue
        targets = [
            (record_id, row.links[field.name])
            for record_id, row in zip(ids, rows, strict=True)
            if field.name in row.links
        ]
        if not targets:
            continue
        join = table.join_model(field)
        if replace:
            join._default_manager.filter(source_id__in=[record_id for record_id, _ in targets]).delete()
        join._default_manager.bulk_create(
            [join(source_id=record_id, target_id=target) for record_id, linked in targets for target in linked]
        )


def _single_statement(table: TableDef, rows: Sequence[CleanRow]) -> bool:
    """True when creating `rows` is one INSERT and nothing else: one row, no many-to-many links, nobody listening
    to created events, and no transaction of the caller's to join."""
    return len(rows) == 1 and not rows[0].links and "created" not in table.listens and not connection.in_atomic_block


def _insert(table: TableDef, rows: Sequence[CleanRow]) -> list[dict[str, Any]]:
    """One INSERT ... RETURNING id, created_at, updated_at (+ one per many-to-many field); the records as shown.

    The output is built from the coerced values, which are exactly what PostgreSQL stores (decimals quantized,
    datetimes in UTC), so no SELECT is needed after the insert.
    """
    model = table.model
    try:
        if _single_statement(table, rows):
            # The INSERT alone, in autocommit: atomic by itself, one round trip instead of BEGIN, INSERT, COMMIT.
            # What it answers is the values plus id and timestamps: known to render before anything is written.
            json_dumps(rows[0].values)
            created = [model(**rows[0].values)]
            created[0].save(force_insert=True)
            return _created_records(table, created, rows)
        with transaction.atomic():
            created = model._default_manager.bulk_create([model(**row.values) for row in rows])
            ids = [obj.pk for obj in created]
            links_write(table, ids, rows, replace=False)
            record_changes(table, created=ids)
            return answer_checked(_created_records(table, created, rows))
    except IntegrityError as exc:
        raise integrity_error(table, exc) from exc


def _created_records(table: TableDef, created: Sequence[Any], rows: Sequence[CleanRow]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for obj, row in zip(created, rows, strict=True):
        record: dict[str, Any] = {"id": obj.pk}
        for field in table.fields:
            record[field.name] = getattr(obj, field.name) if field.has_column else row.links.get(field.name, [])
        record["created_at"], record["updated_at"] = getattr(obj, "created_at"), getattr(obj, "updated_at")  # noqa: B009
        out.append(record)
    return rows_finish(table, out)


def records_create(*, defs: SchemaDefs, table: TableDef, rows: Sequence[Any], bulk: bool) -> list[dict[str, Any]]:
    """Create one or many records (all or nothing); returns them as the API shows them."""
    if bulk:
        bulk_limit(rows)
    cleaned = rows_clean(defs, table, rows, mode="create", bulk=bulk)
    unique_check(table, cleaned, bulk=bulk)
    created = _insert(table, cleaned)
    writes_counted(len(created))
    return created


def _existing_ids(table: TableDef, ids: Iterable[int]) -> set[int]:
    wanted = [i for i in ids if 0 < i <= MAX_RECORD_ID]
    return set(table.model._default_manager.filter(id__in=wanted).values_list("id", flat=True))


def cleared_files(table: TableDef, rows: Sequence[CleanRow]) -> list[str]:
    """Stored paths of files that these rows clear (a file field set to null on an existing record)."""
    paths: list[str] = []
    for field in table.fields:
        if not field.field_type.stores_files:
            continue
        ids = [row.record_id for row in rows if row.record_id and field.name in row.values]
        if ids:
            values = table.model._default_manager.filter(id__in=ids).values_list(field.name, flat=True)
            paths += [value["path"] for value in values if value and value.get("path")]
    return paths


def rows_update(table: TableDef, rows: Sequence[CleanRow], *, replace: bool) -> None:
    manager = table.model._default_manager
    cleared = cleared_files(table, rows)
    try:
        with transaction.atomic():
            for row in rows:
                manager.filter(id=row.record_id).update(**row.values, updated_at=Now())
            ids = [row.record_id for row in rows]
            links_write(table, ids, rows, replace=True)  # type: ignore[arg-type]
            record_changes(table, updated=ids)  # type: ignore[arg-type]
    except IntegrityError as exc:
        raise integrity_error(table, exc) from exc
    if cleared:
        transaction.on_commit(lambda: filestore.files_delete(cleared))


def record_update(*, defs: SchemaDefs, table: TableDef, record_id: int, data: Any, replace: bool) -> dict[str, Any]:
    """PATCH (`replace=False`, only the given fields) or PUT (`replace=True`, omitted fields reset)."""
    if record_id not in _existing_ids(table, [record_id]):
        raise NotFound(f"No record {record_id} in '{table.name}'.", code=RecordsCode.RECORD_NOT_FOUND)
    cleaned = rows_clean(defs, table, [data], mode="replace" if replace else "update", bulk=False)
    cleaned[0].record_id = record_id
    unique_check(table, cleaned, bulk=False)
    with transaction.atomic():
        rows_update(table, cleaned, replace=replace)
        answer = answer_checked(record_get(defs=defs, table=table, record_id=record_id))
    writes_counted(1)
    return answer


def records_update(*, defs: SchemaDefs, table: TableDef, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Bulk PATCH: every row names its `id`; all or nothing."""
    bulk_limit(rows)
    errors = Errors(bulk=True)
    ids = [row.get("id") if isinstance(row, dict) else None for row in rows]
    existing = _existing_ids(table, [i for i in ids if isinstance(i, int) and not isinstance(i, bool)])
    seen: set[int] = set()
    for index, record_id in enumerate(ids):
        if not isinstance(record_id, int) or isinstance(record_id, bool):
            continue  # rows_clean names a missing or malformed id
        if record_id not in existing:
            errors.add(index, "id", f"No record with id {record_id}.")
        elif record_id in seen:
            errors.add(index, "id", "Appears twice in this request.")
        seen.add(record_id)
    try:
        cleaned = rows_clean(defs, table, rows, mode="update", bulk=True, with_id=True)
    except ValidationFailed as exc:
        for key, messages in errors.fields.items():
            exc.fields.setdefault(key, []).extend(messages)
        raise
    errors.raise_if_any()
    unique_check(table, cleaned, bulk=True)
    with transaction.atomic():
        rows_update(table, cleaned, replace=False)
        answers = answer_checked(records_by_ids(table=table, ids=[row.record_id for row in cleaned]))  # type: ignore[misc]
    writes_counted(len(cleaned))
    return answers


def _file_paths(table: TableDef, ids: Sequence[int]) -> list[str]:
    file_fields = [f.name for f in table.fields if f.field_type.stores_files]
    if not file_fields:
        return []
    paths = []
    for values in table.model._default_manager.filter(id__in=ids).values_list(*file_fields):
        paths += [value["path"] for value in values if value and value.get("path")]
    return paths


def _delete(table: TableDef, ids: Sequence[int]) -> int:
    paths = _file_paths(table, ids)
    try:
        with transaction.atomic():
            record_changes(table, deleted=ids)  # before the delete: the event carries the records as they were
            deleted, _ = table.model._default_manager.filter(id__in=ids).delete()
    except IntegrityError as exc:
        raise Conflict(
            "Other records link to this record through a required link; change them first.",
            code=RecordsCode.RECORD_IN_USE,
            fields={"id": ["Still linked from a required link field."]},
        ) from exc
    if paths:
        transaction.on_commit(lambda: filestore.files_delete(paths))
    writes_counted(int(deleted))
    return int(deleted)


def record_delete(*, table: TableDef, record_id: int) -> None:
    if record_id not in _existing_ids(table, [record_id]):
        raise NotFound(f"No record {record_id} in '{table.name}'.", code=RecordsCode.RECORD_NOT_FOUND)
    _delete(table, [record_id])


def records_delete(*, table: TableDef, ids: Any) -> int:
    """Delete records by id, all or nothing: an unknown id refuses the whole request."""
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ValidationFailed("Invalid ids.", fields={"ids": ["A list of record ids."]})
    bulk_limit(ids, key="ids")
    missing = sorted(set(ids) - _existing_ids(table, ids))
    if missing:
        raise NotFound(
            "Unknown record ids; nothing was deleted.",
            code=RecordsCode.RECORD_NOT_FOUND,
            fields={"ids": [f"No records with ids {', '.join(map(str, missing))}."]},
        )
    return _delete(table, list(set(ids)))
