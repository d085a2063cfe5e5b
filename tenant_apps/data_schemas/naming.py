"""Names of user tables and fields, and the physical identifiers derived from them.

SECURITY: a project connection's search_path is `<project schema>, public`, so a physical table named like a public
table (`accounts_user`, `tenants_projectmembership`, `django_session`, ...) would shadow it for every query of the
request. Physical tables are therefore always `t_<slug>`, a prefix no app uses, and a name whose physical table
already exists (in the project schema or in public, of any relation kind) is refused. Join tables of many-to-many
links are `t_<table id>__<field id>` (ids keep them within PostgreSQL's 63 bytes and stable across renames; a slug
starts with a letter, so they never collide with `t_<slug>`). Constraint and index names use ids too.
"""

import keyword
import re

from django.db import connection, models

from shared_apps.foundation.exceptions import Conflict, ValidationFailed
from tenant_apps.data_schemas.codes import DataSchemasCode

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{0,50}$")
SLUG_RULE = "1-51 characters: lower-case letters, digits and single underscores, starting with a letter."
TABLE_PREFIX = "t_"

# PostgreSQL reserved key words (and a few that are reserved in some contexts). Quoting would make them safe; we
# refuse them so that names stay usable in hand-written SQL, filters and generated clients.
SQL_KEYWORDS = frozenset(
    """
    all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation
    column concurrently constraint create cross current_catalog current_date current_role current_schema
    current_time current_timestamp current_user default deferrable desc distinct do else end except false fetch for
    foreign freeze from full grant group having ilike in initially inner intersect into is isnull join lateral
    leading left like limit localtime localtimestamp natural not notnull null offset on only or order outer
    overlaps placing primary references returning right select session_user similar some symmetric system_user
    table tablesample then to trailing true union unique user using variadic verbose when where window with
    """.split()  # noqa: SIM905
)
AUTOMATIC_FIELDS = ("id", "created_at", "updated_at")
# Attribute names of Django models (a field named `save` or `objects` would break the run-time model).
_MODEL_ATTRIBUTES = frozenset(name for name in dir(models.Model) if name.islower())
# `records` and `ids` are the keys of bulk bodies ({"records": [...]}, {"ids": [...]}) on the records API.
RESERVED_FIELD_NAMES = frozenset(
    {*AUTOMATIC_FIELDS, "pk", "objects", "records", "ids", *SQL_KEYWORDS, *keyword.kwlist, *_MODEL_ATTRIBUTES}
)
RESERVED_TABLE_NAMES = frozenset({*SQL_KEYWORDS, *keyword.kwlist})


def _slug_errors(name: object, reserved: frozenset[str]) -> list[str]:
    if not isinstance(name, str) or not SLUG_RE.match(name) or "__" in name or name.endswith("_"):
        return [SLUG_RULE]
    if name in reserved:
        return [f"'{name}' is reserved."]
    return []


def table_name_validate(name: object) -> str:
    errors = _slug_errors(name, RESERVED_TABLE_NAMES)
    if errors:
        raise ValidationFailed("Invalid table name.", code=DataSchemasCode.INVALID_NAME, fields={"name": errors})
    return str(name)


def field_name_validate(name: object, *, key: str = "name") -> str:
    errors = _slug_errors(name, RESERVED_FIELD_NAMES)
    if errors:
        raise ValidationFailed("Invalid field name.", code=DataSchemasCode.INVALID_NAME, fields={key: errors})
    return str(name)


def physical_table(name: str) -> str:
    return f"{TABLE_PREFIX}{name}"


def join_table(table_id: int, field_id: int) -> str:
    return f"{TABLE_PREFIX}{int(table_id)}__{int(field_id)}"


def primary_key_name(table_id: int) -> str:
    return f"pk_{int(table_id)}"


def unique_name(table_id: int, field_id: int) -> str:
    return f"uq_{int(table_id)}_{int(field_id)}"


def unique_casefold_name(table_id: int, field_id: int) -> str:
    """The unique index on lower(column) of a field whose type compares values without case (e-mail)."""
    return f"uq_{int(table_id)}_{int(field_id)}_ci"


def foreign_key_name(table_id: int, field_id: int, suffix: str = "") -> str:
    return f"fk_{int(table_id)}_{int(field_id)}{suffix}"


def index_name(table_id: int, field_id: int, suffix: str = "") -> str:
    return f"ix_{int(table_id)}_{int(field_id)}{suffix}"


def physical_name_check_free(physical: str) -> None:
    """Refuse a physical table name that already names any relation in the project schema or in public."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = %s AND n.nspname IN (current_schema(), 'public')",
            [physical],
        )
        row = cursor.fetchone()
    if row is not None:
        raise Conflict(
            f"The name is not available: a relation '{physical}' already exists.",
            code=DataSchemasCode.TABLE_NAME_TAKEN,
            fields={"name": [f"The physical table '{physical}' would clash with an existing relation."]},
        )
