"""A small unit of work for projections: rows loaded per group, changed in memory, written once.

Projections apply a batch of events to plain dicts and the changes are written with a few
`executemany` calls at the end. That keeps a rebuild fast without giving up one transaction
per batch (view rows and tracking commit together).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from operator import itemgetter
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Table, and_, bindparam, select
from sqlalchemy.engine import Connection

Row = dict[str, Any]


class RowCache:
    """Rows of one table by key, loaded a group at a time (a budget's, a plan's …).

    A cache lives as long as its projection's runner, so a live batch of one event does not
    read the rows again; `bind()` gives it each batch's connection. The projection is the
    tables' only writer, which is what makes keeping them in memory safe.
    """

    MAX_GROUPS = 2_000  # beyond this many groups in memory, start again from the database

    def __init__(self, table: Table, group_column: str, conn: Connection | None = None) -> None:
        self.conn: Any = conn
        self.table, self.group_column = table, group_column
        self.key_columns = [c.name for c in table.primary_key.columns]
        # JSON values may be changed in place by a handler, so compare against deep copies.
        self._copy = (copy.deepcopy if any(isinstance(c.type, JSON) for c in table.columns)
                      else dict)
        self.forget()

    def bind(self, conn: Connection) -> None:
        self.conn = conn
        if len(self.groups) > self.MAX_GROUPS:
            self.forget()

    def forget(self) -> None:
        """Drop everything in memory (after a failed batch, or when it has grown large)."""
        self.rows: dict[tuple, Row] = {}
        self.loaded: dict[tuple, Row] = {}  # as the database has them
        self.groups: set[Any] = set()
        self.keys: dict[Any, set[tuple]] = {}  # group → keys in rows or loaded
        self.touched: set[Any] = set()  # groups this batch may have changed

    def key(self, row: Row) -> tuple:
        return tuple(row[c] for c in self.key_columns)

    def load(self, group: Any, *, known_empty: bool = False) -> None:
        """Bring a group's rows into memory once (a new aggregate has none to read).

        Every handler loads the groups it changes, so this also marks them for `flush()`.
        """
        self.touched.add(group)
        if group in self.groups:
            return
        self.groups.add(group)
        keys = self.keys.setdefault(group, set())
        if known_empty:
            return
        for found in self.conn.execute(_statements(self.table, self.group_column).select,
                                       {"group": group}).mappings():
            row = dict(found)
            key = self.key(row)
            self.rows[key], self.loaded[key] = row, self._copy(row)
            keys.add(key)

    def get(self, *key: Any) -> Row | None:
        return self.rows.get(key)

    def put(self, row: Row) -> Row:
        key, group = self.key(row), row[self.group_column]
        self.rows[key] = row
        self.keys.setdefault(group, set()).add(key)
        self.touched.add(group)
        return row

    def delete(self, *key: Any) -> None:
        row = self.rows.pop(key, None)
        if row is not None:
            self.touched.add(row[self.group_column])

    def group(self, group: Any) -> list[Row]:
        self.load(group)
        return [self.rows[k] for k in self.keys.get(group, ()) if k in self.rows]

    def flush(self) -> None:
        """Write what this batch changed (in the groups it touched): inserts, updates, deletes."""
        table, keys = self.table, self.key_columns
        inserts, updates, deletes = [], [], []
        for group in self.touched:
            group_keys = self.keys.get(group, set())
            for key in list(group_keys):
                row, before = self.rows.get(key), self.loaded.get(key)
                if row is None:
                    if before is not None:
                        deletes.append(dict(zip(keys, key, strict=True)))
                        del self.loaded[key]
                    group_keys.discard(key)
                    continue
                if before is None:
                    inserts.append(row)
                elif before != row:
                    updates.append(row)
                else:
                    continue
                self.loaded[key] = self._copy(row)
        self.touched.clear()
        statements = _statements(table, self.group_column)
        if deletes:
            self.conn.execute(statements.delete, _prefixed(deletes, keys))
        if updates:
            self.conn.execute(statements.update,
                              [dict(r, **{f"k_{c}": r[c] for c in keys}) for r in updates])
        if inserts:
            bulk_insert(self.conn, table, inserts)


class _Statements:
    """A table's select-by-group, update-by-key and delete-by-key, built once: building
    SQLAlchemy statements costs more than running them for the one-event batches of live use."""

    def __init__(self, table: Table, group_column: str) -> None:
        keys = [c.name for c in table.primary_key.columns]
        match = and_(*(table.c[c] == bindparam(f"k_{c}") for c in keys))
        self.select = select(table).where(table.c[group_column] == bindparam("group"))
        self.update = table.update().where(match).values(
            {c.name: bindparam(c.name) for c in table.columns if c.name not in keys})
        self.delete = table.delete().where(match)


_built: dict[tuple[str, str], _Statements] = {}


def _statements(table: Table, group_column: str) -> _Statements:
    key = (table.name, group_column)
    if key not in _built:
        _built[key] = _Statements(table, group_column)
    return _built[key]


_ids: dict[UUID, str] = {}


def id_text(value: UUID) -> str:
    """An aggregate id as view tables keep it. A log holds many events of few aggregates, and
    the store hands back one UUID object per aggregate: looking its text up is ~10× cheaper
    than formatting it again for every event."""
    text = _ids.get(value)
    if text is None:
        if len(_ids) > 100_000:
            _ids.clear()
        text = _ids[value] = str(value)
    return text


#: Per (dialect, table): the INSERT's SQL, the column names it binds (in its order, None when
#: they go by name), and the bind processors the column types need (by column name).
_compiled: dict[tuple[str, str], tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}


def _insert(conn: Connection, table: Table) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
    key = (conn.dialect.name, table.name)
    if key not in _compiled:
        compiled = table.insert().compile(dialect=conn.dialect)
        impls = {c.name: c.type.dialect_impl(conn.dialect) for c in table.columns}
        processors = {n: p for n, impl in impls.items()
                      if (p := impl.bind_processor(conn.dialect)) is not None}
        names = tuple(compiled.positiontup) if compiled.positiontup else None
        _compiled[key] = (str(compiled), names, processors)
    return _compiled[key]


def bulk_insert(conn: Connection, table: Table, rows: list[Row]) -> None:
    """INSERT many rows (dicts by column name) with one driver-level executemany.

    The statement is compiled once per dialect and each value goes through its column type's
    bind processor, as SQLAlchemy would do, without SQLAlchemy's per-row bookkeeping (which
    costs more than the insert itself when a rebuild writes a hundred thousand audit rows).
    """
    sql, names, processors = _insert(conn, table)
    params: list[Any]
    if names:
        params = list(map(itemgetter(*names), rows))
        if processors:
            at = [(names.index(n), p) for n, p in processors.items()]
            params = [tuple(_processed(list(values), at)) for values in params]
    else:
        params = [dict(r, **{n: p(r[n]) for n, p in processors.items()}) for r in rows]
    _executemany(conn, sql, params)


def insert_values(conn: Connection, table: Table, rows: list[tuple[Any, ...]]) -> None:
    """INSERT many rows given as tuples in the order of the table's columns: for the audit,
    which writes a row per event and need not build a dict for each."""
    sql, names, processors = _insert(conn, table)
    columns = [c.name for c in table.columns]
    params: list[Any] = rows
    if names is None:  # a driver that binds by name (psycopg)
        params = [dict(zip(columns, values, strict=True)) for values in rows]
        for name, process in processors.items():
            for values in params:
                values[name] = process(values[name])
    else:
        if list(names) != columns:
            order = [columns.index(n) for n in names]
            params = [tuple(values[i] for i in order) for values in rows]
        if processors:
            at = [(names.index(n), p) for n, p in processors.items()]
            params = [tuple(_processed(list(values), at)) for values in params]
    _executemany(conn, sql, params)


def _executemany(conn: Connection, sql: str, params: list[Any]) -> None:
    cursor = conn.connection.cursor()  # the DBAPI cursor, inside this connection's transaction
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()


def _processed(values: list[Any], processors: list[tuple[Any, Any]]) -> list[Any]:
    for index, process in processors:
        values[index] = process(values[index])
    return values


def _prefixed(rows: Iterable[Row], keys: list[str]) -> list[Row]:
    return [{f"k_{c}": r[c] for c in keys} for r in rows]
