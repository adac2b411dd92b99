"""The audit's details are written by orjson (adapters/transcoder.py, given by the composition
root) exactly as the standard JSON encoder writes them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from adapters.transcoder import fast_details_json
from domain.usecases import Samverkan
from projections.audit import METADATA, json_default, standard_json
from tests.integration.scenario import plan_a_budget

_to_json, _json = fast_details_json(standard_json, json_default), standard_json


def test_audit_details_of_every_kind_of_event_read_as_the_standard_encoder_writes_them() -> None:
    app = Samverkan(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    plan_a_budget(app)
    events = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(1, 10_000)]
    assert len({type(e) for e in events}) >= 10
    for event in events:
        fields = {k: v for k, v in vars(event).items() if k not in METADATA}
        assert _to_json(fields) == _json(fields)


def test_audit_details_of_awkward_values_read_as_the_standard_encoder_writes_them() -> None:
    fields = {"label": 'Å\u2028\n\x01\x1f"\\/', "amounts": {2027: 5, "2028": [1, {"x": None}]},
              "on": date(2027, 1, 2), "at": datetime(2027, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
              "value": Decimal("1.50"), "id": uuid4(), "yes": True, "huge": 2**70,
              "least": -2**63}
    assert _to_json(fields) == _json(fields)
