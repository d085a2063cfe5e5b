"""Import and export of tables as jobs (status in tenant_apps/jobs; docs/automation.md, "Import and export").

Import: the request checks the file (format, size, rows, header, mapping) and answers 400 naming the problem with
nothing written; the file is kept under <VAR_DIR>/transfers/<schema>/imports/ and a job is queued. The job reads
the file, types the cells (convert.py), validates every row (progress 10-60 %), then writes in ONE transaction
(progress 60 % until it commits): a new table is created in that same transaction. `all_or_nothing`: any invalid
row -> nothing is written and the job fails with every row's errors. `skip_invalid`: the valid rows are written and
the invalid ones reported. A failure while writing (a concurrent unique value) rolls everything back.
Export: a job writes the table (filter, sort and fields as in the records API) to CSV, JSON or XLSX under
<VAR_DIR>/transfers/<schema>/exports/<job id>.<format>; its result carries the download path.
Retention: import and export files older than NOCODE["TRANSFER_FILES_DAYS"] are deleted daily
(`transfer_files_prune`); downloading a pruned export answers 404 EXPORT_NOT_FOUND ("export again").
"""

import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from shared_apps.events.publishing import task_publish
from shared_apps.foundation.exceptions import Conflict, DomainError, NotFound, ValidationFailed
from shared_apps.foundation.leases import lease_heartbeat
from shared_apps.foundation.numbers import is_digits
from shared_apps.foundation.schemas import current_schema
from shared_apps.foundation.tasking import TRANSIENT_ERRORS
from tenant_apps.data_schemas import naming
from tenant_apps.data_schemas import services as schema_services
from tenant_apps.data_schemas.definitions import FieldDef, SchemaDefs, TableDef, schema_definitions
from tenant_apps.jobs.models import Job
from tenant_apps.jobs.services import job_claim, job_create, job_fail, job_progress, job_succeed
from tenant_apps.records.params import ListParams, output_fields, sort_parse
from tenant_apps.records.selectors import record_list, record_queryset
from tenant_apps.records.services import records_create

from .convert import field_names_for, infer_field, row_values
from .formats import CONTENT_TYPES, FORMATS, Sheet, format_of, sheet_read, sheet_write

logger = logging.getLogger(__name__)

MODES = ("all_or_nothing", "skip_invalid")
MAX_REPORTED_ERRORS = 1000
EXPORT_PAGE = 1000


def transfer_files_prune(*, older_than_seconds: float) -> int:
    """Delete import and export files of every project older than `older_than_seconds`; returns how many."""
    root = Path(settings.VAR_DIR) / "transfers"
    cutoff = time.time() - older_than_seconds
    removed = 0
    for path in root.glob("*/*/*"):  # <schema>/<imports|exports>/<file>
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # removed meanwhile (project deleted)
            continue
    return removed


def transfers_dir(kind: str) -> Path:
    path = Path(settings.VAR_DIR) / "transfers" / current_schema() / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def _queue(job: Job, kind: str) -> None:
    schema, job_id = current_schema(), str(job.pk)

    def publish() -> None:
        from .tasks import run_export, run_import

        try:
            task_publish(task=run_import if kind == "import" else run_export, args=(job_id,), schema_name=schema)
        except Exception:  # the job stays pending: the lease sweeper publishes it once the broker is back
            logger.warning("Could not queue job %s of %s; the lease sweeper will.", job_id, schema, exc_info=True)

    transaction.on_commit(publish)


# --- import: request side -------------------------------------------------------------------------------------------


def _size_check(size: int) -> None:
    limit = settings.NOCODE["IMPORT_MAX_BYTES"]
    if size > limit:
        raise ValidationFailed(
            f"Import files are at most {limit} bytes.",
            code="FILE_TOO_LARGE",
            fields={"file": [f"At most {limit} bytes."]},
        )


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
                code="NO_MAPPED_COLUMNS",
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


def _store(job: Job, data: bytes, fmt: str) -> None:
    (transfers_dir("imports") / f"{job.pk}.{fmt}").write_bytes(data)


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
    _size_check(len(data))
    clean_mode = _mode_check(mode)
    clean_fmt = format_of(name=file_name, given=fmt)
    sheet = sheet_read(data=data, fmt=clean_fmt)
    params: dict[str, Any] = {"format": clean_fmt, "mode": clean_mode, "file_name": file_name[:200],
                              "rows": len(sheet.rows)}  # fmt: skip
    if new_table is not None:
        naming.table_name_validate(new_table)
        if new_table in schema_definitions().tables:
            raise Conflict(f"Table '{new_table}' already exists.", code="TABLE_EXISTS", fields={"name": ["Taken."]})
        limit = settings.NOCODE["MAX_FIELDS_PER_TABLE"]
        if len(sheet.columns) > limit:
            raise ValidationFailed(
                f"A table has at most {limit} fields; the file has {len(sheet.columns)} columns.",
                code="LIMIT_REACHED",
                fields={"file": [f"At most {limit} columns."]},
            )
        params["new_table"] = new_table
    else:
        table = schema_definitions().table(table_name or "")
        resolved = mapping_resolve(table=table, columns=sheet.columns, mapping=mapping)
        params["table"] = table.name
        params["mapping"] = {column: field.name for column, field in resolved.items()}
    job = job_create(kind="import", params=params, created_by_id=user_id)
    _store(job, data, clean_fmt)
    _queue(job, "import")
    return job


# --- import: the job ------------------------------------------------------------------------------------------------


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
                raise ValidationFailed("A mapped field no longer exists; start the import again.", code="MAPPING_STALE")
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


# --- export ---------------------------------------------------------------------------------------------------------


def _export_params(table: TableDef, *, filter_tree: Any, sort: Any, fields: Any) -> dict[str, Any]:
    if filter_tree is not None:
        from tenant_apps.records.filters import filter_build

        filter_build(table, filter_tree, path="filter")
    if sort is not None and not isinstance(sort, str):
        raise ValidationFailed(
            "Invalid sort.", fields={"sort": ["A comma-separated list of fields, '-' for descending."]}
        )
    if fields is not None and not isinstance(fields, str):
        raise ValidationFailed("Invalid fields.", fields={"fields": ["A comma-separated list of field names."]})
    sort_parse(table, sort)
    output_fields(table, fields, [])
    return {"filter": filter_tree, "sort": sort, "fields": fields}


@transaction.atomic
def export_start(
    *, table_name: str, fmt: Any, filter_tree: Any = None, sort: Any = None, fields: Any = None, user_id: int | None
) -> Job:
    if fmt not in FORMATS:
        raise ValidationFailed(
            "Invalid format.", code="UNSUPPORTED_FORMAT", fields={"format": [f"One of: {', '.join(FORMATS)}."]}
        )
    table = schema_definitions().table(table_name)
    params = {
        "table": table.name,
        "format": fmt,
        **_export_params(table, filter_tree=filter_tree, sort=sort, fields=fields),
    }
    job = job_create(kind="export", params=params, created_by_id=user_id)
    _queue(job, "export")
    return job


def download_path(job_id: str) -> str:
    return f"/api/v1/automation/exports/{job_id}/download/"


def _pages(defs: SchemaDefs, table: TableDef, params: ListParams, where: Any) -> Iterator[dict[str, Any]]:
    cursor = None
    while True:
        page = record_list(defs=defs, table=table, params=replace(params, cursor=cursor), where=where)
        yield from page.rows
        if not page.has_next:
            return
        cursor = page.next_cursor


def _export(job: Job) -> dict[str, Any]:
    params = job.params
    defs = schema_definitions()
    table = defs.table(params["table"])
    where = None
    if params.get("filter") is not None:
        from tenant_apps.records.filters import filter_build

        where = filter_build(table, params["filter"], path="filter")
    total = record_queryset(table=table, where=where).count()
    limit = settings.NOCODE["EXPORT_MAX_ROWS"]
    if total > limit:
        raise ValidationFailed(f"At most {limit} rows per export; narrow it with a filter.", code="TOO_MANY_ROWS")
    columns = export_columns(table, params.get("fields"))
    list_params = ListParams(fields=columns, sort=sort_parse(table, params.get("sort")), page=None,
                             page_size=EXPORT_PAGE, cursor=None, count="none", expand=[])  # fmt: skip
    path = transfers_dir("exports") / f"{job.pk}.{params['format']}"
    job_id = str(job.pk)

    def rows() -> Iterator[dict[str, Any]]:
        for done, row in enumerate(_pages(defs, table, list_params, where), start=1):
            if done % EXPORT_PAGE == 0:
                job_progress(job_id=job_id, progress=int(95 * done / max(total, 1)), message=f"Wrote {done} rows")
            yield row

    count = sheet_write(path=path, fmt=params["format"], columns=columns, rows=rows())
    return {
        "format": params["format"],
        "rows": count,
        "size": path.stat().st_size,
        "file_name": f"{table.name}.{params['format']}",
        "download_url": download_path(job_id),
    }


def export_columns(table: TableDef, fields: str | None) -> list[str]:
    """The file's columns: every field in table order by default, else `id` and the named fields in the order given
    (`id` where it is named, if it is)."""
    columns = output_fields(table, fields, [])  # validates the names
    if fields is None:
        return columns
    named = list(dict.fromkeys(name.strip() for name in fields.split(",") if name.strip()))
    return named if "id" in named else ["id", *named]


def export_run(*, job_id: str, owner: str = "") -> str:
    """Run a pending (or re-queued) export unless it is finished or leased to another task (it writes its file
    again from the start when re-run)."""
    job = job_claim(job_id=job_id, kind="export", owner=owner or "direct")
    if job is None:
        return "not pending"
    try:
        with lease_heartbeat(model=Job, pk=job.pk, owner=job.lease_owner):
            result = _export(job)
    except TRANSIENT_ERRORS:
        raise
    except DomainError as exc:
        job_fail(job_id=job_id, error=f"{exc.code}: {exc.message}")
        return "failed"
    except Exception as exc:
        job_fail(job_id=job_id, error=f"Internal error: {type(exc).__name__}")
        raise
    job_succeed(job_id=job_id, result=result, message=f"Exported {result['rows']} rows")
    return "succeeded"


def export_file(*, job_id: str) -> tuple[Path, str, str]:
    """(path, download name, content type) of a finished export of this project; NotFound otherwise."""
    from tenant_apps.jobs.selectors import job_get

    job = job_get(job_id=job_id)
    if job.kind != "export" or job.state != "succeeded" or not job.result:
        raise NotFound("No finished export with this id.", code="EXPORT_NOT_FOUND")
    fmt = job.params["format"]
    path = transfers_dir("exports") / f"{job.pk}.{fmt}"
    if not path.exists():
        raise NotFound("The export file is no longer available; export again.", code="EXPORT_NOT_FOUND")
    return path, job.result.get("file_name") or f"export.{fmt}", CONTENT_TYPES[fmt]
