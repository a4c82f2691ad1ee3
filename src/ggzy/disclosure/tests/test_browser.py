"""The portal in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): open the home page,
search a Chinese phrase, open the project and see its timeline; the statistics charts draw."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ggzy.disclosure.tests import trade
from ggzy.kernel import clock
from ggzy.testing import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)"
    ),
]


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


def csp_violations(page: Any) -> list[str]:
    """Every Content Security Policy refusal Chromium reports on `page`, across navigations."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return refused


@pytest.fixture
def site(live_server, network) -> tuple[str, trade.Finished]:  # type: ignore[no-untyped-def]
    done = trade.run(3)
    clock.release()
    return live_server.url, done


def test_search_a_chinese_phrase_and_follow_the_timeline(site, browser) -> None:  # type: ignore[no-untyped-def]
    url, done = site
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone
    page.set_default_timeout(10_000)
    refused = csp_violations(page)
    page.goto(url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.get_by_label("检索公告和招标文件").fill("教学楼建设")
    page.get_by_role("button", name="检索").click()
    page.wait_for_url("**/portal/search/**")
    result = page.locator("li.result").first
    assert "教学楼" in result.inner_text()
    assert page.locator("mark", has_text="教学楼").count() >= 1
    page.get_by_role("link", name=f"项目 {done.project.code}").first.click()
    page.wait_for_url(f"**/portal/projects/{done.project.code}/")
    timeline = page.get_by_role("region", name="交易过程")
    text = timeline.inner_text()
    for step in ("发布公开招标公告", "开标", "公布开标记录", "中标候选人公示", "中标结果公告", "签订合同"):
        assert step in text, step
    assert page.locator("ol.timeline li").count() >= 7
    assert refused == []
    page.close()


def test_statistics_page_draws_the_charts(site, browser) -> None:  # type: ignore[no-untyped-def]
    url, _ = site
    page = browser.new_page()
    page.set_default_timeout(10_000)
    refused = csp_violations(page)
    page.goto(url + "/statistics/")
    page.wait_for_selector("#chart-category svg")
    assert page.locator("table").count() == 6  # one per statistics table, the trading method's included
    assert refused == []
    page.close()


def test_signing_in_and_the_workspaces_run_under_the_policy(site, browser) -> None:  # type: ignore[no-untyped-def]
    url, _ = site
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(10_000)
    refused = csp_violations(page)
    page.goto(url + "/login/")
    page.get_by_label("用户名").fill("op")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workspace/")
    for path in ("/workspace/", "/experts/draws/", "/portal/audit/", "/statistics/"):
        answer = page.goto(url + path)
        assert answer is not None and answer.status < 400, path
        assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert refused == []
    page.close()
