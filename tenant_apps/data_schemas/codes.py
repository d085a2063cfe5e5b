"""Error codes of data_schemas (see shared_apps/foundation/codes.py)."""

from shared_apps.foundation.codes import ErrorCode


class DataSchemasCode(ErrorCode):
    CONVERSION_WOULD_LOSE_DATA = "CONVERSION_WOULD_LOSE_DATA", 400, "Some values would not convert (see the report)."
    DEFAULT_REQUIRED = "DEFAULT_REQUIRED", 400, "The table has records: a new required field needs a default."
    DROP_NOT_ALLOWED = "DROP_NOT_ALLOWED", 409, "The spec would drop ...; pass 'allow_drop': true to allow it."
    FIELD_EXISTS = "FIELD_EXISTS", 409, "Field '...' already exists."
    INVALID_NAME = "INVALID_NAME", 400, "Invalid table name."
    INVALID_SPEC = "INVALID_SPEC", 400, "Invalid spec: ...: ..."
    NOT_CONVERTIBLE = "NOT_CONVERTIBLE", 400, "A link's target and multiplicity cannot change."
    SCHEMA_CHANGED = "SCHEMA_CHANGED", 409, "The table's definition changed while the request ran; send it again."
    TABLE_IN_USE = "TABLE_IN_USE", 409, "Table '...' is linked from ...; delete those fields first."
    TABLE_NAME_TAKEN = "TABLE_NAME_TAKEN", 409, "The name is not available: a relation '...' already exists."
    TABLE_NOT_FOUND = "TABLE_NOT_FOUND", 404, "Table '...' not found."
    VALUES_MISSING = "VALUES_MISSING", 400, "... records have no value for '...'."
