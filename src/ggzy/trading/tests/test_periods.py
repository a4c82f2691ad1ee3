"""Legal periods at their boundaries (rules-cn §3a T1–T5): one day short is refused, the limit accepted."""

from datetime import timedelta
from decimal import Decimal

import pytest

from ggzy.kernel import clock
from ggzy.kernel.errors import GgzyError, InvalidInput
from ggzy.kernel.models import AuditEvent
from ggzy.testing import actor_of, local
from ggzy.trading.actions import (
    answer_objection,
    clarify,
    create_notice,
    create_project,
    publish_notice,
    raise_objection,
)
from ggzy.trading.models import Lot, Notice
from ggzy.trading.schemas import DocumentMeta, LotIn, ProjectIn
from ggzy.trading.tests.conftest import Tender, notice_form

pytestmark = pytest.mark.django_db


def new_lot(tender: Tender, **lot: object) -> Lot:
    data: dict[str, object] = {
        "name": "监理",
        "contract_kind": "services",
        "classify_code": "A05",
        "estimated_value": Decimal("1500000"),
    }
    data.update(lot)
    project = create_project(
        actor_of("zb"),
        ProjectIn(
            name="配套工程",
            state_budget_amount=Decimal("3000000"),
            total_investment=Decimal("3000000"),
            lots=[LotIn(**data)],
        ),
    )
    return project.lots.get()


def refused(fn, *args: object) -> GgzyError:  # type: ignore[no-untyped-def]
    before = AuditEvent.objects.count()
    with pytest.raises(GgzyError) as err:
        fn(*args)
    assert AuditEvent.objects.count() == before  # nothing written
    return err.value


# T1 招标投标法 第24条: ≥ 20 days from documents to deadline. Documents from Wed 4 March.
def test_t1_nineteen_days_refused(tender: Tender) -> None:
    lot = new_lot(tender)
    error = refused(
        create_notice,
        actor_of("zb"),
        lot.project.code,
        notice_form(lot.code, bid_deadline=local(2026, 3, 23, 9)),
    )
    assert error.code == "bid_period_too_short"
    assert error.rule is not None and error.rule.citation == "中华人民共和国招标投标法 第24条"
    assert "二十日" in error.rule.text
    assert error.details["earliest_bid_deadline"].startswith("2026-03-24T09:00")


def test_t1_twenty_days_accepted(tender: Tender) -> None:
    lot = new_lot(tender)
    notice = create_notice(
        actor_of("zb"), lot.project.code, notice_form(lot.code, bid_deadline=local(2026, 3, 24, 9))
    )
    assert notice.opening_at == notice.bid_deadline  # 法 第34条


def test_t1_twentieth_day_on_a_weekend_rolls_to_monday(tender: Tender) -> None:
    lot = new_lot(tender)
    # From Tue 3 March the 20th day is Sunday 22 March: the period ends on Monday 23.
    form = notice_form(lot.code, docs_from=local(2026, 3, 3, 9), docs_until=local(2026, 3, 9, 17))
    sunday = notice_form(
        lot.code, docs_from=form.docs_from, docs_until=form.docs_until, bid_deadline=local(2026, 3, 22, 9)
    )
    assert refused(create_notice, actor_of("zb"), lot.project.code, sunday).code == "bid_period_too_short"
    monday = notice_form(
        lot.code, docs_from=form.docs_from, docs_until=form.docs_until, bid_deadline=local(2026, 3, 23, 9)
    )
    assert create_notice(actor_of("zb"), lot.project.code, monday).bid_deadline == local(2026, 3, 23, 9)


# T3 条例 第16条: documents available ≥ 5 days.
def test_t3_document_period(tender: Tender) -> None:
    lot = new_lot(tender)
    short = notice_form(lot.code, docs_from=local(2026, 3, 2, 9), docs_until=local(2026, 3, 6, 17))
    error = refused(create_notice, actor_of("zb"), lot.project.code, short)
    assert error.code == "doc_sale_period"
    assert error.rule is not None and "第16条" in error.rule.citation
    # The 5th day from Mon 2 March is Sat 7 March: the period ends Mon 9 March.
    ok = notice_form(
        lot.code,
        docs_from=local(2026, 3, 2, 9),
        docs_until=local(2026, 3, 9, 9),
        bid_deadline=local(2026, 3, 23, 9),
    )
    assert create_notice(actor_of("zb"), lot.project.code, ok).docs_until == local(2026, 3, 9, 9)


# T5 条例 第26条 and 30号令 第37条 [U]: bond ≤ 2% of the estimate and ≤ 800,000.
@pytest.mark.parametrize(
    ("estimate", "bond", "ok"),
    [
        ("5000000", "100000.00", True),
        ("5000000", "100000.01", False),
        ("50000000", "800000.00", True),
        ("50000000", "800000.01", False),
    ],
)
def test_t5_bond_cap(tender: Tender, estimate: str, bond: str, ok: bool) -> None:
    lot = {
        "estimated_value": Decimal(estimate),
        "bond_amount": Decimal(bond),
        "contract_kind": "works",
        "classify_code": "A08",
    }
    if ok:
        assert new_lot(tender, **lot).bond_amount == Decimal(bond)
    else:
        with pytest.raises(InvalidInput) as err:
            new_lot(tender, **lot)
        assert err.value.code == "bond_too_high"


# T2 法 第23条 / 条例 第21条: clarifications ≥ 15 days before the deadline, or the deadline moves.
def clarification(tender: Tender, new_deadline=None) -> DocumentMeta:  # type: ignore[no-untyped-def]
    return DocumentMeta(
        kind="clarification",
        title="澄清第1号",
        signature=tender.principal_key.sign(b"clarification 1").hex(),
        new_bid_deadline=new_deadline,
    )


def test_t2_fifteen_days_before_needs_no_move(tender: Tender) -> None:
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 9, 10))  # deadline 24 March: 15 days left
    doc = clarify(tender.manager, tender.notice.pk, clarification(tender), "澄清1.pdf", b"clarification 1")
    assert doc.new_bid_deadline is None


def test_t2_fourteen_days_before_must_move_the_deadline(tender: Tender) -> None:
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 10, 10))
    error = refused(
        clarify, tender.manager, tender.notice.pk, clarification(tender), "澄清1.pdf", b"clarification 1"
    )
    assert error.code == "clarification_too_late"
    assert error.details["earliest_bid_deadline"].startswith("2026-03-25T09:00")
    assert error.rule is not None and "第23条" in error.rule.citation
    moved = clarify(
        tender.manager,
        tender.notice.pk,
        clarification(tender, local(2026, 3, 25, 9)),
        "澄清1.pdf",
        b"clarification 1",
    )
    notice = Notice.objects.get(pk=tender.notice.pk)
    assert moved.new_bid_deadline == notice.bid_deadline == notice.opening_at == local(2026, 3, 25, 9)
    assert Lot.objects.get(pk=tender.lot.pk).next_check == local(2026, 3, 25, 9)


def test_clarification_signature_must_be_the_publishers(tender: Tender) -> None:
    publish_notice(tender.manager, tender.notice.pk)
    forged = DocumentMeta(kind="clarification", title="x", signature=tender.bidders[0][1].sign(b"x").hex())
    assert (
        refused(clarify, tender.manager, tender.notice.pk, forged, "x.pdf", b"x").code == "document_signature"
    )


# T4 条例 第22条: objections ≥ 10 days before the deadline, answered within 3 days, pausing the procedure.
def test_t4_objection_deadline(tender: Tender) -> None:
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 14, 10))  # 10 days before 24 March
    objection = raise_objection(tender.bidder_actor(0), tender.notice.pk, "评分标准第3项排斥潜在投标人")
    assert objection.answer_due == local(2026, 3, 18, 0)  # 3 days: through Tue 17 March
    clock.freeze(local(2026, 3, 15, 10))  # 9 days
    error = refused(raise_objection, tender.bidder_actor(1), tender.notice.pk, "太晚的异议")
    assert error.code == "objection_too_late"
    assert error.rule is not None and "第22条" in error.rule.citation


def test_pending_objection_pauses_the_opening(tender: Tender) -> None:
    from ggzy.kernel import chronograph

    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 14, 10))
    objection = raise_objection(tender.bidder_actor(0), tender.notice.pk, "异议")
    clock.freeze(local(2026, 3, 24, 9) + timedelta(minutes=1))
    chronograph.sweep()
    lot = Lot.objects.get(pk=tender.lot.pk)
    assert lot.state == Lot.State.BIDDING  # paused: not opened, not failed
    assert AuditEvent.objects.filter(
        action="trading.advance_lot", payload__outcome="paused_by_objection"
    ).exists()
    assert objection.pk and Lot.objects.get(pk=tender.lot.pk).next_check > clock.now()
    answer_objection(tender.manager, objection.pk, "评分标准符合法律规定，不予修改")
    clock.advance(timedelta(minutes=20))
    chronograph.sweep()
    assert Lot.objects.get(pk=tender.lot.pk).state == Lot.State.FAILED  # no bids: fewer than 3


def test_unanswered_objection_becomes_overdue(tender: Tender) -> None:
    from ggzy.kernel import chronograph
    from ggzy.trading.models import Objection

    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 14, 10))
    objection = raise_objection(tender.bidder_actor(0), tender.notice.pk, "异议")
    clock.freeze(local(2026, 3, 17, 23, 59))
    chronograph.sweep()
    assert not Objection.objects.get(pk=objection.pk).overdue
    clock.freeze(local(2026, 3, 18, 0, 1))
    chronograph.sweep()
    assert Objection.objects.get(pk=objection.pk).overdue


def test_invited_tender_needs_three_invitees(tender: Tender) -> None:
    lot = new_lot(tender)
    two = [b.uscc for b, _ in tender.bidders[:2]]
    notice = create_notice(
        actor_of("zb"), lot.project.code, notice_form(lot.code, method="invited", invitees=two)
    )
    from ggzy.trading.actions import attach_document

    attach_document(
        actor_of("zb"),
        notice.pk,
        DocumentMeta(title="招标文件", signature=tender.principal_key.sign(b"docs").hex()),
        "docs.pdf",
        b"docs",
    )
    error = refused(publish_notice, actor_of("zb"), notice.pk)
    assert error.code == "too_few_invitees"
    assert error.rule is not None and "第17条" in error.rule.citation
    notice.invitees.add(tender.bidders[2][0])
    assert publish_notice(actor_of("zb"), notice.pk).status == "published"


def test_only_the_principal_or_its_agent_may_publish(tender: Tender) -> None:
    assert refused(publish_notice, tender.bidder_actor(0), tender.notice.pk).code == "role_required"
