"""The one error shape: {"error": {"code": ..., "message": ..., "fields": {...}}}, for every 4xx and 5xx."""

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import Conflict, DomainError, NotFound, PermissionDenied, Unavailable, ValidationFailed

logger = logging.getLogger(__name__)

DOMAIN_STATUS: dict[type[DomainError], int] = {
    ValidationFailed: 400,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    Unavailable: 503,
}

DRF_CODES: dict[type[drf.APIException], str] = {
    drf.ParseError: "MALFORMED_REQUEST",
    drf.AuthenticationFailed: "AUTHENTICATION_FAILED",
    drf.NotAuthenticated: "NOT_AUTHENTICATED",
    drf.PermissionDenied: "PERMISSION_DENIED",
    drf.NotFound: "NOT_FOUND",
    drf.MethodNotAllowed: "METHOD_NOT_ALLOWED",
    drf.NotAcceptable: "NOT_ACCEPTABLE",
    drf.UnsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE",
    drf.Throttled: "RATE_LIMITED",
    drf.ValidationError: "VALIDATION_FAILED",
}


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def json_error(status: int, code: str, message: str, fields: dict[str, Any] | None = None) -> JsonResponse:
    """A plain Django response in the error shape (middleware, handler404/500)."""
    return JsonResponse(error_body(code, message, fields), status=status)


def _flatten_fields(detail: Any, prefix: str | None = None) -> dict[str, list[str]]:
    """DRF error detail (nested dicts/lists) -> {"field.sub": ["message", ...]}. `prefix` None is the top level:
    an empty-string key is named "" (the key the client sent), not non_field_errors."""
    out: dict[str, list[str]] = {}
    here = "non_field_errors" if prefix is None else prefix
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = str(key) if prefix is None else f"{prefix}.{key}"
            for k, v in _flatten_fields(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[here] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                name = str(index) if prefix is None else f"{prefix}.{index}"
                for k, v in _flatten_fields(item, name).items():
                    out.setdefault(k, []).extend(v)
    else:
        out[here] = [str(detail)]
    return out


def _drf_code(exc: drf.APIException) -> str:
    for cls in type(exc).__mro__:
        if cls in DRF_CODES:
            return DRF_CODES[cls]
    return str(getattr(exc, "default_code", "error")).upper()


def domain_error_answer(exc: DomainError) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) of a domain error."""
    status = next((s for cls, s in DOMAIN_STATUS.items() if isinstance(exc, cls)), 400)
    return status, error_body(exc.code, exc.message, exc.fields)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF EXCEPTION_HANDLER: domain errors and DRF errors in the one shape; anything else becomes a JSON 500."""
    if isinstance(exc, DomainError):
        status, body = domain_error_answer(exc)
        return Response(body, status=status)
    if isinstance(exc, drf.ValidationError):
        fields = _flatten_fields(exc.detail)
        names = ", ".join(sorted(fields))
        return Response(
            error_body("VALIDATION_FAILED", f"Invalid input: {names}.", fields),
            status=exc.status_code,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in %s", context.get("view"), exc_info=exc)
        return Response(error_body("SERVER_ERROR", "Internal server error."), status=500)
    detail = response.data.get("detail", response.data) if isinstance(response.data, dict) else response.data
    message = str(detail) if not isinstance(detail, (dict, list)) else "Request failed."
    code = _drf_code(exc) if isinstance(exc, drf.APIException) else "ERROR"
    if isinstance(exc, drf.AuthenticationFailed) and isinstance(response.data, dict):
        jwt_code = response.data.get("code")
        if jwt_code == "token_not_valid":
            code, message = "TOKEN_INVALID", "The token is invalid or expired."
    response.data = error_body(code, message)
    return response


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return json_error(400, "BAD_REQUEST", "Bad request.")


def json_forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return json_error(403, "PERMISSION_DENIED", "Forbidden.")


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return json_error(404, "NOT_FOUND", f"No route for {request.path}.")


def json_server_error(request: HttpRequest) -> HttpResponse:
    return json_error(500, "SERVER_ERROR", "Internal server error.")
