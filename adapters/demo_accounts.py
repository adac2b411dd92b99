"""Which demo accounts are open: the demo's people who still sign in with the demo password.

The sign-in page lists them (and `samverkan serve` prints them) so a newcomer can sign in;
an installation without the demo, or whose demo people have chosen passwords of their own,
lists none. Checking a password costs an argon2 verification, so each stored hash is checked
once: a changed password is a new hash (a new salt), checked again when it is first seen.
"""

from __future__ import annotations

from sqlalchemy import select

from adapters.accounts import Accounts
from adapters.demo import ACTORS, PEOPLE, DemoPerson
from adapters.people import PeopleDirectory, people

MAX_REMEMBERED = 1000  # hashes; far more than the demo has people


class DemoAccounts:
    def __init__(self, directory: PeopleDirectory, accounts: Accounts, password: str) -> None:
        self.directory, self.accounts, self.password = directory, accounts, password
        self._checked: dict[str, bool] = {}

    def open(self) -> list[DemoPerson]:
        """The demo people (in the demo's order) whose password is the demo password."""
        emails = [email for _, email, _, _ in PEOPLE.values()]
        with self.directory.engine.connect() as conn:
            ids = {row.email: row.id for row in conn.execute(
                select(people.c.id, people.c.email).where(people.c.email.in_(emails),
                                                          people.c.erased_at.is_(None)))}
        hashes = self.accounts.password_hashes(list(ids.values()))
        found = []
        for name, email, role, actor in PEOPLE.values():
            stored = hashes.get(ids.get(email, ""))
            if stored is not None and self._is_the_demo_password(stored):
                found.append(DemoPerson(ids[email], name, email, role,
                                        ACTORS[actor][0] if actor else None))
        return found

    def _is_the_demo_password(self, stored: str) -> bool:
        if stored not in self._checked:
            if len(self._checked) >= MAX_REMEMBERED:
                self._checked.clear()
            self._checked[stored] = bool(self.password) and self.accounts.matches(stored,
                                                                                  self.password)
        return self._checked[stored]
