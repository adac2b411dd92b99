"""Who may do what in a plan: each role's rights, checked by the application for every command.

The web pages, the REST API, the socket commands and the CLI all go through the application,
so one table here decides for all of them.

- facilitator: manages the plan, its members and roles, services, proposes and adopts budgets,
  verifies commitments, records decisions.
- representative (of one organisation): edits draft budgets, works on services (needs, risks,
  KPIs) and manages their own organisation's commitments, never another organisation's.
- observer: reads everything, including the audit trail and exports; changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.errors import NotAllowed, translatable

FACILITATOR, REPRESENTATIVE, OBSERVER = "facilitator", "representative", "observer"


@dataclass(frozen=True)
class Right:
    """A right: the roles that hold it, and whether it is limited to the member's organisation."""

    name: str
    roles: frozenset[str]
    refusal: str
    own_organisation: bool = False

    def allows(self, role: str | None) -> bool:
        return role in self.roles


def _right(name: str, roles: tuple[str, ...], refusal: str, own: bool = False) -> Right:
    return Right(name, frozenset(roles), refusal, own)


READ = _right("read", (FACILITATOR, REPRESENTATIVE, OBSERVER),
              translatable("Only the plan's members can see it."))
MANAGE_PLAN = _right("manage_plan", (FACILITATOR,),
                     translatable("Only a facilitator can manage the plan and its members."))
EDIT_BUDGET = _right("edit_budget", (FACILITATOR, REPRESENTATIVE),
                     translatable("Only facilitators and representatives can edit a budget."))
DECIDE_BUDGET = _right("decide_budget", (FACILITATOR,),
                       translatable("Only a facilitator can propose, adopt or revise a budget."))
MANAGE_SERVICES = _right("manage_services", (FACILITATOR,),
                         translatable("Only a facilitator can set up a service and its providers."))
WORK_ON_SERVICES = _right("work_on_services", (FACILITATOR, REPRESENTATIVE),
                          translatable("Only facilitators and representatives can work on a service."))
OWN_COMMITMENTS = _right("own_commitments", (FACILITATOR, REPRESENTATIVE),
                         translatable("You can only manage your own organisation's commitments."),
                         own=True)
VERIFY_COMMITMENTS = _right("verify_commitments", (FACILITATOR,),
                            translatable("Only a facilitator can verify a commitment."))

NOT_A_MEMBER = translatable("You are not a member of this plan.")


def check(members: dict[str, dict[str, Any]], person_id: str, right: Right,
          org_id: str | None = None) -> dict[str, Any]:
    """The member's record if `right` allows them (for `org_id`, where it is limited to one)."""
    member = members.get(person_id)
    if member is None:
        raise NotAllowed(NOT_A_MEMBER, right=right.name)
    if not right.allows(member["role"]):
        raise NotAllowed(right.refusal, right=right.name, role=member["role"])
    if right.own_organisation and (member["org_id"] is None or member["org_id"] != org_id):
        raise NotAllowed(right.refusal, right=right.name, role=member["role"], org_id=org_id)
    return member
