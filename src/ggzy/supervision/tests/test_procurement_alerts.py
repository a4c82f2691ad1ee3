"""Supervision of a government procurement: the period rules count the method's own units (工作日 for
the documents' availability), bind every procurement tender (政府采购法 第35条), and alert the finance
department (财政), not the construction regulator."""

import pytest

from ggzy.kernel import events
from ggzy.supervision.checks import periods
from ggzy.supervision.models import Alert
from ggzy.testing import actor_of, local
from ggzy.trading.actions import publish_notice
from ggzy.trading.models import Notice
from ggzy.trading.tests.conftest import Tender, purchase

__all__ = ["purchase"]
pytestmark = pytest.mark.django_db


def test_a_short_procurement_period_counts_working_days_and_alerts_finance(purchase: Tender, finance) -> None:  # type: ignore[no-untyped-def]
    publish_notice(purchase.manager, purchase.notice.pk)
    notices = Notice.objects.filter(pk=purchase.notice.pk)
    assert periods.notice_findings(notices) == []  # documents Wed 4 → Wed 11 March: 5 working days
    # Until Tuesday 10 March: 4 working days (5 calendar days would have been enough for construction).
    notices.update(docs_until=local(2026, 3, 10, 17))
    events.on_notice_published(purchase.notice)
    alert = Alert.objects.get(rule_id="S02")
    assert alert.evidence["days"] == 4 and alert.evidence["legal_days"] == 5
    assert "4个工作日" in alert.title and "5个工作日" in alert.title
    assert "第18条" in alert.basis_citation
    assert alert.department is not None and alert.department.name == "财政厅"
    assert actor_of("czt")  # the finance regulator is the one told


def test_s22_a_second_single_source_award_to_one_supplier_within_a_year(purchase: Tender) -> None:
    """Single-source lots of one purchaser (crafted like S05's): the second award to the same supplier
    within 12 months raises S22 through the award event; other methods' awards do not count."""
    from datetime import timedelta

    from ggzy.evaluation.models import Award
    from ggzy.kernel import clock
    from ggzy.supervision.checks import evaluation
    from ggzy.supervision.tests.conftest import fake_bid, new_lot
    from ggzy.trading.models import Lot
    from ggzy.trading.specs import PROCUREMENT_SINGLE_SOURCE_SPEC

    supplier = purchase.bidders[0][0]

    def award(days_ago: int, procedure: str = PROCUREMENT_SINGLE_SOURCE_SPEC.key) -> Lot:
        lot = new_lot(
            purchase, Lot.State.AWARDED, procedure=procedure, contract_kind="goods", classify_code="B01"
        )
        Award.objects.create(
            lot=lot,
            publicity_from=clock.now(),
            publicity_until=clock.now(),
            winner=fake_bid(lot, supplier, "100.00"),
            awarded_at=clock.now() - timedelta(days=days_ago),
        )
        return lot

    award(400)  # more than 12 months ago
    award(30, procedure=purchase.lot.procedure)  # an open tender: not single source
    first = award(20)
    assert evaluation.single_source_findings([first.pk]) == []
    second = award(1)
    events.on_awarded(second)
    alert = Alert.objects.get(rule_id="S22")
    assert alert.evidence["count"] == 2 and alert.entity_id == supplier.pk
    assert "第31条" in alert.basis_citation
