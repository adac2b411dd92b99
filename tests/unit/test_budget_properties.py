"""Budget invariants hold for any sequence of commands, and replay rebuilds the same state."""

from __future__ import annotations

import copy
from typing import Any
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.application import SamverkanCore
from domain.budgets import Budget
from domain.context import acting_as
from domain.errors import DomainError
from domain.shares import FULL_SHARE, split_amount

PLAN_ID = str(uuid4())
ACTORS = [str(uuid4()) for _ in range(3)]
YEARS = [2025, 2026, 2027]

# A command names a line by an index, modulo one more than the number of lines ever added:
# removed lines and (at the end) an unknown line are exercised too. Refused commands must
# leave no trace. `removed` is the test's own record of each removed line as it was, so a
# restore is checked against it rather than against the aggregate's `budget.removed`.
line_ref = st.integers(min_value=0, max_value=50)
amount = st.integers(-1, 10**9)
share = st.integers(-100, FULL_SHARE + 100) | st.sampled_from([0, 2_500, 5_000, 7_500, FULL_SHARE])
commands = st.lists(st.one_of(
    st.tuples(st.just("add"), st.dictionaries(st.sampled_from([*YEARS, *YEARS, 2030]),
                                              amount, max_size=3),
              st.none() | st.integers(-2, 8)),
    st.tuples(st.just("amount"), line_ref, st.sampled_from([*YEARS, 2024]), amount),
    st.tuples(st.just("share"), line_ref, st.sampled_from(ACTORS), share),
    st.tuples(st.just("move"), line_ref, st.integers(-2, 8)),
    st.tuples(st.just("remove"), line_ref),
    st.tuples(st.just("restore"), line_ref, st.integers(-1, 8)),
), max_size=50)


def run(budget: Budget, command: tuple[Any, ...], added: list[str],
        removed: dict[str, dict[str, Any]]) -> None:
    name, *args = command
    index = args[0] % (len(added) + 1) if name != "add" else len(added)
    line = added[index] if index < len(added) else str(uuid4())
    if name == "add":
        added.append(budget.add_line(f"Line {len(added)}", "", args[0], position=args[1]))
    elif name == "amount":
        budget.change_amount(line, args[1], args[2])
    elif name == "share":
        budget.set_share(line, args[1], args[2])
    elif name == "move":
        budget.move_line(line, args[1])
    elif name == "remove":
        if line in budget.lines:
            removed[line] = copy.deepcopy(budget.lines[line])
        budget.remove_line(line)
    elif name == "restore":
        # Restore names one of the lines removed and not yet back, when there is one; only
        # those can be restored. Otherwise the line named (present, or never added) must be
        # refused with Conflict or NotFound, and a refused command leaves no trace.
        gone = [x for x in added if x in removed and x not in budget.lines]
        line = gone[args[0] % len(gone)] if gone else line
        expected = removed.get(line) if line not in budget.lines else None
        position = min(max(args[1], 0), len(budget.order))
        budget.restore_line(line, args[1])
        assert expected is not None, "restore_line accepted a line that was not removed"
        assert budget.lines[line] == expected
        assert budget.order.index(line) == position


def check_invariants(budget: Budget) -> None:
    assert len(budget.order) == len(set(budget.order))
    assert set(budget.order) == set(budget.lines)
    assert set(budget.removed).isdisjoint(budget.lines)
    for state in budget.lines.values():
        assert set(state["amounts"]) == {str(y) for y in YEARS}
        for field in state["amounts"].values():
            assert type(field["value"]) is int and field["value"] >= 0
        shares = [f["value"] for f in state["shares"].values()]
        assert all(type(s) is int and s >= 0 for s in shares)
        assert sum(shares) <= FULL_SHARE


def state(aggregate: Budget) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


MAPPER = SamverkanCore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands)
def test_budget_invariants_hold_and_replay_rebuilds_the_same_state(sequence):
    removed: dict[str, dict[str, Any]] = {}
    with acting_as(uuid4()):
        budget = Budget.create(PLAN_ID, "Budget", YEARS)
        added = [budget.add_line("Hyra", "", {2025: 100}), budget.add_line("PC")]
        for command in sequence:
            version = budget.version
            before = copy.deepcopy(state(budget))
            try:
                run(budget, command, added, removed)
            except DomainError:
                assert budget.version == version
                assert state(budget) == before
            check_invariants(budget)

    events = budget.collect_events()
    assert [e.originator_version for e in events] == list(range(1, budget.version + 1))
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert state(replayed) == state(budget)

    # The same events after a round trip through the stored (JSON) form rebuild it too.
    from_store = None
    for event in events:
        from_store = MAPPER.to_domain_event(MAPPER.to_stored_event(event)).mutate(from_store)
    assert state(from_store) == state(budget)


@st.composite
def shares_up_to_full(draw) -> dict[str, int]:
    cuts = sorted(draw(st.lists(st.integers(0, FULL_SHARE), max_size=len(ACTORS) - 1)))
    top = draw(st.sampled_from([FULL_SHARE, draw(st.integers(0, FULL_SHARE))]))
    bounds = [0, *(min(c, top) for c in cuts), top]
    return {a: hi - lo for a, lo, hi in zip(ACTORS, bounds, bounds[1:], strict=False)}


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**13), shares_up_to_full())
def test_split_amount_parts_add_up_exactly_and_stay_within_one_ore_of_the_exact_share(
        amount, shares):
    parts, unallocated = split_amount(amount, shares)
    assert sum(parts.values()) + unallocated == amount
    assert unallocated >= 0 and all(p >= 0 for p in parts.values())
    for actor, part in parts.items():
        assert abs(part * FULL_SHARE - amount * shares[actor]) < FULL_SHARE
    if sum(shares.values()) == FULL_SHARE:
        assert unallocated == 0
