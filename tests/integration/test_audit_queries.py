"""The audit trail queries against brute force: every filter, date range and cursor, any data."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from projections.audit_queries import KINDS, AuditFilter, audit_page, iter_audit
from projections.rows import bulk_insert
from projections.tables import audit_log, metadata
from tests.stores import views_engine

PLANS, PEOPLE, ORGS = ("plan-a", "plan-b"), ("p1", "p2", "p3"), ("o1", "o2")
SECTORS = {"o1": "public", "o2": "voluntary"}
TYPES = [pair for pairs in KINDS.values() for pair in pairs]
START = datetime(2027, 1, 1, tzinfo=UTC)


def _rows(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for i in range(1, n + 1):
        org = rng.choice(ORGS)
        aggregate_type, event_type = rng.choice(TYPES)
        # Times mostly follow positions, a little out of order as commands in flight are.
        at = START + timedelta(minutes=30 * i + rng.randrange(-3, 4))
        rows.append({"position": i, "plan_id": rng.choice(PLANS), "recorded_at": at.isoformat(
            timespec="microseconds"), "person_id": rng.choice(PEOPLE), "org_id": org,
            "sector": SECTORS[org], "aggregate_type": aggregate_type, "aggregate_id": rng.choice("xy"),
            "aggregate_version": i, "event_type": event_type, "subject_id": rng.choice("lmn"),
            "aggregate_name": None, "subject_name": None, "org_name": None, "details": "{}"})
    return rows


@pytest.fixture(scope="module")
def store() -> Iterator[tuple[Engine, list[dict[str, Any]]]]:
    engine = views_engine()
    metadata.create_all(engine, tables=[audit_log])
    rows = _rows(600, 2027)
    with engine.begin() as conn:
        bulk_insert(conn, audit_log, rows)
    yield engine, rows
    engine.dispose()


def _matches(row: dict[str, Any], f: AuditFilter) -> bool:
    pairs = f.pairs()
    return (row["plan_id"] == f.plan_id
            and all(getattr(f, k) in (None, row[k]) for k in ("aggregate_id", "subject_id", "person_id",
                                                               "org_id", "sector"))
            and (not pairs or any(t == row["event_type"] and a in (None, row["aggregate_type"])
                                  for a, t in pairs))
            and (f.since is None or row["recorded_at"] >= f.since)
            and (f.until is None or row["recorded_at"] < f.until))


def _moment(hours: int | None) -> str | None:
    return None if hours is None else (START + timedelta(hours=hours)).isoformat(timespec="microseconds")


filters = st.builds(
    lambda plan, person, org, sector, line, kinds, types, since, length: AuditFilter(
        plan, person_id=person, org_id=org, sector=sector, subject_id=line, kinds=tuple(kinds),
        event_types=tuple(types), since=_moment(since),
        until=_moment(None if length is None else (since or 0) + length)),
    st.sampled_from(PLANS), st.sampled_from((None, *PEOPLE)), st.sampled_from((None, *ORGS)),
    st.sampled_from((None, "public", "voluntary")), st.sampled_from((None, "l", "m")),
    st.lists(st.sampled_from(sorted(KINDS)), max_size=3, unique=True),
    st.lists(st.sampled_from(["Created", "CostShareChanged"]), max_size=1),
    st.one_of(st.none(), st.integers(0, 300)), st.one_of(st.none(), st.integers(0, 120)))


@settings(max_examples=150, deadline=None)
@given(f=filters, size=st.integers(1, 60))
def test_pages_walk_exactly_the_matching_rows_newest_first(
        store: tuple[Engine, list[dict[str, Any]]], f: AuditFilter, size: int) -> None:
    engine, rows = store
    expected = [r["position"] for r in sorted(rows, key=lambda r: -r["position"]) if _matches(r, f)]
    seen: list[int] = []
    cursor = None
    with engine.connect() as conn:
        while True:
            page, cursor = audit_page(conn, f, cursor, limit=size)
            assert len(page) <= size
            seen += [r["position"] for r in page]
            if cursor is None:
                break
            assert len(page) == size
    assert seen == expected
    assert [r["position"] for r in iter_audit(engine, f, batch=size)] == expected
