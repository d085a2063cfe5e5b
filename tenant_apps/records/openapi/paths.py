"""The per-table operations: records (list, create, bulk, upsert), a record, its files, aggregates; their parameters
and answers."""

from typing import Any

from tenant_apps.data_schemas.definitions import TableDef
from tenant_apps.data_schemas.search_index import search_columns

from .components import ID_SCHEMA, MAX_BULK, closed_object, component_names, field_ops, ordered_operators, schema_ref

# status -> (component name, description)
ERROR_RESPONSES: dict[str, tuple[str, str]] = {
    "400": (
        "BadRequest",
        "Invalid input; nothing was written (VALIDATION_FAILED, INVALID_FILTER, UNKNOWN_PARAMETER, ...)",
    ),
    "401": ("Unauthenticated", "No or invalid credentials (NOT_AUTHENTICATED, AUTHENTICATION_FAILED, TOKEN_INVALID)"),
    "403": ("Forbidden", "The role or key scope does not allow this (PERMISSION_DENIED)"),
    "404": ("NotFound", "No such table, record or file (TABLE_NOT_FOUND, RECORD_NOT_FOUND, NOT_FOUND)"),
    "409": ("Conflict", "A unique value is taken, or the write conflicts; nothing was written (UNIQUE_VIOLATION, ...)"),
    "413": ("PayloadTooLarge", "The request body is over the limit (REQUEST_TOO_LARGE)"),
    "415": ("UnsupportedMediaType", "The body is not JSON (UNSUPPORTED_MEDIA_TYPE)"),
    "429": ("TooManyRequests", "Too many requests for this project or key (RATE_LIMITED); see Retry-After"),
    "503": ("Unavailable", "A dependency is unavailable; retry later"),
}


def _page(record: dict[str, Any]) -> dict[str, Any]:
    return closed_object(
        {
            "results": {"type": "array", "items": record},
            "page": {"type": "integer", "nullable": True, "description": "null with `cursor`."},
            "page_size": {"type": "integer"},
            "has_next": {"type": "boolean"},
            "next_cursor": {"type": "string", "nullable": True},
            "count": {"type": "integer", "nullable": True, "description": "null unless `count` asks for it."},
        },
        ["results", "page", "page_size", "has_next", "next_cursor", "count"],
        "One page of records.",
    )


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any], media: str = "application/json") -> dict[str, Any]:
    return {"required": True, "content": {media: {"schema": schema}}}


def _errors(*statuses: str) -> dict[str, Any]:
    return {status: {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"} for status in statuses}


READ_ERRORS = ("400", "401", "403", "404", "429", "503")
WRITE_ERRORS = ("400", "401", "403", "404", "409", "413", "415", "429", "503")


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "in": "query",
        "name": name,
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _filter_description(table: TableDef) -> str:
    lines = [
        'JSON filter: a condition `{"field": <name>, "op": <operator>, "value": <operand>}` or a group '
        '`{"and": [...]}` / `{"or": [...]}` (nesting up to 8 levels, up to 100 conditions). Operators by field:'
    ]
    for name in ("id", "created_at", "updated_at"):
        lines.append(f"- `{name}`: {', '.join(field_ops(name))}")
    for field in table.fields:
        lines.append(f"- `{field.name}` ({field.type}): {', '.join(ordered_operators(field))}")
    lines.append("Compact form: `?<field>=<value>` or `?<field>__<operator>=<value>` (lists comma-separated).")
    return "\n".join(lines)


def _list_parameters(table: TableDef) -> list[dict[str, Any]]:
    sortable = ["id", *(f.name for f in table.fields if f.field_type.sortable(f.options)), "created_at", "updated_at"]
    links = [f.name for f in table.fields if f.field_type.links_records]
    params = [
        _query("filter", _filter_description(table)),
        _query("sort", f"Comma-separated keys, `-` for descending. Sortable: {', '.join(sortable)}."),
        _query("fields", "Comma-separated field names to return (`id` is always returned)."),
        _query("page", "Page number (1...).", {"type": "integer", "minimum": 1}),
        _query(
            "page_size",
            "Records per page (default 50, at most 1000).",
            {"type": "integer", "minimum": 1, "maximum": 1000},
        ),
        _query("cursor", "Keyset pagination: the `next_cursor` of the previous page (same `sort`)."),
        _query(
            "count",
            "Total count: none (default), exact or estimated (planner).",
            {"type": "string", "enum": ["none", "exact", "estimated"]},
        ),
    ]
    if search_columns(table.fields):
        columns = ", ".join(search_columns(table.fields))
        params.append(_query("search", f"Full-text search: every word must begin a word of {columns}."))
    if links:
        params.append(_query("expand", f"Comma-separated link fields to expand into records: {', '.join(links)}."))
    return params


def _record_id_parameter() -> dict[str, Any]:
    return {"in": "path", "name": "record_id", "required": True, "schema": dict(ID_SCHEMA)}


def _record_links(name: str) -> dict[str, Any]:
    """OpenAPI links from an answer carrying one record to the operations on it (stateful fuzzing, clients)."""
    return {
        f"{operation}": {"operationId": f"{name}_{operation}", "parameters": {"record_id": "$response.body#/id"}}
        for operation in ("get", "update", "replace", "delete")
    }


def table_paths(table: TableDef) -> dict[str, Any]:
    name = table.name
    names = component_names(table)
    tag = [f"table: {name}"]
    record = schema_ref(names["read"])
    base = f"/api/v1/tables/{name}"
    get_parameters = [_query("fields", "Comma-separated field names (`id` is always returned).")]
    if any(f.field_type.links_records for f in table.fields):
        get_parameters.append(_query("expand", "Comma-separated link fields to expand into records."))
    paths: dict[str, Any] = {
        f"{base}/records/": {
            "get": {
                "operationId": f"{name}_list",
                "tags": tag,
                "summary": f"List records of {name}",
                "parameters": _list_parameters(table),
                "responses": {"200": _json(_page(record)), **_errors(*READ_ERRORS)},
            },
            "post": {
                "operationId": f"{name}_create",
                "tags": tag,
                "summary": f"Create a record, or up to {MAX_BULK} with {{records: [...]}} (all or nothing)",
                "description": 'One record object, or `{"records": [...]}` (no field is named `records`, so '
                "the two bodies never overlap). `upsert_on` inserts, or updates the record with that value: "
                "200 for an update of one record and for every bulk upsert.",
                "parameters": [_query("upsert_on", "A unique field: insert, or update the record with that value.")],
                "requestBody": _body({"oneOf": [schema_ref(names["create"]), schema_ref(names["bulk_create"])]}),
                "responses": {
                    "201": {
                        **_json(
                            {"oneOf": [record, schema_ref(names["bulk_records"])]},
                            "Created: the record, or {records} for a bulk body",
                        ),
                        "links": _record_links(name),
                    },
                    "200": _json(
                        {"oneOf": [record, schema_ref(names["bulk_upserted"])]},
                        "Upserted: the updated record, or {records, created} for a bulk body",
                    ),
                    **_errors(*WRITE_ERRORS),
                },
            },
            "patch": {
                "operationId": f"{name}_bulk_update",
                "tags": tag,
                "summary": f"Update up to {MAX_BULK} records ({{records: [{{id, ...}}]}}), all or nothing",
                "requestBody": _body(schema_ref(names["bulk_update"])),
                "responses": {"200": _json(schema_ref(names["bulk_records"])), **_errors(*WRITE_ERRORS)},
            },
            "delete": {
                "operationId": f"{name}_bulk_delete",
                "tags": tag,
                "summary": f"Delete up to {MAX_BULK} records ({{ids: [...]}}), all or nothing",
                "requestBody": _body(
                    closed_object(
                        {"ids": {"type": "array", "items": ID_SCHEMA, "minItems": 1, "maxItems": MAX_BULK}},
                        ["ids"],
                        "The ids of the records to delete.",
                    )
                ),
                "responses": {
                    "200": _json(
                        closed_object({"deleted": {"type": "integer"}}, ["deleted"], "How many records were deleted.")
                    ),
                    **_errors(*WRITE_ERRORS),
                },
            },
        },
        f"{base}/records/{{record_id}}/": {
            "parameters": [_record_id_parameter()],
            "get": {
                "operationId": f"{name}_get",
                "tags": tag,
                "parameters": get_parameters,
                "responses": {"200": _json(record), **_errors(*READ_ERRORS)},
            },
            "patch": {
                "operationId": f"{name}_update",
                "tags": tag,
                "requestBody": _body(schema_ref(names["update"])),
                "responses": {"200": _json(record), **_errors(*WRITE_ERRORS)},
            },
            "put": {
                "operationId": f"{name}_replace",
                "tags": tag,
                "requestBody": _body(schema_ref(names["create"])),
                "responses": {"200": _json(record), **_errors(*WRITE_ERRORS)},
            },
            "delete": {
                "operationId": f"{name}_delete",
                "tags": tag,
                "responses": {"204": {"description": "Deleted"}, **_errors(*WRITE_ERRORS)},
            },
        },
        f"{base}/aggregate/": {
            "get": {
                "operationId": f"{name}_aggregate",
                "tags": tag,
                "summary": "Aggregates (count, sum, avg, min, max, count_distinct) with group-by",
                "parameters": [
                    _query("group_by", "Comma-separated fields to group by."),
                    _query("metrics", "Comma-separated `fn` or `fn:field`, e.g. `count,sum:price`."),
                    _query("limit", "At most this many groups (default 1000).", {"type": "integer", "minimum": 1}),
                    _query("filter", "JSON filter (see the list endpoint)."),
                    _query("search", "Full-text search."),
                ],
                "responses": {"200": _json(schema_ref("AggregateResult")), **_errors(*READ_ERRORS)},
            },
            "post": {
                "operationId": f"{name}_aggregate_post",
                "tags": tag,
                "requestBody": _body(schema_ref("AggregateRequest")),
                "responses": {
                    "200": _json(schema_ref("AggregateResult")),
                    **_errors("400", "401", "403", "404", "413", "415", "429", "503"),
                },
            },
        },
    }
    files = [f.name for f in table.fields if f.field_type.stores_files]
    if files:
        paths[f"{base}/records/{{record_id}}/files/{{field}}/"] = {
            "parameters": [
                _record_id_parameter(),
                {"in": "path", "name": "field", "required": True, "schema": {"type": "string", "enum": files}},
            ],
            "get": {
                "operationId": f"{name}_file_download",
                "tags": tag,
                "responses": {
                    "200": {
                        "description": "The file",
                        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    **_errors(*READ_ERRORS),
                },
            },
            "post": {
                "operationId": f"{name}_file_upload",
                "tags": tag,
                "requestBody": _body(
                    {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    },
                    "multipart/form-data",
                ),
                "responses": {"200": _json(record), **_errors(*WRITE_ERRORS)},
            },
            "delete": {
                "operationId": f"{name}_file_delete",
                "tags": tag,
                "responses": {"204": {"description": "Removed"}, **_errors(*WRITE_ERRORS)},
            },
        }
    return paths
