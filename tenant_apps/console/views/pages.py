"""Helpers shared by the console pages: rendering with the site's context, submitting forms to services, domain
errors onto forms."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse

from shared_apps.foundation.exceptions import DomainError, NotFound
from tenant_apps.data_schemas.definitions import SchemaDefs, TableDef
from tenant_apps.data_schemas.selectors import table_get


def render_page(
    request: HttpRequest, site: AdminSite, template: str, *, title: str, **context: Any
) -> TemplateResponse:
    return TemplateResponse(request, template, {**site.each_context(request), "title": title, **context})


def errors_onto_form(form: forms.BaseForm, exc: DomainError) -> None:
    """Put a service's error on the form: `fields` keys (`name`, `options.precision`, ...) on the field they name
    (or on the form when it has no such field), else the message."""
    if not exc.fields:
        form.add_error(None, exc.message)
        return
    for key, problems in exc.fields.items():
        head, _, rest = key.partition(".")
        target = head if head in form.fields else None
        for problem in problems:
            text = f"{rest}: {problem}" if target and rest else problem if target else f"{key}: {problem}"
            form.add_error(target, text)


def form_submitted(
    request: HttpRequest, form: forms.BaseForm, action: Callable[[], tuple[str, str]]
) -> HttpResponse | None:
    """A valid POST of `form` runs `action` (the service call, returning the success message and where to go next):
    on success the message and a redirect; on a DomainError (nothing was written) the error goes onto the form and
    the answer is None, like for a GET or an invalid form: render the page (again)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        message, next_url = action()
    except DomainError as exc:
        errors_onto_form(form, exc)
        return None
    messages.success(request, message)
    return HttpResponseRedirect(next_url)


def error_message(request: HttpRequest, exc: DomainError) -> None:
    details = "; ".join(f"{key}: {' '.join(problems)}" for key, problems in exc.fields.items())
    messages.error(request, f"{exc.message} {details}".strip())


def table_or_404(name: str) -> tuple[SchemaDefs, TableDef]:
    try:
        return table_get(name=name)
    except NotFound as exc:
        raise Http404(exc.message) from exc
