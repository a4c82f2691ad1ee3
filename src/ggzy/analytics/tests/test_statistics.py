"""R11 statistics over a finished trade: tables, the CSV downloads and the ECharts page."""

import csv
import io

import pytest
from django.test import Client

from ggzy.analytics.queries import tables
from ggzy.disclosure.tests.conftest import finished
from ggzy.disclosure.tests.trade import Finished

__all__ = ["finished"]
pytestmark = pytest.mark.django_db


def test_tables_count_public_figures(finished: Finished) -> None:
    all_tables = tables()
    category = all_tables["category"].rows
    assert category[0][0] == "工程建设项目招标投标" and category[0][1] == 1 and category[0][3] == 1
    assert all_tables["region"].rows[0][0] == "银川市公共资源交易中心"
    bidders = all_tables["bidders"].rows
    assert bidders[-1][0] == "合计" and bidders[-1][3] == 3  # three bidders on the one opened lot
    savings = all_tables["savings"].rows[-1]
    award = finished.lot.award
    price = next(c.price for c in finished.lot.evaluation.candidates.all() if c.bid_id == award.winner_id)
    budget = finished.lot.control_price
    assert savings[2] == budget and savings[3] == price
    assert savings[4] == ((budget - price) / budget * 100).quantize(savings[4])


def test_page_and_csv(finished: Finished, client: Client) -> None:
    html = client.get("/statistics/").content.decode()
    assert "vendor/echarts/echarts.min.js" in html and "analytics/charts.js" in html
    assert html.count('class="chart"') == 6 and "下载 CSV" in html
    response = client.get("/statistics/savings.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][-1] == "节资率（%）" and rows[-1][0] == "合计"
    assert client.get("/statistics/nothing.csv").status_code == 404
    assert client.get("/api/analytics/tables/savings").json()["name"] == "savings"
    assert client.get("/static/vendor/echarts/echarts.min.js").status_code == 200


def test_empty_platform(client: Client, network) -> None:  # type: ignore[no-untyped-def]
    assert "暂无数据" in client.get("/statistics/").content.decode()
