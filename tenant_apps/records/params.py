"""Query parameters of the records API, parsed and checked against the table (400 naming the problem).

`LIST_PARAMS` is the set of parameters the list endpoint accepts; the query-language layer (filter, search,
aggregates) adds its own names there when it plugs in, so a typo such as `pagesize=` is still a clear 400.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.exceptions import ValidationFailed
from shared_apps.foundation.numbers import is_digits
from tenant_apps.data_schemas.definitions import TableDef
from tenant_apps.data_schemas.naming import AUTOMATIC_FIELDS
from tenant_apps.records.codes import RecordsCode

LIST_PARAMS: set[str] = {"fields", "sort", "page", "page_size", "cursor", "count", "expand"}
GET_PARAMS: set[str] = {"fields", "expand"}
COUNT_MODES = ("none", "exact", "estimated")


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False

    def __str__(self) -> str:
        return f"-{self.field}" if self.descending else self.field


@dataclass(frozen=True)
class ListParams:
    fields: list[str]  # output names, in table order (id first)
    sort: list[SortKey]  # always ends with id, so the order is total
    page: int | None  # None with a cursor
    page_size: int
    cursor: str | None
    count: str
    expand: list[str]


def _names(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _unknown_params(params: Mapping[str, str], allowed: set[str]) -> None:
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValidationFailed(
            f"Unknown query parameter: {', '.join(unknown)}.",
            code=CommonCode.UNKNOWN_PARAMETER,
            fields={name: ["Unknown query parameter."] for name in unknown},
        )


def output_fields(table: TableDef, raw: str | None, expand: list[str]) -> list[str]:
    """Names to return: every field by default, else `id` + the requested ones (+ expanded links)."""
    all_names = ["id", *(f.name for f in table.fields), "created_at", "updated_at"]
    if raw is None:
        return all_names
    wanted = _names(raw)
    unknown = [name for name in wanted if name not in all_names]
    if unknown or not wanted:
        messages = [f"Unknown field '{name}'." for name in unknown] or ["Name at least one field."]
        raise ValidationFailed("Invalid fields.", code=RecordsCode.UNKNOWN_FIELD, fields={"fields": messages})
    chosen = {"id", *wanted, *expand}
    return [name for name in all_names if name in chosen]


def expand_parse(table: TableDef, raw: str | None) -> list[str]:
    if raw is None:
        return []
    names = _names(raw)
    errors = []
    for name in names:
        field = table.field(name)
        if field is None:
            errors.append(f"Unknown field '{name}'.")
        elif not field.field_type.links_records:
            errors.append(f"'{name}' is not a link field.")
    if errors:
        raise ValidationFailed("Invalid expand.", code=RecordsCode.UNKNOWN_FIELD, fields={"expand": errors})
    return list(dict.fromkeys(names))


def sort_parse(table: TableDef, raw: str | None) -> list[SortKey]:
    keys: list[SortKey] = []
    errors: list[str] = []
    for part in _names(raw or ""):
        descending = part.startswith("-")
        name = part.lstrip("-+")
        field = table.field(name)
        if name not in AUTOMATIC_FIELDS and field is None:
            errors.append(f"Unknown field '{name}'.")
        elif field is not None and not field.field_type.sortable(field.options):
            errors.append(f"'{name}' ({field.type}) cannot be sorted on.")
        elif any(key.field == name for key in keys):
            errors.append(f"'{name}' appears twice.")
        else:
            keys.append(SortKey(name, descending))
    if errors:
        raise ValidationFailed("Invalid sort.", code=RecordsCode.INVALID_SORT, fields={"sort": errors})
    if not any(key.field == "id" for key in keys):
        keys.append(SortKey("id"))
    return keys


def _positive_int(params: Mapping[str, str], name: str, *, default: int, maximum: int | None = None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not is_digits(raw) or int(raw) < 1:
        raise ValidationFailed(f"Invalid {name}.", fields={name: ["A positive integer."]})
    value = int(raw)
    if maximum is not None and value > maximum:
        raise ValidationFailed(
            f"{name} is at most {maximum}.", code=RecordsCode.PAGE_TOO_LARGE, fields={name: [f"At most {maximum}."]}
        )
    return value


def list_params_parse(table: TableDef, params: Mapping[str, str]) -> ListParams:
    _unknown_params(params, LIST_PARAMS)
    knobs = settings.NOCODE
    expand = expand_parse(table, params.get("expand"))
    cursor = params.get("cursor") or None
    if cursor is not None and params.get("page"):
        raise ValidationFailed("Use either page or cursor.", fields={"cursor": ["Not together with page."]})
    count = params.get("count") or "none"
    if count not in COUNT_MODES:
        raise ValidationFailed("Invalid count.", fields={"count": [f"One of: {', '.join(COUNT_MODES)}."]})
    return ListParams(
        fields=output_fields(table, params.get("fields"), expand),
        sort=sort_parse(table, params.get("sort")),
        page=None if cursor else _positive_int(params, "page", default=1, maximum=10_000_000),
        page_size=_positive_int(
            params, "page_size", default=knobs["RECORDS_PAGE_SIZE"], maximum=knobs["RECORDS_MAX_PAGE_SIZE"]
        ),
        cursor=cursor,
        count=count,
        expand=expand,
    )


def get_params_parse(table: TableDef, params: Mapping[str, str]) -> tuple[list[str], list[str]]:
    _unknown_params(params, GET_PARAMS)
    expand = expand_parse(table, params.get("expand"))
    return output_fields(table, params.get("fields"), expand), expand
