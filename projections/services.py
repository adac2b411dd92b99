"""Services catalogue and commitments ledger projections."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from domain.commitments import Commitment
from domain.services import SharedService
from projections.base import HandlerProjection, handles
from projections.rows import RowCache
from projections.tables import commitment, service


class ServiceCatalogueProjection(HandlerProjection):
    name = "services"
    tables = (service,)

    def caches(self) -> SimpleNamespace:
        return SimpleNamespace(services=RowCache(service, "service_id"))

    @handles(SharedService.Created)
    def created(self, w: Any, e: SharedService.Created, _: int) -> None:
        sid = str(e.originator_id)
        w.services.load(sid, known_empty=True)
        w.services.put({"service_id": sid, "plan_id": e.plan_id, "name": e.name,
                        "place": e.place, "description": e.description, "stage": "idea",
                        "providers": [], "needs": {}, "risks": {}, "kpis": {},
                        "updated_at": e.timestamp})

    @handles(SharedService.DetailsChanged)
    def details_changed(self, w: Any, e: SharedService.DetailsChanged, _: int) -> None:
        self._touch(w, e).update(name=e.name, place=e.place, description=e.description)

    @handles(SharedService.StageChanged)
    def stage_changed(self, w: Any, e: SharedService.StageChanged, _: int) -> None:
        self._touch(w, e)["stage"] = e.stage

    @handles(SharedService.ProviderAdded)
    def provider_added(self, w: Any, e: SharedService.ProviderAdded, _: int) -> None:
        self._touch(w, e)["providers"].append(e.actor_id)

    @handles(SharedService.ProviderRemoved)
    def provider_removed(self, w: Any, e: SharedService.ProviderRemoved, _: int) -> None:
        self._touch(w, e)["providers"].remove(e.actor_id)

    @handles(SharedService.NeedAdded)
    def need_added(self, w: Any, e: SharedService.NeedAdded, _: int) -> None:
        self._touch(w, e)["needs"][e.need_id] = e.text

    @handles(SharedService.RiskRecorded)
    def risk_recorded(self, w: Any, e: SharedService.RiskRecorded, _: int) -> None:
        self._touch(w, e)["risks"][e.risk_id] = dict(e.risk)

    @handles(SharedService.RiskRemoved)
    def risk_removed(self, w: Any, e: SharedService.RiskRemoved, _: int) -> None:
        del self._touch(w, e)["risks"][e.risk_id]

    @handles(SharedService.KpiDefined)
    def kpi_defined(self, w: Any, e: SharedService.KpiDefined, _: int) -> None:
        self._touch(w, e)["kpis"][e.kpi_id] = {
            "name": e.name, "unit": e.unit, "target": None if e.target is None else str(e.target),
            "baseline": None if e.baseline is None else str(e.baseline),
            "direction": e.direction, "by_gender": e.by_gender, "about_people": e.about_people,
            "measurements": []}

    @handles(SharedService.KpiMeasured)
    def kpi_measured(self, w: Any, e: SharedService.KpiMeasured, _: int) -> None:
        self._touch(w, e)["kpis"][e.kpi_id]["measurements"].append({
            "on": e.on.isoformat(), "value": str(e.value),
            "split": {k: str(v) for k, v in e.split.items()} if e.split else None})

    @staticmethod
    def _touch(w: Any, e: Any) -> dict[str, Any]:
        sid = str(e.originator_id)
        w.services.load(sid)
        row = w.services.get(sid)
        row["updated_at"] = e.timestamp
        return row


class CommitmentLedgerProjection(HandlerProjection):
    name = "commitments"
    tables = (commitment,)

    def caches(self) -> SimpleNamespace:
        return SimpleNamespace(commitments=RowCache(commitment, "commitment_id"))

    @handles(Commitment.Created)
    def pledged(self, w: Any, e: Commitment.Created, _: int) -> None:
        cid = str(e.originator_id)
        w.commitments.load(cid, known_empty=True)
        w.commitments.put({
            "commitment_id": cid, "plan_id": e.plan_id, "actor_id": e.actor_id, "kind": e.kind,
            "quantity": e.quantity, "value_ore": e.value_ore, "description": e.description,
            "service_id": e.service_id, "budget_id": e.budget_id, "line_id": e.line_id,
            "due": e.due, "status": "pledged", "delivered": 0, "over_delivered": False,
            "deliveries": [], "withdrawn_reason": None, "pledged_at": e.timestamp,
            "updated_at": e.timestamp,
        })

    @handles(Commitment.Confirmed)
    def confirmed(self, w: Any, e: Commitment.Confirmed, _: int) -> None:
        self._touch(w, e)["status"] = "confirmed"

    @handles(Commitment.DeliveryRecorded)
    def delivered(self, w: Any, e: Commitment.DeliveryRecorded, _: int) -> None:
        row = self._touch(w, e)
        row["deliveries"].append({"id": e.delivery_id, "quantity": e.quantity,
                                  "on": e.on.isoformat(), "note": e.note,
                                  "over_delivery": e.over_delivery})
        row["delivered"] += e.quantity
        row["over_delivered"] = row["delivered"] > row["quantity"]
        if row["delivered"] >= row["quantity"]:
            row["status"] = "delivered"

    @handles(Commitment.Verified)
    def verified(self, w: Any, e: Commitment.Verified, _: int) -> None:
        self._touch(w, e)["status"] = "verified"

    @handles(Commitment.Withdrawn)
    def withdrawn(self, w: Any, e: Commitment.Withdrawn, _: int) -> None:
        self._touch(w, e).update(status="withdrawn", withdrawn_reason=e.reason)

    @staticmethod
    def _touch(w: Any, e: Any) -> dict[str, Any]:
        cid = str(e.originator_id)
        w.commitments.load(cid)
        row = w.commitments.get(cid)
        row["updated_at"] = e.timestamp
        return row
