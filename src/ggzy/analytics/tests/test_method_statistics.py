"""R11 statistics per trading method, with the two negotiated procurement methods (竞争性谈判, 竞争性磋商) run
from their first responses to the signed contract: the lot counts under its method's full name, its savings
are against the 采购预算 (not a 最高限价), and the contract amount counts once the contract is signed — in the
table, the API, the CSV and the statistics page."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client

from ggzy.analytics.queries import METHOD_COLUMNS, tables
from ggzy.evaluation import actions, award
from ggzy.evaluation.negotiation import open_round
from ggzy.evaluation.tests.conftest import (
    Opened,
    consultation,
    negotiation,
    opened_consultation,
    opened_negotiation,
)
from ggzy.evaluation.tests.test_negotiation import meet_everyone, panel, report, run_round
from ggzy.testing import actor_of
from ggzy.trading.models import Lot
from ggzy.trading.specs import PROCUREMENT_CONSULTATION_SPEC, PROCUREMENT_NEGOTIATION_SPEC, ProcedureSpec

__all__ = ["consultation", "negotiation", "opened_consultation", "opened_negotiation"]
pytestmark = pytest.mark.django_db

FINALS = {0: "1100000.00", 1: "1000000.00", 2: "1050000.00"}
CEILING = Decimal("1150000")  # a 最高限价 below the 采购预算 of 1.2 million: not what savings count against


def negotiate_to_the_award(o: Opened, procedure: ProcedureSpec) -> Decimal:
    """The panel meets everyone, asks for the final offers, ranks them (磋商: scores too), the purchaser
    confirms the first-ranked; the winning price."""
    members = panel(o)
    meet_everyone(o, members[0], range(4))
    open_round(actor_of(members[0]), o.lot_code, 30, final=True)
    finals = run_round(o, FINALS)
    if procedure is PROCUREMENT_CONSULTATION_SPEC:
        for username in members:
            actions.submit_scores(
                actor_of(username),
                o.lot_code,
                {finals[i]: {"T1": Decimal(40), "B1": Decimal(15)} for i in finals},
            )
    report(o, members)
    lot = Lot.objects.get(code=o.lot_code)
    first = lot.evaluation.candidates.get(rank=1)
    award.confirm_result(actor_of("zb"), o.lot_code, first.bid.receipt_no)
    price: Decimal = first.price
    return price


@pytest.mark.parametrize(
    ("fixture", "procedure"),
    [
        ("opened_negotiation", PROCUREMENT_NEGOTIATION_SPEC),
        ("opened_consultation", PROCUREMENT_CONSULTATION_SPEC),
    ],
)
def test_a_negotiated_purchase_counts_under_its_method(
    fixture: str, procedure: ProcedureSpec, request: pytest.FixtureRequest, client: Client
) -> None:
    o: Opened = request.getfixturevalue(fixture)
    Lot.objects.filter(code=o.lot_code).update(control_price=CEILING)
    budget = Lot.objects.get(code=o.lot_code).estimated_value
    name = procedure.method_detail("open")
    assert name == procedure.name  # 政府采购竞争性谈判 / 政府采购竞争性磋商
    rows = {row[0]: row for row in tables()["method"].rows}
    assert rows[name][1:] == [1, budget, 0, Decimal(0), Decimal(0), None, 0, Decimal(0)]  # published only

    price = negotiate_to_the_award(o, procedure)
    savings = ((budget - price) / budget * 100).quantize(Decimal("0.01"))
    rows = {row[0]: row for row in tables()["method"].rows}
    assert rows[name][1:] == [1, budget, 1, budget, price, savings, 0, Decimal(0)]  # not signed yet

    award.sign_contract(actor_of("zb"), o.lot_code, price, Decimal(0), "ab" * 32)
    method = tables()["method"]
    assert method.columns == METHOD_COLUMNS
    rows = {row[0]: row for row in method.rows}
    assert set(rows) == {name, "合计"}
    assert rows[name][1:] == [1, budget, 1, budget, price, savings, 1, price]
    assert rows["合计"][1:] == rows[name][1:]
    # The savings table agrees: procurement against the 采购预算, not the ceiling.
    assert {r[0]: r for r in tables()["savings"].rows}["政府采购"][2:5] == [budget, price, savings]

    api = client.get("/api/analytics/tables/method").json()
    assert api["columns"] == METHOD_COLUMNS and api["rows"][0][0] == name
    assert api["rows"][0][-1] == float(price)
    html = client.get("/statistics/").content.decode()
    assert "按交易方式" in html and name in html and 'id="chart-method"' in html
    response = client.get("/statistics/method.csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == METHOD_COLUMNS and [r[0] for r in lines[1:]] == [name, "合计"]
