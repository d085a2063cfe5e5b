"""Request body limit: a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused with a JSON 413 before it is read.

Django enforces that setting only when `request.body`/`request.POST` is read; DRF's parsers read the stream
directly, so without this check a JSON body of any size (up to nginx's client_max_body_size) would be parsed.
Multipart bodies are left to Django (file parts stream to disk; DATA_UPLOAD_MAX_MEMORY_SIZE covers the other parts).

An empty body that claims to be JSON (POST/PUT/PATCH with `Content-Type: application/json` and no bytes) is a 400
`EMPTY_BODY`: DRF would read it as `{}` and, for instance, create an all-null record.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.http.errors import json_error
from shared_apps.foundation.jsoncodec import EMPTY_BODY

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def request_too_large(limit: int, size: int | None = None) -> HttpResponse:
    told = f"is {size} bytes; " if size is not None else "exceeds the limit; "
    return json_error(413, CommonCode.REQUEST_TOO_LARGE, f"The request body {told}the limit is {limit} bytes.")


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _is_empty(request: HttpRequest) -> bool:
    """No body bytes declared (a chunked body has no Content-Length but is not empty)."""
    if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        return False
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) <= 0
    except ValueError:
        return False


def body_limit_refusal(request: HttpRequest) -> HttpResponse | None:
    """The answer for a body that must not be read, None when it may be: 413 for a declared body over the limit
    (multipart is left to Django), 400 EMPTY_BODY for a write that declares JSON and sends nothing."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and not (request.content_type or "").startswith("multipart/"):
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        if size > limit:
            return request_too_large(limit, size)
    if request.method in BODY_METHODS and _is_json(request.content_type) and _is_empty(request):
        return json_error(400, EMPTY_BODY, "The body is empty; send a JSON value.", {"body": ["Required."]})
    return None


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return body_limit_refusal(request) or self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig) and settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None:
            return request_too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return None
