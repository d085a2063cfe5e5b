"""The per-project OpenAPI 3.0 document served on a project host (`GET /api/v1/schema/`).

Two parts: the static endpoints of a project host (schema API, jobs, spec, health, ...) generated once per process
by drf-spectacular from ROOT_URLCONF (`nocode.urls_tenants`), and one set of paths per user table built from its
definitions: a component schema per table (typed properties from each field type's `json_schema`, `nullable`,
`readOnly`, `enum`
for selects, formats), the records, record, aggregate and file endpoints with their query parameters, and the filter
operators each field supports (`x-filter-operators` and the `filter` parameter's description). The generic
`/api/v1/tables/{table}/records/...` paths are replaced by the per-table ones.

Built documents are cached per process, per (schema scope, definitions token): any change of the definitions
changes the token (definitions.py), so the next request builds a new document.
"""

import copy
import threading
from collections import OrderedDict
from typing import Any

from django.conf import settings
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from tenant_apps.data_schemas.definitions import FieldDef, SchemaDefs, TableDef
from tenant_apps.data_schemas.search_index import search_columns

from .filters import AUTOMATIC_DEFS, OPERATORS, field_operators

CACHE_SIZE = 64
DATA_PATH_PREFIXES = ("/api/v1/tables/{table}/records/", "/api/v1/tables/{table}/aggregate/")

_lock = threading.Lock()
_static: dict[str, Any] | None = None
_documents: "OrderedDict[tuple[str, str], dict[str, Any]]" = OrderedDict()


def _static_document() -> dict[str, Any]:
    """The project host's static endpoints (generated once per process; the URLconf does not change at run time)."""
    global _static
    if _static is None:
        with GENERATOR_STATS.silence():
            generated = SchemaGenerator(urlconf=settings.ROOT_URLCONF).get_schema(request=None, public=True)
        generated["paths"] = {
            path: item for path, item in generated["paths"].items() if not path.startswith(DATA_PATH_PREFIXES)
        }
        _static = generated
    return _static


# --- components ------------------------------------------------------------------------------------------------

MAX_BULK = 1000
MAX_ID = 2**63 - 1  # selectors.MAX_RECORD_ID: ids are bigint
ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}


def component_names(table: TableDef) -> dict[str, str]:
    """Component names of one table: the row as read, and the bodies. User table names are lower-case slugs
    without dots, so the dotted names never collide with another table's."""
    name = table.name
    return {
        "read": name,
        "create": f"{name}.create",
        "update": f"{name}.update",
        "bulk_create": f"{name}.bulk_create",
        "bulk_update_item": f"{name}.bulk_update_item",
        "bulk_update": f"{name}.bulk_update",
        "bulk_records": f"{name}.bulk_records",
        "bulk_upserted": f"{name}.bulk_upserted",
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """`nullable`, with null among the `enum` values when there are some (validators check enum first)."""
    schema["nullable"] = True
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


def field_value_schema(field: FieldDef, defs: SchemaDefs) -> dict[str, Any]:
    """The JSON schema of the field's value as written (and read, unless expanded); readOnly for files."""
    schema = copy.deepcopy(field.field_type.json_schema(field))
    if field.field_type.links_records:
        target = defs.tables_by_id.get(field.options["target_table_id"])
        target_name = target.name if target else "?"
        many = field.options["multiple"]
        schema["description"] = f"{'Ids of records' if many else 'Id of a record'} of table '{target_name}'."
        if many:
            schema["items"]["minimum"] = 1
        else:
            schema["minimum"] = 1
    if not field.required and field.has_column and not field.field_type.stores_files:  # a many-link is a list
        _nullable(schema)
    if field.default is not None:
        schema["default"] = field.default
    return schema


def _read_property(field: FieldDef, defs: SchemaDefs) -> dict[str, Any]:
    schema = field_value_schema(field, defs)
    if field.field_type.links_records:  # `expand` replaces ids by the linked records
        expanded: dict[str, Any] = {"type": "object", "additionalProperties": True}
        ids = {k: v for k, v in schema.items() if k not in ("description", "default")}
        if field.options["multiple"]:
            alternatives = [ids, {"type": "array", "items": expanded}]
        else:
            alternatives = [ids, _nullable(expanded) if ids.get("nullable") else expanded]
        schema = {"description": schema["description"], "anyOf": alternatives}
        if field.default is not None:
            schema["default"] = field.default
    schema["x-filter-operators"] = _ordered_operators(field)
    return schema


def _writable(field: FieldDef) -> bool:
    return not field.field_type.json_schema(field).get("readOnly", False)


def _ordered_operators(field: FieldDef) -> list[str]:
    supported = field_operators(field)
    return [op for op in OPERATORS if op in supported]


def _automatic_properties() -> dict[str, Any]:
    return {
        "id": {"type": "integer", "format": "int64", "readOnly": True, "x-filter-operators": _ops("id")},
        "created_at": {
            "type": "string",
            "format": "date-time",
            "readOnly": True,
            "x-filter-operators": _ops("created_at"),
        },
        "updated_at": {
            "type": "string",
            "format": "date-time",
            "readOnly": True,
            "x-filter-operators": _ops("updated_at"),
        },
    }


def _ops(name: str) -> list[str]:
    return _ordered_operators(AUTOMATIC_DEFS[name])


def table_component(table: TableDef, defs: SchemaDefs) -> dict[str, Any]:
    """The JSON schema of one record of `table` as read: every field, unless `fields=` narrows the answer, so only
    `id` is required; read-only automatic fields; link values are ids, or the linked records with `expand=`."""
    automatic = _automatic_properties()
    properties: dict[str, Any] = {"id": automatic["id"]}
    for field in table.fields:
        properties[field.name] = _read_property(field, defs)
    properties["created_at"] = automatic["created_at"]
    properties["updated_at"] = automatic["updated_at"]
    component: dict[str, Any] = {
        "type": "object",
        "title": table.display_name or table.name,
        "properties": properties,
        "required": ["id"],
        "additionalProperties": False,
    }
    if table.description:
        component["description"] = table.description
    return component


def _object(properties: dict[str, Any], required: list[str], description: str) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "description": description,
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


def _schema_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def table_components(table: TableDef, defs: SchemaDefs) -> dict[str, dict[str, Any]]:
    """Every component of one table: the row as read, the create / update (partial) / bulk bodies and answers."""
    names = component_names(table)
    writable = {f.name: field_value_schema(f, defs) for f in table.fields if _writable(f)}
    required = [f.name for f in table.fields if _writable(f) and f.required and f.default is None]
    read = _schema_ref(names["read"])
    bulk = {"minItems": 1, "maxItems": MAX_BULK}
    return {
        names["read"]: table_component(table, defs),
        names["create"]: _object(
            writable, required, "A new record (POST; PUT replaces a record with one: omitted fields get their default)."
        ),
        names["update"]: _object(writable, [], "The fields to change (PATCH): any subset."),
        names["bulk_create"]: _object(
            {"records": {"type": "array", "items": _schema_ref(names["create"]), **bulk}},
            ["records"],
            f"Up to {MAX_BULK} new records, all or nothing.",
        ),
        names["bulk_update_item"]: _object(
            {"id": ID_SCHEMA, **copy.deepcopy(writable)}, ["id"], "One record's id and the fields to change."
        ),
        names["bulk_update"]: _object(
            {"records": {"type": "array", "items": _schema_ref(names["bulk_update_item"]), **bulk}},
            ["records"],
            f"Up to {MAX_BULK} updates, all or nothing.",
        ),
        names["bulk_records"]: _object(
            {"records": {"type": "array", "items": read}}, ["records"], "The records written, in the body's order."
        ),
        names["bulk_upserted"]: _object(
            {
                "records": {"type": "array", "items": read},
                "created": {"type": "array", "items": {"type": "boolean"}, "description": "Per record: inserted?"},
            },
            ["records", "created"],
            "The records upserted, in the body's order.",
        ),
    }


def _page(record: dict[str, Any]) -> dict[str, Any]:
    return _object(
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


# --- paths -----------------------------------------------------------------------------------------------------


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
        lines.append(f"- `{name}`: {', '.join(_ops(name))}")
    for field in table.fields:
        lines.append(f"- `{field.name}` ({field.type}): {', '.join(_ordered_operators(field))}")
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
    record = _schema_ref(names["read"])
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
                "requestBody": _body({"oneOf": [_schema_ref(names["create"]), _schema_ref(names["bulk_create"])]}),
                "responses": {
                    "201": {
                        **_json(
                            {"oneOf": [record, _schema_ref(names["bulk_records"])]},
                            "Created: the record, or {records} for a bulk body",
                        ),
                        "links": _record_links(name),
                    },
                    "200": _json(
                        {"oneOf": [record, _schema_ref(names["bulk_upserted"])]},
                        "Upserted: the updated record, or {records, created} for a bulk body",
                    ),
                    **_errors(*WRITE_ERRORS),
                },
            },
            "patch": {
                "operationId": f"{name}_bulk_update",
                "tags": tag,
                "summary": f"Update up to {MAX_BULK} records ({{records: [{{id, ...}}]}}), all or nothing",
                "requestBody": _body(_schema_ref(names["bulk_update"])),
                "responses": {"200": _json(_schema_ref(names["bulk_records"])), **_errors(*WRITE_ERRORS)},
            },
            "delete": {
                "operationId": f"{name}_bulk_delete",
                "tags": tag,
                "summary": f"Delete up to {MAX_BULK} records ({{ids: [...]}}), all or nothing",
                "requestBody": _body(
                    _object(
                        {"ids": {"type": "array", "items": ID_SCHEMA, "minItems": 1, "maxItems": MAX_BULK}},
                        ["ids"],
                        "The ids of the records to delete.",
                    )
                ),
                "responses": {
                    "200": _json(
                        _object({"deleted": {"type": "integer"}}, ["deleted"], "How many records were deleted.")
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
                "requestBody": _body(_schema_ref(names["update"])),
                "responses": {"200": _json(record), **_errors(*WRITE_ERRORS)},
            },
            "put": {
                "operationId": f"{name}_replace",
                "tags": tag,
                "requestBody": _body(_schema_ref(names["create"])),
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
                "responses": {"200": _json(_schema_ref("AggregateResult")), **_errors(*READ_ERRORS)},
            },
            "post": {
                "operationId": f"{name}_aggregate_post",
                "tags": tag,
                "requestBody": _body(_schema_ref("AggregateRequest")),
                "responses": {
                    "200": _json(_schema_ref("AggregateResult")),
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


def _shared_components() -> dict[str, Any]:
    metric = {
        "type": "object",
        "properties": {
            "fn": {"type": "string", "enum": ["count", "sum", "avg", "min", "max", "count_distinct"]},
            "field": {"type": "string"},
            "as": {"type": "string"},
        },
        "required": ["fn"],
    }
    schemas = {
        "AggregateRequest": {
            "type": "object",
            "properties": {
                "group_by": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
                "metrics": {"type": "array", "items": metric, "minItems": 1, "maxItems": 20},
                "filter": {"description": "A filter tree (see the list endpoint's `filter`)."},
                "search": {"type": "string"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 10000},
            },
            "required": ["metrics"],
        },
        "AggregateResult": {
            "type": "object",
            "properties": {
                "results": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
                "truncated": {"type": "boolean"},
            },
            "required": ["results", "truncated"],
        },
    }
    responses = {
        name: {"description": description, "content": {"application/json": {"schema": _schema_ref("Error")}}}
        for name, description in ERROR_RESPONSES.values()
    }
    return {"schemas": schemas, "responses": responses}


# The two ways to call a project's API, as Swagger UI's "Authorize" dialog offers them.
SECURITY: list[dict[str, list[str]]] = [{"apiKeyAuth": []}, {"jwtAuth": []}]
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "apiKeyAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
        "description": "An API key of this project (platform API: POST /api/v1/projects/{slug}/api-keys/).",
    },
    "jwtAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token of a project member (platform API: POST /api/v1/auth/login/).",
    },
}


def project_document_preview(*, title: str) -> dict[str, Any]:
    """What Swagger UI shows before it has credentials: no paths (they show the project's tables), only the ways
    to authorize; once authorized it loads the full document with them."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": title,
            "version": "1",
            "description": (
                "Click **Authorize** and give an API key of this project (`X-Api-Key`) or a bearer token "
                "(an access token from `POST /api/v1/auth/login/` on the platform): the project's endpoints and "
                "tables then load here, and *Try it out* calls them with those credentials."
            ),
        },
        "paths": {},
        "components": {"securitySchemes": copy.deepcopy(SECURITY_SCHEMES)},
        "security": copy.deepcopy(SECURITY),
    }


def _secured(paths: dict[str, Any]) -> dict[str, Any]:
    """The per-table operations take a member's JWT or the project's API key (no document-wide default: the
    static operations say for themselves, and health needs nothing)."""
    for item in paths.values():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                operation["security"] = SECURITY
    return paths


def _rate_limited(document: dict[str, Any]) -> None:
    """Every request on a project host counts against the project's rate limit: every operation may answer 429."""
    for item in document["paths"].values():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete") and "429" not in operation["responses"]:
                operation["responses"]["429"] = {"$ref": "#/components/responses/TooManyRequests"}
                operation["responses"] = dict(sorted(operation["responses"].items()))


def project_document_build(defs: SchemaDefs, *, title: str) -> dict[str, Any]:
    document = copy.deepcopy(_static_document())
    document["info"] = {
        "title": title,
        "version": "1",
        "description": "This project's API: its own tables (one component schema each) and the static endpoints.",
    }
    components = document.setdefault("components", {})
    shared = _shared_components()
    components.setdefault("schemas", {}).update(shared["schemas"])
    components.setdefault("responses", {}).update(shared["responses"])
    schemes = components.setdefault("securitySchemes", {})
    for name, scheme in SECURITY_SCHEMES.items():
        schemes.setdefault(name, copy.deepcopy(scheme))
    tables = sorted(defs.tables.values(), key=lambda t: (t.position, t.id))
    for table in tables:
        components["schemas"].update(table_components(table, defs))
        document["paths"].update(_secured(table_paths(table)))
    _rate_limited(document)
    document["tags"] = [{"name": f"table: {t.name}", "description": t.description or t.display_name} for t in tables]
    return document


def project_document(defs: SchemaDefs, *, scope: str, title: str) -> dict[str, Any]:
    """The document of the current project, cached per (scope, definitions token)."""
    if defs.token is None:  # no token (Redis unreadable): build every time rather than risk a stale document
        return project_document_build(defs, title=title)
    key = (scope, defs.token)
    with _lock:
        cached = _documents.get(key)
        if cached is not None:
            _documents.move_to_end(key)
            return cached
    document = project_document_build(defs, title=title)
    with _lock:
        _documents[key] = document
        while len(_documents) > CACHE_SIZE:
            _documents.popitem(last=False)
    return document
