"""Records of a dynamic table: browse (pagination, sort, search, a filter), add, edit, delete, download files.

Reads go through `records.selectors.record_list`/`record_get` with the records API's own query language: the
search box is the API's `search=` (records.search: every word begins a word of a text field, indexed full-text),
the filter one condition of the compact form `<field>__<op>=<value>` (records.filters). Writes go through
`records.services`, so the console validates exactly as the API does.
"""

import contextlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.exceptions import DomainError, NotFound, ValidationFailed
from tenant_apps.data_schemas import filestore
from tenant_apps.data_schemas.definitions import SchemaDefs, TableDef
from tenant_apps.records import services
from tenant_apps.records.filters import OPERATORS, compact_conditions, field_for_filter, field_operators
from tenant_apps.records.params import list_params_parse
from tenant_apps.records.search import search_condition
from tenant_apps.records.selectors import RecordPage, record_get
from tenant_apps.records.selectors import record_list as records_read

from ..forms import ConfirmForm
from ..record_forms import RecordForm, cell_text, record_form, record_initial
from .pages import error_message, errors_onto_form, form_submitted, render_page, table_or_404

PAGE_SIZE = 25
AUTOMATIC = ("id", "created_at", "updated_at")


def _records_url(table: str, **query: str) -> str:
    url = reverse("console:record_list", kwargs={"table": table})
    kept = {key: value for key, value in query.items() if value}
    return f"{url}?{urlencode(kept)}" if kept else url


def filter_condition(table: TableDef, name: str, op: str, raw: str) -> Q | None:
    """One condition as the API's compact query form `?<field>__<op>=<value>` builds it."""
    if not name:
        return None
    if field_for_filter(table, name) is None:
        raise ValidationFailed(
            f"Unknown field '{name}'.", code=CommonCode.INVALID_FILTER, fields={"filter": ["Unknown field."]}
        )
    return compact_conditions(table, {f"{name}__{op or 'eq'}": [raw]})


def operators_by_field(table: TableDef, names: list[str]) -> dict[str, list[str]]:
    """The filter operators each field's type supports (records.filters), in the query language's order."""
    out: dict[str, list[str]] = {}
    for name in names:
        field = field_for_filter(table, name)
        if field is not None:
            supported = field_operators(field)
            out[name] = [op for op in OPERATORS if op in supported]
    return out


def _operator_options(by_field: dict[str, list[str]], chosen_field: str) -> list[dict[str, Any]]:
    """Every operator, those the chosen field's type does not support hidden (the page's script keeps this in step
    with the field select)."""
    allowed = by_field.get(chosen_field)
    return [{"name": op, "allowed": allowed is None or op in allowed} for op in OPERATORS]


@dataclass(frozen=True)
class Column:
    name: str
    sort_url: str
    sorted_as: str  # "", "asc", "desc"


def _columns(table: TableDef, state: dict[str, str]) -> list[Column]:
    names = ["id", *(f.name for f in table.fields), "updated_at"]
    sort = state.get("sort", "")
    columns = []
    for name in names:
        field = table.field(name)
        sortable = name in AUTOMATIC or (field is not None and field.field_type.sortable(field.options))
        sorted_as = "asc" if sort == name else "desc" if sort == f"-{name}" else ""
        next_sort = f"-{name}" if sorted_as == "asc" else name
        url = _records_url(table.name, **{**state, "sort": next_sort, "page": ""}) if sortable else ""
        columns.append(Column(name=name, sort_url=url, sorted_as=sorted_as))
    return columns


def _rows(table: TableDef, page: RecordPage, columns: list[Column]) -> list[dict[str, Any]]:
    rows = []
    for record in page.rows:
        cells = []
        for column in columns:
            field = table.field(column.name)
            value = record.get(column.name)
            url = ""
            if field is not None and field.field_type.stores_files and value:
                url = reverse(
                    "console:record_file", kwargs={"table": table.name, "record_id": record["id"], "field": field.name}
                )
            cells.append({"text": cell_text(field, value), "url": url})
        rows.append(
            {
                "id": record["id"],
                "cells": cells,
                "edit_url": reverse("console:record_edit", kwargs={"table": table.name, "record_id": record["id"]}),
            }
        )
    return rows


def _read(defs: SchemaDefs, table: TableDef, state: dict[str, str]) -> RecordPage:
    where: Q | None = None
    if state["q"]:
        where = search_condition(table, state["q"])
    condition = filter_condition(table, state["field"], state["op"], state["value"])
    if condition is not None:
        where = condition if where is None else where & condition
    params = list_params_parse(
        table, {"page": state["page"] or "1", "page_size": str(PAGE_SIZE), "sort": state["sort"], "count": "exact"}
    )
    return records_read(defs=defs, table=table, params=params, where=where)


def record_list(request: HttpRequest, site: AdminSite, table: str) -> HttpResponse:
    defs, found = table_or_404(table)
    state = {key: request.GET.get(key, "").strip() for key in ("q", "field", "op", "value", "sort", "page")}
    page: RecordPage | None = None
    try:
        page = _read(defs, found, state)
    except DomainError as exc:
        error_message(request, exc)
    columns = _columns(found, state)
    filter_fields = list(AUTOMATIC) + [f.name for f in found.fields]
    by_field = operators_by_field(found, filter_fields)
    number = (page.page or 1) if page else 1
    pages = max(1, -(-(page.count or 0) // PAGE_SIZE)) if page else 1
    return render_page(
        request,
        site,
        "console/record_list.html",
        title=f"Records of {found.name}",
        table=found,
        state=state,
        columns=columns,
        rows=_rows(found, page, columns) if page else [],
        count=page.count if page else None,
        page_number=number,
        pages=pages,
        previous_url=_records_url(found.name, **{**state, "page": str(number - 1)}) if number > 1 else "",
        next_url=_records_url(found.name, **{**state, "page": str(number + 1)}) if page and page.has_next else "",
        filter_fields=filter_fields,
        operators=_operator_options(by_field, state["field"]),
        operators_by_field=by_field,
    )


def _write_files(defs: SchemaDefs, table: TableDef, record_id: int, form: RecordForm) -> None:
    for name in form.cleared():
        with contextlib.suppress(NotFound):  # nothing stored: nothing to clear
            services.record_file_delete(table=table, record_id=record_id, field_name=name)
    for name, upload in form.uploads().items():
        services.record_file_upload(defs=defs, table=table, record_id=record_id, field_name=name, upload=upload)


def record_add(request: HttpRequest, site: AdminSite, table: str) -> HttpResponse:
    defs, found = table_or_404(table)
    form = record_form(defs, found)(request.POST or None, request.FILES or None)

    def add() -> tuple[str, str]:
        with transaction.atomic():
            rows = [form.record_data(only_changed=False)]
            created = services.records_create(defs=defs, table=found, rows=rows, bulk=False)[0]
            _write_files(defs, found, created["id"], form)
        return f"Record {created['id']} added to '{found.name}'.", _records_url(found.name)

    if (done := form_submitted(request, form, add)) is not None:
        return done
    return render_page(
        request,
        site,
        "console/form.html",
        title=f"Add a record to {found.name}",
        form=form,
        submit="Save record",
        cancel_url=_records_url(found.name),
        table=found,
        multipart=True,
    )


def _record_or_404(defs: SchemaDefs, table: TableDef, record_id: int) -> dict[str, Any]:
    try:
        return record_get(defs=defs, table=table, record_id=record_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def record_edit(request: HttpRequest, site: AdminSite, table: str, record_id: int) -> HttpResponse:
    defs, found = table_or_404(table)
    record = _record_or_404(defs, found, record_id)
    form_class = record_form(defs, found, record=record)
    form = form_class(request.POST or None, request.FILES or None, initial=record_initial(found, record))

    def save() -> tuple[str, str]:
        data = form.record_data(only_changed=True)
        with transaction.atomic():
            if data:
                services.record_update(defs=defs, table=found, record_id=record_id, data=data, replace=False)
            _write_files(defs, found, record_id, form)
        return f"Record {record_id} of '{found.name}' saved.", _records_url(found.name)

    if (done := form_submitted(request, form, save)) is not None:
        return done
    return render_page(
        request,
        site,
        "console/form.html",
        title=f"Record {record_id} of {found.name}",
        form=form,
        submit="Save record",
        cancel_url=_records_url(found.name),
        table=found,
        multipart=True,
        delete_url=reverse("console:record_delete", kwargs={"table": found.name, "record_id": record_id}),
        record_meta={"created_at": record.get("created_at"), "updated_at": record.get("updated_at")},
    )


def record_delete(request: HttpRequest, site: AdminSite, table: str, record_id: int) -> HttpResponse:
    defs, found = table_or_404(table)
    _record_or_404(defs, found, record_id)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["confirm"] != str(record_id):
            form.add_error("confirm", f"Type {record_id} to delete this record.")
        else:
            try:
                services.record_delete(table=found, record_id=record_id)
            except DomainError as exc:
                errors_onto_form(form, exc)
            else:
                messages.success(request, f"Record {record_id} deleted from '{found.name}'.")
                return HttpResponseRedirect(_records_url(found.name))
    return render_page(
        request,
        site,
        "console/confirm_delete.html",
        title=f"Delete record {record_id} of {found.name}",
        form=form,
        what=f"record {record_id} of '{found.name}' and its files",
        name=str(record_id),
        cancel_url=reverse("console:record_edit", kwargs={"table": found.name, "record_id": record_id}),
    )


def record_file(request: HttpRequest, site: AdminSite, table: str, record_id: int, field: str) -> FileResponse:
    """Download the file of a record's file field (as the records API does: attachment, nosniff)."""
    _, found = table_or_404(table)
    try:
        meta = services.record_file_get(table=found, record_id=record_id, field_name=field)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = FileResponse(
        filestore.file_open(meta["path"]),
        as_attachment=True,
        filename=meta.get("name") or "file",
        content_type=meta.get("content_type") or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
