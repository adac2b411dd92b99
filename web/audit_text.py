"""Audit rows in words, in the reader's language.

"Anna Berg (Ljusdals kommun, public) changed Lokalhyra 2027 from 48 000 kr to 52 000 kr":
person names come from the people store when shown (erased people read "erased person #…"),
organisation names and sectors as they were when the change was made (the row keeps them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _

from web.formatting import money, share
from web.vocabulary import COMMITMENT_KINDS, term

Row = Mapping[str, Any]
#: (row, details, names, (before, after)) → the sentence.
Phrase = Callable[[Row, dict[str, Any], Mapping[str, str], tuple[str, str]], str]


def details(row: Row) -> dict[str, Any]:
    try:
        found = json.loads(row.get("details") or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def who(row: Row, names: Mapping[str, str]) -> str:
    """The person with the organisation and sector they acted for at the time."""
    person = row.get("person_id")
    name = names.get(person, _("erased person #%(id)s", id=person[:8])) if person else _("Someone")
    if row.get("org_name") and row.get("sector"):
        return _("%(name)s (%(org)s, %(sector)s)", name=name, org=row["org_name"],
                 sector=term(row["sector"]))
    if row.get("org_name"):
        return _("%(name)s (%(org)s)", name=name, org=row["org_name"])
    return name


def before_after(row: Row, d: dict[str, Any] | None = None) -> tuple[str, str]:
    """What a changed value was and became, formatted for the reader ("", "" when none)."""
    d = details(row) if d is None else d
    kind = row.get("event_type")
    if kind == "LineItemAmountChanged":
        return money(d.get("before")), money(d.get("amount"))
    if kind == "CostShareChanged":
        return share(d.get("before")) or "0\u00a0%", share(d.get("share")) or "0\u00a0%"
    if kind == "LineItemMoved":
        return _text(_position(d.get("before"))), _text(_position(d.get("position")))
    if kind == "LineItemChanged" and d.get("field") == "kind":  # cost / income, in words
        return _text(term(d.get("before"))), _text(term(d.get("value")))
    if kind == "LineItemChanged":
        return _text(d.get("before")), _text(d.get("value"))
    if kind in ("StatusChanged", "StageChanged"):
        key = "status" if kind == "StatusChanged" else "stage"
        return _text(term(d.get("before"))), _text(term(d.get(key)))
    if kind == "MemberChanged":
        was = d.get("before") or {}
        return _text(term(was.get("role"))), _text(term(d.get("role")))
    if kind in ("DetailsChanged", "ActorChanged"):
        was = d.get("before") or {}
        return _text(was.get("name") if isinstance(was, dict) else was), _text(d.get("name"))
    if kind == "Withdrawn":
        return _text(term(d.get("before"))), str(term("withdrawn"))
    return "", ""


def sentence(row: Row, names: Mapping[str, str], actors: Mapping[str, str] | None = None,
             d: dict[str, Any] | None = None, ba: tuple[str, str] | None = None) -> str:
    """One change in words. `actors`: organisation names by id, for shares and providers."""
    d = details(row) if d is None else d
    phrase = PHRASES.get((row.get("aggregate_type"), row.get("event_type")), _fallback)
    try:
        ba = before_after(row, d) if ba is None else ba
        text = phrase(row, d, {**actors, **names} if actors else names, ba)
    except (KeyError, TypeError, ValueError, AttributeError):  # odd details: still say something
        text = _fallback(row, d, names, ("", ""))
    if d.get("redoes"):
        text = _("%(change)s (redoing an undone change)", change=text)
    elif d.get("compensates"):
        text = _("%(change)s (undoing an earlier change)", change=text)
    return text


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _position(value: Any) -> Any:
    return value + 1 if isinstance(value, int) else value


def _line(row: Row) -> str:
    return row.get("subject_name") or _("a line")


def _aggregate(row: Row) -> str:
    return row.get("aggregate_name") or _("an item")


def _commitment(row: Row) -> str:
    """Which commitment a sentence is about: “what it says it is”, else “a commitment”."""
    name = row.get("aggregate_name")
    return _("the commitment “%(name)s”", name=name) if name else _("a commitment")


def _person(d: dict[str, Any], names: Mapping[str, str]) -> str:
    pid = d.get("person_id") or ""
    return names.get(pid) or _("erased person #%(id)s", id=pid[:8])


def _fallback(row: Row, d: dict[str, Any], names: Mapping[str, str], ba: tuple[str, str]) -> str:
    return _("%(who)s made a change (%(kind)s) to %(item)s", who=who(row, names),
             kind=row.get("event_type"), item=_aggregate(row))


def _line_changed(row: Row, d: dict[str, Any], names: Mapping[str, str],
                  ba: tuple[str, str]) -> str:
    before, after = ba
    if d.get("field") == "label":
        return _("%(who)s renamed the line %(before)s to %(after)s", who=who(row, names),
                 before=before, after=after)
    if d.get("field") == "kind":
        return _("%(who)s changed %(line)s from %(before)s to %(after)s", who=who(row, names),
                 line=_line(row), before=before, after=after)
    if d.get("field") == "category":
        return _("%(who)s changed the category of %(line)s from %(before)s to %(after)s",
                 who=who(row, names), line=_line(row), before=before or "–", after=after or "–")
    return _("%(who)s changed the service linked to %(line)s", who=who(row, names), line=_line(row))


def _status_changed(row: Row, d: dict[str, Any], names: Mapping[str, str],
                    ba: tuple[str, str]) -> str:
    decision = d.get("decision") or {}
    superseded_by = d.get("superseded_by") or {}
    if d.get("status") == "superseded" and superseded_by:
        return _("%(who)s: %(item)s revision %(old)s was superseded by revision %(new)s "
                 "(decision “%(decision)s”, %(date)s)", who=who(row, names), item=_aggregate(row),
                 old=d.get("revision") or superseded_by.get("revision", 2) - 1,
                 new=superseded_by.get("revision"), decision=decision.get("title") or "?",
                 date=decision.get("decided_on") or "?")
    if d.get("status") == "adopted" and decision:
        return _("%(who)s adopted %(item)s revision %(revision)s by the decision “%(decision)s” "
                 "(%(date)s)", who=who(row, names), item=_aggregate(row),
                 revision=d.get("revision") or 1, decision=decision.get("title") or "?",
                 date=decision.get("decided_on") or "?")
    return _("%(who)s changed the status of %(item)s from %(before)s to %(after)s",
             who=who(row, names), item=_aggregate(row), before=ba[0], after=ba[1])


def _former(d: dict[str, Any]) -> str:
    """An organisation's name as it was before it was removed or left."""
    return str((d.get("before") or {}).get("name") or "?")


def _org(key: str) -> Callable[[Row, dict[str, Any], Mapping[str, str]], str]:
    return lambda row, d, names: names.get(d.get(key) or "") or row.get("subject_name") or "?"


def _line_total(row: Row, d: dict[str, Any], names: Mapping[str, str]) -> str:
    return money(sum(int(v) for v in (d.get("amounts") or {}).values()))


# The msgids are spelled out in each call so extraction puts them in the catalogues.
PHRASES: dict[tuple[str, str], Phrase] = {
    ("budget", "Created"): lambda r, d, n, ba: (
        _("%(who)s imported %(count)s lines from %(file)s into the new budget %(item)s",
          who=who(r, n), count=d.get("lines") or 0, file=d["source"], item=_aggregate(r))
        if d.get("source") else
        _("%(who)s created the budget %(item)s", who=who(r, n), item=_aggregate(r))
        if (d.get("revision") or 1) <= 1 else
        _("%(who)s started revision %(revision)s of the budget %(item)s", who=who(r, n),
          revision=d["revision"], item=_aggregate(r))),
    ("budget", "LineItemAdded"): lambda r, d, n, ba: _(
        "%(who)s added the line %(line)s (%(total)s) to %(item)s", who=who(r, n), line=_line(r),
        total=_line_total(r, d, n), item=_aggregate(r)),
    ("budget", "LineItemChanged"): _line_changed,
    ("budget", "LineItemAmountChanged"): lambda r, d, n, ba: _(
        "%(who)s changed %(line)s %(year)s from %(before)s to %(after)s", who=who(r, n),
        line=_line(r), year=d.get("year"), before=ba[0], after=ba[1]),
    ("budget", "CostShareChanged"): lambda r, d, n, ba: _(
        "%(who)s changed the share of %(org)s in %(line)s from %(before)s to %(after)s",
        who=who(r, n), org=_org("actor_id")(r, d, n), line=_line(r), before=ba[0],
        after=ba[1]),
    ("budget", "LineItemMoved"): lambda r, d, n, ba: _(
        "%(who)s moved the line %(line)s from place %(before)s to %(after)s", who=who(r, n),
        line=_line(r), before=ba[0], after=ba[1]),
    ("budget", "LineItemRemoved"): lambda r, d, n, ba: _(
        "%(who)s removed the line %(line)s from %(item)s", who=who(r, n), line=_line(r),
        item=_aggregate(r)),
    ("budget", "LineItemRestored"): lambda r, d, n, ba: _(
        "%(who)s restored the line %(line)s in %(item)s", who=who(r, n), line=_line(r),
        item=_aggregate(r)),
    ("budget", "StatusChanged"): _status_changed,
    ("budget", "YearAdded"): lambda r, d, n, ba: _(
        "%(who)s added the year %(year)s to %(item)s", who=who(r, n), year=d.get("year"),
        item=_aggregate(r)),
    ("budget", "YearRemoved"): lambda r, d, n, ba: _(
        "%(who)s removed the year %(year)s from %(item)s", who=who(r, n), year=d.get("year"),
        item=_aggregate(r)),
    ("plan", "Created"): lambda r, d, n, ba: _(
        "%(who)s created the plan %(item)s", who=who(r, n), item=d.get("name") or _aggregate(r)),
    ("plan", "DetailsChanged"): lambda r, d, n, ba: _(
        "%(who)s changed the name, place or description of the plan %(item)s", who=who(r, n),
        item=d.get("name") or _aggregate(r)),
    ("plan", "GenderSplitRequirementChanged"): lambda r, d, n, ba: (
        _("%(who)s required every indicator about people in the plan to be followed up by "
          "gender", who=who(r, n)) if d.get("required")
        else _("%(who)s stopped requiring the indicators about people to be followed up by "
               "gender", who=who(r, n))),
    ("plan", "Archived"): lambda r, d, n, ba: (
        _("%(who)s archived the plan: %(reason)s", who=who(r, n), reason=d["reason"])
        if d.get("reason") else _("%(who)s archived the plan", who=who(r, n))),
    ("plan", "ActorRemoved"): lambda r, d, n, ba: _(
        "%(who)s removed the organisation %(org)s", who=who(r, n), org=_former(d)),
    ("plan", "ActorLeft"): lambda r, d, n, ba: _(
        "%(who)s marked %(org)s as having left the plan", who=who(r, n), org=_former(d)),
    ("plan", "ActorAdded"): lambda r, d, n, ba: _(
        "%(who)s added the organisation %(org)s (%(sector)s)", who=who(r, n), org=d.get("name"),
        sector=term(d.get("sector"))),
    ("plan", "ActorChanged"): lambda r, d, n, ba: _(
        "%(who)s changed the organisation %(before)s to %(org)s (%(sector)s)", who=who(r, n),
        before=ba[0], org=d.get("name"), sector=term(d.get("sector"))),
    ("plan", "MemberAdded"): lambda r, d, n, ba: _(
        "%(who)s added %(person)s to the plan as %(role)s", who=who(r, n), person=_person(d, n),
        role=term(d.get("role"))),
    ("plan", "MemberChanged"): lambda r, d, n, ba: _(
        "%(who)s changed the role of %(person)s from %(before)s to %(after)s", who=who(r, n),
        person=_person(d, n), before=ba[0], after=ba[1]),
    ("plan", "MemberJoined"): lambda r, d, n, ba: _(
        "%(who)s joined the plan as %(role)s", who=who(r, n), role=term(d.get("role"))),
    ("plan", "MemberRemoved"): lambda r, d, n, ba: _(
        "%(who)s removed %(person)s from the plan", who=who(r, n), person=_person(d, n)),
    ("service", "Created"): lambda r, d, n, ba: _(
        "%(who)s created the service %(item)s", who=who(r, n), item=d.get("name") or _aggregate(r)),
    ("service", "DetailsChanged"): lambda r, d, n, ba: _(
        "%(who)s changed the details of the service %(item)s", who=who(r, n),
        item=d.get("name") or _aggregate(r)),
    ("service", "ProviderAdded"): lambda r, d, n, ba: _(
        "%(who)s added %(org)s as a provider of %(item)s", who=who(r, n),
        org=_org("actor_id")(r, d, n), item=_aggregate(r)),
    ("service", "ProviderRemoved"): lambda r, d, n, ba: _(
        "%(who)s removed %(org)s as a provider of %(item)s", who=who(r, n),
        org=_org("actor_id")(r, d, n), item=_aggregate(r)),
    ("service", "NeedAdded"): lambda r, d, n, ba: _(
        "%(who)s recorded a need for %(item)s: %(text)s", who=who(r, n), item=_aggregate(r),
        text=d.get("text") or ""),
    ("service", "RiskRecorded"): lambda r, d, n, ba: _(
        "%(who)s recorded the risk %(risk)s for %(item)s", who=who(r, n),
        risk=(d.get("risk") or {}).get("title") or r.get("subject_name"), item=_aggregate(r)),
    ("service", "RiskRemoved"): lambda r, d, n, ba: _(
        "%(who)s removed the risk %(risk)s from %(item)s", who=who(r, n),
        risk=r.get("subject_name") or "?", item=_aggregate(r)),
    ("service", "KpiDefined"): lambda r, d, n, ba: _(
        "%(who)s defined the indicator %(kpi)s for %(item)s", who=who(r, n),
        kpi=d.get("name") or r.get("subject_name"), item=_aggregate(r)),
    ("service", "KpiMeasured"): lambda r, d, n, ba: _(
        "%(who)s measured %(kpi)s at %(value)s on %(date)s", who=who(r, n),
        kpi=r.get("subject_name") or "?", value=d.get("value"), date=d.get("on")),
    ("service", "StageChanged"): lambda r, d, n, ba: _(
        "%(who)s moved %(item)s from stage %(before)s to %(after)s: %(reason)s", who=who(r, n),
        item=_aggregate(r), before=ba[0], after=ba[1], reason=d["reason"]) if d.get("reason")
    else _("%(who)s moved %(item)s from stage %(before)s to %(after)s", who=who(r, n),
           item=_aggregate(r), before=ba[0], after=ba[1]),
    ("commitment", "Created"): lambda r, d, n, ba: _(
        "%(who)s pledged %(what)s (%(kind)s) for %(org)s: %(text)s", who=who(r, n),
        what=money(d.get("value_ore")) if d.get("value_ore") is not None else d.get("quantity"),
        kind=COMMITMENT_KINDS.get(d.get("kind"), d.get("kind")), org=_org("actor_id")(r, d, n),
        text=d.get("description") or ""),
    ("commitment", "Confirmed"): lambda r, d, n, ba: _(
        "%(who)s confirmed %(item)s", who=who(r, n), item=_commitment(r)),
    ("commitment", "DeliveryRecorded"): lambda r, d, n, ba: _(
        "%(who)s recorded a delivery on %(item)s (%(date)s)", who=who(r, n), item=_commitment(r),
        date=d.get("on")),
    ("commitment", "Verified"): lambda r, d, n, ba: _(
        "%(who)s verified %(item)s", who=who(r, n), item=_commitment(r)),
    ("commitment", "Withdrawn"): lambda r, d, n, ba: _(
        "%(who)s withdrew %(item)s: %(reason)s", who=who(r, n), item=_commitment(r),
        reason=d.get("reason") or ""),
}


def record(row: Row, names: Mapping[str, str], actors: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A row as the API and exports give it: ids, names as shown, before → after and the sentence."""
    d = details(row)
    before, after = before_after(row, d)
    person = row.get("person_id")
    return {
        "position": row["position"], "time": row["recorded_at"],
        "person_id": person, "person": names.get(person, "") if person else "",
        "org_id": row.get("org_id"), "organisation": row.get("org_name") or "",
        "sector": row.get("sector") or "", "aggregate_type": row["aggregate_type"],
        "aggregate_id": row["aggregate_id"], "aggregate": row.get("aggregate_name") or "",
        "subject_id": row.get("subject_id"), "subject": row.get("subject_name") or "",
        "kind": row["event_type"], "before": before, "after": after,
        "sentence": sentence(row, names, actors, d, (before, after)),
    }


def people_in(rows: list[Row]) -> set[str]:
    """Every person a batch of rows names: who acted, and whom member changes were about."""
    found = {r["person_id"] for r in rows if r.get("person_id")}
    found |= {d["person_id"] for r in rows if r.get("event_type", "").startswith("Member")
              and (d := details(r)).get("person_id")}
    return found
