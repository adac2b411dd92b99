"""Command ids recorded in the same transaction as the events their command stored.

A client sends each command with an id it made up. The first time, the id goes into
`samverkan_commands` with the events; a second command with that id breaks the table's primary
key, the whole transaction rolls back, and the application answers with the first receipt.
So a command re-sent after a dropped connection is applied once — always, with no time window.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from domain.application import Saved

TABLE = "samverkan_commands"
# Table names are our constants; every value is a bound parameter.
SQLITE_INSERT = f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?)"  # nosec B608
SQLITE_RECEIPT = (
    "SELECT c.originator_id, c.originator_version, c.events, e.rowid AS position "  # nosec B608
    f"FROM {TABLE} c LEFT JOIN {{events}} e ON e.originator_id = c.originator_id "
    "AND e.originator_version = c.originator_version WHERE c.command_id = ?"
)


class SQLiteCommandLog:
    """Mixin for eventsourcing's SQLite application recorder."""

    datastore: Any
    events_table_name: str

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),  # type: ignore[misc]
                f"CREATE TABLE IF NOT EXISTS {TABLE} (command_id TEXT PRIMARY KEY, "
                "originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, "
                "events INTEGER NOT NULL) WITHOUT ROWID"]

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        ids = super()._insert_events(c, stored_events, **kwargs)  # type: ignore[misc]
        if command := kwargs.get("command"):
            command_id, aggregate_id, version = command
            c.execute(SQLITE_INSERT, (command_id, aggregate_id.hex, version, len(stored_events)))
        return ids

    def command_receipt(self, command_id: str) -> Saved | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(SQLITE_RECEIPT.format(events=self.events_table_name), (command_id,))
            row = c.fetchone()
        return _receipt(row["originator_id"], row["originator_version"], row["events"],
                        row["position"]) if row else None


class PostgresRecorder(PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL application recorder plus the command log."""

    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {schema}.{table} (command_id text PRIMARY KEY, "
            "originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
            "events integer NOT NULL)").format(schema=Identifier(self.datastore.schema),
                                              table=Identifier(TABLE)))

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        if command := kwargs.get("command"):
            command_id, aggregate_id, version = command
            curs.execute(SQL("INSERT INTO {schema}.{table} VALUES (%s, %s, %s, %s)").format(
                schema=Identifier(self.datastore.schema), table=Identifier(TABLE)),
                (command_id, aggregate_id, version, len(stored_events)))

    def command_receipt(self, command_id: str) -> Saved | None:
        query = SQL(
            "SELECT c.originator_id, c.originator_version, c.events, e.notification_id "
            "FROM {schema}.{table} c LEFT JOIN {schema}.{events} e ON "
            "e.originator_id = c.originator_id AND e.originator_version = c.originator_version "
            "WHERE c.command_id = %s").format(schema=Identifier(self.datastore.schema),
                                              table=Identifier(TABLE),
                                              events=Identifier(self.events_table_name))
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(query, (command_id,))
            row = curs.fetchone()
        return _receipt(row["originator_id"], row["originator_version"], row["events"],
                        row["notification_id"]) if row else None


def _receipt(aggregate_id: Any, version: int, events: int, position: int | None) -> Saved:
    key = aggregate_id if isinstance(aggregate_id, UUID) else UUID(str(aggregate_id))
    positions = (position,) if events and position is not None else ()
    return Saved(key, version, positions, duplicate=True)
