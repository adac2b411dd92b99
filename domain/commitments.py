"""Commitment: an actor's pledge of money or resources, later delivered and verified.

Lifecycle: pledged → confirmed → delivered (one or more deliveries) → verified;
or withdrawn with a reason before it is fully delivered.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from domain.base import PlanAggregate, require_choice, require_int, require_text
from domain.context import as_id
from domain.errors import RuleViolated

KINDS = ("money", "staff_hours", "volunteer_hours", "premises", "equipment")
UNITS = {"money": "öre", "staff_hours": "hours", "volunteer_hours": "hours",
         "premises": "m²", "equipment": "items"}
MAX_QUANTITY = 10**13


class Commitment(PlanAggregate):
    class Created(PlanAggregate.Created):
        actor_id: str
        kind: str
        quantity: int
        value_ore: int | None
        description: str
        service_id: str | None
        budget_id: str | None
        line_id: str | None
        due: date

        def apply(self, c: Commitment) -> None:
            c._plan_id = self.plan_id
            c.actor_id, c.kind, c.quantity = self.actor_id, self.kind, self.quantity
            c.value_ore, c.description = self.value_ore, self.description
            c.service_id, c.budget_id, c.line_id = self.service_id, self.budget_id, self.line_id
            c.due = self.due.isoformat()
            c.status, c.deliveries, c.withdrawn_reason = "pledged", [], None

    class Confirmed(PlanAggregate.Event):
        def apply(self, c: Commitment) -> None:
            c.status = "confirmed"

    class DeliveryRecorded(PlanAggregate.Event):
        delivery_id: str
        quantity: int
        on: date
        note: str
        over_delivery: bool

        def apply(self, c: Commitment) -> None:
            c.deliveries.append({"id": self.delivery_id, "quantity": self.quantity,
                                 "on": self.on.isoformat(), "note": self.note,
                                 "over_delivery": self.over_delivery})
            if c.delivered >= c.quantity:
                c.status = "delivered"

    class Verified(PlanAggregate.Event):
        note: str

        def apply(self, c: Commitment) -> None:
            c.status = "verified"

    class Withdrawn(PlanAggregate.Event):
        reason: str
        before: str

        def apply(self, c: Commitment) -> None:
            c.status, c.withdrawn_reason = "withdrawn", self.reason

    @classmethod
    def pledge(cls, plan_id: UUID | str, actor_id: UUID | str, kind: str, quantity: int,
               due: date, description: str = "", value_ore: int | None = None,
               service_id: UUID | str | None = None, budget_id: UUID | str | None = None,
               line_id: UUID | str | None = None) -> Commitment:
        """Money in öre; hours in whole hours; in-kind pledges may carry a value in öre."""
        require_choice(kind, "kind", KINDS)
        if service_id is None and line_id is None:
            raise RuleViolated("A commitment goes toward a service, a budget line, or both.",
                               field="service_id")
        if (line_id is None) != (budget_id is None):
            raise RuleViolated("A budget line is named together with its budget.",
                               field="line_id")
        if not isinstance(due, date):
            raise RuleViolated("A commitment needs a due date.", field="due")
        quantity = require_int(quantity, "quantity", minimum=1, maximum=MAX_QUANTITY)
        if kind == "money":
            if value_ore not in (None, quantity):
                raise RuleViolated("A money pledge is worth its amount.", field="value_ore")
            value_ore = quantity
        elif value_ore is not None:
            value_ore = require_int(value_ore, "value_ore", minimum=0, maximum=MAX_QUANTITY)
        return cls._create_for_plan(
            cls.Created, as_id(plan_id), id=uuid4(), actor_id=as_id(actor_id), kind=kind,
            quantity=quantity, value_ore=value_ore,
            description=require_text(description, "description", max_length=2000,
                                     optional=True),
            service_id=as_id(service_id), budget_id=as_id(budget_id), line_id=as_id(line_id),
            due=due,
        )

    def confirm(self) -> None:
        self._require_status("Only a pledged commitment can be confirmed; this one is {status}.",
                             "pledged")
        self.trigger_event(self.Confirmed)

    def record_delivery(self, quantity: int, on: date, note: str = "",
                        over_delivery: bool = False) -> str:
        """Partial deliveries are fine; more than pledged only when marked as over-delivery."""
        self._require_status(
            "Deliveries are recorded on a confirmed commitment; this one is {status}.", "confirmed")
        quantity = require_int(quantity, "quantity", minimum=1, maximum=MAX_QUANTITY)
        if not isinstance(on, date):
            raise RuleViolated("A delivery needs a date.", field="on")
        if self.delivered + quantity > self.quantity and not over_delivery:
            raise RuleViolated(
                "This delivery would exceed what was pledged; mark it as an over-delivery "
                "if that is intended.", pledged=self.quantity, delivered=self.delivered,
                remaining=self.quantity - self.delivered,
            )
        delivery_id = str(uuid4())
        self.trigger_event(self.DeliveryRecorded, delivery_id=delivery_id, quantity=quantity,
                           on=on, note=require_text(note, "note", max_length=2000, optional=True),
                           over_delivery=bool(over_delivery))
        return delivery_id

    def verify(self, note: str = "") -> None:
        self._require_status("Only a delivered commitment can be verified; this one is {status}.",
                             "delivered")
        self.trigger_event(self.Verified,
                           note=require_text(note, "note", max_length=2000, optional=True))

    def withdraw(self, reason: str) -> None:
        self._require_status(
            "A commitment that is {status} can no longer be withdrawn.", "pledged", "confirmed")
        self.trigger_event(self.Withdrawn, reason=require_text(reason, "reason", max_length=2000),
                           before=self.status)

    @property
    def delivered(self) -> int:
        return sum(d["quantity"] for d in self.deliveries)

    @property
    def unit(self) -> str:
        return UNITS[self.kind]

    def _require_status(self, message: str, *allowed: str) -> None:
        if self.status not in allowed:
            raise RuleViolated(message, status=self.status)

