"""`regex` constraints are PostgreSQL (POSIX ARE) regular expressions, evaluated by PostgreSQL.

PostgreSQL's regex engine does not backtrack catastrophically, so a user pattern cannot stall a worker the way
Python's `re` could. Values are checked in one query per write (all rows and fields of a batch together).
"""

from collections.abc import Sequence

from django.db import DatabaseError, connection, transaction


def regex_error(pattern: str) -> str | None:
    """None when `pattern` compiles in PostgreSQL, else the reason."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT '' ~ %s", [pattern])
    except DatabaseError as exc:
        diag = getattr(exc.__cause__, "diag", None)
        reason = diag.message_primary if diag is not None and diag.message_primary else str(exc)
        return f"Invalid regular expression: {reason}"
    return None


def regex_mismatches(checks: Sequence[tuple[str, str]]) -> list[bool]:
    """For each (value, pattern): True when the value does NOT match."""
    if not checks:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT NOT (v ~ p) FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS x(v, p, n) ORDER BY n",
            [[value for value, _ in checks], [pattern for _, pattern in checks]],
        )
        return [bool(row[0]) for row in cursor.fetchall()]
