"""What every record write checks and counts: unique values (in one query), bulk sizes, database integrity
errors mapped to the fields they name, answers that render, and the usage counter."""

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg.errors
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.exceptions import Conflict, DomainError, ValidationFailed
from shared_apps.foundation.jsoncodec import json_dumps
from tenant_apps.data_schemas import naming
from tenant_apps.data_schemas.definitions import FieldDef, TableDef
from tenant_apps.records.codes import RecordsCode
from tenants.usage import request_counted, writes_count

from ..validation import CleanRow, Errors


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
            code=CommonCode.UNIQUE_VIOLATION,
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


def unique_check(table: TableDef, rows: Sequence[CleanRow], *, bulk: bool, skip: Iterable[str] = ()) -> None:
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
        raise Conflict(
            f"Unique value already used: {', '.join(names)}.", code=CommonCode.UNIQUE_VIOLATION, fields=errors.fields
        )


def bulk_limit(rows: Sequence[Any], key: str = "records") -> None:
    limit = settings.NOCODE["RECORDS_MAX_BULK"]
    if not rows:
        raise ValidationFailed("Nothing to write.", fields={key: ["Give at least one record."]})
    if len(rows) > limit:
        raise ValidationFailed(
            f"At most {limit} records per request.",
            code=RecordsCode.TOO_MANY_RECORDS,
            fields={key: [f"At most {limit}."]},
        )


def writes_counted(count: int) -> None:
    """Count `count` record writes in the project's usage analytics once the write commits (no Redis round trip
    of its own in a request: tenants.usage.writes_count)."""
    project_id = getattr(getattr(connection, "tenant", None), "pk", None)
    if project_id is not None and count > 0:
        buffer = request_counted()
        transaction.on_commit(lambda: writes_count(project_id=project_id, amount=count, buffer=buffer))


def answer_checked(answer: Any) -> Any:
    """`answer`, once it is known to render (called inside the write's transaction: an answer that cannot be
    rendered raises there and rolls the write back, so no request answers 5xx after committing)."""
    json_dumps(answer)
    return answer
