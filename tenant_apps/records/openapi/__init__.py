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

from .components import component_names, field_value_schema, table_components
from .document import (
    SECURITY,
    SECURITY_SCHEMES,
    project_document,
    project_document_build,
    project_document_preview,
    static_document,
)
from .paths import table_paths

__all__ = [
    "SECURITY",
    "SECURITY_SCHEMES",
    "component_names",
    "field_value_schema",
    "project_document",
    "project_document_build",
    "project_document_preview",
    "static_document",
    "table_components",
    "table_paths",
]
