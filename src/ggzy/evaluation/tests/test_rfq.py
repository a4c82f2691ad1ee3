"""询价 (request for quotations, 74号令 第44–50条; rules-methods-cn.md G130–G131, SM-GP-RFQ) on the same
engine: ≥ 3 working days to respond, one sealed quote each, the lowest compliant price wins (no scoring),
the panel ≥ 3 odd (≥ 5 at the open-tender threshold), the purchaser decides in 5 working days or the
lowest is deemed chosen, the result published without a notice period, fewer than 3 compliant → terminated."""

from datetime import timedelta
from decimal import Decimal

import pytest

from ggzy.evaluation import actions, award
from ggzy.evaluation.schemas import CommitteeIn, PlanIn
from ggzy.evaluation.tests.conftest import Opened, opened_rfq, rfq
from ggzy.experts.rules import RFQ_COMMITTEE_RULES
from ggzy.kernel.errors import GgzyError, InvalidInput
from ggzy.services.archive import archive_lot, verify_package
from ggzy.testing import actor_of, local
from ggzy.trading.actions import create_notice, local_date
from ggzy.trading.models import Lot
from ggzy.trading.specs import PROCUREMENT_RFQ_SPEC
from ggzy.trading.tests.conftest import purchase_notice_form

__all__ = ["opened_rfq", "rfq"]
pytestmark = pytest.mark.django_db


def panel(o: Opened, experts: int = 4) -> list[str]:
    members = [*o.experts[:experts], "zbdb"]
    actions.start_evaluation(
        actor_of("op"),
        o.lot_code,
        CommitteeIn(experts=o.experts[:experts], representatives=["zbdb"], chair=o.experts[0]),
    )
    for username in members:
        actions.sign_in(actor_of(username), o.lot_code, o.keys[username].public_key.to_pem(), True)
    return members


def report(o: Opened, members: list[str]) -> None:
    evaluation = actions.finish_scoring(actor_of(members[0]), o.lot_code)
    with evaluation.report_pdf.open("rb") as pdf:
        data = pdf.read()
    for username in members:
        actions.sign_report(actor_of(username), o.lot_code, o.keys[username].sign(data).hex())


def test_the_lowest_quote_wins_without_scoring_and_reaches_the_archive(opened_rfq: Opened) -> None:
    o = opened_rfq
    lot = Lot.objects.get(code=o.lot_code)
    assert lot.procedure == PROCUREMENT_RFQ_SPEC.key
    members = panel(o)  # the 4 drawn experts and 1 representative
    report(o, members)
    evaluation = lot.evaluation
    ranked = [(c.rank, c.price) for c in evaluation.candidates.order_by("rank")]
    assert ranked == [(1, Decimal("1380000.00")), (2, Decimal("1395000.00")), (3, Decimal("1420000.00"))]
    first = evaluation.candidates.get(rank=1).bid.receipt_no
    with pytest.raises(GgzyError) as refused:
        award.publish_candidates(actor_of("zb"), o.lot_code, local(2026, 3, 24, 12), local(2026, 3, 27, 12))
    assert refused.value.code == "no_candidate_publicity"
    result = award.confirm_result(actor_of("zb"), o.lot_code, first)
    assert result.publicity_until == result.publicity_from  # published at once, no 公告期 (第18条)
    # 质疑 of the result: 7 working days from the publication (Tue 24 March → Thu 2 April).
    loser = next(i for i in range(4) if o.receipts[i] != first)
    from ggzy.kernel import clock

    clock.freeze(local(2026, 4, 3, 9))
    with pytest.raises(GgzyError) as late:
        award.object_to_result(actor_of(f"tb{loser}"), o.lot_code, "迟到")
    assert late.value.code == "outside_challenge_period"
    award.sign_contract(actor_of("zb"), o.lot_code, Decimal("1380000"), Decimal(0), "ab" * 32)
    award.report_to_supervisor(actor_of("zb"), o.lot_code)
    package = archive_lot(actor_of("op"), o.lot_code)
    assert verify_package(package.file.read(), package.merkle_root).ok


def test_no_scoring_method_and_a_panel_of_three(opened_rfq: Opened) -> None:
    o = opened_rfq
    with pytest.raises(InvalidInput) as wrong:
        actions.set_plan(actor_of("zb"), o.lot_code, PlanIn(method="comprehensive", price_points=Decimal(60)))
    assert wrong.value.code in {"plan_fixed", "plan_method"}  # fixed once opened, and not this method's
    with pytest.raises(InvalidInput) as small:
        RFQ_COMMITTEE_RULES.check(1, 1, Decimal("1500000"))
    assert small.value.code == "committee_too_small" and "第7条" in small.value.rule.citation  # type: ignore[union-attr]
    RFQ_COMMITTEE_RULES.check(2, 1, Decimal("1999999.99"))
    with pytest.raises(InvalidInput):
        RFQ_COMMITTEE_RULES.check(2, 1, Decimal("2000000"))  # the open-tender threshold: 5 or more
    RFQ_COMMITTEE_RULES.check(4, 1, Decimal("2000000"))


def test_fewer_than_three_compliant_quotes_terminate(opened_rfq: Opened) -> None:
    o = opened_rfq
    members = panel(o)
    chair = actor_of(members[0])
    actions.reject_bid(chair, o.lot_code, o.receipts[0], "not_responsive", "交货期不满足要求")
    actions.reject_bid(chair, o.lot_code, o.receipts[1], "not_responsive", "规格不符")
    with pytest.raises(InvalidInput) as few:
        actions.finish_scoring(chair, o.lot_code)
    assert few.value.code == "too_few_qualified" and "第50条" in few.value.rule.citation  # type: ignore[union-attr]
    assert actions.fail_evaluation(chair, o.lot_code, "符合要求的供应商不足3家").state == Lot.State.FAILED


def test_three_working_days_to_respond(opened_rfq: Opened) -> None:
    from ggzy.trading.actions import create_project
    from ggzy.trading.schemas import LotIn, ProjectIn

    project = create_project(
        actor_of("zb"),
        ProjectIn(
            name="复印纸询价",
            category="procurement",
            procedure="procurement_rfq",
            state_budget_amount=Decimal("500000"),
            total_investment=Decimal("500000"),
            lots=[
                LotIn(
                    name="复印纸",
                    contract_kind="goods",
                    classify_code="B01",
                    estimated_value=Decimal("500000"),
                )
            ],
        ),
    )
    code = project.lots.get().code
    from ggzy.kernel import clock

    clock.freeze(local(2026, 4, 1, 9))
    # From Wednesday 1 April: 2, 3, (清明 4–6), 7 → the 3rd working day is Tuesday 7 April.
    short = purchase_notice_form(
        code,
        docs_from=local(2026, 4, 1, 9),
        docs_until=local(2026, 4, 6, 17),
        bid_deadline=local(2026, 4, 6, 17),
    )
    with pytest.raises(InvalidInput) as refused:
        create_notice(actor_of("zb"), project.code, short)
    assert refused.value.rule is not None and "第45条" in refused.value.rule.citation
    ok = purchase_notice_form(
        code,
        docs_from=local(2026, 4, 1, 9),
        docs_until=local(2026, 4, 7, 9),
        bid_deadline=local(2026, 4, 7, 9),
    )
    notice = create_notice(actor_of("zb"), project.code, ok)
    assert local_date(notice.bid_deadline).isoformat() == "2026-04-07"
    assert timedelta(0) < notice.bid_deadline - notice.docs_from


def test_rfq_is_for_goods_and_belongs_to_procurement(opened_rfq: Opened) -> None:
    from ggzy.trading.actions import create_project
    from ggzy.trading.schemas import LotIn, ProjectIn

    for category, kind, code in (
        ("procurement", "services", "lot_contract_kind_method"),
        ("engineering", "goods", "procedure_category"),
    ):
        with pytest.raises(InvalidInput) as refused:
            create_project(
                actor_of("zb"),
                ProjectIn(
                    name="x",
                    category=category,
                    procedure="procurement_rfq",
                    total_investment=Decimal("100000"),
                    lots=[
                        LotIn(
                            name="x",
                            contract_kind=kind,
                            classify_code="C01" if kind == "services" else "B01",
                            estimated_value=Decimal("100000"),
                        )
                    ],
                ),
            )
        assert refused.value.code == code
