"""One negotiation round in headless Chromium, as the panel and as a supplier (竞争性谈判): the chair meets
each supplier in its channel, a supplier reads and answers its own, the purchaser's representative
confirms a change of the requirements, the chair asks for revised responses, the suppliers see the round
with its deadline and respond with the real `ggzy-bid` client over HTTP, the round is opened when its
deadline passes and the panel reads its record in the room."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.db import connections

from ggzy.disclosure.tests.test_browser import CHROMIUM, browser, csp_violations
from ggzy.disclosure.tests.test_procurement_browser import sign_in
from ggzy.evaluation.tests.conftest import Opened, opened_negotiation
from ggzy.evaluation.tests.test_negotiation import panel
from ggzy.kernel import chronograph, clock
from ggzy.registry.actions import issue_api_token
from ggzy.testing import PASSWORD, actor_of, procurement_bid_form, seal_bid
from ggzy_bid.client import UploadClient
from ggzy_guomi import sm3_hex, unwrap_file_keys

__all__ = ["browser", "opened_negotiation"]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)"
    ),
]


def off_the_loop(work: Callable[[], object]) -> None:
    """Run ORM work (the chronograph's sweep) in a thread of its own: Playwright's event loop runs in the
    test's thread, where Django refuses synchronous database calls."""

    def run() -> object:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(run).result()


def press(page: Any, button: str) -> None:
    """Click a form's button and wait for the page it leads to (POST, then redirect back)."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


@pytest.fixture
def negotiating(live_server, opened_negotiation: Opened) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The negotiation's panel seated and signed in, the suppliers' API tokens issued: all before the
    browser starts."""
    o = opened_negotiation
    members = panel(o)
    suppliers = [
        {"entity": entity, "key": key, "name": entity.name, "uscc": entity.uscc}
        for entity, key in o.tender.bidders
    ]
    for i, s in enumerate(suppliers):
        s["token"] = issue_api_token(actor_of(f"tb{i}"), "浏览器测试")[1]
    return {"url": live_server.url, "lot": o.lot_code, "chair": members[0], "suppliers": suppliers}


def test_one_negotiation_round_as_the_panel_and_as_a_supplier(negotiating, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, lot, suppliers = negotiating["url"], negotiating["lot"], negotiating["suppliers"]
    room = f"{url}/evaluation/lots/{lot}/"
    own_page = f"{url}/evaluation/negotiations/{lot}/"

    chair = browser.new_page(locale="zh-CN")
    chair.set_default_timeout(10_000)
    refused = csp_violations(chair)
    sign_in(chair, url, negotiating["chair"], PASSWORD)
    chair.goto(room)
    assert "谈判过程" in chair.locator("main").inner_text()
    # The whole panel meets each supplier in its own channel.
    for s in suppliers:
        chair.get_by_label("供应商").select_option(s["uscc"])
        chair.get_by_label("谈判内容").fill(f"请{s['name']}说明人员配置和报价构成")
        press(chair, "发送谈判内容")
    assert "本阶段尚未谈判的供应商" not in chair.locator("main").inner_text()

    supplier = browser.new_page(locale="zh-CN")
    supplier.set_default_timeout(10_000)
    refused += csp_violations(supplier)
    sign_in(supplier, url, "tb0", PASSWORD)
    supplier.goto(own_page)
    text = supplier.locator("main").inner_text()
    assert f"请{suppliers[0]['name']}说明人员配置" in text and suppliers[1]["name"] not in text
    supplier.get_by_label("答复谈判小组").fill("驻场20人，人工费占七成")
    press(supplier, "发送")
    assert "驻场20人" in supplier.locator("main").inner_text()

    # A change of the requirements, confirmed by the purchaser's representative.
    chair.goto(room)
    assert "驻场20人" in chair.locator("main").inner_text()  # the panel reads every channel
    chair.get_by_label("实质性变动内容（技术、服务要求或合同草案条款）").fill("驻场人员增至24人")
    press(chair, "提出")
    representative = browser.new_page(locale="zh-CN")
    representative.set_default_timeout(10_000)
    sign_in(representative, url, "zbdb", PASSWORD)
    representative.goto(room)
    press(representative, "确认并通知全部供应商")
    assert "已书面通知全部供应商" in representative.locator("main").inner_text()

    # The chair asks for revised responses within 60 minutes.
    chair.goto(room)
    chair.get_by_label("提交时限（分钟）").fill("60")
    chair.get_by_label("本轮要求（可选）").fill("请按变动后的需求重新报价")
    press(chair, "发出要求")
    assert "重新提交响应文件" in chair.locator("main").inner_text()

    supplier.goto(own_page)
    text = supplier.locator("main").inner_text()
    assert "请提交第1轮响应文件" in text and "驻场人员增至24人" in text and "ggzy-bid seal" in text

    # Three suppliers seal and upload revised responses with the bidder tool's client, over HTTP.
    prices = {0: "1090000.00", 1: "1085000.00", 2: "1120000.00"}
    envelopes: dict[int, bytes] = {}
    with httpx.Client(timeout=30) as http:
        for i, price in prices.items():
            s = suppliers[i]
            envelope = seal_bid(lot, s["entity"], s["key"], price, form=procurement_bid_form(price))
            path = tmp_path / f"{i}.gbe"
            path.write_bytes(envelope)
            UploadClient(http, url, s["token"]).upload(path)
            envelopes[i] = envelope
        # The deadline passes: the round's responses are opened together; each supplier decrypts its own.
        off_the_loop(lambda: (clock.advance(timedelta(minutes=61)), chronograph.sweep()))
        for i, envelope in envelopes.items():
            keys = unwrap_file_keys(envelope, suppliers[i]["key"])
            UploadClient(http, url, suppliers[i]["token"]).submit_keys(lot, sm3_hex(envelope), keys)
    off_the_loop(lambda: (clock.advance(timedelta(minutes=31)), chronograph.sweep()))

    chair.goto(room)
    text = chair.locator("#negotiation").locator("..").inner_text()
    assert "1085000.00" in text and "1120000.00" in text and "已结束" in text
    supplier.goto(own_page)
    mine = supplier.locator("main").inner_text()
    assert "第1轮" in mine and "1090000.00" in mine and "1085000.00" not in mine  # its own only
    assert refused == []
    for page in (chair, supplier, representative):
        page.close()
