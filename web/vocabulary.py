"""Words that reach pages and messages as data: a budget's status, a member's role, a sector …

Templates translate them with a variable (`_(b.status)`, `_(m.role)`), and domain messages
fill blanks with them ("this one is {status}"), which extraction cannot see; the `_l`
markers here put them in the catalogues. Keys are the values the domain stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

BUDGET_STATUSES = {"draft": _l("draft"), "proposed": _l("proposed"), "adopted": _l("adopted"),
                   "superseded": _l("superseded")}
LINE_KINDS = {"cost": _l("cost"), "income": _l("income")}
ROLES = {"facilitator": _l("facilitator"), "representative": _l("representative"),
         "observer": _l("observer")}
SECTORS = {"public": _l("public"), "private": _l("private"), "academic": _l("academic"),
           "voluntary": _l("voluntary")}
SERVICE_STAGES = {"idea": _l("idea"), "proposed": _l("proposed"), "pilot": _l("pilot"),
                  "running": _l("running"), "ended": _l("ended")}
COMMITMENT_KINDS = {"money": _l("money"), "staff_hours": _l("staff hours"),
                    "volunteer_hours": _l("volunteer hours"), "premises": _l("premises"),
                    "equipment": _l("equipment")}
COMMITMENT_STATUSES = {"pledged": _l("pledged"), "confirmed": _l("confirmed"),
                       "delivered": _l("delivered"), "verified": _l("verified"),
                       "withdrawn": _l("withdrawn")}
UNITS = {"öre": _l("öre"), "hours": _l("hours"), "m²": _l("m²"), "items": _l("items")}
GENDERS = {"women": _l("women"), "men": _l("men"), "other": _l("other")}
RISK_STATUSES = {"open": _l("open"), "mitigated": _l("mitigated"), "closed": _l("closed")}

#: Every value word above, by the value the domain stores.
TERMS: Mapping[str, Any] = {**BUDGET_STATUSES, **LINE_KINDS, **ROLES, **SECTORS, **SERVICE_STAGES,
                            **COMMITMENT_KINDS, **COMMITMENT_STATUSES, **UNITS, **GENDERS,
                            **RISK_STATUSES}

#: The fields domain messages name in "{field} must …", as a reader knows them.
FIELDS: Mapping[str, Any] = {
    "amount": _l("amount"), "category": _l("category"), "description": _l("description"),
    "due": _l("due date"), "end_year": _l("end year"), "gender": _l("gender"),
    "impact": _l("impact"), "kind": _l("kind"), "label": _l("line name"),
    "likelihood": _l("likelihood"), "line_id": _l("budget line"), "mitigation": _l("mitigation"),
    "name": _l("name"), "need": _l("need"), "note": _l("note"), "on": _l("date"),
    "org_id": _l("organisation"), "place": _l("place"), "position": _l("position"),
    "quantity": _l("quantity"), "reason": _l("reason"), "role": _l("role"), "sector": _l("sector"),
    "service_id": _l("service"), "share": _l("share"), "source": _l("file name"),
    "split": _l("gender split"),
    "by_gender": _l("follow-up by gender"), "about_people": _l("about people"),
    "gender_split_required": _l("gender split required"),
    "stage": _l("stage"), "start_year": _l("start year"), "target": _l("target"),
    "title": _l("title"), "unit": _l("unit"), "value": _l("value"), "value_ore": _l("value"),
    "year": _l("year"), "years": _l("years"), "reason_code": _l("reason"), "at": _l("moment"),
    "attendees": _l("attendees"), "baseline": _l("baseline"), "direction": _l("direction"),
    "status": _l("status"), "file": _l("file"), "actor_id": _l("organisation"),
    "budget_id": _l("budget"), "budget": _l("budget"), "budget_version": _l("change number of the budget"),
    "decided_on": _l("date of the decision"), "text": _l("decision text"), **GENDERS,
    # The fields of the pages' forms and query strings.
    "email": _l("e-mail address"), "confirm_email": _l("e-mail address"),
    "password": _l("password"), "current_password": _l("current password"),
    "new_password": _l("new password"), "repeat_password": _l("password repeated"),
    "next": _l("page to go to"), "from": _l("from date"), "to": _l("to date"),
    "before": _l("older than"), "person": _l("person"), "org": _l("organisation"),
    "event_type": _l("kind of event"), "aggregate": _l("budget or service"),
    "line": _l("budget line"), "version": _l("change number"),
    "compare_from": _l("compare from"), "compare_to": _l("compare to"), "uncompressed": _l("uncompressed"),
}


def term(value: object) -> object:
    """A stored value word in the reader's language; anything else unchanged."""
    return str(TERMS[value]) if isinstance(value, str) and value in TERMS else value


def field_name(field: object) -> object:
    """A field as domain messages name it, in the reader's language."""
    return str(FIELDS[field]) if isinstance(field, str) and field in FIELDS else field
