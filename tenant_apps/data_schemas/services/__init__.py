"""Writes of table and field definitions, each with its physical change in ONE transaction.

Every service runs inside `ddl_block()` (short lock_timeout; a lock that cannot be had is a 503 SCHEMA_BUSY),
locks the Table row (`SELECT ... FOR UPDATE`) so two changes of one table are serialised, validates everything
before the first statement that changes anything, changes definitions and physical objects together, bumps
`Table.version` and calls `definitions_changed()`. Any failure rolls both back. Callers check `manage_schema`.
"""

from .field_specs import FieldSpec
from .fields import field_create, field_delete, fields_reorder
from .tables import table_create, table_delete, table_update
from .type_changes import ON_INVALID, UNSET, FieldUpdateResult, field_update

__all__ = [
    "ON_INVALID",
    "UNSET",
    "FieldSpec",
    "FieldUpdateResult",
    "field_create",
    "field_delete",
    "field_update",
    "fields_reorder",
    "table_create",
    "table_delete",
    "table_update",
]
