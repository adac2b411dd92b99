"""Demo sign-in: pick a person from the plans' members (until accounts arrive with passwords).

The acting person is kept in the session; every command they give records their id and the
organisation they represent in the plan.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from projections.tables import plan, plan_actor, plan_member
from web.app import system

bp = Blueprint("auth", __name__)


def current_person_id() -> str | None:
    return session.get("person_id")


@bp.app_context_processor
def inject_person() -> dict[str, object]:
    person_id = current_person_id()
    name = system().people.display_names([person_id])[person_id] if person_id else None
    return {"me": {"person_id": person_id, "name": name} if person_id else None}


@bp.get("/sign-in")
def sign_in_form() -> str:
    """Everyone who is a member of a plan, by plan, with role and organisation."""
    query = (select(plan.c.name.label("plan_name"), plan_member.c.person_id, plan_member.c.role,
                    plan_actor.c.name.label("org_name"))
             .join(plan, plan.c.plan_id == plan_member.c.plan_id)
             .outerjoin(plan_actor, (plan_actor.c.plan_id == plan_member.c.plan_id)
                        & (plan_actor.c.actor_id == plan_member.c.org_id))
             .order_by(plan.c.name, plan_member.c.role))
    with system().engine.connect() as conn:
        members = [dict(r) for r in conn.execute(query).mappings()]
    names = system().people.display_names({m["person_id"] for m in members})
    return render_template("sign_in.html", members=members, names=names,
                           next=request.args.get("next", ""))


@bp.post("/sign-in")
def sign_in() -> Response:
    person_id = request.form.get("person_id", "")
    if system().people.get(person_id) is None:
        abort(400, "No such person.")
    language = session.get("lang")
    session.clear()  # a fresh session for the person who signs in
    session["person_id"] = person_id
    if language:
        session["lang"] = language
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//")
                    else url_for("plans.index"))


@bp.post("/sign-out")
def sign_out() -> Response:
    session.clear()
    return redirect(url_for("plans.index"))
