"""Tables and fields: list, create, edit, delete through the data_schemas services (the same as the schema API)."""

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from shared_apps.foundation.exceptions import DomainError
from tenant_apps.data_schemas import services
from tenant_apps.data_schemas.selectors import table_list as tables_read

from ..forms import ConfirmForm, FieldEditForm, FieldForm, TableForm, field_initial
from .pages import errors_onto_form, form_submitted, render_page, table_or_404


def _table_url(name: str) -> str:
    return reverse("console:table_detail", kwargs={"table": name})


def table_list(request: HttpRequest, site: AdminSite) -> HttpResponse:
    _, tables = tables_read()
    return render_page(request, site, "console/table_list.html", title="Tables", tables=tables)


def table_add(request: HttpRequest, site: AdminSite) -> HttpResponse:
    form = TableForm(request.POST or None)

    def create() -> tuple[str, str]:
        data = form.cleaned_data
        created = services.table_create(
            name=data["name"], display_name=data["display_name"], description=data["description"]
        )
        return f"Table '{created.name}' created. Add its fields below.", _table_url(created.name)

    if (done := form_submitted(request, form, create)) is not None:
        return done
    return render_page(
        request,
        site,
        "console/form.html",
        title="Add a table",
        form=form,
        submit="Create table",
        cancel_url=reverse("console:table_list"),
    )


def table_detail(request: HttpRequest, site: AdminSite, table: str) -> HttpResponse:
    """The table's settings (editable: rename, display name, description) and its fields."""
    defs, found = table_or_404(table)
    initial = {"name": found.name, "display_name": found.display_name, "description": found.description}
    form = TableForm(request.POST or None, initial=initial)

    def save() -> tuple[str, str]:
        data = form.cleaned_data
        updated = services.table_update(
            table_name=found.name,
            name=data["name"] if data["name"] != found.name else None,
            display_name=data["display_name"],
            description=data["description"],
        )
        return f"Table '{updated.name}' saved.", _table_url(updated.name)

    if (done := form_submitted(request, form, save)) is not None:
        return done
    fields = [(f, f.field_type.public_options(f.options, context=defs.options_context())) for f in found.fields]
    return render_page(
        request, site, "console/table_detail.html", title=f"Table {found.name}", table=found, form=form, fields=fields
    )


def table_delete(request: HttpRequest, site: AdminSite, table: str) -> HttpResponse:
    _, found = table_or_404(table)
    form = ConfirmForm(request.POST or None)

    def delete() -> tuple[str, str]:
        services.table_delete(table_name=found.name, confirm=form.cleaned_data["confirm"])
        return f"Table '{found.name}' and all its records deleted.", reverse("console:table_list")

    if (done := form_submitted(request, form, delete)) is not None:
        return done
    return render_page(
        request,
        site,
        "console/confirm_delete.html",
        title=f"Delete table {found.name}",
        form=form,
        what=f"the table '{found.name}', its fields, every record and every file",
        name=found.name,
        cancel_url=_table_url(found.name),
    )


def field_add(request: HttpRequest, site: AdminSite, table: str) -> HttpResponse:
    _, found = table_or_404(table)
    form = FieldForm(request.POST or None, initial={"type": "text"})

    def add() -> tuple[str, str]:
        field = services.field_create(table_name=found.name, spec=form.spec())
        return f"Field '{field.name}' ({field.type}) added to '{found.name}'.", _table_url(found.name)

    if (done := form_submitted(request, form, add)) is not None:
        return done
    return render_page(
        request,
        site,
        "console/form.html",
        title=f"Add a field to {found.name}",
        form=form,
        submit="Add field",
        cancel_url=_table_url(found.name),
        table=found,
    )


def field_edit(request: HttpRequest, site: AdminSite, table: str, field: str) -> HttpResponse:
    """Change a field (rename, options, constraints, type ...); a dry run only reports the conversion."""
    defs, found = table_or_404(table)
    current = found.field(field)
    if current is None:
        return HttpResponseRedirect(_table_url(found.name))
    initial = field_initial(current, defs)
    form = FieldEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = form.changes(initial)
        dry_run = form.cleaned_data["dry_run"]
        try:
            result = services.field_update(
                table_name=found.name,
                field_name=current.name,
                changes=changes,
                dry_run=dry_run,
                on_invalid=form.cleaned_data["on_invalid"],
            )
        except DomainError as exc:
            errors_onto_form(form, exc)
        else:
            report = result.conversion
            if dry_run:
                summary = (
                    f"{report.invalid} of {report.rows} value(s) would not convert" if report else "No value to convert"
                )
                messages.info(request, f"Dry run, nothing changed: {summary}.")
            else:
                messages.success(request, f"Field '{result.field.name}' saved.")
                return HttpResponseRedirect(_table_url(found.name))
    return render_page(
        request,
        site,
        "console/form.html",
        title=f"Field {found.name}.{current.name}",
        form=form,
        submit="Save",
        cancel_url=_table_url(found.name),
        table=found,
        delete_url=reverse("console:field_delete", kwargs={"table": found.name, "field": current.name}),
    )


def field_delete(request: HttpRequest, site: AdminSite, table: str, field: str) -> HttpResponse:
    _, found = table_or_404(table)
    form = ConfirmForm(request.POST or None)

    def delete() -> tuple[str, str]:
        services.field_delete(table_name=found.name, field_name=field, confirm=form.cleaned_data["confirm"])
        return f"Field '{field}' deleted from '{found.name}'.", _table_url(found.name)

    if (done := form_submitted(request, form, delete)) is not None:
        return done
    return render_page(
        request,
        site,
        "console/confirm_delete.html",
        title=f"Delete field {found.name}.{field}",
        form=form,
        what=f"the field '{field}' and its value in every record",
        name=field,
        cancel_url=_table_url(found.name),
    )
