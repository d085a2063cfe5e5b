"""Full-text search over a table's text fields (`?search=` on lists and aggregates).

Every word of the term must begin a word of the record's text, long text, email or url fields, case-insensitively
and without stemming (PostgreSQL's 'simple' configuration): `ite 5` finds "item-5". Documents and terms are split at
`@ . / : -` as well (ddl.SEARCH_SEPARATORS), so `example.com` finds "ann@example.com" and "https://example.com/x";
the parts of one term word must follow each other. The condition is
`<search vector> @@ to_tsquery('simple', '''ite'':* & ''5'':*')` where the vector is the expression of the table's
GIN index (data_schemas/search_index.py), so searches are indexed. Words are quoted tsquery literals passed as a
parameter: no search text can change the query's structure.
"""

import re

from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from shared_apps.foundation.db import ddl
from shared_apps.foundation.exceptions import ValidationFailed
from tenant_apps.data_schemas.definitions import TableDef
from tenant_apps.data_schemas.search_index import SEARCHABLE_TYPES, search_columns
from tenant_apps.records.codes import RecordsCode

MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 10
_WORD_CHAR = re.compile(r"\w")
_SEPARATORS = re.compile(ddl.SEARCH_SEPARATORS)


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(f"Invalid search: {message}", code=RecordsCode.INVALID_SEARCH, fields={"search": [message]})


def _literal(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("'", "''")
    return f"'{escaped}'"


def _word_query(word: str) -> str:
    """One word of the term: its parts (split at ddl.SEARCH_SEPARATORS, as the document is) in sequence, the last
    one a prefix: `example.com` -> `'example' <-> 'com':*`, which finds `ann@example.com`."""
    parts = [part for part in _SEPARATORS.split(word) if _WORD_CHAR.search(part)]
    literals = [_literal(part) for part in parts[:-1]] + [f"{_literal(parts[-1])}:*"]
    return literals[0] if len(literals) == 1 else "(" + " <-> ".join(literals) + ")"


def search_query_text(term: str) -> str:
    """The tsquery text: each word a quoted prefix literal, all required (`'a':* & 'b':*`)."""
    words = [word for word in term.split() if _WORD_CHAR.search(word)]
    if not words:
        raise _invalid("Give at least one word (letters or digits).")
    if len(words) > MAX_SEARCH_WORDS:
        raise _invalid(f"At most {MAX_SEARCH_WORDS} words.")
    return " & ".join(_word_query(word) for word in words)


def search_condition(table: TableDef, term: str) -> Q:
    """Records whose text fields contain every word of `term` (as word prefixes)."""
    if len(term) > MAX_SEARCH_LENGTH or "\x00" in term:
        raise _invalid(f"At most {MAX_SEARCH_LENGTH} characters.")
    columns = search_columns(table.fields)
    if not columns:
        kinds = ", ".join(sorted(SEARCHABLE_TYPES))
        raise _invalid(f"Table '{table.name}' has no field to search ({kinds}).")
    sql = f"{ddl.search_vector_sql(columns)} @@ to_tsquery('simple'::regconfig, %s)"
    # Identifiers are validated field names quoted by ddl.ident; the search text is a parameter.
    return Q(RawSQL(sql, [search_query_text(term)], output_field=BooleanField()))  # noqa: S611
