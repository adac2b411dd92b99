"""Property: views built event by event == views rebuilt from zero == what the aggregates say."""

from __future__ import annotations

import contextlib
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.pool import StaticPool

from adapters.bootstrap import PROJECTIONS
from adapters.db import make_engine
from domain.budgets import Budget
from domain.context import acting_as
from domain.errors import DomainError
from domain.usecases import Samverkan
from projections import queries
from projections.runner import ProjectionRunner
from tests.integration.scenario import dump_views

YEARS = (2027, 2028)
commands = st.lists(st.one_of(
    st.tuples(st.just("add"), st.text("abcåäö ", min_size=1, max_size=8),
              st.integers(0, 10**7), st.integers(0, 5)),
    st.tuples(st.just("amount"), st.integers(0, 9), st.sampled_from(YEARS), st.integers(0, 10**8)),
    st.tuples(st.just("share"), st.integers(0, 9), st.integers(0, 1), st.integers(0, 10_000)),
    st.tuples(st.just("move"), st.integers(0, 9), st.integers(0, 9)),
    st.tuples(st.just("rename"), st.integers(0, 9), st.text("xyz", min_size=1, max_size=5)),
    st.tuples(st.just("remove"), st.integers(0, 9)),
    st.tuples(st.just("service"), st.integers(0, 9)),
    st.tuples(st.just("pledge"), st.integers(0, 9), st.integers(1, 10**6), st.booleans()),
), min_size=1, max_size=25)


def _runner(app: Samverkan) -> ProjectionRunner:
    runner = ProjectionRunner(app, make_engine("sqlite://", poolclass=StaticPool), PROJECTIONS)
    runner.create_tables()
    return runner


def _apply(app: Samverkan, ids: dict, command: tuple) -> None:
    from datetime import date

    budget, lines = ids["budget"], app.load(Budget, ids["budget"]).order
    kind, *args = command
    line = lines[args[0] % len(lines)] if lines and kind != "add" else None
    if kind == "add":
        app.add_line(budget, args[0], "", {YEARS[0]: args[1]}, position=args[2])
    elif line is None:
        return
    elif kind == "amount":
        app.change_amount(budget, line, args[1], args[2])
    elif kind == "share":
        app.set_share(budget, line, ids["actors"][args[1]], args[2])
    elif kind == "move":
        app.move_line(budget, line, args[1])
    elif kind == "rename":
        app.rename_line(budget, line, args[1])
    elif kind == "remove":
        app.remove_line(budget, line)
    elif kind == "service":
        app.link_line_to_service(budget, line, ids["service"])
    elif kind == "pledge":
        saved = app.pledge(ids["plan"], ids["actors"][0], "money", args[1], date(2028, 1, 1),
                           budget_id=budget, line_id=line)
        if args[2]:
            app.confirm_commitment(saved.aggregate_id)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands)
def test_incremental_views_equal_a_rebuild_and_the_replayed_aggregates(script: list) -> None:
    app = Samverkan()
    live = _runner(app)
    person = str(uuid4())
    with acting_as(person):
        plan = app.start_plan("P", "Q", *YEARS).aggregate_id
        actors = [app.add_actor(plan, n, s).entity_id for n, s in (("K", "public"), ("B", "private"))]
        ids = {"plan": plan, "actors": actors,
               "budget": app.create_budget(plan, "B").aggregate_id,
               "service": app.create_service(plan, "S", "Q").aggregate_id}
        live.catch_up()
        for command in script:
            # Refused commands store nothing; the property still has to hold.
            with contextlib.suppress(DomainError):
                _apply(app, ids, command)
            live.catch_up()  # one small batch at a time, as when following the log

    rebuilt = _runner(app)
    rebuilt.rebuild()
    assert dump_views(live.engine) == dump_views(rebuilt.engine)

    aggregate = app.load(Budget, ids["budget"])
    with live.engine.connect() as conn:
        sheet = queries.budget_sheet(conn, str(ids["budget"]))
    assert [line["line_id"] for line in sheet.lines] == aggregate.order
    for line in sheet.lines:
        state = aggregate.lines[line["line_id"]]
        assert (line["label"], line["label_version"]) == (state["label"]["value"],
                                                          state["label"]["version"])
        assert line["service_id"] == state["service_id"]["value"]
        assert {y: (c["amount"], c["version"]) for y, c in line["amounts"].items()} == {
            int(y): (f["value"], f["version"]) for y, f in state["amounts"].items()}
        assert {a: (s["share"], s["version"]) for a, s in line["shares"].items()} == {
            a: (f["value"], f["version"]) for a, f in state["shares"].items()}
        assert line["shared"] <= 10_000
    assert sheet.total == aggregate.total()
    assert sum(e["total"] for e in sheet.by_actor.values()) + sheet.unallocated == sheet.total
