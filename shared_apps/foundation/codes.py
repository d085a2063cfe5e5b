"""Error codes: the stable `code` of the one error shape. Each app declares its own in `<app>/codes.py` as members
of an `ErrorCode` subclass; codes used by several apps live here (`CommonCode`). docs/errors.md is generated from
them (`python3 manage.py error_catalogue`) and a test keeps it current.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    """A stable, machine-readable error code with the HTTP status it is usually answered with and what it means."""

    status: int | None
    description: str

    def __new__(cls, value: str, status: int | None = None, description: str = "") -> "ErrorCode":
        member = str.__new__(cls, value)
        member._value_ = value
        member.status = status
        member.description = description
        return member


class CommonCode(ErrorCode):
    """Codes of the error handler and of failures several apps share."""

    AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED", 401, "The credentials given are invalid, expired or revoked."
    BAD_REQUEST = "BAD_REQUEST", 400, "The request is malformed (e.g. a Host header that is not allowed)."
    CONFIRMATION_REQUIRED = (
        "CONFIRMATION_REQUIRED",
        400,
        "A deletion must repeat the name of what it deletes (`confirm`).",
    )
    CONFLICT = "CONFLICT", 409, "The change conflicts with the current state."
    ERROR = "ERROR", None, "An expected failure without a more specific code."
    FIELD_NOT_FOUND = "FIELD_NOT_FOUND", 404, "The table has no field of this name."
    FILE_TOO_LARGE = "FILE_TOO_LARGE", 400, "A file is over the size limit."
    INVALID_FILTER = "INVALID_FILTER", 400, "A filter names an unknown field or operator, or a value of the wrong type."
    LIMIT_REACHED = "LIMIT_REACHED", 400, "A limit of the project or the table (tables, fields, ...) is reached."
    MALFORMED_REQUEST = "MALFORMED_REQUEST", 400, "The body could not be parsed (e.g. invalid JSON)."
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND", 404, "No such member."
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED", 405, "The endpoint does not accept this HTTP method."
    NOT_ACCEPTABLE = "NOT_ACCEPTABLE", 406, "The endpoint cannot answer in a format the Accept header allows."
    NOT_AUTHENTICATED = (
        "NOT_AUTHENTICATED",
        401,
        "No credentials were given; this endpoint needs an API key or a bearer token.",
    )
    NOT_FOUND = "NOT_FOUND", 404, "Nothing is served at this path, or the object does not exist for this caller."
    ORGANIZATION_NOT_FOUND = "ORGANIZATION_NOT_FOUND", 404, "No such organization (for this caller)."
    PERMISSION_DENIED = "PERMISSION_DENIED", 403, "The caller is known but may not do this."
    PROJECT_NOT_FOUND = (
        "PROJECT_NOT_FOUND",
        404,
        "No project is served at this host, or none has this slug for the caller.",
    )
    RATE_LIMITED = "RATE_LIMITED", 429, "Too many requests; retry after Retry-After seconds."
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE", 413, "The request body is over the size limit."
    SCHEMA_BUSY = "SCHEMA_BUSY", 503, "The schema is busy (another change or a long query holds a lock); retry shortly."
    SERVER_ERROR = "SERVER_ERROR", 500, "An unexpected server fault (logged with the request id)."
    SLUG_TAKEN = "SLUG_TAKEN", 409, "An organization or project with this slug already exists."
    TABLE_EXISTS = "TABLE_EXISTS", 409, "A table of this name exists already."
    UNAVAILABLE = "UNAVAILABLE", 503, "A dependency is unavailable; retry after Retry-After seconds."
    UNHEALTHY = "UNHEALTHY", 503, "The health check found a dependency down (`checks` says which)."
    UNIQUE_VIOLATION = "UNIQUE_VIOLATION", 409, "A value of a unique field is used by another record already."
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE", 415, "The body's Content-Type is not accepted here."
    EMPTY_BODY = "EMPTY_BODY", 400, "A write declared a JSON body and sent nothing."
    JSON_INVALID_UNICODE = "JSON_INVALID_UNICODE", 400, "A JSON string is not valid Unicode (e.g. a lone surrogate)."
    JSON_TOO_DEEP = "JSON_TOO_DEEP", 400, "The JSON is nested more deeply than 64 levels."
    SERVICE_UNAVAILABLE = (
        "SERVICE_UNAVAILABLE",
        503,
        "PostgreSQL or Redis is unreachable; retry after Retry-After seconds.",
    )
    TOKEN_INVALID = "TOKEN_INVALID", 401, "The bearer token is invalid or expired."
    UNKNOWN_PARAMETER = "UNKNOWN_PARAMETER", 400, "A query parameter the endpoint does not take."
    VALIDATION_FAILED = "VALIDATION_FAILED", 400, "The input is invalid; `fields` names each problem."


def error_code_classes() -> list[type[ErrorCode]]:
    """Every app's ErrorCode subclass (each installed app's `codes` module is imported first)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("codes")
    found: list[type[ErrorCode]] = []
    pending = list(ErrorCode.__subclasses__())
    while pending:
        cls = pending.pop(0)
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: (cls is not CommonCode, cls.__module__))


def catalogue_markdown() -> str:
    """docs/errors.md: every code with its usual HTTP status, the app that declares it and what it means."""
    lines = [
        "# Error codes",
        "",
        'Every error answer has one shape: `{"error": {"code": ..., "message": ..., "fields": {...}}}`.',
        "`code` is stable and machine-readable; `message` is for people and may change. This page is generated",
        "from the `codes.py` of each app (`python3 manage.py error_catalogue > docs/errors.md`); a test keeps it",
        "current.",
        "",
    ]
    for cls in error_code_classes():
        app = cls.__module__.rsplit(".", 1)[0]
        lines += [f"## {app} (`{cls.__name__}`)", "", "| code | status | meaning |", "|---|---:|---|"]
        for member in cls:
            status = str(member.status) if member.status is not None else "—"
            lines.append(f"| `{member.value}` | {status} | {member.description} |")
        lines.append("")
    return "\n".join(lines)
