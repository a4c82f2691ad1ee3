"""Government procurement's periods and thresholds at their boundaries (rules-methods-cn.md G101–G104),
in working days across weekends and 清明 (4–6 April 2026) where the law counts 工作日."""

from decimal import Decimal

import pytest

from ggzy.kernel import clock
from ggzy.kernel.errors import GgzyError, InvalidInput
from ggzy.testing import actor_of, local
from ggzy.trading.actions import (
    create_notice,
    create_project,
    download_document,
    publish_notice,
    raise_objection,
)
from ggzy.trading.models import Lot, Notice
from ggzy.trading.procedure import advance_lot
from ggzy.trading.schemas import LotIn, ProjectIn
from ggzy.trading.specs import PROCUREMENT_TENDER_SPEC
from ggzy.trading.tests.conftest import Tender, purchase, purchase_notice_form

__all__ = ["purchase"]
pytestmark = pytest.mark.django_db


def new_project(**lot: object) -> Lot:
    data: dict[str, object] = {
        "name": "办公设备",
        "contract_kind": "goods",
        "classify_code": "B01",
        "estimated_value": Decimal("3000000"),
        "bond_amount": Decimal("60000"),
    }
    data.update(lot)
    project = create_project(
        actor_of("zb"),
        ProjectIn(
            name="办公设备采购",
            category="procurement",
            state_budget_amount=Decimal("50000000"),
            total_investment=Decimal("50000000"),
            lots=[LotIn(**data)],  # type: ignore[arg-type]
        ),
    )
    return project.lots.get()


def test_a_procurement_lot_follows_the_procurement_specification(purchase: Tender) -> None:
    assert purchase.lot.procedure == PROCUREMENT_TENDER_SPEC.key
    assert purchase.project.must_enter


# G104 条例 第33条: bond ≤ 2% of the budget, and no 800,000 cap as in construction.
@pytest.mark.parametrize(
    ("budget", "bond", "ok"),
    [("3000000", "60000.00", True), ("3000000", "60000.01", False), ("50000000", "1000000.00", True)],
)
def test_bond_at_most_two_percent_of_the_budget(purchase: Tender, budget: str, bond: str, ok: bool) -> None:
    if ok:
        assert new_project(estimated_value=Decimal(budget), bond_amount=Decimal(bond)).bond_amount == Decimal(
            bond
        )
    else:
        with pytest.raises(InvalidInput) as err:
            new_project(estimated_value=Decimal(budget), bond_amount=Decimal(bond))
        assert err.value.code == "bond_too_high" and err.value.rule and "第33条" in err.value.rule.citation


def test_works_are_not_procured_by_this_method(purchase: Tender) -> None:
    with pytest.raises(InvalidInput) as err:
        new_project(contract_kind="works", classify_code="A08")
    assert err.value.code == "lot_contract_kind_method"


# G101 87号令 第18条: documents available ≥ 5 working days from the notice.
@pytest.mark.parametrize(
    ("docs_from", "docs_until", "ok"),
    [
        ((2026, 3, 4), (2026, 3, 10), False),  # Wed → Tue: 4 working days
        ((2026, 3, 4), (2026, 3, 11), True),  # Wed → Wed: 5
        ((2026, 4, 1), (2026, 4, 8), False),  # across 清明: 2, 3, 7, 8 = 4 working days
        ((2026, 4, 1), (2026, 4, 9), True),  # … 9 April is the 5th (5 calendar days would end on 6 April)
    ],
)
def test_g101_documents_available_five_working_days(
    purchase: Tender, docs_from: tuple[int, int, int], docs_until: tuple[int, int, int], ok: bool
) -> None:
    lot = new_project()
    form = purchase_notice_form(
        lot.code,
        docs_from=local(*docs_from, 9),
        docs_until=local(*docs_until, 17),
        bid_deadline=local(2026, 4, 30, 9),
    )
    if ok:
        assert create_notice(actor_of("zb"), lot.project.code, form).pk
    else:
        with pytest.raises(InvalidInput) as err:
            create_notice(actor_of("zb"), lot.project.code, form)
        assert err.value.code == "doc_sale_period" and "5个工作日" in err.value.rule.text  # type: ignore[union-attr]


# G102 政府采购法 第35条: ≥ 20 日 (calendar days) from the documents to the deadline.
@pytest.mark.parametrize(("deadline_day", "ok"), [(23, False), (24, True)])
def test_g102_twenty_days_to_the_deadline(purchase: Tender, deadline_day: int, ok: bool) -> None:
    lot = new_project()
    form = purchase_notice_form(lot.code, bid_deadline=local(2026, 3, deadline_day, 9))
    if ok:
        assert create_notice(actor_of("zb"), lot.project.code, form).pk
    else:
        with pytest.raises(InvalidInput) as err:
            create_notice(actor_of("zb"), lot.project.code, form)
        assert err.value.code == "bid_period_too_short" and "第35条" in err.value.rule.citation  # type: ignore[union-attr]


# G181 政府采购法 第52条, 条例 第53条: 质疑 of the documents within 7 working days of obtaining them or of the
# end of their period, whichever is later; only by a supplier who obtained them; it does not stop the clock.
def test_g181_challenge_of_the_documents_counts_working_days_from_knowing(purchase: Tender) -> None:
    publish_notice(purchase.manager, purchase.notice.pk)
    document = purchase.notice.documents.get()
    clock.freeze(local(2026, 3, 5, 10))
    with pytest.raises(GgzyError) as refused:
        raise_objection(purchase.bidder_actor(0), purchase.notice.pk, "资格条件排斥潜在供应商")
    assert refused.value.code == "documents_not_obtained"
    download_document(purchase.bidder_actor(0), document.pk)
    # The documents' period ends Wednesday 11 March; 7 working days from then: Friday 20 March.
    clock.freeze(local(2026, 3, 20, 16))
    challenge = raise_objection(purchase.bidder_actor(0), purchase.notice.pk, "资格条件排斥潜在供应商")
    assert challenge.answer_due.isoformat().startswith("2026-04-01")  # 7 working days: ends 31 March
    clock.freeze(local(2026, 3, 23, 9))
    with pytest.raises(GgzyError) as late:
        raise_objection(purchase.bidder_actor(0), purchase.notice.pk, "再次质疑")
    assert late.value.code == "objection_too_late" and late.value.details["last_day"] == "2026-03-20"
    # Unlike construction tendering (条例 第22条) the open 质疑 does not hold the deadline.
    clock.freeze(local(2026, 3, 24, 9))
    lot = Lot.objects.get(pk=purchase.lot.pk)
    advance_lot(lot.pk, local(2026, 3, 24, 9))
    lot.refresh_from_db()
    assert lot.state != Lot.State.BIDDING
    assert Notice.objects.get(pk=purchase.notice.pk).status == Notice.Status.PUBLISHED
