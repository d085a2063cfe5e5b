"""Conditions of workflows, in the grammar of the records filter language, evaluated in Python.

    node      = {"and": [node, ...]} | {"or": [node, ...]} | {"not": node} | condition   (a bare list means "and")
    condition = {"field": <name or path>, "op": <operator>, "value": <operand>}

Trigger filters name fields of the triggering record and are also checked with the records filter validator when it
is available (unknown fields, operators a type does not support, bad operands are a 400 when the workflow is saved);
they are evaluated on the record as it was written (the event's snapshot), values coerced by the field's type.
Step conditions (`condition` steps and a step's `when`) name template paths (`record.status`, `trigger.amount`,
`steps.0.id`) and compare JSON values. Semantics: a missing value is null; null matches only `is_null: true`, `ne`
and `not_in`; comparisons between values that cannot be ordered are false.
"""

from collections.abc import Callable
from typing import Any

from tenant_apps.records.filters import OPERATORS

# The records filter language's operators, evaluated here in Python against a record snapshot.
LIST_OPERANDS = frozenset({"in", "not_in", "has_any", "has_all"})
MAX_DEPTH = 8
MAX_CONDITIONS = 50

Resolve = Callable[[str], Any]
Coerce = Callable[[str, Any], Any]


def shape_errors(tree: Any, path: str) -> dict[str, list[str]]:
    """Structural problems of a condition tree, keyed by the node's path."""
    errors: dict[str, list[str]] = {}
    count = [0]

    def add(where: str, message: str) -> None:
        errors.setdefault(where, []).append(message)

    def walk(node: Any, where: str, depth: int) -> None:
        if isinstance(node, list):  # a bare list means "and"
            node = {"and": node}
        if depth > MAX_DEPTH:
            add(where, f"Nested more than {MAX_DEPTH} levels.")
            return
        if not isinstance(node, dict):
            add(where, "Expected an object: a condition or an and/or/not group.")
            return
        if len(node) == 1 and next(iter(node)) in ("and", "or"):
            key = next(iter(node))
            items = node[key]
            if not isinstance(items, list) or not items:
                add(f"{where}.{key}", "Expected a non-empty list.")
                return
            for index, item in enumerate(items):
                walk(item, f"{where}.{key}.{index}", depth + 1)
            return
        if set(node) == {"not"}:
            walk(node["not"], f"{where}.not", depth + 1)
            return
        count[0] += 1
        if set(node) - {"field", "op", "value"} or not isinstance(node.get("field"), str) or not node["field"]:
            add(where, "A condition is {'field': name, 'op': operator, 'value': operand}.")
            return
        op = node.get("op")
        if op not in OPERATORS:
            add(f"{where}.op", f"Unknown operator {op!r}. One of: {', '.join(OPERATORS)}.")
            return
        value = node.get("value")
        if op in LIST_OPERANDS and not isinstance(value, list):
            add(f"{where}.value", f"'{op}' takes a list.")
        elif op == "between" and not (isinstance(value, list) and len(value) == 2):
            add(f"{where}.value", "'between' takes [low, high].")
        elif op == "is_null" and not isinstance(value, bool):
            add(f"{where}.value", "'is_null' takes true or false.")

    walk(tree, path, 1)
    if count[0] > MAX_CONDITIONS:
        add(path, f"At most {MAX_CONDITIONS} conditions.")
    return errors


def _ordered(left: Any, right: Any, test: Callable[[Any, Any], bool]) -> bool:
    if left is None or right is None:
        return False
    if isinstance(left, (int, float)) and not isinstance(left, bool) and isinstance(right, str):
        right = _number(right)
    elif isinstance(right, (int, float)) and not isinstance(right, bool) and isinstance(left, str):
        left = _number(left)
    try:
        return bool(test(left, right))
    except TypeError:
        return False


def _number(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


def _condition(value: Any, op: str, operand: Any) -> bool:
    if op == "is_null":
        return (value is None) == bool(operand)
    if op == "eq":
        return value is not None and _ordered(value, operand, lambda a, b: a == b)
    if op == "ne":
        return value is None or not _ordered(value, operand, lambda a, b: a == b)
    if op in ("gt", "gte", "lt", "lte"):
        tests: dict[str, Callable[[Any, Any], bool]] = {
            "gt": lambda a, b: a > b,
            "gte": lambda a, b: a >= b,
            "lt": lambda a, b: a < b,
            "lte": lambda a, b: a <= b,
        }
        return _ordered(value, operand, tests[op])
    if op == "between":
        low, high = operand
        return _ordered(value, low, lambda a, b: a >= b) and _ordered(value, high, lambda a, b: a <= b)
    if op == "in":
        return value is not None and any(_ordered(value, item, lambda a, b: a == b) for item in operand)
    if op == "not_in":
        return value is None or not any(_ordered(value, item, lambda a, b: a == b) for item in operand)
    if op in ("has_any", "has_all"):
        present = set(map(str, value)) if isinstance(value, list) else set()
        wanted = set(map(str, operand))
        return bool(present & wanted) if op == "has_any" else bool(wanted) and wanted <= present
    if not isinstance(value, str) or not isinstance(operand, str):
        return False
    if op == "contains":
        return operand in value
    if op == "icontains":
        return operand.lower() in value.lower()
    if op == "starts_with":
        return value.startswith(operand)
    return value.endswith(operand)  # ends_with


def evaluate(tree: Any, resolve: Resolve, coerce: Coerce | None = None) -> bool:
    """True when `tree` holds; `resolve(name)` gives a value, `coerce(name, value)` types values and operands."""
    if tree is None:
        return True
    if isinstance(tree, list):
        tree = {"and": tree}
    if "and" in tree:
        return all(evaluate(node, resolve, coerce) for node in tree["and"])
    if "or" in tree:
        return any(evaluate(node, resolve, coerce) for node in tree["or"])
    if "not" in tree:
        return not evaluate(tree["not"], resolve, coerce)
    name, op, operand = tree["field"], tree["op"], tree.get("value")
    value = resolve(name)
    if coerce is not None and op not in ("is_null",):
        value = coerce(name, value)
        if op in LIST_OPERANDS or op == "between":
            operand = [coerce(name, item) for item in operand]
        else:
            operand = coerce(name, operand)
    return _condition(value, op, operand)
