"""Schema API on project hosts: /api/v1/tables/[{table}/[fields/[{field}/ | order/]]].

Reading definitions needs `read`; changing them needs `manage_schema` (project admins and owners, admin API keys).
"""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.foundation.api.inputs import query_params_check, validated
from shared_apps.foundation.api.renderers import OrjsonRenderer
from shared_apps.foundation.api.requests import ProjectRequest
from shared_apps.foundation.exceptions import ValidationFailed
from tenants.permissions import ProjectPermission

from .. import services
from ..definitions import schema_definitions
from ..selectors import field_get, table_get, table_list
from .schemas import (
    CONFIRM_FIELD_PARAMETER,
    CONFIRM_TABLE_PARAMETER,
    DRY_RUN_PARAMETER,
    SchemaFieldDryRunSerializer,
    SchemaFieldListSerializer,
    SchemaFieldSerializer,
    SchemaTableListSerializer,
    SchemaTableSerializer,
)
from .serializers import (
    FieldInput,
    FieldOrderInput,
    FieldUpdateInput,
    TableCreateInput,
    TableUpdateInput,
    field_data,
    field_spec,
    table_data,
)

SCHEMA_CAPABILITIES = {
    "GET": "read",
    "HEAD": "read",
    "OPTIONS": "read",
    "POST": "manage_schema",
    "PUT": "manage_schema",
    "PATCH": "manage_schema",
    "DELETE": "manage_schema",
}


def flag(request: ProjectRequest, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None or raw.lower() in ("", "0", "false", "no"):
        return False
    if raw.lower() in ("1", "true", "yes"):
        return True
    raise ValidationFailed(f"Invalid {name}.", fields={name: ["true or false."]})


class SchemaView(APIView):
    permission_classes = [ProjectPermission]
    capabilities = SCHEMA_CAPABILITIES
    renderer_classes = [OrjsonRenderer]


class TableListView(SchemaView):
    @extend_schema(summary="List the tables", responses={200: SchemaTableListSerializer})
    def get(self, request: ProjectRequest) -> Response:
        query_params_check(request, ())
        defs, tables = table_list()
        return Response({"results": [table_data(t, defs) for t in tables]})

    @extend_schema(summary="Create a table", request=TableCreateInput, responses={201: SchemaTableSerializer})
    def post(self, request: ProjectRequest) -> Response:
        data = validated(TableCreateInput, request.data)
        table = services.table_create(
            name=data["name"],
            display_name=data["display_name"],
            description=data["description"],
            fields=[field_spec(f) for f in data["fields"]],
        )
        return Response(table_data(table, schema_definitions()), status=status.HTTP_201_CREATED)


class TableDetailView(SchemaView):
    @extend_schema(summary="Get a table", responses={200: SchemaTableSerializer})
    def get(self, request: ProjectRequest, table: str) -> Response:
        defs, found = table_get(name=table)
        return Response(table_data(found, defs))

    @extend_schema(summary="Change a table", request=TableUpdateInput, responses={200: SchemaTableSerializer})
    def patch(self, request: ProjectRequest, table: str) -> Response:
        data = validated(TableUpdateInput, request.data)
        updated = services.table_update(table_name=table, **data)
        return Response(table_data(updated, schema_definitions()))

    @extend_schema(
        summary="Delete a table and its records",
        parameters=[CONFIRM_TABLE_PARAMETER],
        responses={204: OpenApiResponse(description="Deleted")},
    )
    def delete(self, request: ProjectRequest, table: str) -> Response:
        services.table_delete(table_name=table, confirm=request.query_params.get("confirm"))
        return Response(status=status.HTTP_204_NO_CONTENT)


class FieldListView(SchemaView):
    @extend_schema(summary="List the fields of a table", responses={200: SchemaFieldListSerializer})
    def get(self, request: ProjectRequest, table: str) -> Response:
        query_params_check(request, ())
        defs, found = table_get(name=table)
        return Response({"results": [field_data(f, defs) for f in found.fields]})

    @extend_schema(summary="Add a field", request=FieldInput, responses={201: SchemaFieldSerializer})
    def post(self, request: ProjectRequest, table: str) -> Response:
        data = validated(FieldInput, request.data)
        field = services.field_create(table_name=table, spec=field_spec(data))
        return Response(field_data(field, schema_definitions()), status=status.HTTP_201_CREATED)


class FieldDetailView(SchemaView):
    @extend_schema(summary="Get a field", responses={200: SchemaFieldSerializer})
    def get(self, request: ProjectRequest, table: str, field: str) -> Response:
        defs, _, found = field_get(table_name=table, field_name=field)
        return Response(field_data(found, defs))

    @extend_schema(
        summary="Change a field",
        parameters=[DRY_RUN_PARAMETER],
        request=FieldUpdateInput,
        responses={
            200: PolymorphicProxySerializer(
                component_name="SchemaFieldUpdateResult",
                serializers=[SchemaFieldSerializer, SchemaFieldDryRunSerializer],
                resource_type_field_name=None,
            )
        },
    )
    def patch(self, request: ProjectRequest, table: str, field: str) -> Response:
        """Change a field; `?dry_run=true` only reports what a type change would do to the values."""
        data = validated(FieldUpdateInput, request.data)
        on_invalid = data.pop("on_invalid")
        result = services.field_update(
            table_name=table, field_name=field, changes=data, dry_run=flag(request, "dry_run"), on_invalid=on_invalid
        )
        defs = schema_definitions()
        if result.dry_run:
            report = result.conversion
            body: dict[str, Any] = {
                "dry_run": True,
                "field": field_data(result.field, defs),
                "conversion": report.data() if report else None,
                "would_lose_data": bool(report and report.invalid),
            }
            return Response(body)
        return Response(field_data(result.field, defs))

    @extend_schema(
        summary="Delete a field and its values",
        parameters=[CONFIRM_FIELD_PARAMETER],
        responses={204: OpenApiResponse(description="Deleted")},
    )
    def delete(self, request: ProjectRequest, table: str, field: str) -> Response:
        services.field_delete(table_name=table, field_name=field, confirm=request.query_params.get("confirm"))
        return Response(status=status.HTTP_204_NO_CONTENT)


class FieldOrderView(SchemaView):
    @extend_schema(
        summary="Reorder the fields (every field, in the new order)",
        request=FieldOrderInput,
        responses={200: SchemaTableSerializer},
    )
    def post(self, request: ProjectRequest, table: str) -> Response:
        data = validated(FieldOrderInput, request.data)
        updated = services.fields_reorder(table_name=table, order=data["order"])
        return Response(table_data(updated, schema_definitions()))

    put = post
