"""Aggregates on project hosts: GET or POST /api/v1/tables/{table}/aggregate/ (both only read: `read` capability).

GET: `?group_by=active&metrics=count,sum:price&filter=<json>&search=...&<field>__<op>=...&limit=...`.
POST: `{"group_by": [...], "metrics": [{"fn", "field"?, "as"?}], "filter": {...}?, "search": "..."?, "limit": n?}`.
"""

from typing import Any

from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.foundation.api.renderers import OrjsonRenderer
from shared_apps.foundation.api.requests import ProjectRequest
from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.exceptions import ValidationFailed
from tenant_apps.data_schemas.definitions import definitions_retrying, schema_definitions
from tenant_apps.records.codes import RecordsCode
from tenants.permissions import ProjectPermission

from ..aggregates import aggregate_query_parse, aggregate_request_build, record_aggregate
from ..query import where_from_body, where_from_query

AGGREGATE_PARAMS = frozenset({"group_by", "metrics", "limit"})
BODY_KEYS = frozenset({"group_by", "metrics", "filter", "search", "limit"})


class AggregateView(APIView):
    permission_classes = [ProjectPermission]
    capabilities = {"GET": "read", "HEAD": "read", "OPTIONS": "read", "POST": "read"}
    renderer_classes = [OrjsonRenderer]

    @definitions_retrying
    def get(self, request: ProjectRequest, table: str) -> Response:
        table_def = schema_definitions().table(table)
        where, rest = where_from_query(table_def, request.query_params, reserved=AGGREGATE_PARAMS)
        spec = aggregate_query_parse(table_def, rest)
        return Response(record_aggregate(table=table_def, request=spec, where=where))

    @definitions_retrying
    def post(self, request: ProjectRequest, table: str) -> Response:
        table_def = schema_definitions().table(table)
        if request.query_params:
            names = sorted(request.query_params)
            raise ValidationFailed(
                "Give everything in the body.",
                code=CommonCode.UNKNOWN_PARAMETER,
                fields={name: ["Unknown query parameter."] for name in names},
            )
        body: Any = request.data
        if not isinstance(body, dict):
            raise ValidationFailed("Expected a JSON object.", fields={"body": ["Expected a JSON object."]})
        unknown = sorted(set(body) - BODY_KEYS)
        if unknown:
            raise ValidationFailed(
                f"Unknown key(s): {', '.join(unknown)}.", fields={key: ["Unknown key."] for key in unknown}
            )
        if "search" in body and not isinstance(body["search"], str):
            raise ValidationFailed(
                "Invalid search.", code=RecordsCode.INVALID_SEARCH, fields={"search": ["Expected a string."]}
            )
        where = where_from_body(table_def, body)
        spec = aggregate_request_build(
            table_def, group_by=body.get("group_by"), metrics=body.get("metrics"), limit=body.get("limit")
        )
        return Response(record_aggregate(table=table_def, request=spec, where=where))
