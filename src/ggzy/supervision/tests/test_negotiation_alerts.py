"""S23: a substantive change of the requirements in a 竞争性谈判 or 竞争性磋商 (74号令 第32条; 214号 第19条)
confirmed less than 24 hours [U] before the deadline of the final offers that answer it. Raised when the
chronograph reaches the final round's deadline (`lot_advanced`); quiet at exactly 24 hours, for changes the
suppliers already answered in an earlier round, and for every other method."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings

from ggzy.bidding.models import Round
from ggzy.evaluation import negotiation as talks
from ggzy.evaluation.models import RequirementChange
from ggzy.evaluation.tests.conftest import (
    Opened,
    consultation,
    decrypt,
    negotiation,
    opened_consultation,
    opened_negotiation,
    submit,
)
from ggzy.evaluation.tests.test_negotiation import meet_everyone, panel, run_round
from ggzy.kernel import chronograph, clock
from ggzy.kernel.errors import InvalidInput
from ggzy.supervision.checks import run_event, sweep_findings
from ggzy.supervision.checks.negotiation import late_change_findings
from ggzy.supervision.models import Alert
from ggzy.testing import actor_of, procurement_bid_form
from ggzy.trading.models import Lot
from ggzy.trading.specs import PROCUREMENT_RFQ_SPEC, PROCUREMENT_TENDER_SPEC

__all__ = ["consultation", "negotiation", "opened_consultation", "opened_negotiation"]
pytestmark = pytest.mark.django_db

FINALS = {0: "1125000.00", 1: "1105000.00", 2: "1098000.00"}
Capture = Callable[..., AbstractContextManager[Any]]


def change(o: Opened, chair: str, text: str) -> RequirementChange:
    """A change proposed by the chair and confirmed by the purchaser's representative (now)."""
    proposed = talks.propose_change(actor_of(chair), o.lot_code, text)
    return talks.confirm_change(actor_of("zbdb"), o.lot_code, proposed.pk)


@pytest.mark.parametrize("fixture", ["opened_negotiation", "opened_consultation"])
def test_s23_a_change_confirmed_23_hours_59_minutes_before_the_final_offers(
    fixture: str, request: pytest.FixtureRequest, django_capture_on_commit_callbacks: Capture
) -> None:
    o: Opened = request.getfixturevalue(fixture)
    request.getfixturevalue("finance")  # the finance department (财政厅) supervises procurement
    lot = Lot.objects.get(code=o.lot_code)
    members = panel(o)
    meet_everyone(o, members[0], range(4))
    confirmed = change(o, members[0], "服务期由1年调整为2年，人员增加至24人")
    final = talks.open_round(actor_of(members[0]), o.lot_code, 24 * 60 - 1, final=True)
    assert not Alert.objects.filter(rule_id="S23").exists()  # nothing moved the lot yet
    with django_capture_on_commit_callbacks(execute=True):  # the hooks run once the chronograph commits
        run_round(o, FINALS)  # the chronograph reaches the deadline: lot_advanced
    alert = Alert.objects.get(rule_id="S23")
    assert alert.key == f"requirement_change:{confirmed.pk}" and alert.lot_id == lot.pk
    assert alert.severity == "medium"
    assert alert.evidence["minutes_given"] == 24 * 60 - 1 and alert.evidence["hours_required"] == 24
    assert alert.evidence["final_round"] == final.number and not alert.evidence["during_final_round"]
    assert alert.evidence["change"] == "服务期由1年调整为2年，人员增加至24人"
    assert "仅23小时59分钟（不足24小时）" in alert.title
    assert "财政部令第74号） 第31、32、33条" in alert.basis_citation
    assert "214号" in alert.basis_citation and "实施条例 第20条" in alert.basis_citation
    assert alert.department is not None and alert.department.name == "财政厅"
    # Run again (at the award, by the nightly sweep): the same finding under the same key, no second alert.
    assert [f.key for f in late_change_findings([lot.pk])] == [alert.key]
    raised = run_event("awarded", lot.pk)
    assert raised == [] and Alert.objects.filter(rule_id="S23").count() == 1
    assert [f.key for f in sweep_findings() if f.rule.id == "S23"] == [alert.key]
    # Another method's lot is never looked at, whatever its rows.
    for other in (PROCUREMENT_RFQ_SPEC, PROCUREMENT_TENDER_SPEC):
        Lot.objects.filter(pk=lot.pk).update(procedure=other.key)
        assert late_change_findings([lot.pk]) == []


def test_s23_quiet_at_exactly_24_hours_and_configurable(
    opened_negotiation: Opened, django_capture_on_commit_callbacks: Capture
) -> None:
    o = opened_negotiation
    lot = Lot.objects.get(code=o.lot_code)
    members = panel(o)
    meet_everyone(o, members[0], range(4))
    change(o, members[0], "付款方式调整为验收后一次性支付")
    talks.open_round(actor_of(members[0]), o.lot_code, 24 * 60, final=True)
    assert late_change_findings([lot.pk]) == []
    with django_capture_on_commit_callbacks(execute=True):
        run_round(o, FINALS)
    assert not Alert.objects.filter(rule_id="S23").exists()
    with override_settings(SUPERVISION_LATE_CHANGE_HOURS=25):  # a province's configuration
        found = late_change_findings([lot.pk])
    assert len(found) == 1 and found[0].evidence["hours_required"] == 25


def test_s23_counts_only_the_changes_the_final_offers_answer(
    opened_negotiation: Opened, django_capture_on_commit_callbacks: Capture
) -> None:
    """A change made before an earlier round's deadline does not count (that round could answer it); one
    confirmed at that deadline or after it does; none is taken once the final offers are asked for."""
    o = opened_negotiation
    lot = Lot.objects.get(code=o.lot_code)
    members = panel(o)
    chair = members[0]
    meet_everyone(o, chair, range(4))
    answered = change(o, chair, "服务期由1年调整为2年")
    talks.open_round(actor_of(chair), o.lot_code, 60, final=False)
    prices = {0: "1130000.00", 1: "1110000.00", 2: "1120000.00", 3: "1090000.00"}
    envelopes = {i: submit(o.tender, i, p, procurement_bid_form(p)) for i, p in prices.items()}
    first = Round.objects.get(lot=lot, number=1)
    clock.freeze(first.deadline)
    chronograph.sweep()  # round 1 takes no more responses
    for i, envelope in envelopes.items():
        decrypt(o.tender, i, envelope)
    at_deadline = change(o, chair, "验收标准调整为按国家标准执行")  # only the final offers can answer it
    clock.advance(timedelta(minutes=30))
    chronograph.sweep()
    meet_everyone(o, chair, range(4))
    # 22 hours for the final offers: the first change (23 h 30 min before their deadline) was answered in
    # round 1; the one confirmed at round 1's deadline had 22 h 30 min.
    final = talks.open_round(actor_of(chair), o.lot_code, 22 * 60, final=True)
    found = late_change_findings([lot.pk])
    assert [f.key for f in found] == [f"requirement_change:{at_deadline.pk}"]
    assert found[0].evidence["minutes_given"] == 22 * 60 + 30 and found[0].severity == ""
    assert answered.confirmed_at is not None and final.deadline - answered.confirmed_at < timedelta(hours=24)
    clock.advance(timedelta(hours=21))
    # Once the final offers are asked for, no change is taken at all (74号令 第33条).
    with pytest.raises(InvalidInput) as closed:
        talks.propose_change(actor_of(chair), o.lot_code, "增加驻场人员2名")
    assert closed.value.code == "final_offers_asked"
    with django_capture_on_commit_callbacks(execute=True):
        run_round(o, FINALS)
    alerts = {a.key: a for a in Alert.objects.filter(rule_id="S23")}
    assert set(alerts) == {f"requirement_change:{at_deadline.pk}"}
    assert alerts[f"requirement_change:{at_deadline.pk}"].severity == "medium"
