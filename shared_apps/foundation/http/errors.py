"""The one error shape: {"error": {"code": ..., "message": ..., "fields": {...}}}, for every 4xx and 5xx."""

import logging
import sys
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.exceptions import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    Unavailable,
    ValidationFailed,
)
from shared_apps.foundation.outage import RETRY_AFTER_SECONDS, SERVICE_UNAVAILABLE, outage_message, outage_of

logger = logging.getLogger(__name__)

DOMAIN_STATUS: dict[type[DomainError], int] = {
    ValidationFailed: 400,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    Unavailable: 503,
}

DRF_CODES: dict[type[drf.APIException], str] = {
    drf.ParseError: CommonCode.MALFORMED_REQUEST,
    drf.AuthenticationFailed: CommonCode.AUTHENTICATION_FAILED,
    drf.NotAuthenticated: CommonCode.NOT_AUTHENTICATED,
    drf.PermissionDenied: CommonCode.PERMISSION_DENIED,
    drf.NotFound: CommonCode.NOT_FOUND,
    drf.MethodNotAllowed: CommonCode.METHOD_NOT_ALLOWED,
    drf.NotAcceptable: CommonCode.NOT_ACCEPTABLE,
    drf.UnsupportedMediaType: CommonCode.UNSUPPORTED_MEDIA_TYPE,
    drf.Throttled: CommonCode.RATE_LIMITED,
    drf.ValidationError: CommonCode.VALIDATION_FAILED,
}


# Where the server-rendered consoles live (platform and project console): their error pages stay HTML.
CONSOLE_PREFIX = "/admin/"
# (code, message) of the error answers Django renders as HTML itself, by status; {path} and {method} are filled in.
HTML_ERROR_ANSWERS: dict[int, tuple[str, str]] = {
    400: (CommonCode.BAD_REQUEST, "Bad request."),
    403: (CommonCode.PERMISSION_DENIED, "Forbidden."),
    404: (CommonCode.NOT_FOUND, "No route for {path}."),
    405: (CommonCode.METHOD_NOT_ALLOWED, 'Method "{method}" not allowed.'),
    500: (CommonCode.SERVER_ERROR, "Internal server error."),
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


def outage_answer(exc: BaseException) -> tuple[int, dict[str, Any], dict[str, str]] | None:
    """(503, body, headers) when `exc` is an outage of PostgreSQL or Redis (foundation.outage), None otherwise."""
    dependency = outage_of(exc)
    if dependency is None:
        return None
    logger.warning("Answering 503: %s unreachable (%s).", dependency, type(exc).__name__)
    body = error_body(SERVICE_UNAVAILABLE, outage_message(dependency))
    return 503, body, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF EXCEPTION_HANDLER: domain errors and DRF errors in the one shape, outages a 503 with Retry-After;
    anything else becomes a JSON 500."""
    outage = outage_answer(exc)
    if outage is not None:
        status, body, headers = outage
        return Response(body, status=status, headers=headers)
    if isinstance(exc, DomainError):
        status, body = domain_error_answer(exc)
        return Response(body, status=status)
    if isinstance(exc, drf.ValidationError):
        fields = _flatten_fields(exc.detail)
        names = ", ".join(sorted(fields))
        return Response(
            error_body(CommonCode.VALIDATION_FAILED, f"Invalid input: {names}.", fields),
            status=exc.status_code,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in %s", context.get("view"), exc_info=exc)
        return Response(error_body(CommonCode.SERVER_ERROR, "Internal server error."), status=500)
    detail = response.data.get("detail", response.data) if isinstance(response.data, dict) else response.data
    message = str(detail) if not isinstance(detail, (dict, list)) else "Request failed."
    code = _drf_code(exc) if isinstance(exc, drf.APIException) else CommonCode.ERROR
    if isinstance(exc, drf.AuthenticationFailed) and isinstance(response.data, dict):
        jwt_code = response.data.get("code")
        if jwt_code == "token_not_valid":
            code, message = CommonCode.TOKEN_INVALID, "The token is invalid or expired."
    response.data = error_body(code, message)
    return response


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return json_error(400, CommonCode.BAD_REQUEST, "Bad request.")


def json_forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return json_error(403, CommonCode.PERMISSION_DENIED, "Forbidden.")


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return json_error(404, CommonCode.NOT_FOUND, f"No route for {request.path}.")


def json_server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it while handling the exception, so an outage is told apart from a bug here."""
    exc = sys.exc_info()[1]
    outage = outage_answer(exc) if exc is not None else None
    if outage is not None:
        status, body, headers = outage
        response = JsonResponse(body, status=status)
        for name, value in headers.items():
            response[name] = value
        return response
    return json_error(500, CommonCode.SERVER_ERROR, "Internal server error.")
