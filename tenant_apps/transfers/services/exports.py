"""Exports: a table (optionally filtered, with chosen fields) as CSV, JSON or XLSX, as a job."""

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from shared_apps.foundation.exceptions import DomainError, NotFound, ValidationFailed
from shared_apps.foundation.leases import lease_heartbeat
from shared_apps.foundation.tasks import TRANSIENT_ERRORS
from tenant_apps.data_schemas.definitions import SchemaDefs, TableDef, schema_definitions
from tenant_apps.jobs.models import Job
from tenant_apps.jobs.services import job_claim, job_create, job_fail, job_progress, job_succeed
from tenant_apps.records.params import ListParams, output_fields, sort_parse
from tenant_apps.records.selectors import record_list, record_queryset
from tenant_apps.transfers.codes import TransfersCode

from ..formats import CONTENT_TYPES, FORMATS, sheet_write
from .files import transfer_queue, transfers_dir

EXPORT_PAGE = 1000


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
            "Invalid format.",
            code=TransfersCode.UNSUPPORTED_FORMAT,
            fields={"format": [f"One of: {', '.join(FORMATS)}."]},
        )
    table = schema_definitions().table(table_name)
    params = {
        "table": table.name,
        "format": fmt,
        **_export_params(table, filter_tree=filter_tree, sort=sort, fields=fields),
    }
    job = job_create(kind="export", params=params, created_by_id=user_id)
    transfer_queue(job, "export")
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
        raise ValidationFailed(
            f"At most {limit} rows per export; narrow it with a filter.", code=TransfersCode.TOO_MANY_ROWS
        )
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
        raise NotFound("No finished export with this id.", code=TransfersCode.EXPORT_NOT_FOUND)
    fmt = job.params["format"]
    path = transfers_dir("exports") / f"{job.pk}.{fmt}"
    if not path.exists():
        raise NotFound("The export file is no longer available; export again.", code=TransfersCode.EXPORT_NOT_FOUND)
    return path, job.result.get("file_name") or f"export.{fmt}", CONTENT_TYPES[fmt]
