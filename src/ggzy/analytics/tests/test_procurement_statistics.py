"""R11 statistics with government procurement beside construction tendering: each trade under its category,
the bidders per opened lot, and the savings rate against what each method budgets (采购预算 for procurement,
the price ceiling for construction)."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client

from ggzy.analytics.queries import lot_facts, savings_budget, tables
from ggzy.demo.simulate import TenderSimulation
from ggzy.disclosure.tests import trade
from ggzy.kernel import clock
from ggzy.trading.models import Lot
from ggzy.trading.specs import CONSTRUCTION_TENDER_SPEC, PROCUREMENT_TENDER_SPEC

pytestmark = pytest.mark.django_db

ENGINEERING = "工程建设项目招标投标"
PROCUREMENT = "政府采购"


@dataclass
class Both:
    construction: Lot
    purchases: list[Lot]


def awarded_price(lot: Lot) -> Decimal:
    award = lot.award
    price: Decimal = lot.evaluation.candidates.get(bid_id=award.winner_id).price
    return price


@pytest.fixture
def both(network) -> Iterator[Both]:  # type: ignore[no-untyped-def]
    """A finished construction tender, then an open and an invited goods procurement to the archive."""
    construction = trade.run(3).lot
    purchases = []
    for method in ("open", "invited"):
        outcome = TenderSimulation(3, lambda _: None, kind="procurement", method=method).execute()
        purchases.append(Lot.objects.select_related("project").get(code=outcome.lot_code))
    assert all(p.procedure == PROCUREMENT_TENDER_SPEC.key for p in purchases)
    yield Both(construction, purchases)
    clock.release()


def test_procurement_counts_under_its_category(both: Both) -> None:
    rows = {row[0]: row for row in tables()["category"].rows}
    assert set(rows) == {ENGINEERING, PROCUREMENT}
    estimated = sum((p.estimated_value for p in both.purchases), Decimal(0))
    awarded = sum((awarded_price(p) for p in both.purchases), Decimal(0))
    assert rows[PROCUREMENT][1:] == [2, estimated, 2, awarded]
    assert rows[ENGINEERING][1:] == [
        1,
        both.construction.estimated_value,
        1,
        awarded_price(both.construction),
    ]
    months = tables()["month"].rows
    assert sum(row[1] for row in months) == 3


def test_bidders_per_lot_by_category(both: Both) -> None:
    rows = {row[0]: row for row in tables()["bidders"].rows}
    assert rows[PROCUREMENT][1:] == [2, 6, Decimal("3.00")]
    assert rows[ENGINEERING][1:] == [1, 3, Decimal("3.00")]
    assert rows["合计"][1:] == [3, 9, Decimal("3.00")]


def test_savings_rate_of_procurement_is_against_the_budget(both: Both) -> None:
    rows = {row[0]: row for row in tables()["savings"].rows}
    budget = sum((p.estimated_value for p in both.purchases), Decimal(0))  # 采购预算, not 最高限价
    awarded = sum((awarded_price(p) for p in both.purchases), Decimal(0))
    assert all(p.control_price is not None and p.control_price < p.estimated_value for p in both.purchases)
    assert rows[PROCUREMENT][1:4] == [2, budget, awarded]
    assert rows[PROCUREMENT][4] == ((budget - awarded) / budget * 100).quantize(Decimal("0.01"))
    construction_budget = both.construction.control_price  # construction: the price ceiling, as before
    assert rows[ENGINEERING][2] == construction_budget
    total_budget = budget + construction_budget
    total_award = awarded + awarded_price(both.construction)
    assert rows["合计"][1:4] == [3, total_budget, total_award]
    assert rows["合计"][4] == ((total_budget - total_award) / total_budget * 100).quantize(Decimal("0.01"))


def test_savings_budget_per_procedure(both: Both) -> None:
    purchase = both.purchases[0]
    assert savings_budget(purchase, PROCUREMENT_TENDER_SPEC) == purchase.estimated_value
    assert savings_budget(both.construction, CONSTRUCTION_TENDER_SPEC) == both.construction.control_price
    facts = {f.category for f in lot_facts()}
    assert facts == {"engineering", "procurement"}


def test_csv_and_api_carry_procurement(both: Both, client: Client) -> None:
    response = client.get("/statistics/category.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [ENGINEERING, PROCUREMENT]
    savings = client.get("/api/analytics/tables/savings").json()
    assert PROCUREMENT in [row[0] for row in savings["rows"]]
    html = client.get("/statistics/").content.decode()
    assert PROCUREMENT in html and "政府采购按采购预算" in html


def test_methods_in_the_order_of_the_specifications(both: Both) -> None:
    """Open and invited procurement tenders are two methods of one specification; construction first."""
    rows = tables()["method"].rows
    assert [r[0] for r in rows] == ["工程建设项目公开招标", "政府采购公开招标", "政府采购邀请招标", "合计"]
    by_name = {r[0]: r for r in rows}
    for lot, name in zip(both.purchases, ["政府采购公开招标", "政府采购邀请招标"], strict=True):
        price = awarded_price(lot)
        savings = ((lot.estimated_value - price) / lot.estimated_value * 100).quantize(Decimal("0.01"))
        assert by_name[name][1:7] == [1, lot.estimated_value, 1, lot.estimated_value, price, savings]
    assert by_name["工程建设项目公开招标"][4] == both.construction.control_price  # the price ceiling
    total = by_name["合计"]
    assert total[1] == 3 and total[3] == 3
    assert total[5] == sum((r[5] for r in rows[:-1]), Decimal(0))
    assert total[8] == sum((r[8] for r in rows[:-1]), Decimal(0))
