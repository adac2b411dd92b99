"""Time travel: replaying a budget to version k gives the sheet as it was after the k-th
command, and the difference between two moments lists exactly the commands in between."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.budgets import Budget
from domain.context import Acting, acting_as
from domain.errors import DomainError, NotAllowed, NotFound, RuleViolated
from domain.usecases import Samverkan
from projections.history import changes, diff, sheet_of
from tests.stores import app_env

ACTOR_KEYS = ("kommun", "shop", "association", "region")

commands = st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(0, 3), st.integers(0, 10**8)),
    st.tuples(st.just("amount"), st.integers(0, 20), st.sampled_from([2025, 2026, 2027]),
              st.integers(0, 10**8)),
    st.tuples(st.just("share"), st.integers(0, 20), st.sampled_from(ACTOR_KEYS),
              st.sampled_from([0, 1_000, 2_500, 5_000])),
    st.tuples(st.just("rename"), st.integers(0, 20), st.text("abcåäö ", min_size=1, max_size=8)),
    st.tuples(st.just("move"), st.integers(0, 20), st.integers(0, 5)),
    st.tuples(st.just("remove"), st.integers(0, 20)),
), min_size=1, max_size=25)


def _actors(actors: dict[str, str]) -> list[dict[str, Any]]:
    return [{"actor_id": a, "name": k, "sector": "public"} for k, a in actors.items()]


def _snapshot(app: Samverkan, budget_id: UUID, actors: dict[str, str]) -> Any:
    """The sheet as the current budget shows it (everything but its head's timestamps)."""
    sheet = sheet_of(app.load(Budget, budget_id), _actors(actors))
    return sheet.budget["version"], sheet.lines, sheet.totals_by_year, sheet.by_actor, sheet.total


def _run(app: Samverkan, budget_id: UUID, actors: dict[str, str], command: tuple[Any, ...]) -> bool:
    """Run one command; True when it stored an event."""
    name, *args = command
    lines = app.load(Budget, budget_id).order
    line = lines[args[0] % len(lines)] if lines and name != "add" else None
    before = app.load(Budget, budget_id).version
    try:
        if name == "add":
            app.add_line(budget_id, f"Rad {len(lines)}", "Drift", {2025 + args[0] % 3: args[1]},
                         position=args[0])
        elif line is None:
            return False
        elif name == "amount":
            app.change_amount(budget_id, line, args[1], args[2])
        elif name == "share":
            app.set_share(budget_id, line, actors[args[1]], args[2])
        elif name == "rename":
            app.rename_line(budget_id, line, args[1])
        elif name == "move":
            app.move_line(budget_id, line, args[1])
        else:
            app.remove_line(budget_id, line)
    except RuleViolated:  # a share that would pass 100 %, an empty name: refused, no event
        pass
    return app.load(Budget, budget_id).version > before


def _fresh() -> tuple[Samverkan, UUID, dict[str, str]]:
    """A new store for each example: hypothesis replays examples, so none may share state."""
    app = Samverkan(env=app_env())
    plan_id = app.start_plan("Servicepunkt Byn", "Byn", 2025, 2027).aggregate_id
    actors = {key: app.add_actor(plan_id, key.title(), "public").entity_id for key in ACTOR_KEYS}
    return app, app.create_budget(plan_id, "Budget").aggregate_id, actors


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=commands, data=st.data())
def test_replaying_to_version_k_equals_the_state_after_the_kth_command(
        steps: list[tuple[Any, ...]], data: st.DataObject) -> None:
    app, budget_id, actors = _fresh()
    try:
        start = app.load(Budget, budget_id).version
        snapshots = {start: _snapshot(app, budget_id, actors)}
        commands_done = []  # (version, command) of each command that stored an event
        for command in steps:
            if _run(app, budget_id, actors, command):
                version = app.load(Budget, budget_id).version
                snapshots[version] = _snapshot(app, budget_id, actors)
                commands_done.append((version, command))
        for version, expected in snapshots.items():
            replayed = sheet_of(app.budget_at(budget_id, version=version), _actors(actors))
            assert (replayed.budget["version"], replayed.lines, replayed.totals_by_year,
                    replayed.by_actor, replayed.total) == expected

        # The diff between two moments: exactly the commands in between, in order.
        versions = sorted(snapshots)
        first = data.draw(st.sampled_from(versions))
        last = data.draw(st.sampled_from([v for v in versions if v >= first]))
        moment = {v: next(iter(app.events.get(budget_id, gt=v - 1, lte=v))).timestamp
                  for v in (first, last)}
        old = app.budget_at(budget_id, moment=moment[first])
        new = app.budget_at(budget_id, moment=moment[last])
        assert (old.version, new.version) == (first, last)
        events = app.changes_between(Budget, budget_id, old.version, new.version)
        result = diff(sheet_of(old, _actors(actors)), sheet_of(new, _actors(actors)), events)
        between = [(v, c[0]) for v, c in commands_done if first < v <= last]
        kinds = {"add": "added", "amount": "amount", "share": "share", "rename": "changed_line",
                 "move": "moved", "remove": "removed"}
        assert [(c["version"], c["kind"]) for c in result["changes"]] == [
            (v, kinds[name]) for v, name in between]
        if not between:
            assert result["lines"] == [] and result["status"] is None
    finally:
        app.close()


def test_a_diff_names_each_changed_cell_with_who_changed_it(
        app: Samverkan, budget_id: UUID, line_id: str, actors: dict[str, str],
        representative: Callable[[str], AbstractContextManager[Acting]], facilitator: str) -> None:
    v1 = app.load(Budget, budget_id).version
    with representative("shop") as shop:
        app.change_amount(budget_id, line_id, 2026, 520_000)
        app.set_share(budget_id, line_id, actors["shop"], 2_500)
    app.rename_line(budget_id, line_id, "Hyra")
    added = app.add_line(budget_id, "Kaffe", "Drift", {2027: 100}).entity_id
    v2 = app.load(Budget, budget_id).version
    old, new = (sheet_of(app.budget_at(budget_id, version=v), _actors(actors)) for v in (v1, v2))
    result = diff(old, new, app.changes_between(Budget, budget_id, v1, v2))
    line, new_line = result["lines"]
    by_shop, by_me = [(shop.person_id, actors["shop"])], [(facilitator, None)]
    assert line["renamed"] == {"before": "Lokalhyra", "after": "Hyra", "by": by_me}
    assert line["amounts"] == [{"year": 2026, "before": 0, "after": 520_000, "by": by_shop}]
    assert line["shares"] == [{"actor_id": actors["shop"], "before": 0, "after": 2_500,
                               "by": by_shop}]
    assert (new_line["line_id"], new_line["state"], new_line["by"]) == (added, "added", by_me)
    assert [c["label"] for c in result["changes"]] == ["Lokalhyra", "Lokalhyra", "Lokalhyra",
                                                       "Kaffe"]
    assert result["changes"][2]["before"] == "Lokalhyra"


def test_a_moment_before_the_budget_existed_is_not_found(app: Samverkan, budget_id: UUID) -> None:
    created = next(iter(app.events.get(budget_id))).timestamp
    with pytest.raises(NotFound):
        app.budget_at(budget_id, moment=created.replace(year=created.year - 1))
    with pytest.raises(NotFound):
        app.budget_at(budget_id, version=99)
    with pytest.raises(RuleViolated):
        app.budget_at(budget_id, moment=created.replace(tzinfo=None))


def test_only_members_of_the_plan_travel_in_time(app: Samverkan, budget_id: UUID,
                                                 line_id: str) -> None:
    with acting_as(str(uuid4())), pytest.raises(NotAllowed):
        app.budget_at(budget_id, version=1)
    with acting_as(str(uuid4())), pytest.raises(NotAllowed):
        app.changes_between(Budget, budget_id, 0)


def test_each_change_names_its_line_as_it_was_just_before(app: Samverkan, budget_id: UUID,
                                                   line_id: str) -> None:
    app.rename_line(budget_id, line_id, "B")
    app.change_amount(budget_id, line_id, 2025, 5)
    events = app.changes_between(Budget, budget_id, 0)
    assert [c["label"] for c in changes(events, {})] == [None, "Lokalhyra", "Lokalhyra", "B"]


def test_no_version_is_the_current_budget(app: Samverkan, budget_id: UUID, line_id: str) -> None:
    assert app.budget_at(budget_id).version == app.load(Budget, budget_id).version
    with pytest.raises(DomainError):
        app.budget_at(budget_id, version=0)
