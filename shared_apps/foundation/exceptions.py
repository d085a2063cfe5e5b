"""Domain exceptions. They know nothing of HTTP: `errors.py` maps each to a status code."""

from collections.abc import Mapping, Sequence

from shared_apps.foundation.codes import CommonCode, ErrorCode


class DomainError(Exception):
    """Base of every expected failure. `code` is stable and machine-readable: a member of an app's ErrorCode enum
    (shared_apps/foundation/codes.py; docs/errors.md lists them all)."""

    code: str = CommonCode.ERROR

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | None = None,
        fields: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.fields = {name: list(errors) for name, errors in (fields or {}).items()}


class ValidationFailed(DomainError):
    code = CommonCode.VALIDATION_FAILED


class NotFound(DomainError):
    code = CommonCode.NOT_FOUND


class PermissionDenied(DomainError):
    code = CommonCode.PERMISSION_DENIED


class Conflict(DomainError):
    code = CommonCode.CONFLICT


class Unavailable(DomainError):
    code = CommonCode.UNAVAILABLE
