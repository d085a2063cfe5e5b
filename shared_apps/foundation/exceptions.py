"""Domain exceptions. They know nothing of HTTP: `errors.py` maps each to a status code."""

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """Base of every expected failure. `code` is stable and machine-readable."""

    code = "ERROR"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.fields = {name: list(errors) for name, errors in (fields or {}).items()}


class ValidationFailed(DomainError):
    code = "VALIDATION_FAILED"


class NotFound(DomainError):
    code = "NOT_FOUND"


class PermissionDenied(DomainError):
    code = "PERMISSION_DENIED"


class Conflict(DomainError):
    code = "CONFLICT"


class Unavailable(DomainError):
    code = "UNAVAILABLE"
