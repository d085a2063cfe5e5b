"""Records API on project hosts: /api/v1/tables/{table}/records/[{id}/[files/{field}/]].

Reads need `read` (viewers, read API keys); writes need `write_records` (editors and up, read-write keys).
Reads return plain dicts from `.values()` through the orjson renderer (no ModelSerializer on the hot path).
"""

from typing import Any

from django.conf import settings
from django.http import FileResponse
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.foundation.api.parsers import JsonParser
from shared_apps.foundation.api.renderers import OrjsonRenderer
from shared_apps.foundation.api.requests import ProjectRequest
from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.exceptions import NotFound, ValidationFailed
from tenant_apps.data_schemas import filestore
from tenant_apps.data_schemas.definitions import SchemaDefs, TableDef, definitions_retrying, schema_definitions
from tenant_apps.records.codes import RecordsCode
from tenants.permissions import ProjectPermission

from .. import services
from ..fastpath import record_get_fast, record_list_fast
from ..params import get_params_parse
from ..selectors import record_get

RECORD_CAPABILITIES = {
    "GET": "read",
    "HEAD": "read",
    "OPTIONS": "read",
    "POST": "write_records",
    "PUT": "write_records",
    "PATCH": "write_records",
    "DELETE": "write_records",
}


def _table(name: str) -> tuple[SchemaDefs, TableDef]:
    defs = schema_definitions()
    return defs, defs.table(name)


def _body(request: ProjectRequest) -> Any:
    """The parsed JSON body (oversized bodies are refused before parsing by foundation.http.bodylimit)."""
    return request.data


def _only_params(request: ProjectRequest, allowed: set[str]) -> None:
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise ValidationFailed(
            f"Unknown query parameter: {', '.join(unknown)}.",
            code=CommonCode.UNKNOWN_PARAMETER,
            fields={name: ["Unknown query parameter."] for name in unknown},
        )


def _bulk_rows(data: Any, key: str = "records") -> list[Any] | None:
    """The rows of a bulk body `{"records": [...]}`, None for a single-record object."""
    if not isinstance(data, dict):
        raise ValidationFailed("Expected a JSON object.", fields={"body": ["Expected a JSON object."]})
    if key not in data:
        return None
    if set(data) != {key} or not isinstance(data[key], list):
        raise ValidationFailed(f"A bulk body is {{'{key}': [...]}} only.", fields={key: ["Expected a list, alone."]})
    return data[key]


@definitions_retrying
def record_get_plain(*, table: str, record_id: int) -> dict[str, Any]:
    """`GET records/{id}/` without query parameters: every field of the record."""
    _, table_def = _table(table)
    row = record_get_fast(table=table_def, record_id=record_id)
    if row is None:
        raise NotFound(f"No record {record_id} in '{table_def.name}'.", code=RecordsCode.RECORD_NOT_FOUND)
    return row


@definitions_retrying
def record_list_page(*, table: str, query: Any, query_string: str) -> dict[str, Any]:
    """`GET records/?...`: one page for the request's query parameters."""
    defs, table_def = _table(table)
    return record_list_fast(defs=defs, table=table_def, query=query, query_string=query_string)


@definitions_retrying
def record_create_one(*, table: str, data: dict[str, Any]) -> dict[str, Any]:
    """`POST records/` with one record object (no upsert): the created record."""
    defs, table_def = _table(table)
    return services.records_create(defs=defs, table=table_def, rows=[data], bulk=False)[0]


class RecordsView(APIView):
    permission_classes = [ProjectPermission]
    capabilities = RECORD_CAPABILITIES
    renderer_classes = [OrjsonRenderer]


class RecordListView(RecordsView):
    @definitions_retrying
    def get(self, request: ProjectRequest, table: str) -> Response:
        query_string = request.META.get("QUERY_STRING", "")
        return Response(record_list_page(table=table, query=request.query_params, query_string=query_string))

    @definitions_retrying
    def post(self, request: ProjectRequest, table: str) -> Response:
        """Create one record, or many with {"records": [...]}; `?upsert_on=<unique field>` upserts."""
        _only_params(request, {"upsert_on"})
        defs, table_def = _table(table)
        data = _body(request)
        given = _bulk_rows(data)
        bulk = given is not None
        rows = given if given is not None else [data]
        upsert_on = request.query_params.get("upsert_on")
        if upsert_on:
            result = services.records_upsert(defs=defs, table=table_def, rows=rows, key=upsert_on, bulk=bulk)
            if bulk:
                return Response({"records": result.records, "created": result.created})
            return Response(result.records[0], status=201 if result.created[0] else 200)
        if not bulk:
            return Response(record_create_one(table=table, data=data), status=status.HTTP_201_CREATED)
        created = services.records_create(defs=defs, table=table_def, rows=rows, bulk=True)
        return Response({"records": created}, status=status.HTTP_201_CREATED)

    @definitions_retrying
    def patch(self, request: ProjectRequest, table: str) -> Response:
        """Bulk update: {"records": [{"id": 1, ...}, ...]}, all or nothing."""
        _only_params(request, set())
        defs, table_def = _table(table)
        rows = _bulk_rows(_body(request))
        if rows is None:
            raise ValidationFailed("Expected {'records': [...]}.", fields={"records": ["Required."]})
        return Response({"records": services.records_update(defs=defs, table=table_def, rows=rows)})

    @definitions_retrying
    def delete(self, request: ProjectRequest, table: str) -> Response:
        """Bulk delete: {"ids": [...]}, all or nothing."""
        _only_params(request, set())
        _, table_def = _table(table)
        ids = _bulk_rows(_body(request), key="ids")
        if ids is None:
            raise ValidationFailed("Expected {'ids': [...]}.", fields={"ids": ["Required."]})
        return Response({"deleted": services.records_delete(table=table_def, ids=ids)})


class RecordDetailView(RecordsView):
    @definitions_retrying
    def get(self, request: ProjectRequest, table: str, record_id: int) -> Response:
        if not request.query_params:
            return Response(record_get_plain(table=table, record_id=record_id))
        defs, table_def = _table(table)
        fields, expand = get_params_parse(table_def, request.query_params)
        return Response(record_get(defs=defs, table=table_def, record_id=record_id, fields=fields, expand=expand))

    def patch(self, request: ProjectRequest, table: str, record_id: int) -> Response:
        return self._update(request, table, record_id, replace=False)

    def put(self, request: ProjectRequest, table: str, record_id: int) -> Response:
        """Replace: omitted fields get their default (or null)."""
        return self._update(request, table, record_id, replace=True)

    @staticmethod
    @definitions_retrying
    def _update(request: ProjectRequest, table: str, record_id: int, *, replace: bool) -> Response:
        _only_params(request, set())
        defs, table_def = _table(table)
        data = _body(request)
        return Response(
            services.record_update(defs=defs, table=table_def, record_id=record_id, data=data, replace=replace)
        )

    @definitions_retrying
    def delete(self, request: ProjectRequest, table: str, record_id: int) -> Response:
        _only_params(request, set())
        _, table_def = _table(table)
        services.record_delete(table=table_def, record_id=record_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecordFileView(RecordsView):
    """GET downloads the file of a record's file field; POST (multipart, part `file`) uploads; DELETE clears."""

    parser_classes = [MultiPartParser, FormParser, JsonParser]

    @definitions_retrying
    def get(self, request: ProjectRequest, table: str, record_id: int, field: str) -> FileResponse:
        _, table_def = _table(table)
        meta = services.record_file_get(table=table_def, record_id=record_id, field_name=field)
        response = FileResponse(
            filestore.file_open(meta["path"]),
            as_attachment=True,
            filename=meta.get("name") or "file",
            content_type=meta.get("content_type") or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def post(self, request: ProjectRequest, table: str, record_id: int, field: str) -> Response:
        defs, table_def = _table(table)
        limit = settings.NOCODE["FILE_MAX_BYTES"]
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit + 64 * 1024:
            raise ValidationFailed(
                f"Files are at most {limit} bytes.",
                code=CommonCode.FILE_TOO_LARGE,
                fields={"file": [f"At most {limit} bytes."]},
            )
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed("No file.", fields={"file": ["Upload the file in the multipart part 'file'."]})
        record = services.record_file_upload(
            defs=defs, table=table_def, record_id=record_id, field_name=field, upload=upload
        )
        return Response(record)

    @definitions_retrying
    def delete(self, request: ProjectRequest, table: str, record_id: int, field: str) -> Response:
        _, table_def = _table(table)
        services.record_file_delete(table=table_def, record_id=record_id, field_name=field)
        return Response(status=status.HTTP_204_NO_CONTENT)
