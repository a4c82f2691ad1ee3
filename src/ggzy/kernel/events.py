"""Engine events: the packages that trade call `kernel.events.on_<event>(obj)` from their actions, and the
packages that watch (supervision's alert rules and collusion screen) subscribe in their AppConfig.ready.
The callers never import the watchers (the layers contract in pyproject.toml).

A subscriber never runs inside the caller's transaction: called inside an action it waits for the commit
(`after_commit`), so the alert rules see committed data and a refused action raises nothing; each alert
is then its own action. A hook never fails the caller: errors are logged (and re-raised in tests when
`RAISE_ERRORS` is set). Hooks take a model instance or its primary key.
"""

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import connection, models, transaction

from ggzy.kernel.actions import after_commit, current_action

log = logging.getLogger(__name__)

RAISE_ERRORS = False  # the test suite sets this so that a broken rule fails loudly


def _inside_action() -> bool:
    try:
        current_action()
    except RuntimeError:
        return False
    return True


def _inside_real_transaction() -> bool:
    """In an atomic block other than the ones the test framework wraps each test in."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def after_actions(fn: Callable[[], object]) -> None:
    """Run `fn` once no action's transaction is open: after commit inside an action, now otherwise."""

    def run() -> None:
        try:
            fn()
        except Exception:
            log.exception("event subscriber failed")
            if RAISE_ERRORS:
                raise

    if _inside_action():
        after_commit(run)
    elif _inside_real_transaction():
        transaction.on_commit(run, robust=True)
    else:
        run()


def _pk(obj: models.Model | int) -> int:
    return obj if isinstance(obj, int) else int(obj.pk)


Subscriber = Callable[..., object]  # (event name, object pk, *args)
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def _dispatch(name: str, obj: models.Model | int, *args: Any) -> None:
    pk = _pk(obj)
    for subscriber in list(_subscribers):
        after_actions(partial(subscriber, name, pk, *args))


# ---- the hooks (one line each in the calling action) -----------------------------------------------------


def on_project_created(project: models.Model | int) -> None:
    """trading.actions.create_project: splitting below the thresholds (S04)."""
    _dispatch("project_created", project)


def on_notice_published(notice: models.Model | int) -> None:
    """trading.actions.publish_notice: periods shorter than the law (S01, S02)."""
    _dispatch("notice_published", notice)


def on_notice_clarified(notice: models.Model | int) -> None:
    """trading.actions.clarify: a late clarification without a moved deadline (S03)."""
    _dispatch("notice_clarified", notice)


def on_lot_advanced(lot: models.Model | int) -> None:
    """trading.procedure._advance_lot (the chronograph moved the lot: opening started/closed, failed).

    At the close of the opening this runs the collusion screen of the lot (R9.2) and the opening rules
    (S06 late bids, S07 decryption failures, S08 single bidder)."""
    _dispatch("lot_advanced", lot)


def on_opening_closed(lot: models.Model | int) -> None:
    """bidding.opening.close_opening (if preferred to on_lot_advanced): the same opening rules + screen."""
    _dispatch("opening_closed", lot)


def on_evaluation_reported(lot: models.Model | int) -> None:
    """evaluation.actions.sign_report / finish_scoring: rejections (S09, S10)."""
    _dispatch("evaluation_reported", lot)


def on_awarded(lot: models.Model | int) -> None:
    """evaluation.award (award_lot, confirm_result, the deemed choice): the same winner under one principal
    (S05), repeated single source to one supplier (S22)."""
    _dispatch("awarded", lot)


def on_award_changed(lot: models.Model | int) -> None:
    """evaluation.award.sign_contract, report_to_supervisor, _watch_award: lateness (S11, S18, S12)."""
    _dispatch("award_changed", lot)


def on_bond_changed(bond: models.Model | int) -> None:
    """bidding.actions.refund_bond (and withdraw_bid): late refunds (S12)."""
    _dispatch("bond_changed", bond)


def on_objection_overdue(objection: models.Model | int) -> None:
    """trading.procedure._mark_objection_overdue: an unanswered objection (S17)."""
    _dispatch("objection_overdue", objection)


def on_experts_drawn(draw: models.Model | int) -> None:
    """experts draw actions, once a draw is complete: the same expert for the same principal (S13)."""
    _dispatch("experts_drawn", draw)


def on_credit_changed(entity: models.Model | int) -> None:
    """credit.enforcement.changed: a record added, revoked or expired; a ban alerts open procedures (S14)."""
    _dispatch("credit_changed", entity)
