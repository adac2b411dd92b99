"""Who may do what in a plan: each role's rights, checked by the application for every command.

The web pages, the REST API, the socket commands and the CLI all go through the application,
so one table here decides for all of them.

- facilitator: manages the plan, its organisations, members and roles, services, creates and
  proposes budgets, records decisions (which adopt them), verifies commitments, archives the plan;
  sets any organisation's share and removes any line.
- representative (of one organisation): edits draft budgets, sets only their own organisation's
  share, removes only lines no other organisation has a share of, works on services (needs,
  risks, KPIs) and manages their own organisation's commitments, never another organisation's.
- observer: reads everything, including the audit trail and exports; changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from domain.errors import NotAllowed, translatable

FACILITATOR, REPRESENTATIVE, OBSERVER = "facilitator", "representative", "observer"


@dataclass(frozen=True)
class Right:
    """A right: the roles that hold it, and those of them that hold it only for the
    organisation the member represents (`own_only`)."""

    name: str
    roles: frozenset[str]
    refusal: str
    own_only: frozenset[str] = frozenset()

    def allows(self, role: str | None) -> bool:
        return role in self.roles

    def allows_for(self, member: dict[str, Any], orgs: Collection[str]) -> bool:
        """Whether the member may use the right on things of these organisations."""
        if not self.allows(member["role"]):
            return False
        if member["role"] not in self.own_only:
            return True
        return all(org is not None and org == member["org_id"] for org in orgs)


def _right(name: str, roles: tuple[str, ...], refusal: str,
           own_only: tuple[str, ...] = ()) -> Right:
    return Right(name, frozenset(roles), refusal, frozenset(own_only))


READ = _right("read", (FACILITATOR, REPRESENTATIVE, OBSERVER),
              translatable("Only the plan's members can see it."))
MANAGE_PLAN = _right("manage_plan", (FACILITATOR,),
                     translatable("Only a facilitator can manage the plan and its members."))
EDIT_BUDGET = _right("edit_budget", (FACILITATOR, REPRESENTATIVE),
                     translatable("Only facilitators and representatives can edit a budget."))
SHAPE_BUDGET = _right("shape_budget", (FACILITATOR,),
                      translatable("Only a facilitator can create a budget or change its years."))
DECIDE_BUDGET = _right("decide_budget", (FACILITATOR,),
                       translatable("Only a facilitator can propose, adopt or revise a budget."))
MANAGE_SERVICES = _right("manage_services", (FACILITATOR,),
                         translatable("Only a facilitator can set up a service and its providers."))
WORK_ON_SERVICES = _right("work_on_services", (FACILITATOR, REPRESENTATIVE),
                          translatable("Only facilitators and representatives can work on a service."))
SET_SHARE = _right("set_share", (FACILITATOR, REPRESENTATIVE),
                   translatable("Only the organisation's own representatives and a facilitator "
                                "can set its share."), own_only=(REPRESENTATIVE,))
REMOVE_LINE = _right("remove_line", (FACILITATOR, REPRESENTATIVE),
                     translatable("You can only remove a line that no other organisation has a "
                                  "share of; ask a facilitator."), own_only=(REPRESENTATIVE,))
OWN_COMMITMENTS = _right("own_commitments", (FACILITATOR, REPRESENTATIVE),
                         translatable("You can only manage your own organisation's commitments."),
                         own_only=(FACILITATOR, REPRESENTATIVE))
VERIFY_COMMITMENTS = _right("verify_commitments", (FACILITATOR,),
                            translatable("Only a facilitator can verify a commitment."))

NOT_A_MEMBER = translatable("You are not a member of this plan.")


def check(members: dict[str, dict[str, Any]], person_id: str, right: Right,
          orgs: str | Collection[str] | None = None) -> dict[str, Any]:
    """The member's record if `right` allows them for the organisations concerned (`orgs`: the
    one whose commitment or share it is, the ones with a share of a line …)."""
    concerned = ({orgs} if isinstance(orgs, str) else set(orgs) if orgs is not None
                 else {None} if right.own_only else set())
    member = members.get(person_id)
    if member is None:
        raise NotAllowed(NOT_A_MEMBER, right=right.name)
    if not right.allows(member["role"]):
        raise NotAllowed(right.refusal, right=right.name, role=member["role"])
    if not right.allows_for(member, concerned):
        others = sorted(o for o in concerned if o is not None and o != member["org_id"])
        raise NotAllowed(right.refusal, right=right.name, role=member["role"], org_ids=others)
    return member
