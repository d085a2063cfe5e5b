"""Table and field definitions as the request path sees them, cached per process and invalidated across processes.

Cache: one entry per project schema (all its tables and fields, and who listens to their record events), tagged with
a token from Redis (`caches["platform"]`, key `defs:<schema>:<project id>`). A request reads the token (one Redis
GET) and reuses the entry when the tags match; services that change definitions call `definitions_changed()` inside
their transaction, which drops this process' entry at once and, on commit, writes a fresh token so every other
process reloads. Because the token is read before the definitions are loaded, an entry can never be tagged newer
than what it holds. Run-time models are built lazily per `TableDef`, i.e. per (schema, table, version).

Safety nets: without Redis (token unreadable) definitions are loaded from PostgreSQL on every request; entries
older than NOCODE["DEFINITIONS_MAX_AGE_SECONDS"] are reloaded; a schema changed in a transaction that is still
open is never cached by this process.

Schema changes under traffic: a request may still run with definitions read just before a field was dropped or
retyped (the new token is written when the change commits). `definitions_retrying` wraps the records endpoints: a
database error of such a request (UndefinedColumn, UndefinedTable, a type mismatch) re-reads the definitions and,
when they did change, runs the request once more on the new ones; if that fails the same way the answer is 409
SCHEMA_CHANGED. An error with unchanged definitions is a real error and propagates.
"""

import functools
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import DataError, ProgrammingError, connection, models, transaction

from shared_apps.foundation import prefetch
from shared_apps.foundation.db.schemas import connection as schema_connection
from shared_apps.foundation.db.schemas import current_schema
from shared_apps.foundation.exceptions import Conflict, NotFound
from tenant_apps.data_schemas.codes import DataSchemasCode
from tenants.routing import DEFINITIONS_KEY_PREFIX

from . import naming
from .field_types import FieldType, OptionsContext, TableRef, field_types
from .models import Field, Table

TABLE_VALUES = ("id", "name", "display_name", "description", "position", "version", "created_at", "updated_at")
FIELD_VALUES = (
    "id",
    "table_id",
    "name",
    "type",
    "options",
    "required",
    "unique",
    "default",
    "constraints",
    "position",
    "created_at",
    "updated_at",
)


@dataclass(eq=False)
class FieldDef:
    id: int
    name: str
    type: str
    options: dict[str, Any]
    required: bool
    unique: bool
    default: Any  # the JSON value as stored (None: no default)
    constraints: dict[str, Any]
    position: int
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def field_type(self) -> FieldType:
        return field_types.get(self.type)

    @property
    def has_column(self) -> bool:
        return self.field_type.has_column(self.options)

    def default_value(self) -> Any:
        """The default coerced to the stored form (None without a default)."""
        if self.default is None:
            return None
        return self.field_type.to_python(self.default, self)


@dataclass(eq=False)
class TableDef:
    id: int
    name: str
    display_name: str
    description: str
    position: int
    version: int
    schema: str
    fields: tuple[FieldDef, ...]
    created_at: datetime | None = None
    updated_at: datetime | None = None
    listens: frozenset[str] = frozenset()  # record event kinds someone listens to (shared_apps.events.subscribers)
    _by_name: dict[str, FieldDef] = field(default_factory=dict, repr=False)
    _model: Any = field(default=None, repr=False)
    _join_models: dict[int, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {f.name: f for f in self.fields}

    @property
    def physical(self) -> str:
        return naming.physical_table(self.name)

    def field(self, name: str) -> FieldDef | None:
        return self._by_name.get(name)

    @property
    def model(self) -> type[models.Model]:
        """The run-time model of this table version (built once, then reused)."""
        if self._model is None:
            from .dynamic import model_build

            self._model = model_build(self)
        return self._model

    def join_model(self, field_def: FieldDef) -> type[models.Model]:
        """The model of a many-to-many link's join table (source_id, target_id)."""
        model = self._join_models.get(field_def.id)
        if model is None:
            from .dynamic import join_model_build

            model = self._join_models[field_def.id] = join_model_build(self, field_def)
        return model


@dataclass(eq=False)
class SchemaDefs:
    schema: str
    token: str | None
    loaded_at: float
    tables: dict[str, TableDef]
    tables_by_id: dict[int, TableDef]

    def table(self, name: str) -> TableDef:
        found = self.tables.get(name)
        if found is None:
            raise NotFound(f"Table '{name}' not found.", code=DataSchemasCode.TABLE_NOT_FOUND)
        return found

    def options_context(self, table_id: int | None = None) -> OptionsContext:
        return options_context(self.tables.values(), table_id=table_id)


def table_ref(table: TableDef | Table) -> TableRef:
    return TableRef(id=table.id, name=table.name, physical=naming.physical_table(table.name))


def options_context(tables: Iterable[TableDef | Table], *, table_id: int | None) -> OptionsContext:
    by_name = {t.name: table_ref(t) for t in tables}
    by_id = {ref.id: ref for ref in by_name.values()}
    return OptionsContext(table_by_name=by_name.get, table_by_id=by_id.get, table_id=table_id)


def field_def_from_row(row: dict[str, Any]) -> FieldDef:
    return FieldDef(
        id=row["id"],
        name=row["name"],
        type=row["type"],
        options=row["options"] or {},
        required=row["required"],
        unique=row["unique"],
        default=row["default"],
        constraints=row["constraints"] or {},
        position=row["position"],
        created_at=row.get("created_at"),
        updated_at=row.get("updated_at"),
    )


def table_def_from_rows(
    row: dict[str, Any], field_rows: Iterable[dict[str, Any]], *, schema: str, listens: frozenset[str] = frozenset()
) -> TableDef:
    fields = sorted((field_def_from_row(f) for f in field_rows), key=lambda f: (f.position, f.id))
    return TableDef(
        id=row["id"],
        name=row["name"],
        display_name=row["display_name"],
        description=row["description"],
        position=row["position"],
        version=row["version"],
        schema=schema,
        fields=tuple(fields),
        created_at=row.get("created_at"),
        updated_at=row.get("updated_at"),
        listens=listens,
    )


def definitions_load(schema: str, token: str | None) -> SchemaDefs:
    """Read every table and field definition of the current schema, and who listens to each table's record events
    (two queries, plus one per event subscriber)."""
    from shared_apps.events.subscribers import interested_kinds_by_table

    table_rows = list(Table.objects.order_by("position", "id").values(*TABLE_VALUES))
    fields_by_table: dict[int, list[dict[str, Any]]] = {}
    for row in Field.objects.values(*FIELD_VALUES):
        fields_by_table.setdefault(row["table_id"], []).append(row)
    listeners = interested_kinds_by_table()
    tables = {
        row["name"]: table_def_from_rows(
            row, fields_by_table.get(row["id"], []), schema=schema, listens=listeners.get(row["id"], frozenset())
        )
        for row in table_rows
    }
    return SchemaDefs(
        schema=schema,
        token=token,
        loaded_at=time.monotonic(),
        tables=tables,
        tables_by_id={t.id: t for t in tables.values()},
    )


# --- the per-process cache -----------------------------------------------------------------------------------------

_lock = threading.Lock()
_entries: "OrderedDict[str, SchemaDefs]" = OrderedDict()
_changing: set[str] = set()  # scopes changed by a transaction of this process that may still be open


def _token_key(scope: str) -> str:
    """The token key of a `_scope()` scope (`<schema>:<tenant id>`, as tenants.routing.definitions_token_key)."""
    return f"{DEFINITIONS_KEY_PREFIX}{scope}"


def _scope() -> tuple[str, str]:
    """(schema, cache scope): the scope adds the project's id, so a project deleted and re-created under the same
    schema name never meets the definitions cached for its predecessor."""
    schema = current_schema()
    tenant_id = getattr(schema_connection.tenant, "pk", None)
    return schema, f"{schema}:{tenant_id}"


def _cache() -> Any:
    return caches["platform"]


def schema_definitions() -> SchemaDefs:
    """Definitions of the current schema, from the process cache when still current."""
    defs = _schema_definitions()
    used = _used.get()
    if used is not None:  # inside `definitions_retrying`: remember what the request ran with
        used.append(defs)
    return defs


def _schema_definitions() -> SchemaDefs:
    schema, scope = _scope()
    knobs = settings.NOCODE
    with _lock:
        if scope in _changing:
            if connection.in_atomic_block:
                return definitions_load(schema, None)
            _changing.discard(scope)
    token = prefetch.cache_get(_cache(), _token_key(scope))  # usually read in the request's one Redis pipeline
    entry = _entries.get(scope)
    if (
        entry is not None
        and token is not None
        and entry.token == token
        and time.monotonic() - entry.loaded_at < knobs["DEFINITIONS_MAX_AGE_SECONDS"]
    ):
        return entry
    if token is None:
        prefetch.forget("platform", _token_key(scope))
        fresh = uuid.uuid4().hex
        token = fresh if _cache().add(_token_key(scope), fresh, timeout=None) else _cache().get(_token_key(scope))
    loaded = definitions_load(schema, token)
    if token is not None:
        with _lock:
            _entries[scope] = loaded
            _entries.move_to_end(scope)
            while len(_entries) > knobs["DEFINITIONS_CACHE_SCHEMAS"]:
                _entries.popitem(last=False)
    return loaded


def table_definition(name: str) -> TableDef:
    """The current definition of table `name`; NotFound (TABLE_NOT_FOUND) when there is none."""
    return schema_definitions().table(name)


def definitions_changed() -> None:
    """Call inside a transaction that changes definitions of the current schema (see the module docstring)."""
    _, scope = _scope()
    with _lock:
        _changing.add(scope)
        _entries.pop(scope, None)

    def publish() -> None:
        _cache().set(_token_key(scope), uuid.uuid4().hex, timeout=None)
        prefetch.forget("platform", _token_key(scope))
        with _lock:
            _changing.discard(scope)
            _entries.pop(scope, None)

    transaction.on_commit(publish)


def definitions_invalidate(*, schema: str, tenant_id: int) -> None:
    """Make every process reload the definitions of a project whose schema was replaced as a whole (a restore)."""
    scope = f"{schema}:{tenant_id}"
    _cache().set(_token_key(scope), uuid.uuid4().hex, timeout=None)
    with _lock:
        _entries.pop(scope, None)


def definitions_after_restore(*, project_id: int) -> None:
    """Restore hook (shared_apps/backups/hooks.py), run in the restored schema."""
    definitions_invalidate(schema=current_schema(), tenant_id=project_id)


def definitions_forget_local() -> None:
    """Drop every entry of this process (tests, and after direct changes of the definitions tables)."""
    with _lock:
        _entries.clear()
        _changing.clear()


# --- schema changes under traffic ------------------------------------------------------------------------------------

logger = logging.getLogger(__name__)
SCHEMA_CHANGED = DataSchemasCode.SCHEMA_CHANGED
_SCHEMA_ERRORS = (ProgrammingError, DataError)  # UndefinedColumn/UndefinedTable/UndefinedFunction; type mismatches
F = TypeVar("F", bound=Callable[..., Any])
_used: ContextVar[list[SchemaDefs] | None] = ContextVar("nocode_definitions_used", default=None)


def _fingerprint(defs: SchemaDefs | None) -> Any:
    if defs is None:
        return None
    return tuple(
        (t.id, t.name, t.version, tuple((f.id, f.name, f.type, f.has_column) for f in t.fields))
        for t in sorted(defs.tables.values(), key=lambda t: t.id)
    )


def definitions_reload_changed() -> bool:
    """Drop this process' definitions of the current schema and read them again from PostgreSQL; True when they
    differ from those the failed request ran with (a change committed after they were read)."""
    _, scope = _scope()
    with _lock:
        _entries.pop(scope, None)
    prefetch.forget("platform", _token_key(scope))
    fresh = _fingerprint(definitions_load(current_schema(), None))
    used = _used.get() or []
    return not used or any(_fingerprint(defs) != fresh for defs in used)


def definitions_retrying(fn: F) -> F:
    """Run `fn` (a records endpoint); when it meets a definition changed under it, re-read the definitions and run
    it once more; a second failure answers 409 SCHEMA_CHANGED (see the module docstring). Inside a transaction the
    failed statement has aborted it, so there is no second run: the answer is 409 at once."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        if _used.get() is not None:  # nested (a view calling a wrapped helper): the outermost call retries
            return fn(*args, **kwargs)
        token = _used.set([])
        try:
            return _attempts(fn, args, kwargs)
        finally:
            _used.reset(token)

    return run  # type: ignore[return-value]


def _attempts(fn: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    attempts = 1 if connection.in_atomic_block else 2
    for attempt in range(1, attempts + 1):
        _used.set([])
        try:
            return fn(*args, **kwargs)
        except _SCHEMA_ERRORS as exc:
            if attempt == 1 and not definitions_reload_changed():
                raise  # the definitions are current: a real error
            if attempt < attempts:
                logger.info("Definitions changed under %s (%s); retrying once.", fn.__name__, type(exc).__name__)
                continue
            raise Conflict(
                "The table's fields changed while this request ran; send it again.", code=SCHEMA_CHANGED
            ) from exc
    raise AssertionError("unreachable")
