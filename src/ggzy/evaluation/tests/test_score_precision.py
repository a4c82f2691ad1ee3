"""A score with more decimals than the field holds (two) is refused, not rounded or stored as sent
(issue 11 §5: "10.123456789" was stored). Nothing is written when one score of a sheet is refused."""

from decimal import Decimal

import pytest

from ggzy.evaluation import actions
from ggzy.evaluation.models import Score
from ggzy.evaluation.tests.conftest import Opened, opened
from ggzy.evaluation.tests.test_flow import committee
from ggzy.kernel.errors import InvalidInput
from ggzy.testing import actor_of

__all__ = ["opened"]
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("points", ["10.123456789", "10.001", "NaN", "Infinity"])
def test_a_score_beyond_two_decimals_or_not_finite_is_refused_and_nothing_stored(
    opened: Opened, points: str
) -> None:
    committee(opened)
    sheet = {opened.receipts[0]: {"T1": Decimal("10.5")}, opened.receipts[1]: {"T1": Decimal(points)}}
    with pytest.raises(InvalidInput) as err:
        actions.submit_scores(actor_of(opened.experts[1]), opened.lot_code, sheet)
    assert err.value.code == "score_precision"
    assert err.value.details["decimal_places"] == 2
    assert not Score.objects.filter(bid__lot__code=opened.lot_code).exists()


@pytest.mark.parametrize("points", ["10.12", "10.100", "10.1", "10", "1.2E+1"])
def test_two_decimals_or_fewer_are_accepted(opened: Opened, points: str) -> None:
    committee(opened)
    actions.submit_scores(
        actor_of(opened.experts[1]), opened.lot_code, {opened.receipts[0]: {"T1": Decimal(points)}}
    )
    assert Score.objects.get(bid__lot__code=opened.lot_code).points == Decimal(points)
