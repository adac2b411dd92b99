"""A realistic demo plan: a service point in Ramsjö (Ljusdals kommun), over three years.

Its years and dates follow the day it is loaded (adapters/demo_dates.py): nothing in it is
delivered, measured, verified or decided after that day. Every change runs as the person who
would really make it, acting for their own organisation, so the audit trail reads like a real
cooperation. Names and e-mails go to the people store only.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Any

from adapters.accounts import Accounts
from adapters.demo_dates import DemoCalendar, DemoDay, FromToday, PlanDay
from adapters.people import PeopleDirectory
from domain.context import Acting, acting_as
from domain.usecases import Samverkan

KR = 100  # öre per krona

# key: (name, sector)
ACTORS = {
    "kommun": ("Ljusdals kommun", "public"),
    "region": ("Region Gävleborg", "public"),
    "handel": ("Ramsjö Lanthandel AB", "private"),
    "bensin": ("Ramsjö Bensin & Service", "private"),
    "byalag": ("Ramsjö Byalag", "voluntary"),
    "hig": ("Högskolan i Gävle", "academic"),
}

# key: (name, e-mail, role, actor key or None)
PEOPLE = {
    "anna": ("Anna Berg", "anna.berg@ljusdal.example.se", "facilitator", "kommun"),
    "erik": ("Erik Lindqvist", "erik.lindqvist@region.example.se", "representative", "region"),
    "maria": ("Maria Johansson", "maria@ramsjolanthandel.example.se", "representative", "handel"),
    "lars": ("Lars Olsson", "lars.olsson@ramsjobensin.example.se", "representative", "bensin"),
    "karin": ("Karin Nilsson", "karin.nilsson@byalag.example.org", "representative", "byalag"),
    "sofia": ("Sofia Eriksson", "sofia.eriksson@hig.example.se", "representative", "hig"),
    "gunnar": ("Gunnar Persson", "gunnar.persson@ljusdal.example.se", "observer", None),
}

# (label ({y0} … {y2}: the plan's years), category, service, kronor a year (or per year of the
#  plan), cost shares in %)
LINES: tuple[tuple[str, str, str | None, int | tuple[int, ...], dict[str, int]], ...] = (
    ("Etablering av servicepunkt (inredning, disk, kassa)", "Lokaler", "punkt", (50_000, 0, 0),
     {"kommun": 50, "region": 30, "handel": 20}),
    ("Hyresandel för servicepunktens yta i butiken", "Lokaler", "punkt", 36_000,
     {"kommun": 70, "handel": 30}),
    ("El, värme och städning", "Drift", "punkt", 9_000, {"kommun": 50, "handel": 50}),
    ("Bemanning utöver butikens öppettider", "Personal", "punkt", 120_000,
     {"kommun": 40, "handel": 40}),
    ("Publik dator med skrivare", "IT", "punkt", (15_000, 0, 0), {"kommun": 100}),
    ("Bredband och IT-support för den publika datorn", "IT", "punkt", 6_000, {"kommun": 100}),
    ("Paketutlämning: hyllsystem och skanner", "Utrustning", "punkt", (12_000, 2_000, 2_000),
     {"handel": 100}),
    ("Apoteksombud: utbildning och kylskåp", "Utrustning", "punkt", (15_000, 3_000, 3_000),
     {"handel": 50, "region": 25}),
    ("Hjärtstartare med uppvärmt utomhusskåp", "Utrustning", "punkt", (22_000, 2_500, 2_500),
     {"region": 50, "kommun": 25, "bensin": 25}),
    ("Skyltning vid infarterna och i byn", "Information", "punkt", (25_000, 0, 0),
     {"region": 50, "kommun": 30}),
    ("Hemsändningsbidrag, utlämning Ramsjö Lanthandel", "Transporter", "hem", 10_000,
     {"kommun": 100}),
    ("Hemsändningsbidrag, utlämning Ramsjö Bensin & Service", "Transporter", "hem", 10_000,
     {"kommun": 100}),
    ("Utkörning av varor (bil och drivmedel)", "Transporter", "hem", 30_000,
     {"handel": 50, "bensin": 20}),
    ("Lokala aktiviteter, tre per år", "Aktiviteter", "punkt", 15_000,
     {"byalag": 60, "kommun": 40}),
    ("Fikahörna i servicepunkten", "Aktiviteter", "punkt", 6_000, {"byalag": 70, "handel": 30}),
    ("Invånarenkät (baslinje {y0}, uppföljning {y2})", "Utvärdering", None,
     (40_000, 10_000, 40_000), {"hig": 50, "region": 25, "kommun": 25}),
    ("Följeforskning och slutrapport", "Utvärdering", None, (30_000, 30_000, 60_000),
     {"hig": 60, "region": 20}),
    ("Marknadsföring och informationsblad till hushållen", "Information", "punkt",
     (12_000, 8_000, 8_000), {"kommun": 50, "handel": 25, "bensin": 25}),
    ("Kommunal information och vägledning på distans", "Personal", "punkt", 20_000,
     {"kommun": 100}),
    ("Försäkring för utrustning", "Drift", "punkt", 4_000, {"handel": 50, "kommun": 50}),
    ("Samordning och mötestid i samverkansgruppen", "Personal", None, 25_000,
     {"kommun": 60, "region": 20}),
    ("Oförutsedda kostnader", "Drift", None, 10_000, {}),
)

SERVICES: dict[str, dict[str, Any]] = {
    "punkt": {
        "name": "Servicepunkt Ramsjö Lanthandel", "place": "Ramsjö",
        "stages": ("proposed", "pilot"),
        "description": "Paketutlämning, apoteksombud, publik dator med internet och kommunal "
                       "information i byns lanthandel.",
        "providers": ("handel", "kommun", "byalag"),
        "needs": ("Närmaste apotek och paketombud ligger i Ljusdal, fyra mil bort.",
                  "Äldre saknar dator och behöver hjälp med e-tjänster och BankID.",
                  "Byn behöver en mötesplats sedan skolan och posten lagts ned."),
        # (title, likelihood, impact, owner (its representative records it), mitigation)
        "risks": (
            ("Butikens lönsamhet sviktar och butiken stänger", 3, 5, "kommun",
             "Samla kommunala uppdrag i butiken och följ upp ekonomin varje kvartal."),
            ("Apoteksombudet dras in vid för låg volym", 2, 4, "handel",
             "Marknadsför ombudet och erbjud beställning via servicepunkten."),
            ("För få använder den publika datorn", 3, 2, "byalag",
             "Byalaget håller drop-in-hjälp med BankID en kväll i månaden."),
        ),
        # (name, unit, target, by gender, who measures, measurements: (date, value, split))
        "kpis": (
            ("Besök i servicepunkten per månad", "besök", 600, True, "maria", (
                (PlanDay(0, 3, 31), 412, {"women": 236, "men": 174, "other": 2}),
                (PlanDay(0, 6, 30), 488, {"women": 281, "men": 205, "other": 2}))),
            ("Utlämnade paket per månad", "paket", 350, False, "maria", (
                (PlanDay(0, 3, 31), 290, None), (PlanDay(0, 6, 30), 318, None))),
        ),
    },
    "hem": {
        "name": "Hemsändning av dagligvaror", "place": "Ramsjö med omnejd", "stages": ("proposed",),
        "description": "Varor beställs per telefon eller webb och körs ut en gång i veckan till "
                       "hushåll utan bil; utlämning även vid lanthandeln och bensinstationen.",
        "providers": ("handel", "bensin", "kommun"),
        "needs": ("Äldre utan bil har fyra mil till närmaste större livsmedelsbutik.",
                  "Hushåll längs byvägarna nås inte av kollektivtrafik dagtid."),
        "risks": (
            ("Förare saknas vid sjukdom eller semester", 3, 3, "handel",
             "Två reservförare från byalaget med introduktion före start."),
            ("Hemsändningsbidraget sänks i kommunens budget", 2, 4, "kommun",
             "Treårigt beslut om bidraget i kommunstyrelsen."),
            ("Vinterväglag ställer in turer", 3, 2, "bensin",
             "Flytta turen en dag och meddela kunderna per sms."),
        ),
        "kpis": (
            ("Personer som vill använda hemsändning (enkät)", "personer", 40, True, "sofia", (
                (PlanDay(0, 2, 28), 34, {"women": 21, "men": 13}),
                (PlanDay(0, 9, 30), 41, {"women": 25, "men": 15, "other": 1}))),
            ("Leveranser per vecka", "leveranser", 25, False, "maria", ()),
        ),
    },
}


CONFIRM = ("confirm",)
# (actor (its representative acts), kind, quantity (kr for money), due, description,
#  value in kr, service, line index, steps: confirm, deliver, verify (by the facilitator), withdraw).
# What was delivered lies in the plan's first nine months, always past; a pledge still open is
# due a few weeks from today, or at the end of the plan; the signage is overdue.
START, END = PlanDay(0, 3, 1), PlanDay(2, 12, 31)
COMMITMENTS: tuple[tuple[Any, ...], ...] = (
    ("kommun", "money", 25_000, START, "Kommunens del av etableringen", None, "punkt", 0,
     (CONFIRM, ("deliver", 25_000, PlanDay(0, 2, 20), "Utbetalt mot faktura"))),
    ("region", "money", 15_000, START, "Regionens medfinansiering av etableringen", None,
     "punkt", 0, (CONFIRM, ("deliver", 15_000, PlanDay(0, 3, 10), "Utbetalt enligt beslut"),
                  ("verify", "Kontrollerat mot regionens beslut och kontoutdrag."))),
    ("handel", "premises", 12, START, "12 m² butiksyta för servicepunkten", 32_400,
     "punkt", 1, (CONFIRM,)),
    ("handel", "staff_hours", 576, END, "Butikspersonal bemannar servicepunkten "
     "kvällar och lördagar", 144_000, "punkt", 3, (CONFIRM,)),
    ("byalag", "volunteer_hours", 450, END, "Ideell tid: tre aktiviteter per år och "
     "fikahörnan", 135_000, "punkt", None, (CONFIRM, ("deliver", 38, PlanDay(0, 5, 22),
     "Vårstädning och invigningsfika"), ("deliver", 64, PlanDay(0, 8, 14), "Byadag med marknad"))),
    ("bensin", "equipment", 1, FromToday(45), "Utomhusskåp och elanslutning för hjärtstartaren "
     "vid bensinstationen", 4_500, "punkt", 8, ()),
    ("region", "money", 13_500, FromToday(45), "Regionens del av hjärtstartaren", None, "punkt",
     8, ()),
    ("region", "money", 12_500, PlanDay(0, 5, 1), "Regionens del av skyltningen", None, "punkt", 9,
     (CONFIRM,)),
    ("hig", "staff_hours", 120, END, "Forskartid för följeforskning och slutrapport",
     72_000, None, 16, ()),
    ("kommun", "staff_hours", 90, END, "Landsbygdsutvecklarens tid för samordning",
     45_000, None, 20, (CONFIRM,)),
    ("kommun", "money", 30_000, END, "Hemsändningsbidrag {span}, utlämning i "
     "lanthandeln", None, "hem", 10, ()),
    ("bensin", "money", 6_000, PlanDay(0, 9, 1), "Bidrag till utkörningen {y0}", None, "hem", 12,
     (("withdraw", "Styrelsen prioriterar nya pumpar {y0}; vi återkommer inför {y1}."),)),
)

@dataclass(frozen=True)
class DemoPerson:
    person_id: str
    name: str
    email: str
    role: str
    org_name: str | None


@dataclass(frozen=True)
class DemoPlan:
    plan_id: str
    budget_id: str
    people: tuple[DemoPerson, ...]
    #: The plan's years (they follow the day it was loaded).
    years: tuple[int, ...] = ()


def store_is_empty(app: Samverkan) -> bool:
    """True while no event has been stored (a fresh install that may get the demo)."""
    return not app.recorder.max_notification_id()


def load_demo(app: Samverkan, people: PeopleDirectory, accounts: Accounts | None = None,
              password: str | None = None,
              progress: Callable[[str], None] | None = None,
              today: date | None = None) -> DemoPlan:
    """Store the Ramsjö demo plan, each change made by the person who would really make it.

    With `accounts` and a `password`, every demo person can sign in with their e-mail address
    and that password (a person who already has a password keeps it). Its years and dates
    follow `today` (the real today unless a test says otherwise).
    """
    say = progress or (lambda _message: None)
    demo = _Loader(app, {key: _person_id(people, name, email)
                         for key, (name, email, _, _) in PEOPLE.items()},
                   DemoCalendar(today or date.today()))
    if accounts is not None and password:
        for person_id in demo.pid.values():
            if not accounts.has_password(person_id):
                accounts.set_password(person_id, password)
    demo.plan_and_members()
    say("Plan, organisationer och medlemmar klara")
    for key, spec in SERVICES.items():
        demo.service(key, spec)
    say("Tjänster med behov, risker och nyckeltal klara")
    demo.budget()
    say(f"Budget med {len(demo.lines)} budgetposter klar")
    for commitment in COMMITMENTS:
        demo.commitment(*commitment)
    say(f"{len(COMMITMENTS)} åtaganden klara")
    return DemoPlan(demo.plan, demo.budget_id, tuple(
        DemoPerson(demo.pid[key], name, email, role, ACTORS[actor][0] if actor else None)
        for key, (name, email, role, actor) in PEOPLE.items()), demo.calendar.years)


def _representative(actor: str) -> str:
    return next(key for key, person in PEOPLE.items() if person[3] == actor)


def _person_id(people: PeopleDirectory, name: str, email: str) -> str:
    """Reuse a demo person already in the people store (the event store may have been reset)."""
    known = people.by_email(email)
    return known.id if known else people.add(name, email)


class _Loader:
    """Runs the demo's commands, remembering the ids they create."""

    def __init__(self, app: Samverkan, pid: dict[str, str], calendar: DemoCalendar) -> None:
        self.app, self.pid, self.plan, self.budget_id = app, pid, "", ""
        self.calendar = calendar
        self.org: dict[str, str] = {}
        self.services: dict[str, str] = {}
        self.lines: list[str] = []

    def as_(self, person: str) -> AbstractContextManager[Acting]:
        """The person acting for their own organisation (once it is in the plan)."""
        return acting_as(self.pid[person], self.org.get(PEOPLE[person][3] or ""))

    def plan_and_members(self) -> None:
        app = self.app
        with self.as_("anna"):  # for no organisation yet: the kommun joins the plan just below
            years = self.calendar.years
            self.plan = str(app.start_plan(self.calendar.text("Serviceplan Ramsjö {span}"),
                                           "Ramsjö", years[0], years[-1]).aggregate_id)
            # Every KPI about people below is followed up by gender, as the plan requires.
            app.require_gender_split(self.plan, True)
            for key, (name, sector) in ACTORS.items():
                self.org[key] = str(app.add_actor(self.plan, name, sector).entity_id)
        with self.as_("anna"):
            app.change_member(self.plan, self.pid["anna"], "facilitator", self.org["kommun"])
            for key, (_, _, role, actor) in PEOPLE.items():
                if key != "anna":
                    app.add_member(self.plan, self.pid[key], role, self.org.get(actor or ""))

    def service(self, key: str, spec: dict[str, Any]) -> None:
        app, org = self.app, self.org
        with self.as_("anna"):
            service = str(app.create_service(self.plan, spec["name"], spec["place"],
                                             spec["description"]).aggregate_id)
            for actor in spec["providers"]:
                app.add_provider(service, org[actor])
        with self.as_("karin"):
            for need in spec["needs"]:
                app.add_need(service, need)
        for title, likelihood, impact, owner, mitigation in spec["risks"]:
            with self.as_(_representative(owner)):
                app.record_risk(service, title, likelihood, impact, mitigation, org[owner])
        for name, unit, target, by_gender, measurer, measurements in spec["kpis"]:
            with self.as_("sofia"):
                kpi = str(app.define_kpi(service, name, unit, target, by_gender).entity_id)
            with self.as_(measurer):
                for on, value, split in measurements:
                    app.measure_kpi(service, kpi, self.calendar.day(on), value, split,
                                    today=self.calendar.today)
        with self.as_("anna"):
            for stage in spec["stages"]:
                app.move_service_to(service, stage)
        self.services[key] = service

    def budget(self) -> None:
        """Anna drafts the lines; each representative sets their own organisation's share."""
        cal, years = self.calendar, self.calendar.years
        with self.as_("anna"):
            self.budget_id = str(self.app.create_budget(self.plan, cal.text("Budget {span}"))
                                 .aggregate_id)
        for label, category, service, kronor, shares in LINES:
            per_year = kronor if isinstance(kronor, tuple) else (kronor,) * len(years)
            amounts = {year: kr * KR for year, kr in zip(years, per_year, strict=True)}
            with self.as_("anna"):
                self.lines.append(str(self.app.add_line(
                    self.budget_id, cal.text(label), category, amounts,
                    self.services.get(service or "")).entity_id))
            for actor, percent in shares.items():
                with self.as_(_representative(actor)):
                    self.app.set_share(self.budget_id, self.lines[-1], self.org[actor],
                                       percent * 100)

    def commitment(self, actor: str, kind: str, quantity: int, due: DemoDay, description: str,
                   value_kr: int | None, service: str | None, line: int | None,
                   steps: tuple[tuple[Any, ...], ...]) -> None:
        app, unit, person = self.app, KR if kind == "money" else 1, _representative(actor)
        cal = self.calendar
        with self.as_(person):
            commitment = app.pledge(
                self.plan, self.org[actor], kind, quantity * unit, cal.day(due),
                cal.text(description), None if value_kr is None else value_kr * KR,
                self.services.get(service or ""), None if line is None else self.budget_id,
                None if line is None else self.lines[line]).aggregate_id
        for step, *args in steps:
            # The facilitator verifies; the pledging organisation does everything else.
            with self.as_("anna" if step == "verify" else person):
                if step == "confirm":
                    app.confirm_commitment(commitment)
                elif step == "deliver":
                    app.record_delivery(commitment, args[0] * unit, cal.day(args[1]), args[2])
                elif step == "verify":
                    app.verify_commitment(commitment, args[0])
                else:
                    app.withdraw_commitment(commitment, cal.text(args[0]))
