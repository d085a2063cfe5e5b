"""GET /metrics on the base domain: the Prometheus exposition, only for `Authorization: Bearer <METRICS_TOKEN>`."""

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.http.errors import json_error, json_not_found

from .. import metrics


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """404 while METRICS_TOKEN is unset (the endpoint does not exist); 401 without the right bearer token."""
    expected = settings.NOCODE["METRICS_TOKEN"]
    if not expected:
        return json_not_found(request)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        response = json_error(401, CommonCode.NOT_AUTHENTICATED, "A valid metrics bearer token is required.")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)
