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
