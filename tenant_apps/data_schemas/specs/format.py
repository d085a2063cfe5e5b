"""The spec format's version, limits and keys (docs/openapi-and-specs.md)."""

SPEC_VERSION = 1
MAX_SPEC_TABLES = 1000
FIELD_KEYS = ("type", "options", "required", "unique", "default", "constraints")
TABLE_KEYS = frozenset({"name", "display_name", "description", "fields"})
FIELD_SPEC_KEYS = frozenset({"name", *FIELD_KEYS})
