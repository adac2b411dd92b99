"""What the application asks of the world outside the domain, as ports the composition root fills.

The domain may not read read models (the layers point the other way), yet removing an
organisation depends on everything the plan's budgets, commitments and services say about it.
The application asks this port; adapters/bootstrap.py passes the read models' implementation
(projections/usage.py), which first lets the views catch up with every event stored before the
question, so the answer covers everything stored until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.errors import translatable

#: What a port over the read models answers (as Busy) when they lag too far to answer exactly.
VIEWS_BEHIND = translatable("The plan's views are still catching up with its latest changes. "
                            "Nothing was changed; try again in a moment.")


@dataclass(frozen=True)
class OrganisationUse:
    """How much of a plan's history names one organisation."""

    shares: int = 0  # budget lines (of any budget, in any state) it has a share of above 0
    commitments: int = 0  # its commitments, whatever their state (withdrawn ones too)
    services: int = 0  # services it provides, and risks it owns

    @property
    def any(self) -> bool:
        return bool(self.shares or self.commitments or self.services)


class OrganisationUsage(Protocol):
    def use_of(self, plan_id: str, actor_id: str) -> OrganisationUse:
        """What the plan's history, up to every event stored so far, says about the actor."""
