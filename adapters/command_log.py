"""Command ids recorded in the same transaction as the events their command stored.

A client sends each command with an id it made up. The first time, the id goes into
`samverkan_commands` with the events, with who made it (person, plan, aggregate) and what the
receipt said (field version, the id of what it created, what an undo or redo did and skipped;
the events' positions are found from the aggregate's versions). A second command with that id
breaks the table's primary key, the whole transaction rolls back, and the application answers
the same person with the very same receipt, and anyone else with a refusal
(domain/receipts.py). So a command re-sent after a dropped connection is applied once —
always, with no time window.

Stores made before owners were kept get the new columns when the recorder starts; their old
rows have no owner and are nobody's to repeat.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Composed, Identifier, Literal

from domain.receipts import CommandRecord, Receipt, Saved

TABLE = "samverkan_commands"
#: Columns added after the first release (name → SQL type), added to older stores at start.
NEW_COLUMNS = {"person_id": "TEXT", "plan_id": "TEXT", "entity_id": "TEXT",
               "field_version": "INTEGER", "outcome": "TEXT"}
COLUMNS = ("command_id", "originator_id", "originator_version", "events", *NEW_COLUMNS)
# Table names are our constants; every value is a bound parameter.
SQLITE_INSERT = (f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) "  # nosec B608
                 f"VALUES ({', '.join('?' for _ in COLUMNS)})")
SQLITE_RECEIPT = f"SELECT * FROM {TABLE} WHERE command_id = ?"  # nosec B608
SQLITE_POSITIONS = ("SELECT rowid AS position FROM {events} WHERE originator_id = ? "  # nosec B608
                    "AND originator_version > ? AND originator_version <= ? "
                    "ORDER BY originator_version")


def _values(record: CommandRecord, stored_events: Sequence[StoredEvent],
            aggregate_id: Any) -> tuple[Any, ...]:
    """The row for a command; `events` counts the main aggregate's events only (its versions
    `version - events + 1 … version` are the command's, whose positions the receipt lists)."""
    own = sum(1 for e in stored_events if e.originator_id == record.aggregate_id)
    outcome = None if record.outcome is None else json.dumps(record.outcome, ensure_ascii=False)
    return (record.command_id, aggregate_id, record.version, own, record.person_id,
            record.plan_id, record.entity_id, record.field_version, outcome)


class SQLiteCommandLog:
    """Mixin for eventsourcing's SQLite application recorder."""

    datastore: Any
    events_table_name: str

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),  # type: ignore[misc]
                f"CREATE TABLE IF NOT EXISTS {TABLE} (command_id TEXT PRIMARY KEY, "
                "originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, "
                "events INTEGER NOT NULL, person_id TEXT, plan_id TEXT, entity_id TEXT, "
                "field_version INTEGER, outcome TEXT) WITHOUT ROWID"]

    def create_table(self) -> None:
        super().create_table()  # type: ignore[misc]
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"PRAGMA table_info({TABLE})")
            have = {row["name"] for row in c.fetchall()}
            for name, kind in NEW_COLUMNS.items():
                if name not in have:
                    c.execute(f"ALTER TABLE {TABLE} ADD COLUMN {name} {kind}")

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        ids = super()._insert_events(c, stored_events, **kwargs)  # type: ignore[misc]
        if (record := kwargs.get("command")) is not None:
            c.execute(SQLITE_INSERT, _values(record, stored_events, record.aggregate_id.hex))
        return ids

    def command_receipt(self, command_id: str) -> Receipt | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(SQLITE_RECEIPT, (command_id,))
            row = c.fetchone()
            if row is None:
                return None
            c.execute(SQLITE_POSITIONS.format(events=self.events_table_name),
                      (row["originator_id"], row["originator_version"] - row["events"],
                       row["originator_version"]))
            positions = tuple(r["position"] for r in c.fetchall())
        return _receipt(dict(row), positions)


class PostgresRecorder(PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL application recorder plus the command log."""

    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self._together: dict[int, Composed] = {}  # select_events_together's, by aggregates read
        names = {"schema": Identifier(self.datastore.schema), "table": Identifier(TABLE)}
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {schema}.{table} (command_id text PRIMARY KEY, "
            "originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
            "events integer NOT NULL)").format(**names))
        for name, kind in NEW_COLUMNS.items():
            # Only when the column is missing: even a no-op ALTER takes an ACCESS EXCLUSIVE lock,
            # and a process starting beside one that appends deadlocks on it.
            self.sql_create_statements.append(SQL(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE "  # nosec B608
                "table_schema = {schema_name} AND table_name = {table_name} AND column_name = "
                "{column_name}) THEN ALTER TABLE {schema}.{table} ADD COLUMN {column} " + kind
                + "; END IF; END $$").format(
                    column=Identifier(name), column_name=Literal(name),
                    schema_name=Literal(self.datastore.schema), table_name=Literal(TABLE), **names))

    #: Snapshots come with the events they follow (domain/application.py), stored in the same
    #: transaction: eventsourcing's own way reloads the aggregate and commits them apart.
    records_snapshots = True

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        if (snapshots := kwargs.get("snapshots")) is not None:
            recorder, stored = snapshots
            recorder._insert_stored_events(curs, stored)
        if (record := kwargs.get("command")) is not None:
            curs.execute(SQL("INSERT INTO {schema}.{table} ({columns}) VALUES ({values})").format(
                schema=Identifier(self.datastore.schema), table=Identifier(TABLE),
                columns=SQL(", ").join(Identifier(c) for c in COLUMNS),
                values=SQL(", ").join(SQL("%s") for _ in COLUMNS)),
                _values(record, stored_events, record.aggregate_id))

    def select_events_together(self, since: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        """Each aggregate's events after its version, in one round trip (domain/fresh.py): a
        command reads its aggregate's and its plan's, as two queries that cost two."""
        statement = self._together.get(len(since))
        if statement is None:
            one = SQL("SELECT originator_id, originator_version, topic, state FROM "
                      "{schema}.{table} WHERE originator_id = %s AND originator_version > %s"
                      ).format(schema=Identifier(self.datastore.schema),
                               table=Identifier(self.events_table_name))
            statement = self._together[len(since)] = SQL(" UNION ALL ").join(
                [one] * len(since)) + SQL(" ORDER BY originator_id, originator_version")
        params = [value for pair in since for value in pair]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params, prepare=True)
            return [StoredEvent(originator_id=row["originator_id"],
                                originator_version=row["originator_version"],
                                topic=row["topic"], state=bytes(row["state"]))
                    for row in curs.fetchall()]

    def command_receipt(self, command_id: str) -> Receipt | None:
        names = {"schema": Identifier(self.datastore.schema), "table": Identifier(TABLE),
                 "events": Identifier(self.events_table_name)}
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT * FROM {schema}.{table} WHERE command_id = %s").format(
                **names), (command_id,))
            row = curs.fetchone()
            if row is None:
                return None
            curs.execute(SQL(
                "SELECT notification_id FROM {schema}.{events} WHERE originator_id = %s "
                "AND originator_version > %s AND originator_version <= %s "
                "ORDER BY originator_version").format(**names),
                (row["originator_id"], row["originator_version"] - row["events"],
                 row["originator_version"]))
            positions = tuple(r["notification_id"] for r in curs.fetchall())
        return _receipt(dict(row), positions)


def _receipt(row: dict[str, Any], positions: tuple[int, ...]) -> Receipt:
    aggregate_id = row["originator_id"]
    key = aggregate_id if isinstance(aggregate_id, UUID) else UUID(str(aggregate_id))
    outcome = json.loads(row["outcome"]) if row.get("outcome") else {}
    saved = Saved(key, row["originator_version"], positions, entity_id=row["entity_id"],
                  field_version=row["field_version"], duplicate=True,
                  undone=outcome.get("undone"), redone=outcome.get("redone"),
                  skipped=tuple(outcome.get("skipped") or ()), effect=outcome.get("effect"))
    return Receipt(row["person_id"], row["plan_id"], saved)
