"""Property: views built event by event == views rebuilt from zero == what the aggregates say."""

from __future__ import annotations

import contextlib
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.bootstrap import PROJECTIONS
from domain.budgets import Budget
from domain.context import acting_as
from domain.errors import DomainError
from domain.plans import Plan
from domain.services import SharedService
from domain.usecases import Samverkan
from projections import queries
from projections.runner import ProjectionRunner
from projections.usage import ReadModelUsage
from tests.integration.scenario import dump_views
from tests.stores import app_env, views_engine

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
    st.tuples(st.just("kind"), st.integers(0, 9), st.sampled_from(("cost", "income"))),
    st.tuples(st.just("year"), st.booleans(), st.booleans()),  # first or last; add or remove
    st.tuples(st.just("undo")), st.tuples(st.just("redo")),
    st.tuples(st.just("leave"), st.integers(0, 1)),
    # Services and commitments, as their pages change them (stage, risks, KPIs, deliveries).
    st.tuples(st.just("stage"), st.sampled_from(("proposed", "pilot", "running", "ended"))),
    st.tuples(st.just("risk"), st.integers(1, 5), st.integers(1, 5),
              st.sampled_from(("open", "mitigated", "closed")), st.booleans()),
    # A KPI defined (about people or not, split by gender or not) or measured (with a split
    # or not), while the plan requires the gender split or not.
    st.tuples(st.just("kpi"), st.integers(0, 500), st.booleans(), st.booleans(), st.booleans()),
    st.tuples(st.just("gender_split"), st.booleans()),
    st.tuples(st.just("deliver"), st.integers(1, 10**6), st.booleans()),
), min_size=1, max_size=25)


LINE_COMMANDS = ("amount", "share", "move", "rename", "remove", "service", "pledge", "kind")


def _runner(app: Samverkan, stack: contextlib.ExitStack) -> ProjectionRunner:
    """Views of their own (in memory, or a PostgreSQL schema), given back when `stack` closes."""
    engine = views_engine()
    stack.callback(engine.dispose)
    runner = ProjectionRunner(app, engine, PROJECTIONS)
    runner.create_tables()
    return runner


def _apply(app: Samverkan, ids: dict, command: tuple) -> None:
    from datetime import date

    current = app.load(Budget, ids["budget"])
    budget, lines = ids["budget"], current.order
    kind, *args = command
    line = lines[args[0] % len(lines)] if lines and kind in LINE_COMMANDS else None
    if kind == "add":
        app.add_line(budget, args[0], "", {YEARS[0]: args[1]}, position=args[2])
    elif kind == "year":
        year = current.years[0] - 1 if args[0] else current.years[-1] + 1
        if args[1]:
            app.add_budget_year(budget, year)
        else:
            app.remove_budget_year(budget, year + 1 if args[0] else year - 1)
    elif kind == "undo":
        app.undo_last_change(budget)
    elif kind == "redo":
        app.redo_last_undo(budget)
    elif kind == "leave":
        app.remove_actor(ids["plan"], ids["actors"][args[0]])
    elif kind == "gender_split":
        app.require_gender_split(ids["plan"], args[0])
    elif kind in ("stage", "risk", "kpi", "deliver"):
        _apply_to_services(app, ids, kind, args)
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
    elif kind == "kind":
        app.set_line_kind(budget, line, args[1])
    elif kind == "pledge":
        saved = app.pledge(ids["plan"], ids["actors"][0], "money", args[1], date(2028, 1, 1),
                           budget_id=budget, line_id=line)
        if args[2]:
            app.confirm_commitment(saved.aggregate_id)


def _apply_to_services(app: Samverkan, ids: dict, kind: str, args: list) -> None:
    from datetime import date

    service = ids["service"]
    if kind == "stage":
        app.move_service_to(service, args[0], "Skäl")
    elif kind == "risk":  # a new risk, or the last one reassessed
        known = list(app.load(SharedService, service).risks)
        again = known[-1] if args[3] and known else None
        app.record_risk(service, "R", args[0], args[1], risk_id=again, status=args[2])
    elif kind == "kpi":
        kpis = app.load(SharedService, service).kpis
        if not kpis or args[1]:
            app.define_kpi(service, "K", "st", args[0], by_gender=args[3], baseline=1,
                           direction="lower", about_people=args[2])
        else:
            split = {"women": args[0] // 2, "men": args[0] - args[0] // 2} if args[3] else None
            app.measure_kpi(service, next(iter(kpis)), date(2026, 6, 1), args[0], split)
    elif kind == "deliver":
        saved = app.pledge(ids["plan"], ids["actors"][1], "staff_hours", 10**6, date(2028, 1, 1),
                           value_ore=args[0], service_id=service)
        app.confirm_commitment(saved.aggregate_id)
        app.record_delivery(saved.aggregate_id, args[0], date(2026, 6, 1))
        if args[1]:
            app.withdraw_commitment(saved.aggregate_id, "Skäl")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands)
def test_incremental_views_equal_a_rebuild_and_the_replayed_aggregates(script: list) -> None:
    with contextlib.ExitStack() as stack:
        app = Samverkan(env=app_env())
        stack.callback(app.close)
        _check_views(app, script, stack)


def _check_views(app: Samverkan, script: list, stack: contextlib.ExitStack) -> None:
    live = _runner(app, stack)
    app.organisation_usage = ReadModelUsage(live.engine, live.catch_up)
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

    rebuilt = _runner(app, stack)
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
        assert (line["kind"], line["kind_version"]) == (state["kind"]["value"],
                                                        state["kind"]["version"])
        assert {y: (c["amount"], c["version"]) for y, c in line["amounts"].items()} == {
            int(y): (f["value"], f["version"]) for y, f in state["amounts"].items()}
        assert {a: (s["share"], s["version"]) for a, s in line["shares"].items()} == {
            a: (f["value"], f["version"]) for a, f in state["shares"].items()}
        assert line["shared"] <= 10_000
    assert sheet.years == aggregate.years
    incomes = sum(aggregate.line_total(lid) for lid in aggregate.order
                  if aggregate.lines[lid]["kind"]["value"] == "income")
    assert (sheet.costs, sheet.income) == (aggregate.total() - incomes, incomes)
    assert (sum(e["net"] for e in sheet.by_actor.values()) + sheet.unallocated
            - sheet.unallocated_income) == sheet.net
    with live.engine.connect() as conn:
        shown = {a["actor_id"]: a["left"] for a in queries.actors(conn, str(ids["plan"]))}
    assert shown == {a: v["left"] for a, v in app.load(Plan, ids["plan"]).actors.items()}
