"""Budget lifecycle: draft → proposed → adopted, frozen when adopted, revised as a new draft."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.budgets import Budget
from domain.errors import RuleViolated

# ---- lifecycle ------------------------------------------------------------------------------


def test_budget_goes_from_draft_to_proposed_to_adopted(budget: Budget):
    budget.propose()
    assert (budget.status, budget.pending_events[-1].before) == ("proposed", "draft")
    budget.adopt()
    assert budget.status == "adopted"
    assert budget.adopted_version == budget.version


def test_proposed_budget_can_return_to_draft_and_be_edited(budget: Budget, line: str):
    budget.propose()
    budget.return_to_draft()
    budget.change_amount(line, 2027, 5)
    assert budget.status == "draft"


@pytest.mark.parametrize(("setup", "command", "status", "new"), [
    ([], Budget.adopt, "draft", "adopted"),
    ([], Budget.return_to_draft, "draft", "draft"),
    (["propose"], Budget.propose, "proposed", "proposed"),
    (["propose", "adopt"], Budget.propose, "adopted", "proposed"),
    (["propose", "adopt"], Budget.return_to_draft, "adopted", "draft"),
    (["propose", "adopt"], Budget.adopt, "adopted", "adopted"),
])
def test_budget_status_changes_only_along_its_lifecycle(budget: Budget, setup, command,
                                                        status, new):
    for step in setup:
        getattr(budget, step)()
    version = budget.version
    with pytest.raises(RuleViolated) as e:
        command(budget)
    assert str(e.value) == f"The budget is {status}; it cannot become {new}."
    assert e.value.details["status"] == status
    assert (budget.status, budget.version) == (status, version)


EDITS = {
    "add_line": lambda b, line, actor: b.add_line("Ny"),
    "rename_line": lambda b, line, actor: b.rename_line(line, "Nytt"),
    "recategorise_line": lambda b, line, actor: b.recategorise_line(line, "ny"),
    "link_service": lambda b, line, actor: b.link_service(line, uuid4()),
    "change_amount": lambda b, line, actor: b.change_amount(line, 2025, 1),
    "set_share": lambda b, line, actor: b.set_share(line, actor, 100),
    "move_line": lambda b, line, actor: b.move_line(line, 1),
    "remove_line": lambda b, line, actor: b.remove_line(line),
    "restore_line": lambda b, line, actor: b.restore_line(next(iter(b.removed)), 0),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_adopted_budget_refuses_every_edit(budget: Budget, line: str, actors, edit):
    budget.add_line("Andra")
    budget.remove_line(budget.add_line("Borttagen"))
    budget.propose()
    budget.adopt()
    version = budget.version
    with pytest.raises(RuleViolated, match="adopted and cannot change; start a revision"):
        edit(budget, line, actors["kommun"])
    assert budget.version == version


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_proposed_budget_refuses_every_edit(budget: Budget, line: str, actors, edit):
    budget.add_line("Andra")
    budget.remove_line(budget.add_line("Borttagen"))
    budget.propose()
    with pytest.raises(RuleViolated, match="return it to draft"):
        edit(budget, line, actors["kommun"])


# ---- revisions ------------------------------------------------------------------------------


@pytest.fixture
def adopted(budget: Budget, line: str, actors) -> Budget:
    budget.add_line("PC", amounts={2025: 50_000})
    budget.set_share(line, actors["kommun"], 7_500)
    budget.propose()
    budget.adopt()
    return budget


def test_revision_is_a_new_draft_with_the_adopted_lines(adopted: Budget):
    revision = adopted.start_revision()
    assert revision.id == Budget.revision_id(adopted.id)
    assert (revision.status, revision.revision, revision.revision_of) == (
        "draft", 2, str(adopted.id))
    assert (revision.title, revision.years, revision.plan_id) == (
        adopted.title, adopted.years, adopted.plan_id)
    assert revision.order == adopted.order
    assert revision.lines == adopted.lines
    assert revision.total() == adopted.total()


def test_revising_leaves_the_adopted_budget_unchanged(adopted: Budget, line: str):
    before = (adopted.version, adopted.status, dict(adopted.lines))
    revision = adopted.start_revision()
    revision.change_amount(line, 2025, 1)
    revision.lines[line]["shares"].clear()
    assert (adopted.version, adopted.status, adopted.lines) == before
    assert adopted.lines[line]["amounts"]["2025"]["value"] == 1_000_000


def test_revision_id_is_derived_from_the_adopted_budget_id():
    adopted_id = uuid4()
    assert Budget.revision_id(adopted_id) == Budget.revision_id(adopted_id)
    assert Budget.revision_id(adopted_id) != Budget.revision_id(uuid4())


@pytest.mark.parametrize("steps", [[], ["propose"]])
def test_only_an_adopted_budget_can_be_revised(budget: Budget, steps):
    for step in steps:
        getattr(budget, step)()
    with pytest.raises(RuleViolated, match="Only an adopted budget"):
        budget.start_revision()


def test_a_revision_once_adopted_can_itself_be_revised(adopted: Budget):
    revision = adopted.start_revision()
    revision.propose()
    revision.adopt()
    again = revision.start_revision()
    assert (again.revision, again.revision_of) == (3, str(revision.id))
