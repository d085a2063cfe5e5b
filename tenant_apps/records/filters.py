"""The records query language: a JSON filter tree -> a Django `Q` (values are always query parameters).

Grammar (docs/records-api.md, "Query language"):

    node      = condition | group
    group     = {"and": [node, ...]} | {"or": [node, ...]}           (a bare list means "and")
    condition = {"field": <name>, "op": <operator>, "value": <operand>}

Each field type declares the operators it supports (`FieldType.operators(options)`) and coerces operands
(`FieldType.filter_value`); `id`, `created_at` and `updated_at` filter like integer / datetime fields. Every problem
is collected and reported at once as a 400 `INVALID_FILTER` whose `fields` are keyed by the node's path
(`filter.and.1.value`). Limits: nesting depth `MAX_DEPTH`, `MAX_CONDITIONS` conditions, `MAX_LIST` operands.

The compact query-string form (`?price__gt=50&active=true`) builds the same conditions (`compact_conditions`).
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.exceptions import ValidationFailed
from shared_apps.foundation.jsoncodec import MALFORMED_JSON, JsonInputError, json_loads
from tenant_apps.data_schemas.definitions import FieldDef, TableDef
from tenant_apps.data_schemas.field_types import FieldValueError

MAX_DEPTH = 8
MAX_CONDITIONS = 100
MAX_LIST = 1000
MAX_FILTER_BYTES = 64 * 1024

OPERATORS = (
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "not_in",
    "between",
    "contains",
    "icontains",
    "starts_with",
    "ends_with",
    "has_any",
    "has_all",
    "is_null",
)
LIST_OPERATORS = frozenset({"in", "not_in", "has_any", "has_all"})
PATTERN_LOOKUPS = {
    "contains": "contains",
    "icontains": "icontains",
    "starts_with": "startswith",
    "ends_with": "endswith",
}
RANGE_LOOKUPS = {"gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"}

# The automatic columns filter like fields of these types.
AUTOMATIC_DEFS = {
    "id": FieldDef(id=0, name="id", type="integer", options={}, required=True, unique=True, default=None,
                   constraints={}, position=-3),
    "created_at": FieldDef(id=0, name="created_at", type="datetime", options={}, required=True, unique=False,
                           default=None, constraints={}, position=-2),
    "updated_at": FieldDef(id=0, name="updated_at", type="datetime", options={}, required=True, unique=False,
                           default=None, constraints={}, position=-1),
}  # fmt: skip


def field_for_filter(table: TableDef, name: str) -> FieldDef | None:
    return AUTOMATIC_DEFS.get(name) or table.field(name)


def field_operators(field_def: FieldDef) -> frozenset[str]:
    return field_def.field_type.operators(field_def.options)


class _Invalid(Exception):
    """One problem at the current node (collected by the builder)."""


@dataclass
class _Builder:
    table: TableDef
    errors: dict[str, list[str]] = field(default_factory=dict)
    conditions: int = 0

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    # --- nodes -----------------------------------------------------------------------------------------------------

    def node(self, node: Any, path: str, depth: int) -> Q | None:
        if depth > MAX_DEPTH:
            self.fail(path, f"Nested too deeply (at most {MAX_DEPTH} levels).")
            return None
        if isinstance(node, list):
            return self.group("and", node, path, depth)
        if not isinstance(node, dict):
            self.fail(path, 'Expected a condition {"field", "op", "value"} or a group {"and": [...]} / {"or": [...]}.')
            return None
        if "and" in node or "or" in node:
            if len(node) != 1:
                self.fail(path, 'A group has exactly one key: "and" or "or".')
                return None
            kind = "and" if "and" in node else "or"
            return self.group(kind, node[kind], f"{path}.{kind}", depth)
        return self.condition(node, path)

    def group(self, kind: str, items: Any, path: str, depth: int) -> Q | None:
        if not isinstance(items, list) or not items:
            self.fail(path, "Expected a non-empty list of conditions or groups.")
            return None
        combined: Q | None = None
        for index, item in enumerate(items):
            built = self.node(item, f"{path}.{index}", depth + 1)
            if built is None:
                continue
            if combined is None:
                combined = built
            elif kind == "and":
                combined &= built
            else:
                combined |= built
        return combined

    def condition(self, node: dict[str, Any], path: str) -> Q | None:
        self.conditions += 1
        if self.conditions == MAX_CONDITIONS + 1:
            self.fail("filter", f"Too many conditions (at most {MAX_CONDITIONS}).")
        unknown = sorted(set(node) - {"field", "op", "value"})
        if unknown:
            self.fail(path, f"Unknown key(s): {', '.join(map(str, unknown))}. A condition is {{field, op, value}}.")
            return None
        name, op = node.get("field"), node.get("op")
        if not isinstance(name, str):
            self.fail(f"{path}.field", "Name the field to filter on.")
            return None
        field_def = field_for_filter(self.table, name)
        if field_def is None:
            self.fail(f"{path}.field", f"Unknown field '{name}'.")
            return None
        if not isinstance(op, str) or op not in OPERATORS:
            self.fail(f"{path}.op", f"Unknown operator {op!r}. One of: {', '.join(OPERATORS)}.")
            return None
        supported = field_operators(field_def)
        if op not in supported:
            usable = ", ".join(_ordered(supported))
            message = f"'{op}' is not supported by {field_def.type} field '{name}'. Use one of: {usable}."
            self.fail(f"{path}.op", message)
            return None
        if "value" not in node and op != "is_null":
            self.fail(f"{path}.value", f"'{op}' needs a value.")
            return None
        try:
            return condition_q(self.table, field_def, op, node.get("value", True))
        except (_Invalid, FieldValueError) as exc:
            self.fail(f"{path}.value", str(exc))
            return None


def _ordered(operators: Iterable[str]) -> list[str]:
    return [op for op in OPERATORS if op in operators]


def _operand(field_def: FieldDef, value: Any) -> Any:
    if value is None:
        raise _Invalid("Must not be null (use the is_null operator).")
    return field_def.field_type.filter_value(value, field_def)


def _operands(field_def: FieldDef, value: Any, *, exactly: int | None = None) -> list[Any]:
    if not isinstance(value, list):
        raise _Invalid("Expected a list." if exactly is None else f"Expected a list of {exactly} values.")
    if exactly is not None and len(value) != exactly:
        raise _Invalid(f"Expected a list of {exactly} values.")
    if exactly is None and not 1 <= len(value) <= MAX_LIST:
        raise _Invalid(f"Expected a list of 1-{MAX_LIST} values.")
    out = []
    for index, item in enumerate(value):
        try:
            out.append(_operand(field_def, item))
        except (_Invalid, FieldValueError) as exc:
            raise _Invalid(f"Item {index}: {exc}") from None
    return out


def _is_many_to_many(field_def: FieldDef) -> bool:
    return not field_def.has_column


def condition_q(table: TableDef, field_def: FieldDef, op: str, value: Any) -> Q:
    """The condition `<field> <op> <value>`; raises FieldValueError/_Invalid with a message for the client."""
    name = field_def.name
    if op == "is_null":
        if not isinstance(value, bool):
            raise _Invalid("Expected true or false.")
        return _is_null(table, field_def, value)
    if op in ("has_any", "has_all"):
        values = list(dict.fromkeys(_operands(field_def, value)))
        return _has(table, field_def, values, every=op == "has_all")
    if op == "eq":
        return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: _operand(field_def, value)})
    if op == "ne":
        return Q(**{f"{name}__isnull": False}) if value is None else ~Q(**{name: _operand(field_def, value)})
    if op in RANGE_LOOKUPS:
        return Q(**{f"{name}__{RANGE_LOOKUPS[op]}": _operand(field_def, value)})
    if op == "in":
        return Q(**{f"{name}__in": _operands(field_def, value)})
    if op == "not_in":
        return ~Q(**{f"{name}__in": _operands(field_def, value)})
    if op == "between":
        low, high = _operands(field_def, value, exactly=2)
        return Q(**{f"{name}__gte": low, f"{name}__lte": high})
    if op in PATTERN_LOOKUPS:
        if not isinstance(value, str):
            raise _Invalid("Expected a string.")
        return Q(**{f"{name}__{PATTERN_LOOKUPS[op]}": _operand(field_def, value)})
    raise _Invalid(f"Unknown operator '{op}'.")


def _is_null(table: TableDef, field_def: FieldDef, wanted: bool) -> Q:
    name = field_def.name
    if _is_many_to_many(field_def):
        linked = Q(id__in=table.join_model(field_def)._default_manager.values("source_id"))
        return ~linked if wanted else linked
    if field_def.field_type.empty_is_null:  # e.g. a multi-select with no choice: NULL or an empty list
        empty = Q(**{f"{name}__isnull": True}) | Q(**{name: []})
        return empty if wanted else ~empty
    return Q(**{f"{name}__isnull": wanted})


def _has(table: TableDef, field_def: FieldDef, values: list[Any], *, every: bool) -> Q:
    name = field_def.name
    if not _is_many_to_many(field_def):  # multi_select (text[]): && and @>
        return Q(**{f"{name}__contains" if every else f"{name}__overlap": values})
    links = table.join_model(field_def)._default_manager.filter(target_id__in=values)
    if not every:
        return Q(id__in=links.values("source_id"))
    complete = (
        links.values("source_id")
        .annotate(matched=Count("target_id", distinct=True))
        .filter(matched=len(values))
        .values("source_id")
    )
    return Q(id__in=complete)


def _raise(errors: dict[str, list[str]]) -> None:
    first_path, first = next(iter(errors.items()))
    raise ValidationFailed(f"Invalid filter: {first_path}: {first[0]}", code=CommonCode.INVALID_FILTER, fields=errors)


def filter_build(table: TableDef, tree: Any, *, path: str = "filter") -> Q | None:
    """The condition of a parsed JSON filter tree (None for an empty tree); 400 INVALID_FILTER naming problems."""
    if tree is None or tree == {} or tree == []:
        return None
    builder = _Builder(table)
    built = builder.node(tree, path, 1)
    if builder.errors:
        _raise(builder.errors)
    return built


def filter_parse(table: TableDef, raw: str | None) -> Q | None:
    """`?filter=<json>`: parse the JSON text, then `filter_build`."""
    if raw is None or raw.strip() == "":
        return None
    if len(raw) > MAX_FILTER_BYTES:
        _raise({"filter": [f"At most {MAX_FILTER_BYTES} bytes."]})
    try:
        tree = json_loads(raw)
    except JsonInputError as exc:
        if exc.code != MALFORMED_JSON:
            _raise({"filter": [exc.message]})
        _raise({"filter": ['Not valid JSON. Example: {"field": "price", "op": "gt", "value": 50}.']})
    return filter_build(table, tree)


# --- the compact query-string form -----------------------------------------------------------------------------


def compact_name(table: TableDef, key: str) -> tuple[FieldDef, str] | None:
    """(field, operator) when `key` is `<field>` or `<field>__<op>` of this table, else None."""
    name, _, op = key.partition("__")
    field_def = field_for_filter(table, name)
    if field_def is None:
        return None
    return field_def, op or "eq"


def _compact_operand(field_def: FieldDef, op: str, raw: str) -> Any:
    parse: Callable[[str], Any] = field_def.field_type.query_value
    if op in LIST_OPERATORS or op == "between":
        return [parse(part) for part in raw.split(",")]
    if op == "is_null":
        lowered = raw.lower()
        return True if lowered in ("", "true", "1") else False if lowered in ("false", "0") else raw
    return parse(raw)


def compact_conditions(table: TableDef, params: Mapping[str, list[str]]) -> Q | None:
    """`?price__gt=50&active=true`: every pair is a condition, all ANDed. `params` holds only such keys."""
    builder = _Builder(table)
    combined: Q | None = None
    for key, raws in params.items():
        field_def, op = compact_name(table, key)  # type: ignore[misc]  # callers pass only matching keys
        for raw in raws:
            node = {"field": field_def.name, "op": op, "value": _compact_operand(field_def, op, raw)}
            built = builder.condition(node, key)
            if built is not None:
                combined = built if combined is None else combined & built
    if builder.errors:
        # Name the query parameter itself (`price__gt`), not the part of the condition built from it.
        _raise({path.split(".", 1)[0]: messages for path, messages in builder.errors.items()})
    return combined
