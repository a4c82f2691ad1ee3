"""The public service system for government procurement open and invited tendering (政府采购公开招标/邀请招标):
a whole simulated procurement (real bidder tool, HTTP API, virtual clock) from the notice to the archive,
then every public output — portal pages, Chinese search, the change feed, OCDS, the national data spec —
speaks the procedure's words, shows the result notice with its 公告期 and no candidates' publicity."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ocdsmerge
import pytest
from django.test import Client

from ggzy.demo.simulate import TenderSimulation
from ggzy.disclosure import feed, gcjs, index, ocds
from ggzy.disclosure.models import SearchDoc
from ggzy.disclosure.public import lot_record, project_view
from ggzy.disclosure.queries import Filters, find
from ggzy.disclosure.rules import Stage, is_public
from ggzy.disclosure.tests.test_ocds import cove, merge_rules
from ggzy.disclosure.tests.trade import Finished
from ggzy.kernel import clock
from ggzy.kernel.models import AuditEvent
from ggzy.testing import entity_with_key
from ggzy.trading.models import Lot, Project
from ggzy.trading.specs import PROCUREMENT_TENDER_SPEC

pytestmark = pytest.mark.django_db


@dataclass
class Purchase:
    project: Project
    lot: Lot
    method: str


def simulate(method: str) -> Purchase:
    outcome = TenderSimulation(3, lambda _: None, kind="procurement", method=method).execute()
    lot = Lot.objects.select_related("project", "notice").get(code=outcome.lot_code)
    assert lot.state == Lot.State.ARCHIVED and lot.procedure == PROCUREMENT_TENDER_SPEC.key
    index.sweep()
    return Purchase(lot.project, lot, method)


@pytest.fixture(params=["open", "invited"])
def purchased(request: pytest.FixtureRequest, network) -> Iterator[Purchase]:  # type: ignore[no-untyped-def]
    yield simulate(request.param)
    clock.release()


@pytest.fixture
def purchased_open(network) -> Iterator[Purchase]:  # type: ignore[no-untyped-def]
    yield simulate("open")
    clock.release()


def winner_and_price(purchase: Purchase) -> tuple[str, str]:
    award = purchase.lot.award
    candidate = purchase.lot.evaluation.candidates.get(bid_id=award.winner_id)
    return award.winner.bidder.name, f"{candidate.price}"


# ---- portal ---------------------------------------------------------------------------------------------


def test_project_page_speaks_procurement(purchased: Purchase, client: Client) -> None:
    html = client.get(f"/portal/projects/{purchased.project.code}/").content.decode()
    method = "公开招标" if purchased.method == "open" else "邀请招标"
    assert "政府采购" in html and f"发布政府采购{method}公告" in html  # the category and the method
    assert "<dt>采购人</dt>" in html and "<dt>招标人</dt>" not in html
    assert "<dt>采购预算</dt>" in html and "<dt>最高限价</dt>" in html
    assert '<th scope="col">投标供应商</th>' in html and "3家投标供应商" in html
    # The opening record shows the procurement bid form's read-out fields; the SME declaration is not read.
    assert "核心产品品牌" in html and "交货期或服务期限（日）" in html
    assert "工期（日）" not in html and "项目负责人" not in html and "小微企业" not in html
    # The result notice: the winner, the price, the notice period; no candidates' publicity anywhere.
    winner, price = winner_and_price(purchased)
    assert "<h4>中标结果公告</h4>" in html and "中标供应商：<a" in html and winner in html
    assert f"中标金额 {price} 元" in html
    assert 'class="result-period">公告期' in html and "（1个工作日）" in html
    assert "中标候选人公示" not in html and "中标候选人" not in html
    assert "由采购人在履约完成后公布" in html
    # Losing suppliers' scores and ranks are told to them alone, never published (87号令 第69条).
    for candidate in purchased.lot.evaluation.candidates.all():
        assert f"{candidate.score}" not in html


def test_notice_page_speaks_procurement(purchased_open: Purchase, client: Client) -> None:
    assert purchased_open.lot.notice is not None
    html = client.get(f"/portal/notices/{purchased_open.lot.notice.pk}/").content.decode()
    assert "政府采购公开招标 · 发布时间" in html
    assert "<dt>采购人</dt>" in html and "投标供应商登录后下载" in html
    assert "<dt>招标人</dt>" not in html and "中标候选人公示" not in html


def test_agent_is_named_as_procurement_agency(purchased_open: Purchase, client: Client) -> None:
    agent, _ = entity_with_key("agent", "cgdl")
    Project.objects.filter(pk=purchased_open.project.pk).update(agent=agent)
    html = client.get(f"/portal/projects/{purchased_open.project.code}/").content.decode()
    assert "<dt>采购代理机构</dt>" in html and agent.name in html and "招标代理机构" not in html


def test_the_lot_record_carries_the_result_notice(purchased_open: Purchase) -> None:
    record = lot_record(purchased_open.lot)
    award = purchased_open.lot.award
    assert record["candidates"] == [] and record["publicity"] is None
    assert record["result"] == {
        "notice_from": award.publicity_from,
        "notice_until": award.publicity_until,
        "notice_period": "1个工作日",
        "deemed": False,
        "decision_reason": "",
    }
    assert record["words"]["principal"] == "采购人" and record["words"]["winner"] == "中标供应商"
    assert [name for name, _ in record["opening_columns"]] == ["price", "delivery_days", "brand"]
    assert {m["kind"] for m in record["committee"]} == {"评审专家", "采购人代表"}
    # The result notice's fields are declared public from the result, with their rule.
    assert is_public("result_notice", "notice_until", Stage.RESULT)
    assert not is_public("result_notice", "notice_until", Stage.OPENING_CLOSED)
    view = project_view(purchased_open.project)
    kinds = [e.kind for e in view["timeline"]]
    assert "award" in kinds and "candidates" not in kinds


def test_construction_pages_keep_their_words(finished: Finished, client: Client) -> None:
    html = client.get(f"/portal/projects/{finished.project.code}/").content.decode()
    assert "<dt>招标人</dt>" in html and "<dt>估算价</dt>" in html and "<dt>最高投标限价</dt>" in html
    assert "中标候选人公示" in html and "<h4>中标结果</h4>" in html and "中标人：<a" in html
    assert (
        '<th scope="col">投标人</th><th scope="col">投标报价（元）</th><th scope="col">工期（日）</th>'
        in html
    )
    assert "发布公开招标公告" in html and "政府采购" not in html and "公告期" not in html


# ---- search and the change feed ---------------------------------------------------------------------------


def keys(text: str, **filters: object) -> list[str]:
    qs, _ = find(Filters(q=text, **filters))  # type: ignore[arg-type]
    return [d.key for d in qs]


def test_search_finds_procurement_notices_and_results(purchased_open: Purchase) -> None:
    notice = f"notice:{purchased_open.lot.notice_id}"
    result = f"result:{purchased_open.lot.code}"
    assert {notice, result} <= set(keys("政府采购"))
    assert notice in keys("政府采购公开招标", kind="notice")
    assert keys("中标结果公告", category="procurement") == [result]
    assert keys("中标供应商") == [result] and keys("中标候选人公示") == []
    assert result in keys("采购人") and keys("", category="engineering") == []
    doc = SearchDoc.objects.get(key=result)
    winner, price = winner_and_price(purchased_open)
    assert doc.category == "procurement" and winner in doc.body and price in doc.body
    assert "公告期" in doc.body and "第1名" not in doc.body  # no ranking published


def test_change_feed_carries_the_procurement_result(purchased_open: Purchase) -> None:
    items = feed.page(0, feed.MAX_LIMIT).items
    changes = [i["change"] for i in items]
    assert changes[:4] == [
        "notice_published",
        "opening_started",
        "opening_record_published",
        "award_published",  # evaluation.confirm_result: the purchaser's confirmation publishes the result
    ]
    assert "contract_signed" in changes and "candidates_published" not in changes
    award = next(i for i in items if i["change"] == "award_published")
    assert award["lot"] == purchased_open.lot.code and award["category"] == "procurement"
    assert award["links"]["ocds_record"].endswith(f"/{purchased_open.project.code}/record")


def test_a_deemed_result_is_in_the_change_feed() -> None:
    """The chronograph deems rank 1 chosen through the engine (trading.advance_lot, outcome deemed:…)."""
    event = AuditEvent(action="trading.advance_lot", payload={"outcome": "deemed:R1:7"})
    assert feed._lot_change(event) == "award_published"
    assert feed._lot_change(AuditEvent(action="trading.advance_lot", payload={"outcome": "nothing"})) is None


def test_api_feed_names_the_category(purchased_open: Purchase, client: Client) -> None:
    body = client.get("/api/disclosure/feed?limit=500").json()
    assert {i.get("category") for i in body["items"] if i.get("project")} == {"procurement"}


# ---- OCDS ---------------------------------------------------------------------------------------------


def test_ocds_procurement_method_parties_and_award(
    purchased: Purchase, client: Client, tmp_path: Path
) -> None:
    package = client.get(f"/api/disclosure/ocds/{purchased.project.code}/releases").json()
    result = cove(package, tmp_path, record=False)
    assert result["validation_errors"] == [], json.dumps(result["validation_errors"], ensure_ascii=False)[
        :2000
    ]
    releases = package["releases"]
    assert not any(r["id"].endswith(f"candidates-{purchased.lot.code}") for r in releases)
    (tender_release,) = [r for r in releases if r["tag"] == ["tender"]]
    tender = tender_release["tender"]
    if purchased.method == "open":
        assert (
            tender["procurementMethod"] == "open" and tender["procurementMethodDetails"] == "政府采购公开招标"
        )
    else:
        assert tender["procurementMethod"] == "selective"
        assert tender["procurementMethodDetails"] == "政府采购邀请招标"
    assert tender["mainProcurementCategory"] == "goods"
    (buyer,) = tender_release["parties"]
    assert (
        buyer["roles"] == ["buyer", "procuringEntity"] and buyer["name"] == purchased.project.principal.name
    )

    record = client.get(f"/api/disclosure/ocds/{purchased.project.code}/record").json()["records"][0]
    compiled = record["compiledRelease"]
    assert compiled == ocdsmerge.Merger(merge_rules=merge_rules()).create_compiled_release(record["releases"])
    (award,) = compiled["awards"]  # the winner's award only: no pending candidates, no unsuccessful ones
    winner, price = winner_and_price(purchased)
    assert award["status"] == "active" and award["suppliers"][0]["name"] == winner
    assert f"{award['value']['amount']}" == price.removesuffix(".00")
    assert "中标结果公告期" in award["description"] and award["documents"][0]["documentType"] == "awardNotice"
    assert compiled["contracts"][0]["awardID"] == award["id"]
    roles = {p["name"]: p["roles"] for p in compiled["parties"]}
    assert roles[winner] == ["tenderer", "supplier"]


def test_ocds_agent_is_the_procuring_entity(purchased_open: Purchase, tmp_path: Path) -> None:
    agent, _ = entity_with_key("agent", "cgdl")
    Project.objects.filter(pk=purchased_open.project.pk).update(agent=agent)
    project = Project.objects.get(pk=purchased_open.project.pk)
    package = ocds.release_package(project)
    tender_release = next(r for r in package["releases"] if r["tag"] == ["tender"])
    roles = {p["name"]: p["roles"] for p in tender_release["parties"]}
    assert roles == {project.principal.name: ["buyer"], agent.name: ["procuringEntity"]}
    assert tender_release["buyer"]["name"] == project.principal.name
    assert tender_release["tender"]["procuringEntity"]["name"] == agent.name
    result = cove(package, tmp_path, record=False)
    assert result["validation_errors"] == []


def test_ocds_construction_method_details(finished: Finished) -> None:
    package = ocds.release_package(finished.project)
    tender = next(r for r in package["releases"] if r["tag"] == ["tender"])["tender"]
    assert tender["procurementMethodDetails"] == "工程建设项目公开招标"
    assert tender["mainProcurementCategory"] == "works"


# ---- the national data spec -------------------------------------------------------------------------


def test_national_spec_procurement_goes_out_in_zfcg(purchased_open: Purchase, client: Client) -> None:
    sets = client.get(f"/api/disclosure/gcjs/{purchased_open.project.code}").json()["DATASETS"]
    assert all(sets[name] == [] for name in gcjs.GCJS_DATASETS)  # nothing in the 工程建设 board
    for name in gcjs.ZFCG_DATASETS:
        assert sets[name], name
        for row in sets[name]:
            assert row["PLATFORM_CODE"] == "E6401000001" and row["PUB_SERVICE_PLAT_CODE"] == "E6400000001"
            assert len(row["DATA_TIMESTAMP"]) == 14
            assert row["UNIFIED_DEAL_CODE"] == purchased_open.project.unified_deal_code
            assert row["PURCHASE_PROJECT_CODE"] == purchased_open.project.code
    (project,) = sets["ZFCG_PURCHASE_PROJECT"]
    assert project["PURCHASE_SECTION_CODE"] == purchased_open.lot.code and project["PURCHASER_MODE"] == "1"
    assert project["PURCHASER_NAME"] == purchased_open.project.principal.name
    assert project["PROGRAM_BUDGET"] == f"{purchased_open.lot.estimated_value}"
    assert len(sets["ZFCG_PURCHASE_TENDER_LIST"]) == 3
    assert all(r["BRAND"] and r["BID_PRICE"] for r in sets["ZFCG_PURCHASE_TENDER_LIST"])
    (deal,) = sets["ZFCG_BID_DEAL_ANNOUNCE"]
    winner, price = winner_and_price(purchased_open)
    assert deal["WINNINGBIDDER_NAME"] == winner and deal["WIN_BID_PRICE"] == price
    assert deal["WIN_BID_BULLETIN_END_TIME"] > deal["WIN_BID_BULLETIN_START_TIME"]
    (contract,) = sets["ZFCG_PURCHASE_CONTRACT"]
    assert contract["SUPPLIER_NAME"] == winner and contract["CONTRACT_AMOUNT"]


def test_national_spec_construction_stays_in_gcjs(finished: Finished) -> None:
    sets = gcjs.datasets(finished.project)
    assert gcjs.board_of(finished.project) == "GCJS"
    assert all(sets[name] for name in gcjs.GCJS_DATASETS)
    assert all(sets[name] == [] for name in gcjs.ZFCG_DATASETS)


@pytest.mark.parametrize(
    ("method", "detail", "ocds_method", "name", "mode"),
    [
        ("rfq", "政府采购询价", "open", "询价", "5"),
        # A negotiation admits the suppliers it negotiates with: OCDS "selective", the details say which.
        ("negotiation", "政府采购竞争性谈判", "selective", "竞争性谈判", "3"),
        ("consultation", "政府采购竞争性磋商", "selective", "竞争性磋商", "6"),
    ],
)
def test_each_non_tendering_method_speaks_its_own_name(  # type: ignore[no-untyped-def]
    network, client: Client, tmp_path: Path, method: str, detail: str, ocds_method: str, name: str, mode: str
) -> None:
    """询价, 竞争性谈判 and 竞争性磋商 name themselves everywhere from their specification (method, words,
    OCDS method and details), and validate as OCDS."""
    outcome = TenderSimulation(3, lambda _: None, kind="procurement", method=method).execute()
    clock.release()
    lot = Lot.objects.select_related("project").get(code=outcome.lot_code)
    assert lot.state == Lot.State.ARCHIVED
    index.sweep()
    package = client.get(f"/api/disclosure/ocds/{lot.project.code}/releases").json()
    assert cove(package, tmp_path, record=False)["validation_errors"] == []
    (tender_release,) = [r for r in package["releases"] if r["tag"] == ["tender"]]
    assert tender_release["tender"]["procurementMethodDetails"] == detail
    assert tender_release["tender"]["procurementMethod"] == ocds_method
    page = client.get(f"/portal/projects/{lot.project.code}/").content.decode()
    assert name in page and "成交供应商" in page and "中标候选人公示" not in page
    # The national data specification's 采购方式 code ([U] code table), from the specification.
    sets = gcjs.datasets(lot.project)
    assert {row["PURCHASER_MODE"] for row in sets["ZFCG_PURCHASE_PROJECT"]} == {mode}
