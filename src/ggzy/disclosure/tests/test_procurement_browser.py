"""Government procurement in headless Chromium: each procurement method's project on the portal with its
own words and result notice, and a supplier applying to the supplier library, admitted by the centre."""

from typing import Any

import pytest

from ggzy.demo.simulate import PASSWORD as SIM_PASSWORD
from ggzy.demo.simulate import TenderSimulation
from ggzy.disclosure.tests.test_browser import CHROMIUM, browser, csp_violations
from ggzy.kernel import clock
from ggzy.testing import PASSWORD
from ggzy.trading.models import Lot

__all__ = ["browser"]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)"
    ),
]

METHODS = {"open": "政府采购公开招标", "rfq": "询价", "single_source": "单一来源采购"}


def simulate(method: str) -> Lot:
    outcome = TenderSimulation(3, lambda _: None, kind="procurement", method=method).execute()
    clock.release()
    return Lot.objects.select_related("project").get(code=outcome.lot_code)


def sign_in(page: Any, url: str, username: str, password: str) -> None:
    page.goto(url + "/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workspace/")


@pytest.fixture
def purchases(live_server, network) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One finished purchase per method, made before the browser starts (Playwright runs an event loop in
    which the ORM may not be called)."""
    lots = {method: simulate(method) for method in METHODS}
    supplier = lots["open"].bids.select_related("bidder").first().bidder  # type: ignore[union-attr]
    account = supplier.accounts.select_related("user").first()
    return {
        "url": live_server.url,
        "projects": {method: lot.project.code for method, lot in lots.items()},
        "supplier": supplier.name,
        "username": account.user.username,  # type: ignore[union-attr]
    }


def test_each_procurement_method_on_the_portal(purchases, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(10_000)
    refused = csp_violations(page)
    for method, name in METHODS.items():
        page.goto(f"{purchases['url']}/portal/projects/{purchases['projects'][method]}/")
        text = page.locator("main").inner_text()
        assert name in text, method
        assert "中标结果" in text or "成交" in text, method
        assert "中标候选人公示" not in text, method
    assert refused == []
    page.close()


def test_a_supplier_applies_to_the_library_and_the_centre_admits(purchases, browser) -> None:  # type: ignore[no-untyped-def]
    url = purchases["url"]
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(10_000)
    sign_in(page, url, purchases["username"], SIM_PASSWORD)
    page.goto(url + "/account/")
    page.get_by_label("申请入库的品目").fill("B01")
    page.get_by_role("button", name="申请入库").click()
    page.wait_for_url("**/account/")
    assert "申请入库" in page.locator("#lib").locator("..").inner_text()
    page.context.clear_cookies()
    sign_in(page, url, "op", PASSWORD)
    page.goto(url + "/account/library/")
    assert purchases["supplier"] in page.locator("main").inner_text()  # pending
    page.get_by_role("button", name="准予入库").click()
    page.wait_for_url("**/account/library/")
    admitted = page.locator("#admitted").locator("..").inner_text()
    assert purchases["supplier"] in admitted and "B01" in admitted
    page.close()
