"""Imports: CSV, JSON or XLSX into a new or an existing table, as a job (all or nothing, or skip invalid rows)."""

import logging
from typing import Any

from django.conf import settings
from django.db import transaction

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.exceptions import Conflict, DomainError, ValidationFailed
from shared_apps.foundation.leases import lease_heartbeat
from shared_apps.foundation.numbers import is_digits
from shared_apps.foundation.tasks import TRANSIENT_ERRORS
from tenant_apps.data_schemas import naming
from tenant_apps.data_schemas import services as schema_services
from tenant_apps.data_schemas.definitions import FieldDef, SchemaDefs, TableDef, schema_definitions
from tenant_apps.jobs.models import Job
from tenant_apps.jobs.services import job_claim, job_create, job_fail, job_progress, job_succeed
from tenant_apps.records.services import records_create
from tenant_apps.transfers.codes import TransfersCode

from ..convert import field_names_for, infer_field, row_values
from ..formats import Sheet, format_of, sheet_read
from .files import transfer_queue, transfers_dir, upload_size_check, upload_store

logger = logging.getLogger(__name__)

MODES = ("all_or_nothing", "skip_invalid")
MAX_REPORTED_ERRORS = 1000


def _mode_check(mode: Any) -> str:
    if mode not in MODES:
        raise ValidationFailed("Invalid mode.", fields={"mode": [f"One of: {', '.join(MODES)}."]})
    return str(mode)


def _writable(field: FieldDef) -> bool:
    return field.field_type.writable and not field.field_type.stores_files


def mapping_resolve(*, table: TableDef, columns: list[str], mapping: Any) -> dict[str, FieldDef]:
    """column -> field. Without a mapping, columns named like a writable field map to it."""
    if mapping is None:
        resolved = {c: f for c in columns if (f := table.field(c)) is not None and _writable(f)}
        if not resolved:
            raise ValidationFailed(
                "No column of the file is named like a field of the table; give a mapping.",
                code=TransfersCode.NO_MAPPED_COLUMNS,
                fields={"mapping": [f"Columns: {', '.join(columns[:20])}."]},
            )
        return resolved
    if not isinstance(mapping, dict) or not mapping:
        raise ValidationFailed("Invalid mapping.", fields={"mapping": ["An object: file column -> field name."]})
    errors: dict[str, list[str]] = {}
    resolved = {}
    seen: dict[str, str] = {}
    for column, name in mapping.items():
        key = f"mapping.{column}"
        field = table.field(name) if isinstance(name, str) else None
        if column not in columns:
            errors[key] = [f"The file has no column '{column}'."]
        elif field is None:
            errors[key] = [f"No field {name!r} in '{table.name}'."]
        elif not _writable(field):
            errors[key] = [f"'{name}' ({field.type}) cannot be imported."]
        elif name in seen:
            errors[key] = [f"'{name}' is already mapped from '{seen[name]}'."]
        else:
            seen[name] = column
            resolved[column] = field
    if errors:
        raise ValidationFailed("Invalid mapping.", fields=errors)
    return resolved


@transaction.atomic
def import_start(
    *,
    table_name: str | None,
    new_table: str | None,
    file_name: str,
    data: bytes,
    fmt: str | None,
    mode: Any,
    mapping: Any = None,
    user_id: int | None = None,
) -> Job:
    """Check an upload and queue its import into `table_name` (existing) or `new_table` (created by the job)."""
    upload_size_check(len(data))
    clean_mode = _mode_check(mode)
    clean_fmt = format_of(name=file_name, given=fmt)
    sheet = sheet_read(data=data, fmt=clean_fmt)
    params: dict[str, Any] = {"format": clean_fmt, "mode": clean_mode, "file_name": file_name[:200],
                              "rows": len(sheet.rows)}  # fmt: skip
    if new_table is not None:
        naming.table_name_validate(new_table)
        if new_table in schema_definitions().tables:
            raise Conflict(
                f"Table '{new_table}' already exists.", code=CommonCode.TABLE_EXISTS, fields={"name": ["Taken."]}
            )
        limit = settings.NOCODE["MAX_FIELDS_PER_TABLE"]
        if len(sheet.columns) > limit:
            raise ValidationFailed(
                f"A table has at most {limit} fields; the file has {len(sheet.columns)} columns.",
                code=CommonCode.LIMIT_REACHED,
                fields={"file": [f"At most {limit} columns."]},
            )
        params["new_table"] = new_table
    else:
        table = schema_definitions().table(table_name or "")
        resolved = mapping_resolve(table=table, columns=sheet.columns, mapping=mapping)
        params["table"] = table.name
        params["mapping"] = {column: field.name for column, field in resolved.items()}
    job = job_create(kind="import", params=params, created_by_id=user_id)
    upload_store(job, data, clean_fmt)
    transfer_queue(job, "import")
    return job


class _Rollback(Exception):
    pass


def _row_errors(exc: DomainError, offset: int) -> dict[int, dict[str, list[str]]]:
    """{row index: {field: messages}} from a bulk error (keys `records.<i>.<field>`)."""
    out: dict[int, dict[str, list[str]]] = {}
    for key, messages in exc.fields.items():
        parts = key.split(".", 2)
        if len(parts) == 3 and parts[0] == "records" and is_digits(parts[1]):
            out.setdefault(offset + int(parts[1]), {}).setdefault(parts[2], []).extend(messages)
    return out


def _validate(defs: SchemaDefs, table: TableDef, rows: list[dict[str, Any]], job_id: str | None) -> dict[int, Any]:
    """Per-row errors of `rows`; reports progress (10-60 %) when given a job id (i.e. outside a transaction)."""
    from tenant_apps.records.validation import rows_clean

    errors: dict[int, Any] = {}
    size = settings.NOCODE["RECORDS_MAX_BULK"]
    for start in range(0, len(rows), size):
        try:
            rows_clean(defs, table, rows[start : start + size], mode="create", bulk=True)
        except ValidationFailed as exc:
            errors.update(_row_errors(exc, start))
        if job_id is not None:
            done = min(start + size, len(rows))
            job_progress(job_id=job_id, progress=10 + 50 * done // len(rows), message=f"Validated {done} rows")
    return errors


def _write(defs: SchemaDefs, table: TableDef, rows: list[dict[str, Any]], indexes: list[int]) -> dict[int, Any]:
    """Insert in chunks (inside the caller's transaction). Rows refused at write time (a unique value) are reported
    by their index in the file and the rest of their chunk is written without them."""
    errors: dict[int, Any] = {}
    size = settings.NOCODE["RECORDS_MAX_BULK"]
    for start in range(0, len(rows), size):
        chunk = list(zip(indexes[start : start + size], rows[start : start + size], strict=True))
        while chunk:
            try:
                with transaction.atomic():
                    records_create(defs=defs, table=table, rows=[row for _, row in chunk], bulk=True)
                break
            except (ValidationFailed, Conflict) as exc:
                found = _row_errors(exc, 0)
                if not found:
                    raise
                errors.update({chunk[i][0]: fields for i, fields in found.items()})
                chunk = [item for i, item in enumerate(chunk) if i not in found]
    return errors


def _report(errors: dict[int, Any]) -> list[dict[str, Any]]:
    return [{"row": index + 1, "fields": errors[index]} for index in sorted(errors)[:MAX_REPORTED_ERRORS]]


def _sheet_of(job: Job) -> Sheet:
    path = transfers_dir("imports") / f"{job.pk}.{job.params['format']}"
    return sheet_read(data=path.read_bytes(), fmt=job.params["format"])


def _import(job: Job) -> dict[str, Any]:
    params = job.params
    job_id = str(job.pk)
    sheet = _sheet_of(job)
    job_progress(job_id=job_id, progress=10, message=f"Read {len(sheet.rows)} rows")
    skip_invalid = params["mode"] == "skip_invalid"
    result: dict[str, Any] = {"mode": params["mode"], "rows": len(sheet.rows)}
    errors: dict[int, Any] = {}
    try:
        if "new_table" in params:
            with transaction.atomic():  # the table, its fields and its rows: all or nothing
                names = field_names_for(sheet.columns)
                specs = [infer_field(names[c], [row.get(c) for row in sheet.rows]) for c in sheet.columns]
                schema_services.table_create(name=params["new_table"], fields=specs)
                defs = schema_definitions()
                table = defs.table(params["new_table"])
                mapping = {column: table.field(names[column]) for column in sheet.columns}
                result["table"] = table.name
                result["fields"] = [
                    {"column": c, "name": names[c], "type": spec.type}
                    for c, spec in zip(sheet.columns, specs, strict=True)
                ]
                typed = [row_values(row, mapping) for row in sheet.rows]  # type: ignore[arg-type]
                _write_all(defs, table, typed, errors, job_id=job_id, skip_invalid=skip_invalid, validated=False)
                _succeed_with_rows(job_id, result, typed, errors)
        else:
            defs = schema_definitions()
            table = defs.table(params["table"])
            mapping = {column: table.field(name) for column, name in params["mapping"].items()}
            if any(field is None for field in mapping.values()):
                raise ValidationFailed(
                    "A mapped field no longer exists; start the import again.", code=TransfersCode.MAPPING_STALE
                )
            result["table"] = table.name
            typed = [row_values(row, mapping) for row in sheet.rows]  # type: ignore[arg-type]
            errors.update(_validate(defs, table, typed, job_id))  # outside the transaction: progress is visible
            if errors and not skip_invalid:
                raise _Rollback()
            with transaction.atomic():
                _write_all(defs, table, typed, errors, job_id=job_id, skip_invalid=skip_invalid, validated=True)
                _succeed_with_rows(job_id, result, typed, errors)
    except _Rollback:
        result.update(imported=0, invalid=len(errors), errors=_report(errors))
        result["errors_truncated"] = len(errors) > MAX_REPORTED_ERRORS
        raise ImportRefused(f"{len(errors)} invalid rows; nothing was imported.", result) from None
    return result


def _succeed_with_rows(job_id: str, result: dict[str, Any], typed: list[Any], errors: dict[int, Any]) -> None:
    """Mark the job succeeded inside the rows' own transaction: the rows and the job's outcome commit together, so
    an import re-run after a worker died (the lease sweeper) never writes its rows twice."""
    result.update(imported=len(typed) - len(errors), invalid=len(errors), errors=_report(errors))
    result["errors_truncated"] = len(errors) > MAX_REPORTED_ERRORS
    job_succeed(job_id=job_id, result=result, message=import_message(result))


def _write_all(
    defs: SchemaDefs,
    table: TableDef,
    typed: list[dict[str, Any]],
    errors: dict[int, Any],
    *,
    job_id: str,
    skip_invalid: bool,
    validated: bool,
) -> None:
    """Write the rows not in `errors` (inside the caller's transaction); raise _Rollback when all-or-nothing fails."""
    if not validated:
        errors.update(_validate(defs, table, typed, None))
        if errors and not skip_invalid:
            raise _Rollback()
    valid = [i for i in range(len(typed)) if i not in errors]
    if validated:
        job_progress(job_id=job_id, progress=60, message=f"Writing {len(valid)} rows")
    errors.update(_write(defs, table, [typed[i] for i in valid], valid))
    if errors and not skip_invalid:
        raise _Rollback()


class ImportRefused(Exception):
    def __init__(self, message: str, result: dict[str, Any]) -> None:
        super().__init__(message)
        self.result = result


def import_run(*, job_id: str, owner: str = "") -> str:
    """Run a pending (or re-queued) import unless it is finished or leased to another task. The rows and the job's
    success commit in one transaction (exactly once); a database or broker error propagates, nothing written, and
    the task retries with the file still there."""
    job = job_claim(job_id=job_id, kind="import", owner=owner or "direct")
    if job is None:
        return "not pending"
    upload = transfers_dir("imports") / f"{job.pk}.{job.params['format']}"
    try:
        with lease_heartbeat(model=Job, pk=job.pk, owner=job.lease_owner):
            result = _import(job)
    except TRANSIENT_ERRORS:
        raise  # nothing was written (one transaction); the task retries with the file still there
    except ImportRefused as exc:
        upload.unlink(missing_ok=True)
        job_fail(job_id=job_id, error=str(exc), result=exc.result)
        return "failed"
    except DomainError as exc:
        upload.unlink(missing_ok=True)
        job_fail(job_id=job_id, error=f"{exc.code}: {exc.message}", result={"fields": exc.fields})
        return "failed"
    except Exception as exc:
        upload.unlink(missing_ok=True)
        job_fail(job_id=job_id, error=f"Internal error: {type(exc).__name__}")
        raise
    upload.unlink(missing_ok=True)
    logger.info("Import %s: %s rows imported.", job_id, result.get("imported"))
    return "succeeded"


def import_message(result: dict[str, Any]) -> str:
    """What a finished import did: "Imported 40 rows" (and how many invalid rows were skipped)."""
    message = f"Imported {result['imported']} rows"
    if result.get("invalid"):
        message += f"; skipped {result['invalid']} invalid rows"
    return message
