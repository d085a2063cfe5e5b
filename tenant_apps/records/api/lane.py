"""The records lane: the hottest records requests answered without Django's request machinery.

Django's handler, its middlewares, URL resolving and DRF's dispatch do nothing for the hottest records requests but
cost most of their time (measured: docs/benchmarks.md, session 2; the decision: docs/decisions/0002-records-lane.md).
The lane, a WSGI wrapper around Django's application, answers these requests itself:

- `GET  /api/v1/tables/{table}/records/` (any query string: the view's own parser, cache and answers),
- `GET  /api/v1/tables/{table}/records/{id}/` (no query string),
- `POST /api/v1/tables/{table}/records/` (one JSON object, no query string),

on a project host, with an API key or a JWT, without cookies, accepting JSON. Everything else goes to Django as is.

It runs the admission pipeline of tenants.admission — the stages Django's middlewares and the records views' DRF
classes make — in the same order, each stage by calling the code its middleware or class calls: routing and the
request's one Redis pipeline (tenants.hotpath), the SSL redirect, the rate-limit decisions (tenants.ratelimit), the
body limit (foundation.http.bodylimit), key and JWT authentication (DRF's authenticators), roles (tenants.access), the
view functions (records.api.views), the error shapes (foundation.http.errors), the access log line and metrics
(observability), and the response-header code of Django's security, CORS and X-Frame-Options middlewares. It
answers only callers that are allowed: at the first stage that would not let the request through, the request is
handed to Django together with the routing and Redis work already done (`tenants.middleware.ROUTED`), so it is
counted once and refused exactly as before. `_STAGES` must have a step for every stage of the pipeline (checked at
import), and tests/tenants/test_admission.py keeps the pipeline equal to Django's middlewares and DRF classes.

NOCODE["RECORDS_LANE"] (env NOCODE_RECORDS_LANE) turns it off.
"""

import io
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, cast

from corsheaders.middleware import CorsMiddleware
from django.conf import settings
from django.core import signals
from django.core.exceptions import DisallowedHost, ImproperlyConfigured
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import resolve
from rest_framework.exceptions import APIException
from rest_framework_simplejwt.authentication import JWTAuthentication

from shared_apps.foundation import prefetch
from shared_apps.foundation.api.renderers import json_dumps
from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.db.schemas import activate
from shared_apps.foundation.exceptions import DomainError
from shared_apps.foundation.http.bodylimit import body_limit_refusal
from shared_apps.foundation.http.errors import domain_error_answer, error_body, outage_answer
from shared_apps.foundation.jsoncodec import JsonInputError, json_loads
from shared_apps.foundation.outage import RETRY_AFTER_SECONDS
from shared_apps.foundation.prefetch import prefetch_scope
from shared_apps.observability import context
from shared_apps.observability.middleware import request_observe
from tenants import ratelimit
from tenants.admission import STAGE_NAMES
from tenants.apikeys import api_key_verify
from tenants.authentication import raw_key
from tenants.hotpath import ROUTE_STALE, request_prefetch
from tenants.middleware import ROUTED, route_refusal
from tenants.roles import CAPABILITIES, SCOPE_ROLE
from tenants.routing import Route, route_lookup
from tenants.selectors import project_role_for_user

from .views import (
    RECORD_CAPABILITIES,
    RecordDetailView,
    RecordListView,
    record_create_one,
    record_get_plain,
    record_list_page,
)

if TYPE_CHECKING:
    from shared_apps.accounts.models import User

logger = logging.getLogger(__name__)
PATH = re.compile(r"^/api/v1/tables/([-a-zA-Z0-9_]+)/records/(?:([0-9]+)/)?$")
JSON_MEDIA = frozenset({"*/*", "application/*", "application/json"})
METHODS = frozenset({"GET", "POST"})
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class _HandOff(Exception):
    """Django answers this request (the caller would be refused or redirected)."""


@dataclass(frozen=True)
class LaneAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    request: WSGIRequest

    @property
    def status_line(self) -> str:
        return f"{self.status} {HTTPStatus(self.status).phrase}"


@dataclass(frozen=True)
class _Caller:
    role: str
    user_id: int | None
    api_key_id: int | None


def _accepts_json(accept: str | None) -> bool:
    if not accept:
        return True
    return any(part.split(";", 1)[0].strip().lower() in JSON_MEDIA for part in accept.split(","))


def lane_match(environ: dict[str, Any]) -> re.Match[str] | None:
    """The path match when the request has a shape the lane serves (looks at the environ only)."""
    method = environ.get("REQUEST_METHOD")
    if method not in METHODS or environ.get("HTTP_COOKIE") or environ.get("SCRIPT_NAME"):
        return None
    if not settings.NOCODE["RECORDS_LANE"]:
        return None
    match = PATH.match(environ.get("PATH_INFO", ""))
    if match is None or not _accepts_json(environ.get("HTTP_ACCEPT")):
        return None
    if method == "POST" and (match[2] or environ.get("QUERY_STRING")):
        return None
    if method == "GET" and match[2] and environ.get("QUERY_STRING"):
        return None
    return match


def _json_object(request: WSGIRequest) -> dict[str, Any] | None:
    """A POST body that is one JSON object of a single record, None for anything else (Django answers those).
    The body is read here and put back into the environ, so Django can still read it."""
    content_type, _, params = (request.META.get("CONTENT_TYPE") or "").partition(";")
    charset = params.partition("charset=")[2].strip().strip('"').lower()
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if content_type.strip().lower() != "application/json" or charset not in ("", "utf-8", "utf8") or size <= 0:
        return None
    body = request.META["wsgi.input"].read(size)
    request.META["wsgi.input"] = io.BytesIO(body)
    try:
        data = json_loads(body)
    except JsonInputError:  # Django answers it in the error shape
        return None
    if not isinstance(data, dict) or "records" in data:
        return None
    return data


def _within_limit(*, setting: str, bucket: str) -> None:
    """_HandOff unless the request's pipeline counted `bucket` and the count is within its limit."""
    limit = int(settings.NOCODE[setting])
    if limit > 0:
        decision = ratelimit.prefetched_decision(bucket=bucket, limit=limit, window_seconds=ratelimit._window())
        if decision is None or not decision.allowed:
            raise _HandOff


def _caller(request: WSGIRequest, route: Route) -> _Caller:
    """Who is calling and their role, as DRF's authenticators and tenants.access would find them."""
    raw = raw_key(request)
    if raw is not None:
        key = api_key_verify(raw=raw)
        if key is None or key.project_id != route.project_id:
            raise _HandOff
        return _Caller(role=SCOPE_ROLE[key.scope], user_id=None, api_key_id=key.key_id)
    try:
        found = JWTAuthentication().authenticate(request)  # type: ignore[arg-type]
    except APIException as exc:
        raise _HandOff from exc
    if found is None:
        raise _HandOff
    user = cast("User", found[0])
    role = project_role_for_user(project_id=route.project_id, organization_id=route.organization_id, user=user)
    if role is None:
        raise _HandOff
    return _Caller(role=role, user_id=user.pk, api_key_id=None)


@dataclass(frozen=True)
class _Middlewares:
    """Django's own middlewares whose response headers the lane's answers carry (they read settings once), and the
    platform hosts (never a project's)."""

    cors: CorsMiddleware
    security: SecurityMiddleware
    frame_options: XFrameOptionsMiddleware
    public_hosts: frozenset[str]


_middlewares: list[_Middlewares] = []
_allow: dict[bool, str] = {}
_routes: dict[bool, str] = {}
_static_headers: dict[tuple[bool, int, bool], list[tuple[str, str]]] = {}


def _mw() -> _Middlewares:
    if not _middlewares:
        noop = HttpResponse
        public = frozenset(h.lower() for h in settings.NOCODE["PUBLIC_HOSTS"])
        _middlewares.append(
            _Middlewares(CorsMiddleware(noop), SecurityMiddleware(noop), XFrameOptionsMiddleware(noop), public)
        )
    return _middlewares[0]


@receiver(setting_changed)
def _settings_changed(**kwargs: Any) -> None:  # tests override settings; production never changes them
    _middlewares.clear()
    _static_headers.clear()


def _allow_header(detail: bool) -> str:
    if detail not in _allow:
        view = RecordDetailView() if detail else RecordListView()
        view.setup(HttpRequest())  # as `as_view()` does: HEAD answered by `get`
        _allow[detail] = ", ".join(view.allowed_methods)
    return _allow[detail]


def _route_label(detail: bool) -> str:
    """The metrics/log route, as the observability middleware names it from the URL pattern."""
    if detail not in _routes:
        path = "/api/v1/tables/t/records/1/" if detail else "/api/v1/tables/t/records/"
        _routes[detail] = "/" + str(resolve(path, urlconf=settings.ROOT_URLCONF).route)
    return _routes[detail]


def _middleware_headers(request: HttpRequest, status: int, body: bytes, *, detail: bool) -> list[tuple[str, str]]:
    """The headers of an answer as DRF (Allow) and Django's middlewares (in their order) give it."""
    response = HttpResponse(body, status=status, content_type="application/json")
    response["Allow"] = _allow_header(detail)
    middlewares = _mw()
    middlewares.frame_options.process_response(request, response)
    response["Content-Length"] = str(len(body))
    middlewares.cors.add_response_headers(request, response)
    middlewares.security.process_response(request, response)
    return list(response.items())


def _headers(request: HttpRequest, status: int, body: bytes, *, detail: bool, request_id: str) -> list[tuple[str, str]]:
    """Response headers. Without an Origin header they depend only on (detail, status, secure): the middlewares'
    own code computes them once per process and the lane reuses them; with one, CORS headers are worked out per
    request, as django-cors-headers does."""
    if "HTTP_ORIGIN" in request.META:
        headers = _middleware_headers(request, status, body, detail=detail)
    else:
        key = (detail, status, request.is_secure())
        static = _static_headers.get(key)
        if static is None:
            static = _static_headers[key] = _middleware_headers(request, status, b"", detail=detail)
        headers = [(name, str(len(body)) if name == "Content-Length" else value) for name, value in static]
    headers.append((context.REQUEST_ID_HEADER, request_id))
    return headers


@dataclass
class _Admission:
    """One request on its way through the pipeline's stages in the lane."""

    environ: dict[str, Any]
    request: WSGIRequest
    match: re.Match[str]
    host: str = ""
    route: Route | None = None
    values: dict[str, Any] = field(default_factory=dict)  # the request's prefetched Redis answers, once routed
    data: dict[str, Any] | None = None
    caller: _Caller | None = None


def _stage_routing(adm: _Admission) -> None:
    try:
        host, _port = split_domain_port(adm.request.get_host())
    except DisallowedHost:
        raise _HandOff from None
    adm.host = host.lower()
    if adm.host in _mw().public_hosts:
        raise _HandOff
    route, entry = route_lookup(adm.host)
    if route is None or route_refusal(adm.host, route) is not None:
        raise _HandOff
    adm.values.update(request_prefetch(request=adm.request, host=adm.host, route=route, route_entry=entry))
    adm.route = route
    if adm.values.get(ROUTE_STALE):
        raise _HandOff
    tenant = route.tenant()
    activate(tenant)
    adm.request.tenant = tenant  # type: ignore[attr-defined]


def _stage_security(adm: _Admission) -> None:
    if _mw().security.process_request(adm.request) is not None:  # an SSL redirect
        raise _HandOff


def _stage_project_rate_limit(adm: _Admission) -> None:
    assert adm.route is not None
    _within_limit(setting="RATE_LIMIT_PROJECT", bucket=f"project:{adm.route.project_id}")


def _stage_usage(adm: _Admission) -> None:
    if prefetch.get(ratelimit.USAGE_COUNTED) is not True:  # the pipeline did not count it: Django's middleware will
        raise _HandOff


def _stage_body_limit(adm: _Admission) -> None:
    if body_limit_refusal(adm.request) is not None:
        raise _HandOff


def _stage_authentication(adm: _Admission) -> None:
    assert adm.route is not None
    adm.caller = _caller(adm.request, adm.route)


def _stage_permission(adm: _Admission) -> None:
    assert adm.caller is not None
    if RECORD_CAPABILITIES[adm.request.method or ""] not in CAPABILITIES[adm.caller.role]:  # the views' own table
        raise _HandOff


def _stage_key_rate_limit(adm: _Admission) -> None:
    assert adm.caller is not None
    if adm.caller.api_key_id is not None:
        _within_limit(setting="RATE_LIMIT_API_KEY", bucket=f"apikey:{adm.caller.api_key_id}")


def _stage_parsing(adm: _Admission) -> None:
    if adm.request.method == "POST":
        adm.data = _json_object(adm.request)
        if adm.data is None:
            raise _HandOff


def _answer_only(adm: _Admission) -> None:
    """A stage that refuses nothing here: its part is in the answer (headers, log line, JSON) or cannot apply."""


# The lane's step for each stage of tenants.admission.PIPELINE (observability, CORS, X-Frame-Options and rendering
# act on the answer: `lane_answer`, `_headers`; error pages, static files and "cookies" cannot apply: the lane answers
# JSON itself, its paths are not under /static/, and `lane_match` takes no request with a cookie).
_STAGES: dict[str, Callable[[_Admission], None]] = {
    "error_pages": _answer_only,
    "routing": _stage_routing,
    "observability": _answer_only,
    "security": _stage_security,
    "static_files": _answer_only,
    "cors": _answer_only,
    "project_rate_limit": _stage_project_rate_limit,
    "usage": _stage_usage,
    "body_limit": _stage_body_limit,
    "cookies": _answer_only,
    "frame_options": _answer_only,
    "authentication": _stage_authentication,
    "permission": _stage_permission,
    "key_rate_limit": _stage_key_rate_limit,
    "parsing": _stage_parsing,
    "rendering": _answer_only,
}
if tuple(_STAGES) != STAGE_NAMES:
    raise ImproperlyConfigured("The records lane needs a step for every stage of tenants.admission.PIPELINE, in order.")
_STEPS = tuple(_STAGES.values())


def _admit(adm: _Admission) -> None:
    """Run the pipeline's stages in order, inside the request's prefetch (which routing fills); _HandOff at the
    first stage that would not let the request through."""
    with prefetch_scope(adm.values):
        for step in _STEPS:
            step(adm)


def lane_answer(environ: dict[str, Any], match: re.Match[str]) -> LaneAnswer | None:
    """Answer a request `lane_match` accepted, or None to let Django answer it (see the module docstring)."""
    started = time.perf_counter()
    request = WSGIRequest(environ)
    if raw_key(request) is None and not request.META.get("HTTP_AUTHORIZATION"):
        return None  # no credentials: Django refuses it
    adm = _Admission(environ=environ, request=request, match=match)
    try:
        _admit(adm)
    except _HandOff:
        if adm.route is not None:  # routed and counted: Django carries on from there
            environ[ROUTED] = (adm.host, adm.route, adm.values)
        return None
    route, caller = adm.route, adm.caller
    assert route is not None
    assert caller is not None
    request_id = context.request_id_from(request.headers.get(context.REQUEST_ID_HEADER))
    token = context.bind(request_id=request_id, schema=route.schema_name, user_id=None)
    detail = match[2] is not None
    status = 500
    try:
        with prefetch_scope(adm.values):
            status, body = _execute(request, match, adm.data)
        headers = _headers(request, status, body, detail=detail, request_id=request_id)
        if status == 503:
            headers.append(("Retry-After", str(RETRY_AFTER_SECONDS)))
        return LaneAnswer(status=status, headers=headers, body=body, request=request)
    finally:
        request_observe(
            method=request.method or "",
            path=request.path,
            route=_route_label(detail),
            schema=route.schema_name,
            status=status,
            duration=time.perf_counter() - started,
            user_id=caller.user_id,
            api_key_id=caller.api_key_id,
        )
        context.reset(token)


def _execute(request: WSGIRequest, match: re.Match[str], data: dict[str, Any] | None) -> tuple[int, bytes]:
    """(status, JSON body) of the view's work; domain errors in their shape, anything else a logged 500."""
    table = match[1]
    try:
        if data is not None:
            return 201, json_dumps(record_create_one(table=table, data=data))
        if match[2] is not None:
            return 200, json_dumps(record_get_plain(table=table, record_id=int(match[2])))
        page = record_list_page(table=table, query=request.GET, query_string=request.META["QUERY_STRING"])
        return 200, json_dumps(page)
    except DomainError as exc:
        status, answer = domain_error_answer(exc)
        return status, json_dumps(answer)
    except Exception as exc:
        outage = outage_answer(exc)
        if outage is not None:
            return outage[0], json_dumps(outage[1])
        logger.exception("Unhandled error in the records lane")
        return 500, json_dumps(error_body(CommonCode.SERVER_ERROR, "Internal server error."))


def lane_outage_answer(exc: BaseException) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """(status line, headers, body) of the 503 for an outage met before the view ran (routing, authentication:
    PostgreSQL or Redis unreachable), None for any other error."""
    outage = outage_answer(exc)
    if outage is None:
        return None
    status, answer, extra = outage
    body = json_dumps(answer)
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *extra.items()]
    return f"{status} {HTTPStatus(status).phrase}", headers, body


def records_lane(app: WSGIApp) -> WSGIApp:
    """Wrap Django's WSGI application: the lane answers what it serves, Django the rest."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        match = lane_match(environ)
        if match is None:
            return app(environ, start_response)
        signals.request_started.send(sender=records_lane, environ=environ)
        try:
            answer = lane_answer(environ, match)
        except Exception as exc:
            signals.request_finished.send(sender=records_lane)
            outage = lane_outage_answer(exc)
            if outage is None:
                raise
            start_response(outage[0], outage[1])
            return [outage[2]]
        except BaseException:
            signals.request_finished.send(sender=records_lane)
            raise
        if answer is None:
            return app(environ, start_response)
        signals.request_finished.send(sender=records_lane)
        start_response(answer.status_line, answer.headers)
        return [answer.body]

    return application
