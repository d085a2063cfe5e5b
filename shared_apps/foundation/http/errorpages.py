"""Error answers in the one JSON shape outside the consoles, in DEBUG too.

Django renders some errors itself, as HTML, before any view or DRF exception handler runs: with DEBUG on, the
technical 404 page of an unknown path and the technical 400/500 page of a bad host or a failing middleware; in any
mode, the bare 405 of a Django view. This outermost middleware turns every such HTML error answer into the error
shape (shared_apps/foundation/http/errors.py), keeping its status and headers (`Allow` on a 405, the request id). Under
CONSOLE_PREFIX the server-rendered consoles keep their HTML pages.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.http.errors import CONSOLE_PREFIX, HTML_ERROR_ANSWERS, json_error

FALLBACK = (CommonCode.ERROR, "Request failed.")
BODY_HEADERS = frozenset({"content-type", "content-length", "content-encoding", "content-language"})


class JsonErrorPagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or request.path.startswith(CONSOLE_PREFIX):
            return response
        content_type = response.get("Content-Type", "")
        if not content_type.startswith("text/html") or getattr(response, "streaming", False):
            return response
        code, message = HTML_ERROR_ANSWERS.get(response.status_code, FALLBACK)
        answer = json_error(response.status_code, code, message.format(path=request.path, method=request.method))
        for header, value in response.items():  # Allow, X-Request-ID, security headers, ...: all but the body's
            if header.lower() not in BODY_HEADERS:
                answer[header] = value
        answer.cookies = response.cookies
        return answer
