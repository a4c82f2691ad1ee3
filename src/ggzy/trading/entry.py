"""The bridge from a project to the catalogue: "must this project enter the platform, and why?" (R2.3)."""

from ggzy.catalogue.entry import ContractEstimate, Decision, ProjectFacts
from ggzy.catalogue.queries import decide_for
from ggzy.kernel import clock
from ggzy.trading.models import Project
from ggzy.trading.schemas import LotIn


def subject_of(classify_code: str) -> str:
    """The catalogue's subject of a lot: the kind letter, with the two-digit class for works (A08)."""
    return classify_code[:3] if classify_code.startswith("A") else classify_code[:1]


def facts_of(project: Project, lots: list[LotIn]) -> ProjectFacts:
    return ProjectFacts(
        category=project.category,
        subject=subject_of(lots[0].classify_code) if lots else "",
        state_budget_amount=project.state_budget_amount,
        total_investment=project.total_investment,
        state_owned_controlled=project.state_owned_controlled,
        foreign_loan_or_aid=project.foreign_loan_or_aid,
        private_only=project.private_only,
        contracts=tuple(
            ContractEstimate(kind=lot.contract_kind, amount=lot.estimated_value, name=lot.name)
            for lot in lots
        ),
    )


def decide(project: Project, lots: list[LotIn]) -> tuple[Decision, str]:
    """The decision under the catalogue in force at the project's node today, and that version's code."""
    decision, version = decide_for(facts_of(project, lots), project.node, clock.today())
    return decision, version.code
