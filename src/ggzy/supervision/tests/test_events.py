"""Hooks called from inside another package's action run after its commit, as real actions of their own —
including when Django runs the commit callback while the kernel still holds the calling action's context
(what happens in production, where the action's atomic block commits on exit)."""

from typing import Any

import pytest

from ggzy.kernel import audit, events
from ggzy.kernel.actions import action
from ggzy.kernel.roles import Actor
from ggzy.supervision.models import Alert
from ggzy.testing import local
from ggzy.trading.actions import publish_notice
from ggzy.trading.models import Notice
from ggzy.trading.tests.conftest import Tender

pytestmark = pytest.mark.django_db


@action("test.publish_with_hook")
def shorten_and_publish(actor: Actor, notice_id: int) -> None:
    """Stands for trading.actions.publish_notice once the integrator adds its hook line."""
    notice = Notice.objects.get(pk=notice_id)
    notice.bid_deadline = local(2026, 3, 20, 9)
    notice.save()
    events.on_notice_published(notice)  # the one-line hook
    assert not Alert.objects.exists()  # nothing happens inside the caller's transaction
    audit.record(notice, {"test": True})


def test_a_hook_inside_an_action_runs_after_commit(
    tender: Tender, django_capture_on_commit_callbacks: Any
) -> None:
    publish_notice(tender.manager, tender.notice.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        shorten_and_publish(Actor.system("test"), tender.notice.pk)
    assert not Alert.objects.exists()
    hooks = [c for c in callbacks if getattr(c, "__qualname__", "").startswith("after_actions")]
    assert len(hooks) == 1
    hooks[0]()  # as production runs it: after the action's block, outside its context
    assert Alert.objects.get(rule_id="S01").evidence["days"] == 16


def test_a_refused_action_raises_no_alert(tender: Tender, django_capture_on_commit_callbacks: Any) -> None:
    publish_notice(tender.manager, tender.notice.pk)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        refused(Actor.system("test"), tender.notice.pk)
    assert not Alert.objects.exists()


@action("test.refused_after_hook")
def refused(actor: Actor, notice_id: int) -> None:
    Notice.objects.filter(pk=notice_id).update(bid_deadline=local(2026, 3, 20, 9))
    events.on_notice_published(notice_id)
    raise RuntimeError("refused after the hook line: the transaction rolls back, the hook never runs")
