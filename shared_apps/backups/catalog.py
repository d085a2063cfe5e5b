"""The definition of ONE schema, read from the catalog at a cost independent of how many schemas exist.

`pg_dump -n` reads the whole catalog, at a cost that grows with every schema (docs/benchmarks.md). Here the
schema's objects are found through pg_depend's index on the namespace (every table, sequence, type, function, ...
of a schema records a dependency on it), and everything else by indexed per-relation lookups (`= ANY(oids)`). The
DDL text comes from PostgreSQL's own deparsers (format_type, pg_get_expr, pg_get_constraintdef, pg_get_indexdef)
evaluated with the search_path set to that schema alone, so its names print unqualified and the statements replay
into any schema.

Supported: tables (columns, types, collations, defaults, identity, stored generated columns, NOT NULL, reloptions,
UNLOGGED, row level security flags), their constraints (primary key, unique, check, foreign key, exclusion) and
indexes, sequences (options, ownership), enum types, table and column comments. Anything else in the schema
(functions, triggers, views, rules, policies, domains, partitioned or inherited tables, ...) is refused with the
list of objects, so a backup is never silently incomplete.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper

from shared_apps.backups.codes import BackupsCode
from shared_apps.foundation.db.ddl import ddl_block, qualified, quote
from shared_apps.foundation.db.schemas import search_path_local
from shared_apps.foundation.exceptions import Conflict, NotFound

# Order of constraint kinds in the post-data section: keys before the foreign keys that need them.
_CONSTRAINT_ORDER = {"p": 0, "u": 1, "x": 2, "c": 3, "f": 4}


@dataclass(frozen=True)
class TableInfo:
    name: str
    copy_columns: tuple[str, ...]  # columns whose values COPY moves (all but generated ones), in table order
    estimated_rows: int


@dataclass(frozen=True)
class SchemaDefinition:
    schema_name: str
    tables: tuple[TableInfo, ...]
    sequences: tuple[str, ...]  # every sequence (standalone, serial, identity): positions are restored with setval
    pre_data: tuple[str, ...]  # enum types, sequences, tables: run before the data is loaded
    post_data: tuple[str, ...]  # constraints, indexes, sequence ownership, comments: run after


@dataclass
class _Column:
    attnum: int
    name: str
    sql: str
    generated: bool


@dataclass
class _Relation:
    oid: int
    name: str
    quoted: str
    kind: str
    persistence: str
    options: list[str] | None
    estimated_rows: int
    row_security: bool
    force_row_security: bool
    columns: list[_Column] = field(default_factory=list)


def _fetch(cursor: CursorWrapper, sql: str, params: Any) -> list[tuple[Any, ...]]:
    cursor.execute(sql, params)
    return list(cursor.fetchall())


def _namespace_oid(cursor: CursorWrapper, schema_name: str) -> int:
    cursor.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", [schema_name])
    row = cursor.fetchone()
    if row is None:
        raise NotFound(f"Schema '{schema_name}' does not exist.", code=BackupsCode.SCHEMA_NOT_FOUND)
    return int(row[0])


def _refuse(unsupported: list[str], schema_name: str) -> None:
    if unsupported:
        listed = "; ".join(sorted(unsupported)[:20])
        more = f" (and {len(unsupported) - 20} more)" if len(unsupported) > 20 else ""
        raise Conflict(
            f"Schema '{schema_name}' holds objects the backup cannot represent: {listed}{more}.",
            code=BackupsCode.BACKUP_UNSUPPORTED_OBJECTS,
        )


def _sequence_options(row: tuple[Any, ...]) -> str:
    start, increment, maximum, minimum, cache, cycle = row
    return (
        f"START WITH {start} INCREMENT BY {increment} MINVALUE {minimum} MAXVALUE {maximum} "
        f"CACHE {cache} {'CYCLE' if cycle else 'NO CYCLE'}"
    )


class _Reader:
    """One pass over the catalog for one schema; `definition()` assembles the statements."""

    def __init__(self, cursor: CursorWrapper, schema_name: str) -> None:
        self.cursor = cursor
        self.schema_name = schema_name
        self.unsupported: list[str] = []
        cursor.execute("SELECT quote_ident(%s)", [schema_name])
        self.schema_pg_quoted = str(cursor.fetchone()[0])  # as PostgreSQL's deparsers print it

    def definition(self) -> SchemaDefinition:
        nsp = _namespace_oid(self.cursor, self.schema_name)
        members = _fetch(
            self.cursor,
            "SELECT classid::regclass::text, objid, pg_describe_object(classid, objid, 0) FROM pg_depend "
            "WHERE refclassid = 'pg_namespace'::regclass AND refobjid = %s",
            [nsp],
        )
        class_oids = [int(oid) for catalog, oid, _ in members if catalog == "pg_class"]
        type_oids = [int(oid) for catalog, oid, _ in members if catalog == "pg_type"]
        self.unsupported += [str(desc) for catalog, _, desc in members if catalog not in ("pg_class", "pg_type")]

        relations = self._relations(class_oids)
        tables = [r for r in relations if r.kind == "r"]
        sequences = [r for r in relations if r.kind == "S"]
        self.unsupported += [f"{_KIND_NAMES.get(r.kind, 'relation')} {r.name}" for r in relations if r.kind not in "rS"]
        enums = self._enums(type_oids)
        table_oids = [t.oid for t in tables]
        self._check_table_extras(table_oids)
        _refuse(self.unsupported, self.schema_name)

        self._lock(tables)
        by_oid = {r.oid: r for r in relations}
        identity, owned_by = self._sequence_owners([s.oid for s in sequences], by_oid)
        seq_options = self._sequence_params([s.oid for s in sequences])
        self._columns(tables, identity, seq_options, by_oid)
        constraints, constraint_indexes = self._constraints(table_oids, by_oid)
        _refuse(self.unsupported, self.schema_name)
        indexes = self._indexes(table_oids, constraint_indexes, by_oid)
        comments = self._comments([t.oid for t in tables] + [s.oid for s in sequences], by_oid)

        pre_data: list[str] = list(enums)
        identity_sequences = {seq for seq, _ in identity.values()}
        pre_data += [
            f"CREATE SEQUENCE {s.quoted} AS {seq_options[s.oid][0]} {seq_options[s.oid][1]}"
            for s in sequences
            if s.oid not in identity_sequences
        ]
        pre_data += [self._create_table(t) for t in tables]
        post_data = self._order_post_data(constraints, indexes)
        post_data += owned_by
        post_data += comments
        post_data += [f"ALTER TABLE {t.quoted} ENABLE ROW LEVEL SECURITY" for t in tables if t.row_security]
        post_data += [f"ALTER TABLE {t.quoted} FORCE ROW LEVEL SECURITY" for t in tables if t.force_row_security]
        return SchemaDefinition(
            schema_name=self.schema_name,
            tables=tuple(
                TableInfo(
                    name=t.name,
                    copy_columns=tuple(c.name for c in t.columns if not c.generated),
                    estimated_rows=max(t.estimated_rows, 0),
                )
                for t in tables
            ),
            sequences=tuple(s.name for s in sequences),
            pre_data=tuple(pre_data),
            post_data=tuple(post_data),
        )

    # --- objects ----------------------------------------------------------------------------------------------

    def _relations(self, oids: list[int]) -> list[_Relation]:
        rows = _fetch(
            self.cursor,
            "SELECT c.oid, c.relname, quote_ident(c.relname), c.relkind, c.relpersistence, c.reloptions::text[], "
            "c.reltuples::bigint, c.relrowsecurity, c.relforcerowsecurity, c.relispartition "
            "FROM pg_class c WHERE c.oid = ANY(%s::oid[]) ORDER BY c.relname",
            [oids],
        )
        relations = []
        for oid, name, quoted, kind, persistence, options, rows_, rls, force_rls, is_partition in rows:
            if is_partition:
                self.unsupported.append(f"partition {name}")
            relations.append(
                _Relation(
                    oid=int(oid),
                    name=str(name),
                    quoted=str(quoted),
                    kind=str(kind),
                    persistence=str(persistence),
                    options=list(options) if options else None,
                    estimated_rows=int(rows_),
                    row_security=bool(rls),
                    force_row_security=bool(force_rls),
                )
            )
        return relations

    def _enums(self, type_oids: list[int]) -> list[str]:
        rows = _fetch(
            self.cursor,
            "SELECT t.typname, quote_ident(t.typname), t.typtype, "
            "(SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) "
            " FROM pg_enum e WHERE e.enumtypid = t.oid) "
            "FROM pg_type t WHERE t.oid = ANY(%s::oid[]) ORDER BY t.typname",
            [type_oids],
        )
        statements = []
        for name, quoted, typtype, labels in rows:
            if typtype != "e":
                self.unsupported.append(f"type {name} ({_TYPE_KINDS.get(str(typtype), typtype)})")
                continue
            statements.append(f"CREATE TYPE {quoted} AS ENUM ({labels or ''})")
        return statements

    def _check_table_extras(self, table_oids: list[int]) -> None:
        """Inheritance, triggers, rules and policies on the tables are not represented: refuse them."""
        rows = _fetch(
            self.cursor,
            "SELECT 'inheritance ' || inhrelid::regclass::text || ' of ' || inhparent::regclass::text "
            "FROM pg_inherits WHERE inhrelid = ANY(%(t)s::oid[]) OR inhparent = ANY(%(t)s::oid[]) "
            "UNION ALL SELECT 'trigger ' || tgname || ' on ' || tgrelid::regclass::text FROM pg_trigger "
            "WHERE tgrelid = ANY(%(t)s::oid[]) AND NOT tgisinternal "
            "UNION ALL SELECT 'rule ' || rulename || ' on ' || ev_class::regclass::text FROM pg_rewrite "
            "WHERE ev_class = ANY(%(t)s::oid[]) "
            "UNION ALL SELECT 'policy ' || polname || ' on ' || polrelid::regclass::text FROM pg_policy "
            "WHERE polrelid = ANY(%(t)s::oid[])",
            {"t": table_oids},
        )
        self.unsupported += [str(row[0]) for row in rows]

    def _lock(self, tables: list[_Relation]) -> None:
        """ACCESS SHARE on every table until the transaction ends: no DDL can change them while we read."""
        if tables:
            names = ", ".join(qualified(self.schema_name, t.name) for t in tables)
            with ddl_block() as cursor:  # short lock_timeout; a busy schema raises Unavailable (SCHEMA_BUSY)
                cursor.execute(f"LOCK TABLE {names} IN ACCESS SHARE MODE")

    def _sequence_owners(
        self, sequence_oids: list[int], by_oid: dict[int, _Relation]
    ) -> tuple[dict[tuple[int, int], tuple[int, str]], list[str]]:
        """(table oid, attnum) -> (sequence oid, identity kind) for identity columns; OWNED BY statements."""
        rows = _fetch(
            self.cursor,
            "SELECT d.objid, d.refobjid, d.refobjsubid, d.deptype, a.attname, a.attidentity FROM pg_depend d "
            "JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
            "WHERE d.classid = 'pg_class'::regclass AND d.objid = ANY(%s::oid[]) "
            "AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0",
            [sequence_oids],
        )
        identity: dict[tuple[int, int], tuple[int, str]] = {}
        owned_by = []
        for seq, table, attnum, deptype, attname, attidentity in rows:
            seq_oid, table_oid = int(seq), int(table)
            if table_oid not in by_oid:
                self.unsupported.append(f"sequence {by_oid[seq_oid].name} owned by a table of another schema")
                continue
            if deptype == "i":
                identity[(table_oid, int(attnum))] = (seq_oid, str(attidentity))
            else:
                owned_by.append(
                    f"ALTER SEQUENCE {by_oid[seq_oid].quoted} OWNED BY {by_oid[table_oid].quoted}.{quote(str(attname))}"
                )
        return identity, sorted(owned_by)

    def _sequence_params(self, sequence_oids: list[int]) -> dict[int, tuple[str, str]]:
        rows = _fetch(
            self.cursor,
            "SELECT seqrelid, format_type(seqtypid, NULL), seqstart, seqincrement, seqmax, seqmin, seqcache, "
            "seqcycle FROM pg_sequence WHERE seqrelid = ANY(%s::oid[])",
            [sequence_oids],
        )
        return {int(row[0]): (str(row[1]), _sequence_options(row[2:])) for row in rows}

    def _columns(
        self,
        tables: list[_Relation],
        identity: dict[tuple[int, int], tuple[int, str]],
        seq_options: dict[int, tuple[str, str]],
        by_oid: dict[int, _Relation],
    ) -> None:
        rows = _fetch(
            self.cursor,
            "SELECT a.attrelid, a.attnum, a.attname, quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), "
            "a.attnotnull, a.attidentity, a.attgenerated, pg_get_expr(ad.adbin, ad.adrelid), "
            "CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN "
            "  (SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(co.collname) "
            "   ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END "
            "   FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) "
            "END "
            "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
            "LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum "
            "WHERE a.attrelid = ANY(%s::oid[]) AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY a.attrelid, a.attnum",
            [[t.oid for t in tables]],
        )
        for relid, attnum, name, quoted, sql_type, not_null, attidentity, generated, default, collation in rows:
            table = by_oid[int(relid)]
            parts = [str(quoted), str(sql_type)]
            if collation:
                parts.append(f"COLLATE {collation}")
            if generated == "s":
                parts.append(f"GENERATED ALWAYS AS ({default}) STORED")
            elif attidentity:
                seq_oid, kind = identity[(table.oid, int(attnum))]
                when = "ALWAYS" if kind == "a" else "BY DEFAULT"
                parts.append(
                    f"GENERATED {when} AS IDENTITY (SEQUENCE NAME {by_oid[seq_oid].quoted} {seq_options[seq_oid][1]})"
                )
            elif default is not None:
                parts.append(f"DEFAULT {default}")
            if not_null:
                parts.append("NOT NULL")
            table.columns.append(
                _Column(attnum=int(attnum), name=str(name), sql=" ".join(parts), generated=bool(generated))
            )

    def _constraints(self, table_oids: list[int], by_oid: dict[int, _Relation]) -> tuple[list[tuple], set[int]]:
        rows = _fetch(
            self.cursor,
            "SELECT conrelid, conname, quote_ident(conname), contype, pg_get_constraintdef(oid), conindid "
            "FROM pg_constraint WHERE conrelid = ANY(%s::oid[]) ORDER BY conname",
            [table_oids],
        )
        constraints = []
        backing_indexes: set[int] = set()
        for relid, name, quoted, kind, definition, index_oid in rows:
            table = by_oid[int(relid)]
            if kind == "n":  # PostgreSQL 18 not-null constraints: carried by the columns' NOT NULL
                continue
            if kind not in _CONSTRAINT_ORDER:
                self.unsupported.append(f"constraint {name} ({kind}) on {table.name}")
                continue
            if kind in ("p", "u", "x") and index_oid:
                backing_indexes.add(int(index_oid))
            statement = f"ALTER TABLE ONLY {table.quoted} ADD CONSTRAINT {quoted} {definition}"
            constraints.append((_CONSTRAINT_ORDER[str(kind)], table.name, str(name), statement))
        return constraints, backing_indexes

    def _indexes(self, table_oids: list[int], skip: set[int], by_oid: dict[int, _Relation]) -> list[tuple]:
        rows = _fetch(
            self.cursor,
            "SELECT i.indexrelid, i.indrelid, c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = ANY(%s::oid[]) ORDER BY c.relname",
            [table_oids],
        )
        indexes = []
        for index_oid, relid, name, definition in rows:
            if int(index_oid) in skip:
                continue
            table = by_oid[int(relid)]
            # pg_get_indexdef always schema-qualifies the table: rewrite exactly that one occurrence.
            source = f" ON {self.schema_pg_quoted}.{table.quoted} USING "
            text = str(definition)
            if text.count(source) != 1:
                self.unsupported.append(f"index {name} (unexpected definition)")
                continue
            indexes.append((table.name, str(name), text.replace(source, f" ON {table.quoted} USING ")))
        return indexes

    def _comments(self, oids: list[int], by_oid: dict[int, _Relation]) -> list[str]:
        rows = _fetch(
            self.cursor,
            "SELECT d.objoid, d.objsubid, quote_literal(d.description) FROM pg_description d "
            "WHERE d.classoid = 'pg_class'::regclass AND d.objoid = ANY(%s::oid[]) ORDER BY d.objoid, d.objsubid",
            [oids],
        )
        statements = []
        for oid, subid, literal in rows:
            relation = by_oid[int(oid)]
            if subid == 0:
                noun = "SEQUENCE" if relation.kind == "S" else "TABLE"
                statements.append(f"COMMENT ON {noun} {relation.quoted} IS {literal}")
            else:
                column = next(c for c in relation.columns if c.attnum == subid)
                statements.append(f"COMMENT ON COLUMN {relation.quoted}.{quote(column.name)} IS {literal}")
        return statements

    # --- statements -------------------------------------------------------------------------------------------

    @staticmethod
    def _create_table(table: _Relation) -> str:
        unlogged = "UNLOGGED " if table.persistence == "u" else ""
        columns = ",\n    ".join(c.sql for c in table.columns)
        body = f"(\n    {columns}\n)" if columns else "()"
        options = f" WITH ({', '.join(table.options)})" if table.options else ""
        return f"CREATE {unlogged}TABLE {table.quoted} {body}{options}"

    @staticmethod
    def _order_post_data(constraints: list[tuple], indexes: list[tuple]) -> list[str]:
        keys = [c for c in constraints if c[0] <= _CONSTRAINT_ORDER["x"]]
        others = [c for c in constraints if c[0] > _CONSTRAINT_ORDER["x"]]
        ordered = [c[3] for c in sorted(keys)]
        ordered += [index[2] for index in indexes]
        ordered += [c[3] for c in sorted(others)]
        return ordered


_KIND_NAMES = {
    "v": "view",
    "m": "materialized view",
    "f": "foreign table",
    "p": "partitioned table",
    "c": "composite type",
    "i": "index",
    "I": "partitioned index",
}
_TYPE_KINDS = {"b": "base type", "c": "composite type", "d": "domain", "r": "range", "m": "multirange", "p": "pseudo"}


def schema_definition(*, schema_name: str) -> SchemaDefinition:
    """The schema's DDL and table list. Must run inside the caller's transaction: it takes ACCESS SHARE locks on
    every table (held until the transaction ends, so data read later matches) and raises Conflict
    (BACKUP_UNSUPPORTED_OBJECTS) when the schema holds objects the backup cannot represent."""
    with search_path_local(schema_name), connection.cursor() as cursor:
        return _Reader(cursor, schema_name).definition()


def sequence_positions(*, schema_name: str, sequences: tuple[str, ...]) -> list[tuple[str, int, bool]]:
    """(name, last_value, is_called) of each sequence, in one query."""
    if not sequences:
        return []
    union = " UNION ALL ".join(
        f"SELECT {index}, last_value, is_called FROM {qualified(schema_name, name)}"  # noqa: S608 - catalog names quoted by ddl.quote/qualified; values are parameters
        for index, name in enumerate(sequences)
    )
    with connection.cursor() as cursor:
        cursor.execute(union)
        rows = sorted(cursor.fetchall())
    return [(sequences[index], int(value), bool(called)) for index, value, called in rows]
