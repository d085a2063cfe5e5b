"""Import and export endpoints on project hosts (docs/automation.md, "Import and export").

POST /api/v1/tables/{table}/import/   multipart: file, mode, [mapping (JSON object), format]   write_records
POST /api/v1/automation/imports/      multipart: file, table (new name), mode, [format]          manage_schema
POST /api/v1/tables/{table}/export/   JSON: format, [filter, sort, fields]                       read
GET  /api/v1/automation/exports/{job id}/download/                                               read
The POSTs answer 202 with the job; its status is at /api/v1/automation/tasks/{id}/status/.
"""

from typing import Any

from django.conf import settings
from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.foundation.api.parsers import JsonParser
from shared_apps.foundation.api.requests import ProjectRequest
from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.exceptions import ValidationFailed
from shared_apps.foundation.jsoncodec import JsonInputError, json_loads
from tenant_apps.jobs.api.views import job_data
from tenants.access import project_access
from tenants.permissions import ProjectPermission

from .. import services
from .schemas import (
    EXPORT_FILE_RESPONSES,
    TransferExportSerializer,
    TransferJobSerializer,
    TransferNewTableImportSerializer,
    TransferTableImportSerializer,
)

UPLOAD_KEYS = {"file", "mode", "mapping", "format", "table"}


def _status_path(job_id: str) -> str:
    return f"/api/v1/automation/tasks/{job_id}/status/"


def _accepted(job: Any) -> Response:
    return Response({**job_data(job), "status_url": _status_path(str(job.pk))}, status=202)


def _upload(request: ProjectRequest, allowed: set[str]) -> tuple[str, bytes, dict[str, Any]]:
    limit = settings.NOCODE["IMPORT_MAX_BYTES"]
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit + 64 * 1024:
        raise ValidationFailed(
            f"Import files are at most {limit} bytes.",
            code=CommonCode.FILE_TOO_LARGE,
            fields={"file": [f"At most {limit} bytes."]},
        )
    unknown = sorted((set(request.data) | set(request.FILES)) - allowed)
    if unknown:
        raise ValidationFailed("Unknown fields.", fields={key: ["Unknown field."] for key in unknown})
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationFailed("No file.", fields={"file": ["Upload the file in the multipart part 'file'."]})
    if (upload.size or 0) > limit:
        raise ValidationFailed(
            f"Import files are at most {limit} bytes.",
            code=CommonCode.FILE_TOO_LARGE,
            fields={"file": [f"At most {limit} bytes."]},
        )
    form: Any = request.data
    options = {key: form.get(key) for key in ("mode", "mapping", "format", "table")}
    if options["mapping"] not in (None, ""):
        try:
            options["mapping"] = json_loads(options["mapping"])
        except JsonInputError:
            raise ValidationFailed(
                "Invalid mapping.", fields={"mapping": ["A JSON object: column -> field."]}
            ) from None
    else:
        options["mapping"] = None
    return upload.name or "upload", upload.read(), options


class TableImportView(APIView):
    permission_classes = [ProjectPermission]
    capabilities = {"POST": "write_records"}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Import a file into a table (a job)",
        request={"multipart/form-data": TransferTableImportSerializer},
        responses={202: TransferJobSerializer},
    )
    def post(self, request: ProjectRequest, table: str) -> Response:
        name, data, options = _upload(request, UPLOAD_KEYS - {"table"})
        job = services.import_start(
            table_name=table,
            new_table=None,
            file_name=name,
            data=data,
            fmt=options["format"],
            mode=options["mode"] or "all_or_nothing",
            mapping=options["mapping"],
            user_id=project_access(request).user_id,
        )
        return _accepted(job)


class NewTableImportView(APIView):
    permission_classes = [ProjectPermission]
    capabilities = {"POST": "manage_schema"}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Import a file into a new table (a job)",
        request={"multipart/form-data": TransferNewTableImportSerializer},
        responses={202: TransferJobSerializer},
    )
    def post(self, request: ProjectRequest) -> Response:
        name, data, options = _upload(request, UPLOAD_KEYS - {"mapping"})
        if not options["table"]:
            raise ValidationFailed("Name the new table.", fields={"table": ["Required."]})
        job = services.import_start(
            table_name=None,
            new_table=options["table"],
            file_name=name,
            data=data,
            fmt=options["format"],
            mode=options["mode"] or "all_or_nothing",
            user_id=project_access(request).user_id,
        )
        return _accepted(job)


class TableExportView(APIView):
    permission_classes = [ProjectPermission]
    capabilities = {"POST": "read"}
    parser_classes = [JsonParser]

    @extend_schema(
        summary="Export a table's records to a file (a job; the result names the download URL)",
        request=TransferExportSerializer,
        responses={202: TransferJobSerializer},
    )
    def post(self, request: ProjectRequest, table: str) -> Response:
        body = request.data if isinstance(request.data, dict) else None
        if body is None:
            raise ValidationFailed("Expected a JSON object.", fields={"body": ["Expected a JSON object."]})
        unknown = sorted(set(body) - {"format", "filter", "sort", "fields"})
        if unknown:
            raise ValidationFailed("Unknown keys.", fields={key: ["Unknown key."] for key in unknown})
        job = services.export_start(
            table_name=table,
            fmt=body.get("format", "csv"),
            filter_tree=body.get("filter"),
            sort=body.get("sort"),
            fields=body.get("fields"),
            user_id=project_access(request).user_id,
        )
        return _accepted(job)


class ExportDownloadView(APIView):
    permission_classes = [ProjectPermission]

    @extend_schema(summary="Download the file of a finished export", responses=EXPORT_FILE_RESPONSES)
    def get(self, request: ProjectRequest, job_id: str) -> FileResponse:
        path, file_name, content_type = services.export_file(job_id=job_id)
        response = FileResponse(path.open("rb"), as_attachment=True, filename=file_name, content_type=content_type)
        response["X-Content-Type-Options"] = "nosniff"
        return response
