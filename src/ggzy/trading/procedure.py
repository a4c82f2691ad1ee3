"""The procedure engine: lot states, allowed transitions, and what the chronograph does when time passes.

One engine for every trading method (DESIGN rule 3): each lot's procedure specification (trading.specs)
gives its states, transitions and rules; the engine applies them.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from ggzy.kernel import audit, checkpoints, events
from ggzy.kernel.actions import action
from ggzy.kernel.errors import InvalidInput
from ggzy.kernel.roles import Actor
from ggzy.kernel.rules import Rule
from ggzy.trading.models import Lot, Notice, Objection
from ggzy.trading.rules import SUPERVISION_BINDS, TenderRules
from ggzy.trading.specs import spec_for

S = Lot.State
# How often a lot that cannot move yet (e.g. opening blocked by an unanswered objection) is looked at again.
RETRY = timedelta(minutes=15)


def rules_for(lot: Lot) -> TenderRules:
    """The rules object of the lot's procedure specification."""
    return spec_for(lot).rules


def supplier_minimum(notice: Notice, rules: TenderRules, usual: Rule[int], *, at_start: bool) -> Rule[int]:
    """The fewest suppliers a step needs: `usual`, or fewer where the notice states a ground its method
    allows (竞争性谈判 after a failed tender, 科研 or 政府购买服务 in 磋商) and the ground covers the step."""
    ground = (
        rules.two_supplier_grounds.get(notice.two_supplier_ground) if notice.two_supplier_ground else None
    )
    if ground is None or (at_start and not ground.from_start):
        return usual
    return ground.minimum


def move(lot: Lot, to: str, now: datetime, reason: str = "", *, by_supervisor: bool = False) -> None:
    """Change the lot's state if the engine allows it; the caller saves and audits.

    Suspension and resumption are the competent department's alone (`by_supervisor`): while a lot is
    suspended nothing else moves it except termination (电子招标投标办法 第52条: instructions bind)."""
    if not by_supervisor and (to == S.SUSPENDED or (lot.state == S.SUSPENDED and to != S.TERMINATED)):
        raise InvalidInput(
            "lot_suspended",
            "标段已被行政监督部门责令暂停，恢复前不得办理",
            "The lot is suspended by its supervising department",
            rule=SUPERVISION_BINDS,
            details={"to": to},
        )
    if to not in spec_for(lot).transitions[lot.state]:
        raise InvalidInput(
            "state_transition",
            f"标段当前状态为“{lot.get_state_display()}”，不能转为“{S(to).label}”",
            f"A lot in state '{lot.state}' cannot move to '{to}'",
            details={"from": lot.state, "to": to},
        )
    if milestone := _milestone(lot.state, to):
        checkpoints.at_milestone(milestone, lot)  # a signed audit checkpoint as the action ends
    lot.state = to
    lot.state_changed_at = now
    if reason:
        lot.outcome_reason = reason
    lot.next_check = next_check(lot)


def _milestone(start: str, to: str) -> str | None:
    """The lot milestones the audit chain gets a signed checkpoint at (kernel.checkpoints)."""
    if start == S.BIDDING and to in {S.OPENING, S.FAILED}:
        return "bid_deadline"
    if start == S.OPENING and to in {S.EVALUATION, S.FAILED}:
        return "opening"
    if to == S.AWARDED:
        return "award"
    return None


def next_check(lot: Lot) -> datetime | None:
    if lot.state == S.BIDDING and lot.notice is not None:
        return lot.notice.bid_deadline
    if lot.state == S.OPENING:
        return lot.decrypt_closes_at
    return None


def sealed_notices(now: datetime) -> list[str]:
    """Notices whose bid deadline is still ahead: what happened around them stays out of listings."""
    return [str(pk) for pk in Notice.objects.filter(bid_deadline__gt=now).values_list("pk", flat=True)]


def pending_document_objections(notice: Notice) -> bool:
    return notice.objections.filter(stage=Objection.Stage.DOCUMENTS, status=Objection.Status.PENDING).exists()


# ---- chronograph handlers ----------------------------------------------------------------------


# What the chronograph does when a lot's time in a state is up, by state: registered by the packages that
# run that part of the trade (bidding: the deadline starts the opening, the decryption window closes it),
# so that the engine calls them without importing them. A phase returns what it did (audited).
Phase = Callable[[Lot, datetime], str]
_phases: dict[str, Phase] = {}


def register_phase(state: str, phase: Phase) -> None:
    _phases[state] = phase


def advance_lot(lot_id: int, now: datetime) -> None:
    _advance_lot(Actor.system("chronograph"), lot_id, now)


@action("trading.advance_lot")
def _advance_lot(actor: Actor, lot_id: int, now: datetime) -> None:
    lot = Lot.objects.select_for_update(of=("self",)).select_related("notice", "project").get(pk=lot_id)
    due = lot.next_check is not None and lot.next_check <= now
    outcome = "not_due"
    phase = _phases.get(lot.state)
    pauses = spec_for(lot).rules.objection_pauses.value
    if (
        due
        and lot.state == S.BIDDING
        and lot.notice is not None
        and pauses
        and pending_document_objections(lot.notice)
    ):
        # 条例 第22条: activities pause until the objection is answered.
        lot.next_check = now + RETRY
        outcome = "paused_by_objection"
    elif due and phase is not None and lot.notice is not None:
        outcome = phase(lot, now)
    elif due:
        lot.next_check = next_check(lot)
    lot.save()
    events.on_lot_advanced(lot)
    audit.record(lot, {"state": lot.state, "outcome": outcome, "at": now})


def advance_objection(objection_id: int, now: datetime) -> None:
    _mark_objection_overdue(Actor.system("chronograph"), objection_id, now)


@action("trading.objection_overdue")
def _mark_objection_overdue(actor: Actor, objection_id: int, now: datetime) -> None:
    objection = Objection.objects.select_for_update(of=("self",)).get(pk=objection_id)
    late = objection.status == Objection.Status.PENDING and objection.answer_due <= now
    objection.overdue = objection.overdue or late
    objection.next_check = None
    objection.save(update_fields=["overdue", "next_check"])
    if objection.overdue:
        events.on_objection_overdue(objection)
    audit.record(objection, {"overdue": objection.overdue, "due": objection.answer_due})
