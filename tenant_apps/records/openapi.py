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
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import SchemaGenerator

from tenant_apps.data_schemas.definitions import FieldDef, SchemaDefs, TableDef
from tenant_apps.data_schemas.search_index import search_columns

from .filters import AUTOMATIC_DEFS, OPERATORS, field_operators

CACHE_SIZE = 64
DATA_PATH_PREFIXES = ("/api/v1/tables/{table}/records/", "/api/v1/tables/{table}/aggregate/")

_lock = threading.Lock()
_static: dict[str, Any] | None = None
_documents: "OrderedDict[tuple[str, str], dict[str, Any]]" = OrderedDict()


class ProjectApiKeyScheme(OpenApiAuthenticationExtension):
    """Documents `X-Api-Key` (tenants.authentication.ProjectApiKeyAuthentication) in generated documents."""

    target_class = "tenants.authentication.ProjectApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "header", "name": "X-Api-Key"}


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


def _property(field: FieldDef, defs: SchemaDefs) -> dict[str, Any]:
    schema = dict(field.field_type.json_schema(field))
    if field.field_type.links_records:
        target = defs.tables_by_id.get(field.options["target_table_id"])
        target_name = target.name if target else "?"
        many = field.options["multiple"]
        schema["description"] = f"{'Ids of records' if many else 'Id of a record'} of table '{target_name}'."
    if (
        not field.required
        and not field.field_type.stores_files
        and not (field.field_type.links_records and field.options["multiple"])
    ):
        schema["nullable"] = True
    if field.default is not None:
        schema["default"] = field.default
    schema["x-filter-operators"] = _ordered_operators(field)
    return schema


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
    """The JSON schema of one record of `table` (read-only automatic fields; required = NOT NULL fields)."""
    automatic = _automatic_properties()
    properties: dict[str, Any] = {"id": automatic["id"]}
    for field in table.fields:
        properties[field.name] = _property(field, defs)
    properties["created_at"] = automatic["created_at"]
    properties["updated_at"] = automatic["updated_at"]
    component: dict[str, Any] = {
        "type": "object",
        "title": table.display_name or table.name,
        "properties": properties,
        "required": ["id", *(f.name for f in table.fields if f.required), "created_at", "updated_at"],
        "additionalProperties": False,
    }
    if table.description:
        component["description"] = table.description
    return component


# --- paths -----------------------------------------------------------------------------------------------------


def _ref(table: TableDef) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{table.name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "401": {"$ref": "#/components/responses/Unauthenticated"},
    "403": {"$ref": "#/components/responses/Forbidden"},
    "404": {"$ref": "#/components/responses/NotFound"},
}


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
        _query("page_size", "Records per page (default 50, at most 1000).", {"type": "integer", "minimum": 1}),
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
    return {"in": "path", "name": "record_id", "required": True, "schema": {"type": "integer", "format": "int64"}}


def table_paths(table: TableDef) -> dict[str, Any]:
    name = table.name
    tag = [f"table: {name}"]
    record = _ref(table)
    page = {
        "type": "object",
        "properties": {
            "results": {"type": "array", "items": record},
            "page": {"type": "integer", "nullable": True},
            "page_size": {"type": "integer"},
            "has_next": {"type": "boolean"},
            "next_cursor": {"type": "string", "nullable": True},
            "count": {"type": "integer", "nullable": True},
        },
    }
    bulk = {"type": "object", "properties": {"records": {"type": "array", "items": record, "maxItems": 1000}}}
    one_or_bulk = {"oneOf": [record, bulk]}
    base = f"/api/v1/tables/{name}"
    paths: dict[str, Any] = {
        f"{base}/records/": {
            "get": {
                "operationId": f"{name}_list",
                "tags": tag,
                "summary": f"List records of {name}",
                "parameters": _list_parameters(table),
                "responses": {"200": _json(page), **ERRORS},
            },
            "post": {
                "operationId": f"{name}_create",
                "tags": tag,
                "summary": "Create a record, or up to 1000 with {records: [...]} (all or nothing); upsert_on upserts",
                "parameters": [_query("upsert_on", "A unique field: insert, or update the record with that value.")],
                "requestBody": {"required": True, "content": {"application/json": {"schema": one_or_bulk}}},
                "responses": {
                    "201": _json(one_or_bulk, "Created"),
                    "200": _json(one_or_bulk, "Upserted"),
                    "409": {"$ref": "#/components/responses/Conflict"},
                    **ERRORS,
                },
            },
            "patch": {
                "operationId": f"{name}_bulk_update",
                "tags": tag,
                "summary": "Update up to 1000 records ({records: [{id, ...}]}), all or nothing",
                "requestBody": {"required": True, "content": {"application/json": {"schema": bulk}}},
                "responses": {"200": _json(bulk), "409": {"$ref": "#/components/responses/Conflict"}, **ERRORS},
            },
            "delete": {
                "operationId": f"{name}_bulk_delete",
                "tags": tag,
                "summary": "Delete up to 1000 records ({ids: [...]}), all or nothing",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"ids": {"type": "array", "items": {"type": "integer"}}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json({"type": "object", "properties": {"deleted": {"type": "integer"}}}),
                    **ERRORS,
                },
            },
        },
        f"{base}/records/{{record_id}}/": {
            "parameters": [_record_id_parameter()],
            "get": {
                "operationId": f"{name}_get",
                "tags": tag,
                "parameters": [
                    _query("fields", "Comma-separated field names."),
                    _query("expand", "Link fields to expand."),
                ],
                "responses": {"200": _json(record), **ERRORS},
            },
            "patch": {
                "operationId": f"{name}_update",
                "tags": tag,
                "requestBody": {"required": True, "content": {"application/json": {"schema": record}}},
                "responses": {"200": _json(record), "409": {"$ref": "#/components/responses/Conflict"}, **ERRORS},
            },
            "put": {
                "operationId": f"{name}_replace",
                "tags": tag,
                "requestBody": {"required": True, "content": {"application/json": {"schema": record}}},
                "responses": {"200": _json(record), "409": {"$ref": "#/components/responses/Conflict"}, **ERRORS},
            },
            "delete": {
                "operationId": f"{name}_delete",
                "tags": tag,
                "responses": {"204": {"description": "Deleted"}, **ERRORS},
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
                    _query("limit", "At most this many groups (default 1000).", {"type": "integer"}),
                    _query("filter", "JSON filter (see the list endpoint)."),
                    _query("search", "Full-text search."),
                ],
                "responses": {"200": _json({"$ref": "#/components/schemas/AggregateResult"}), **ERRORS},
            },
            "post": {
                "operationId": f"{name}_aggregate_post",
                "tags": tag,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AggregateRequest"}}},
                },
                "responses": {"200": _json({"$ref": "#/components/schemas/AggregateResult"}), **ERRORS},
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
                    **ERRORS,
                },
            },
            "post": {
                "operationId": f"{name}_file_upload",
                "tags": tag,
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                        }
                    },
                },
                "responses": {"200": _json(record), **ERRORS},
            },
            "delete": {
                "operationId": f"{name}_file_delete",
                "tags": tag,
                "responses": {"204": {"description": "Removed"}, **ERRORS},
            },
        }
    return paths


def _shared_components() -> dict[str, Any]:
    error = {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "required": ["code", "message"],
            }
        },
    }
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
        "Error": error,
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
        },
    }
    responses = {
        name: {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for name, description in (
            ("BadRequest", "Invalid input (nothing was written)"),
            ("Unauthenticated", "No or invalid credentials"),
            ("Forbidden", "The role or key scope does not allow this"),
            ("NotFound", "No such table or record"),
            ("Conflict", "A unique value is taken (nothing was written)"),
        )
    }
    return {"schemas": schemas, "responses": responses}


# The two ways to call a project's API, as Swagger UI's "Authorize" dialog offers them.
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
SECURITY: list[dict[str, list[str]]] = [{"apiKeyAuth": []}, {"jwtAuth": []}]


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
    document["security"] = copy.deepcopy(SECURITY)
    tables = sorted(defs.tables.values(), key=lambda t: (t.position, t.id))
    for table in tables:
        components["schemas"][table.name] = table_component(table, defs)
        document["paths"].update(table_paths(table))
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
