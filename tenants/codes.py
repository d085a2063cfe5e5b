"""Error codes of tenants (see shared_apps/foundation/codes.py)."""

from shared_apps.foundation.codes import ErrorCode


class TenantsCode(ErrorCode):
    API_KEY_NOT_FOUND = "API_KEY_NOT_FOUND", 404, "No such API key."
    INVALID_STATE = "INVALID_STATE", 409, "The project is not in a state that allows this (e.g. not ready)."
    NOT_READY = "NOT_READY", 503, "The template schema is not migrated yet (`manage.py migrate_schemas`)."
    SLUG_RESERVED = "SLUG_RESERVED", 400, "The slug names a schema PostgreSQL or the product uses, or a reserved word."
    PROJECT_SUSPENDED = "PROJECT_SUSPENDED", 403, "This project is suspended: ..."
