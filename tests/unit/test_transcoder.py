"""The fast decoder reads exactly what eventsourcing's JSONTranscoder writes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, UUIDAsHex
from hypothesis import given
from hypothesis import strategies as st

from adapters.transcoder import FastJSONTranscoder
from domain.application import DateAsISO

leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53), 2**53), st.text(max_size=20),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.dates(), st.datetimes(timezones=st.just(UTC)), st.builds(uuid4),
)
values = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20)


def _transcoders() -> tuple[FastJSONTranscoder, FastJSONTranscoder]:
    plain, fast = FastJSONTranscoder(), FastJSONTranscoder()
    for transcoder in (plain, fast):
        for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
            transcoder.register(transcoding)
    return plain, fast


@given(st.dictionaries(st.text(max_size=8), values, max_size=6))
def test_fast_decode_equals_the_standard_decode(state: dict) -> None:
    plain, fast = _transcoders()
    encoded = plain.encode(state)
    assert fast.decode(encoded) == super(FastJSONTranscoder, plain).decode(encoded) == state


def test_tagged_values_come_back_as_their_types() -> None:
    _, fast = _transcoders()
    state = {"on": date(2027, 3, 1), "at": datetime(2027, 1, 2, 3, 4, tzinfo=UTC),
             "value": Decimal("4.20"), "nested": [{"due": date(2028, 1, 1)}]}
    decoded = fast.decode(fast.encode(state))
    assert decoded == state
    assert type(decoded["value"]) is Decimal and type(decoded["nested"][0]["due"]) is date


@given(st.fixed_dictionaries({"timestamp": st.datetimes(timezones=st.just(UTC))}),
       st.dictionaries(st.sampled_from(["_type_", "_data_", "label", "x"]), values, max_size=4))
def test_an_event_with_its_timestamp_and_anything_else_decodes_as_the_standard_decode(
        stamp: dict, rest: dict) -> None:
    plain, fast = _transcoders()
    state = {**stamp, **rest, "text": '"_type_" in a label'}
    encoded = plain.encode(state)
    assert fast.decode(encoded) == super(FastJSONTranscoder, plain).decode(encoded) == state
