"""SharedService: a service several actors run together (a service point in the village shop)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID, uuid4

from domain.base import PlanAggregate, require_choice, require_int, require_text
from domain.context import as_id
from domain.errors import NotFound, RuleViolated, translatable

STAGES = ("idea", "proposed", "pilot", "running", "ended")
GENDERS = ("women", "men", "other")
DIRECTIONS = ("higher", "lower")  # which way a KPI is better
RISK_STATUSES = ("open", "mitigated", "closed")
SPLIT_REQUIRED_FOR_DEFINITION = translatable(
    "This plan follows up every KPI about people by gender: choose to follow this one up by "
    "gender (total, women, men).")
SPLIT_REQUIRED_FOR_MEASUREMENT = translatable(
    "This plan follows up every KPI about people by gender; give the split (women, men).")


class SharedService(PlanAggregate):
    #: 2: KPIs say whether they are about people (and risks have a status).
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot taken before KPIs said whether they are about people (or risks had a
        status): as the events' own upcasts have it."""
        for kpi in state.get("kpis", {}).values():
            kpi.setdefault("about_people", kpi["by_gender"])
        for risk in state.get("risks", {}).values():
            risk.setdefault("status", "open")
    class Created(PlanAggregate.Created):
        name: str
        place: str
        description: str

        def apply(self, service: SharedService) -> None:
            service._plan_id = self.plan_id
            service.name, service.place = self.name, self.place
            service.description, service.stage = self.description, "idea"
            service.providers, service.needs = [], {}
            service.risks, service.kpis = {}, {}

    class DetailsChanged(PlanAggregate.Event):
        name: str
        place: str
        description: str
        before: dict[str, str]

        def apply(self, service: SharedService) -> None:
            service.name, service.place = self.name, self.place
            service.description = self.description

    class StageChanged(PlanAggregate.Event):
        stage: str
        before: str
        reason: str
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reason"] = ""  # moves before reasons were asked for

        def apply(self, service: SharedService) -> None:
            service.stage = self.stage

    class ProviderAdded(PlanAggregate.Event):
        actor_id: str

        def apply(self, service: SharedService) -> None:
            service.providers.append(self.actor_id)

    class ProviderRemoved(PlanAggregate.Event):
        actor_id: str

        def apply(self, service: SharedService) -> None:
            service.providers.remove(self.actor_id)

    class NeedAdded(PlanAggregate.Event):
        need_id: str
        text: str

        def apply(self, service: SharedService) -> None:
            service.needs[self.need_id] = self.text

    class RiskRecorded(PlanAggregate.Event):
        """A new risk, or a changed assessment of one (`before` is None for a new risk)."""

        risk_id: str
        risk: dict[str, Any]
        before: dict[str, Any] | None
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Risks recorded before they had a status were open."""
            for risk in (state["risk"], state["before"]):
                if risk is not None:
                    risk.setdefault("status", "open")

        def apply(self, service: SharedService) -> None:
            service.risks[self.risk_id] = dict(self.risk)

    class RiskRemoved(PlanAggregate.Event):
        risk_id: str
        before: dict[str, Any]

        def apply(self, service: SharedService) -> None:
            del service.risks[self.risk_id]

    class KpiDefined(PlanAggregate.Event):
        kpi_id: str
        name: str
        unit: str
        target: Decimal | None
        by_gender: bool
        baseline: Decimal | None
        direction: str  # "higher" or "lower": which way is better
        about_people: bool  # counts people (visitors, users), so it can be split by gender
        class_version = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["baseline"], state["direction"] = None, "higher"  # before either was asked

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            # Before it was asked, only the KPIs followed up by gender were known to be about
            # people.
            state["about_people"] = state["by_gender"]

        def apply(self, service: SharedService) -> None:
            service.kpis[self.kpi_id] = {
                "name": self.name, "unit": self.unit,
                "target": None if self.target is None else str(self.target),
                "baseline": None if self.baseline is None else str(self.baseline),
                "direction": self.direction, "by_gender": self.by_gender,
                "about_people": self.about_people, "measurements": [],
            }

    class KpiMeasured(PlanAggregate.Event):
        kpi_id: str
        on: date
        value: Decimal
        split: dict[str, Decimal] | None

        def apply(self, service: SharedService) -> None:
            service.kpis[self.kpi_id]["measurements"].append({
                "on": self.on.isoformat(), "value": str(self.value),
                "split": {k: str(v) for k, v in self.split.items()} if self.split else None,
            })

    # ---- commands -----------------------------------------------------------------------

    @classmethod
    def create(cls, plan_id: UUID | str, name: str, place: str, description: str = "") -> SharedService:
        return cls._create_for_plan(
            cls.Created, as_id(plan_id), name=require_text(name, "name"),
            place=require_text(place, "place"),
            description=require_text(description, "description", max_length=5000, optional=True),
        )

    def change_details(self, name: str, place: str, description: str) -> None:
        new = {"name": require_text(name, "name"), "place": require_text(place, "place"),
               "description": require_text(description, "description", max_length=5000,
                                           optional=True)}
        before = {"name": self.name, "place": self.place, "description": self.description}
        if new != before:
            self.trigger_event(self.DetailsChanged, **new, before=before)

    def move_to(self, stage: str, reason: str = "") -> None:
        """Forward one stage at a time; a service can be ended from any stage."""
        require_choice(stage, "stage", STAGES)
        if self.stage == "ended":
            raise RuleViolated("This service has ended.", stage=self.stage)
        current = STAGES.index(self.stage)
        if stage != "ended" and STAGES.index(stage) != current + 1:
            raise RuleViolated(
                "A service at stage “{stage}” can move on to “{next_stage}” or be ended, "
                "not to “{wanted}”.", stage=self.stage, next_stage=STAGES[current + 1],
                wanted=stage,
            )
        self.trigger_event(self.StageChanged, stage=stage, before=self.stage,
                           reason=require_text(reason, "reason", max_length=2000, optional=True))

    def add_provider(self, actor_id: UUID | str) -> None:
        actor = as_id(actor_id)
        if actor in self.providers:
            raise RuleViolated("That organisation already provides this service.", actor_id=actor)
        self.trigger_event(self.ProviderAdded, actor_id=actor)

    def remove_provider(self, actor_id: UUID | str) -> None:
        actor = as_id(actor_id)
        if actor not in self.providers:
            raise NotFound("That organisation does not provide this service.", actor_id=actor)
        self.trigger_event(self.ProviderRemoved, actor_id=actor)

    def add_need(self, text: str) -> str:
        need_id = str(uuid4())
        self.trigger_event(self.NeedAdded, need_id=need_id,
                           text=require_text(text, "need", max_length=1000))
        return need_id

    def record_risk(self, title: str, likelihood: int, impact: int, mitigation: str = "",
                    owner_id: UUID | str | None = None, risk_id: UUID | str | None = None,
                    status: str = "open") -> str:
        """Add a risk, or (with risk_id) reassess one. Score = likelihood × impact (1–25);
        status: open, mitigated (still there, made smaller) or closed (gone)."""
        key = as_id(risk_id) if risk_id is not None else str(uuid4())
        if risk_id is not None and key not in self.risks:
            raise NotFound("No such risk for this service.", risk_id=key)
        risk = {
            "title": require_text(title, "title"),
            "likelihood": require_int(likelihood, "likelihood", minimum=1, maximum=5),
            "impact": require_int(impact, "impact", minimum=1, maximum=5),
            "mitigation": require_text(mitigation, "mitigation", max_length=2000, optional=True),
            "owner_id": as_id(owner_id),
            "status": require_choice(status, "status", RISK_STATUSES),
        }
        before = self.risks.get(key)
        if risk != before:
            self.trigger_event(self.RiskRecorded, risk_id=key, risk=risk, before=before)
        return key

    def remove_risk(self, risk_id: UUID | str) -> None:
        key = as_id(risk_id)
        if key not in self.risks:
            raise NotFound("No such risk for this service.", risk_id=key)
        self.trigger_event(self.RiskRemoved, risk_id=key, before=dict(self.risks[key]))

    def define_kpi(self, name: str, unit: str, target: Decimal | int | str | None = None,
                   by_gender: bool = False, baseline: Decimal | int | str | None = None,
                   direction: str = "higher", about_people: bool = False,
                   split_required: bool = False) -> str:
        """A KPI with its unit, the value it starts from (baseline), its target and which way
        is better; one about people may be followed up by gender (total, women, men), and must
        be when the plan requires it (`split_required`, the plan's setting). A KPI followed
        up by gender is about people."""
        about_people = bool(about_people) or bool(by_gender)
        if split_required and about_people and not by_gender:
            raise RuleViolated(SPLIT_REQUIRED_FOR_DEFINITION, field="by_gender")
        kpi_id = str(uuid4())
        self.trigger_event(
            self.KpiDefined, kpi_id=kpi_id, name=require_text(name, "name"),
            unit=require_text(unit, "unit", max_length=40),
            target=None if target is None else _decimal(target, "target"),
            by_gender=bool(by_gender),
            baseline=None if baseline is None else _decimal(baseline, "baseline"),
            direction=require_choice(direction, "direction", DIRECTIONS),
            about_people=about_people,
        )
        return kpi_id

    def measure_kpi(self, kpi_id: UUID | str, on: date, value: Decimal | int | str,
                    split: dict[str, Decimal | int | str] | None = None,
                    today: date | None = None, split_required: bool = False) -> None:
        """A dated measurement, never of a day to come; a gender split, when given, must add
        up to the value. The split is needed for a KPI followed up by gender, and for any KPI
        about people while the plan requires it (`split_required`), whenever it was defined."""
        key = as_id(kpi_id)
        if key not in self.kpis:
            raise NotFound("No such KPI for this service.", kpi_id=key)
        if not isinstance(on, date):
            raise RuleViolated("The measurement needs a date.", field="on")
        # One day of slack, as for decisions: the meeting's time zone may already be tomorrow.
        if on > (today or date.today()) + timedelta(days=1):
            raise RuleViolated("A measurement cannot be dated in the future.", field="on")
        value = _decimal(value, "value")
        checked = None
        if split:
            checked = {require_choice(g, "gender", GENDERS): _decimal(v, g)
                       for g, v in split.items()}
            if sum(checked.values()) != value:
                raise RuleViolated("The gender split must add up to the measured value.",
                                   field="split")
        elif self.kpis[key]["by_gender"]:
            raise RuleViolated("This KPI is followed up by gender; give the split.", field="split")
        elif split_required and self.kpis[key]["about_people"]:
            raise RuleViolated(SPLIT_REQUIRED_FOR_MEASUREMENT, field="split")
        self.trigger_event(self.KpiMeasured, kpi_id=key, on=on, value=value, split=checked)


def _decimal(value: object, field: str) -> Decimal:
    """KPI figures are exact decimals (never floats); money belongs in budgets and commitments."""
    if isinstance(value, (bool, float)):
        raise RuleViolated("{field} must be given as a whole number or decimal text.", field=field)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise RuleViolated("{field} must be a number.", field=field) from None
    if not number.is_finite():
        raise RuleViolated("{field} must be a finite number.", field=field)
    return number
