"""Writes of records: create, update, replace, delete, single or bulk (all or nothing), upsert, file uploads.

Each write validates every row first (validation.py), then checks unique fields (409 naming the field, and the
row in bulk), then writes in one transaction, inside which its answer is built and checked to render (an answer
that fails commits nothing). A constraint that still fails in PostgreSQL (a concurrent write) is mapped to the
same errors; nothing is written in any error case. Callers check `write_records`. Committed writes are counted in
the usage analytics (`record_writes`: one per record created, updated or deleted).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg.errors
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower, Now

from shared_apps.foundation.exceptions import Conflict, DomainError, NotFound, ValidationFailed
from shared_apps.foundation.jsoncodec import json_dumps
from shared_apps.foundation.schemas import current_schema
from tenant_apps.data_schemas import filestore, naming
from tenant_apps.data_schemas.definitions import FieldDef, SchemaDefs, TableDef
from tenant_apps.data_schemas.field_types import FieldValueError
from tenants.usage import request_counted, writes_count

from .events import record_changes
from .selectors import MAX_RECORD_ID, record_get, records_by_ids, rows_finish
from .validation import CleanRow, Errors, Mode, rows_clean

# --- errors --------------------------------------------------------------------------------------------------------


def _field_by_constraint(table: TableDef, constraint: str | None) -> FieldDef | None:
    for field in table.fields:
        names = (
            naming.unique_name(table.id, field.id),
            naming.unique_casefold_name(table.id, field.id),
            naming.foreign_key_name(table.id, field.id),
        )
        if constraint in names:
            return field
    return None


def _by_unique_key(table: TableDef, field: FieldDef, values: Iterable[Any]) -> list[tuple[Any, int]]:
    """(unique key, id) of the records whose `field` has one of these values, compared as the field type compares
    unique values (`unique_key`: e-mail addresses without case, through the index on lower(column))."""
    manager = table.model._default_manager
    field_type = field.field_type
    keys = list({field_type.unique_key(value) for value in values})
    if field_type.unique_casefold:
        found = manager.annotate(_unique_key=Lower(field.name)).filter(_unique_key__in=keys)
        return list(found.values_list("_unique_key", "id"))
    return list(manager.filter(**{f"{field.name}__in": keys}).values_list(field.name, "id"))


def integrity_error(table: TableDef, exc: IntegrityError, *, prefix: str = "") -> DomainError:
    """Map a PostgreSQL constraint failure to the API's errors (409 unique, 400 otherwise)."""
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    constraint = diag.constraint_name if diag is not None else None
    field = _field_by_constraint(table, constraint)
    name = f"{prefix}{field.name}" if field else f"{prefix}record"
    if isinstance(cause, psycopg.errors.UniqueViolation):
        label = field.name if field else "a unique field"
        return Conflict(
            f"A record with this {label} already exists.",
            code="UNIQUE_VIOLATION",
            fields={name: ["A record with this value already exists."]},
        )
    if isinstance(cause, psycopg.errors.ForeignKeyViolation):
        return ValidationFailed("A linked record does not exist.", fields={name: ["The linked record does not exist."]})
    if isinstance(cause, psycopg.errors.NotNullViolation):
        column = diag.column_name if diag is not None else "record"
        return ValidationFailed(
            "A required value is missing.", fields={f"{prefix}{column}": ["This field is required."]}
        )
    return ValidationFailed("The record violates a constraint.", fields={name: [str(cause or exc)]})


def _unique_check(table: TableDef, rows: Sequence[CleanRow], *, bulk: bool, skip: Iterable[str] = ()) -> None:
    """409 when a unique value repeats within the batch or belongs to another existing record."""
    errors = Errors(bulk)
    for field in table.fields:
        if not field.unique or field.name in skip:
            continue
        values: dict[Any, list[int]] = {}
        for index, row in enumerate(rows):
            value = row.values.get(field.name)
            if value is not None:
                values.setdefault(field.field_type.unique_key(value), []).append(index)
        if not values:
            continue
        for indexes in values.values():
            for index in indexes[1:]:
                errors.add(index, field.name, "Repeats a value of another record in this request.")
        for value, record_id in _by_unique_key(table, field, values):
            for index in values.get(value, []):
                if rows[index].record_id != record_id:
                    errors.add(index, field.name, "A record with this value already exists.")
    if errors.fields:
        names = sorted({key.rsplit(".", 1)[-1] for key in errors.fields})
        raise Conflict(f"Unique value already used: {', '.join(names)}.", code="UNIQUE_VIOLATION", fields=errors.fields)


def bulk_limit(rows: Sequence[Any], key: str = "records") -> None:
    limit = settings.NOCODE["RECORDS_MAX_BULK"]
    if not rows:
        raise ValidationFailed("Nothing to write.", fields={key: ["Give at least one record."]})
    if len(rows) > limit:
        raise ValidationFailed(
            f"At most {limit} records per request.", code="TOO_MANY_RECORDS", fields={key: [f"At most {limit}."]}
        )


def _writes_counted(count: int) -> None:
    """Count `count` record writes in the project's usage analytics once the write commits (no Redis round trip
    of its own in a request: tenants.usage.writes_count)."""
    project_id = getattr(getattr(connection, "tenant", None), "pk", None)
    if project_id is not None and count > 0:
        buffer = request_counted()
        transaction.on_commit(lambda: writes_count(project_id=project_id, amount=count, buffer=buffer))


# --- links ---------------------------------------------------------------------------------------------------------


def _links_write(table: TableDef, ids: Sequence[int], rows: Sequence[CleanRow], *, replace: bool) -> None:
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


# --- create --------------------------------------------------------------------------------------------------------


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
            _links_write(table, ids, rows, replace=False)
            record_changes(table, created=ids)
            return _answer_checked(_created_records(table, created, rows))
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


def _answer_checked(answer: Any) -> Any:
    """`answer`, once it is known to render (called inside the write's transaction: an answer that cannot be
    rendered raises there and rolls the write back, so no request answers 5xx after committing)."""
    json_dumps(answer)
    return answer


def records_create(*, defs: SchemaDefs, table: TableDef, rows: Sequence[Any], bulk: bool) -> list[dict[str, Any]]:
    """Create one or many records (all or nothing); returns them as the API shows them."""
    if bulk:
        bulk_limit(rows)
    cleaned = rows_clean(defs, table, rows, mode="create", bulk=bulk)
    _unique_check(table, cleaned, bulk=bulk)
    created = _insert(table, cleaned)
    _writes_counted(len(created))
    return created


# --- update --------------------------------------------------------------------------------------------------------


def _existing_ids(table: TableDef, ids: Iterable[int]) -> set[int]:
    wanted = [i for i in ids if 0 < i <= MAX_RECORD_ID]
    return set(table.model._default_manager.filter(id__in=wanted).values_list("id", flat=True))


def _cleared_files(table: TableDef, rows: Sequence[CleanRow]) -> list[str]:
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


def _update(table: TableDef, rows: Sequence[CleanRow], *, replace: bool) -> None:
    manager = table.model._default_manager
    cleared = _cleared_files(table, rows)
    try:
        with transaction.atomic():
            for row in rows:
                manager.filter(id=row.record_id).update(**row.values, updated_at=Now())
            ids = [row.record_id for row in rows]
            _links_write(table, ids, rows, replace=True)  # type: ignore[arg-type]
            record_changes(table, updated=ids)  # type: ignore[arg-type]
    except IntegrityError as exc:
        raise integrity_error(table, exc) from exc
    if cleared:
        transaction.on_commit(lambda: filestore.files_delete(cleared))


def record_update(*, defs: SchemaDefs, table: TableDef, record_id: int, data: Any, replace: bool) -> dict[str, Any]:
    """PATCH (`replace=False`, only the given fields) or PUT (`replace=True`, omitted fields reset)."""
    if record_id not in _existing_ids(table, [record_id]):
        raise NotFound(f"No record {record_id} in '{table.name}'.", code="RECORD_NOT_FOUND")
    cleaned = rows_clean(defs, table, [data], mode="replace" if replace else "update", bulk=False)
    cleaned[0].record_id = record_id
    _unique_check(table, cleaned, bulk=False)
    with transaction.atomic():
        _update(table, cleaned, replace=replace)
        answer = _answer_checked(record_get(defs=defs, table=table, record_id=record_id))
    _writes_counted(1)
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
    _unique_check(table, cleaned, bulk=True)
    with transaction.atomic():
        _update(table, cleaned, replace=False)
        answers = _answer_checked(records_by_ids(table=table, ids=[row.record_id for row in cleaned]))  # type: ignore[misc]
    _writes_counted(len(cleaned))
    return answers


# --- upsert --------------------------------------------------------------------------------------------------------


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
            code="INVALID_UPSERT_KEY",
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
    _unique_check(table, cleaned, bulk=bulk, skip=[key])
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
                _update(table, updates, replace=False)
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
                _links_write(table, [i for i, _ in replace_links], [r for _, r in replace_links], replace=True)
            record_changes(table, created=[record_id for record_id, _ in inserted])
            records = _answer_checked(records_by_ids(table=table, ids=ids))
    except IntegrityError as exc:
        raise integrity_error(table, exc) from exc
    _writes_counted(len(cleaned))
    return UpsertResult(records=records, created=[row.record_id is None for row in cleaned])


# --- delete --------------------------------------------------------------------------------------------------------


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
            code="RECORD_IN_USE",
            fields={"id": ["Still linked from a required link field."]},
        ) from exc
    if paths:
        transaction.on_commit(lambda: filestore.files_delete(paths))
    _writes_counted(int(deleted))
    return int(deleted)


def record_delete(*, table: TableDef, record_id: int) -> None:
    if record_id not in _existing_ids(table, [record_id]):
        raise NotFound(f"No record {record_id} in '{table.name}'.", code="RECORD_NOT_FOUND")
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
            code="RECORD_NOT_FOUND",
            fields={"ids": [f"No records with ids {', '.join(map(str, missing))}."]},
        )
    return _delete(table, list(set(ids)))


# --- files ---------------------------------------------------------------------------------------------------------


def _file_field(table: TableDef, name: str) -> FieldDef:
    field = table.field(name)
    if field is None or not field.field_type.stores_files:
        raise NotFound(f"No file field '{name}' in '{table.name}'.", code="FIELD_NOT_FOUND")
    return field


def record_file_upload(
    *,
    defs: SchemaDefs,
    table: TableDef,
    record_id: int,
    field_name: str,
    upload: UploadedFile,
) -> dict[str, Any]:
    """Store an uploaded file for a record's file field (replacing any previous one, removed after commit)."""
    field = _file_field(table, field_name)
    size = upload.size or 0
    limit = settings.NOCODE["FILE_MAX_BYTES"]
    if size > limit:
        raise ValidationFailed(
            f"Files are at most {limit} bytes.", code="FILE_TOO_LARGE", fields={"file": [f"At most {limit} bytes."]}
        )
    manager = table.model._default_manager
    with transaction.atomic():
        found = None
        if 0 < record_id <= MAX_RECORD_ID:
            found = manager.select_for_update().filter(id=record_id).values_list("id", field.name).first()
        if found is None:
            raise NotFound(f"No record {record_id} in '{table.name}'.", code="RECORD_NOT_FOUND")
        previous = found[1]
        metadata = filestore.file_save(
            schema=current_schema(),
            table_id=table.id,
            field_id=field.id,
            name=upload.name or "file",
            content=upload,
            size=size,
            content_type=upload.content_type or "",
        )
        try:
            manager.filter(id=record_id).update(**{field.name: metadata}, updated_at=Now())
            record_changes(table, updated=[record_id])
        except Exception:
            filestore.files_delete([metadata["path"]])
            raise
        old_path = previous.get("path") if isinstance(previous, dict) else None
        if old_path:
            transaction.on_commit(lambda: filestore.files_delete([old_path]))
        _writes_counted(1)
    return record_get(defs=defs, table=table, record_id=record_id)


def record_file_get(*, table: TableDef, record_id: int, field_name: str) -> dict[str, Any]:
    """The stored metadata (with `path`) of a record's file; NotFound when there is none."""
    field = _file_field(table, field_name)
    value = None
    if 0 < record_id <= MAX_RECORD_ID:
        value = table.model._default_manager.filter(id=record_id).values_list(field.name, flat=True).first()
    if not value:
        raise NotFound("No file here.", code="FILE_NOT_FOUND")
    return value


def record_file_delete(*, table: TableDef, record_id: int, field_name: str) -> None:
    value = record_file_get(table=table, record_id=record_id, field_name=field_name)
    field = _file_field(table, field_name)
    with transaction.atomic():
        table.model._default_manager.filter(id=record_id).update(**{field.name: None}, updated_at=Now())
        record_changes(table, updated=[record_id])
        path = value.get("path")
        if path:
            transaction.on_commit(lambda: filestore.files_delete([path]))
        _writes_counted(1)
