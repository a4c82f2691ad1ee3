"""Instructions: a suspension stops the procedure (no bids, no opening by the chronograph) and resumes in
the state it stopped; termination; orders to correct and their deadline (S19); power lists."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from ggzy.bidding.actions import start_upload
from ggzy.kernel import chronograph, clock
from ggzy.kernel.errors import GgzyError, PermissionDenied
from ggzy.kernel.roles import Actor
from ggzy.supervision.instructions import issue_instruction, lift_suspension, report_compliance
from ggzy.supervision.models import Alert, Instruction
from ggzy.supervision.schemas import InstructionIn
from ggzy.supervision.tests.conftest import DEADLINE, bidder_actor
from ggzy.testing import local
from ggzy.trading import procedure
from ggzy.trading.actions import publish_notice
from ggzy.trading.models import Lot
from ggzy.trading.tests.conftest import Tender
from ggzy_guomi import sm3_hex

pytestmark = pytest.mark.django_db


def order(tender: Tender, kind: str, **extra: Any) -> InstructionIn:
    return InstructionIn(
        lot_code=tender.lot.code, kind=kind, reason="投诉处理期间，责令暂停招标投标活动", **extra
    )


def test_suspension_blocks_transitions_and_resumes_where_it_stopped(tender: Tender, regulator: Actor) -> None:
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 10, 10))
    suspension = issue_instruction(regulator, order(tender, "suspend"))
    lot = Lot.objects.get(pk=tender.lot.pk)
    assert lot.state == Lot.State.SUSPENDED and lot.next_check is None
    assert suspension.previous_state == Lot.State.BIDDING and "第62条" in suspension.basis_citation
    # bidders are refused while suspended
    with pytest.raises(GgzyError) as refused:
        start_upload(bidder_actor(0), tender.lot.code, 10, sm3_hex(b"x"))
    assert refused.value.code == "bidding_closed"
    # the chronograph does not open a suspended lot at its deadline
    clock.freeze(DEADLINE + timedelta(minutes=1))
    chronograph.sweep()
    assert Lot.objects.get(pk=tender.lot.pk).state == Lot.State.SUSPENDED
    # nor may the engine take it anywhere but back (or to termination)
    with pytest.raises(GgzyError):
        procedure.move(lot, Lot.State.CONTRACTED, clock.now())
    clock.freeze(local(2026, 3, 12, 10))
    resumption = lift_suspension(regulator, suspension.pk, "投诉已处理完毕")
    lot.refresh_from_db()
    assert lot.state == Lot.State.BIDDING and lot.next_check == tender.notice.bid_deadline
    assert resumption.kind == "resume" and resumption.suspension_id == suspension.pk
    suspension.refresh_from_db()
    assert suspension.status == Instruction.Status.LIFTED
    with pytest.raises(GgzyError):
        lift_suspension(regulator, suspension.pk, "again")


def test_suspend_refused_for_other_departments_and_closed_lots(
    tender: Tender, regulator: Actor, finance: Actor
) -> None:
    publish_notice(tender.manager, tender.notice.pk)
    with pytest.raises(PermissionDenied):
        issue_instruction(finance, order(tender, "suspend"))
    with pytest.raises(PermissionDenied):
        issue_instruction(bidder_actor(0), order(tender, "suspend"))
    issue_instruction(regulator, order(tender, "terminate"))
    lot = Lot.objects.get(pk=tender.lot.pk)
    assert lot.state == Lot.State.TERMINATED and "责令终止" in lot.outcome_reason
    with pytest.raises(GgzyError) as refused:
        issue_instruction(regulator, order(tender, "suspend"))
    assert refused.value.code == "lot_not_suspendable"


def test_order_to_correct_and_its_deadline(tender: Tender, regulator: Actor) -> None:
    publish_notice(tender.manager, tender.notice.pk)
    correction = issue_instruction(regulator, order(tender, "correct", due=clock.now() + timedelta(days=5)))
    assert correction.basis_citation.startswith("中华人民共和国招标投标法 第7条")
    clock.advance(timedelta(days=6))
    chronograph.sweep()
    alert = Alert.objects.get(rule_id="S19")
    assert alert.evidence["number"] == correction.number
    report_compliance(tender.manager, correction.pk, "已修改招标文件并发布澄清")
    correction.refresh_from_db()
    assert correction.status == Instruction.Status.COMPLIED and correction.overdue
    with pytest.raises(PermissionDenied):
        report_compliance(bidder_actor(1), correction.pk, "x")


def test_power_lists_are_published_per_department(network: Any) -> None:
    client = Client()
    housing = network["housing"]
    body = client.get(f"/api/supervision/departments/{housing.pk}/powers").json()
    codes = [p["code"] for p in body["powers"]]
    assert body["sectors"] == ["engineering"]
    assert "GC-03" in codes and "TY-01" in codes and "CG-01" not in codes
    assert all(p["citation"] for p in body["powers"])
    everyone = client.get("/api/supervision/powers").json()
    assert [d["department"] for d in everyone] == ["住房和城乡建设厅"]
