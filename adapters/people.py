"""People: names and e-mail addresses, kept outside the event log so a person can be erased.

Events and read models hold only person ids; pages and exports look names up here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

from sqlalchemy import Column, DateTime, MetaData, String, Table, select, update
from sqlalchemy.engine import Engine

metadata = MetaData()

people = Table(
    "people", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200)),
    Column("email", String(320), unique=True),
    Column("erased_at", DateTime(timezone=True)),
)


@dataclass(frozen=True)
class Person:
    id: str
    name: str | None
    email: str | None
    erased: bool

    @property
    def display_name(self) -> str:
        """The name, or (untranslated, for the CLI and logs) "erased person #id"."""
        return self.name if self.name and not self.erased else english_unnamed(self.id, True)


#: What to show for someone without a name: (person id, erased?) → text. Pages pass one that
#: speaks the reader's language (web.people); the default is English, for the CLI.
Unnamed = Callable[[str, bool], str]


def english_unnamed(person_id: str, erased: bool) -> str:
    return f"{'erased' if erased else 'unknown'} person #{person_id[:8]}"


class PeopleDirectory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_table(self) -> None:
        metadata.create_all(self.engine)

    def add(self, name: str, email: str | None = None, person_id: str | None = None) -> str:
        new_id = person_id or str(uuid4())
        with self.engine.begin() as conn:
            conn.execute(people.insert().values(id=new_id, name=name.strip(),
                                                email=email.strip().lower() if email else None))
        return new_id

    def get(self, person_id: str) -> Person | None:
        return self.many([person_id]).get(person_id)

    def by_email(self, email: str) -> Person | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(people).where(people.c.email == email.strip().lower())).first()
        return _person(row) if row else None

    def many(self, person_ids: list[str] | set[str]) -> dict[str, Person]:
        ids = [i for i in set(person_ids) if i]
        if not ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(people).where(people.c.id.in_(ids))).all()
        return {row.id: _person(row) for row in rows}

    def display_names(self, person_ids: list[str] | set[str],
                      unnamed: Unnamed = english_unnamed) -> dict[str, str]:
        """Names to show; erased or unknown people as `unnamed` says ("erased person #id")."""
        found = self.many(person_ids)
        shown = {}
        for pid in person_ids:
            if not pid:
                continue
            person = found.get(pid)
            named = person is not None and person.name and not person.erased
            shown[pid] = person.name if named else unnamed(pid, person is not None)  # type: ignore[union-attr]
        return shown

    def all(self) -> list[Person]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(people).order_by(people.c.name)).all()
        return [_person(r) for r in rows]

    def erase(self, person_id: str) -> None:
        """Remove the person's name and e-mail; their id stays so history still verifies."""
        with self.engine.begin() as conn:
            conn.execute(update(people).where(people.c.id == person_id)
                         .values(name=None, email=None, erased_at=datetime.now(UTC)))


def _person(row: object) -> Person:
    return Person(row.id, row.name, row.email, row.erased_at is not None)  # type: ignore[attr-defined]
