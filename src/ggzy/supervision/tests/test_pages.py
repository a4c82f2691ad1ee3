"""The supervision workspace pages, driven with the Django test client: who may see each page, every form
through its supervision function (model and audit checked), refusals with their Chinese message and rule
citation (422, nothing changed), an alert's evidence and legal basis, an anonymous report."""

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils.html import escape

from ggzy.kernel import clock, events
from ggzy.kernel.models import AuditEvent
from ggzy.supervision.models import Alert, AlertMove, Case, Instruction
from ggzy.supervision.tests.conftest import BidSpec, fingerprint, open_lot
from ggzy.testing import local
from ggzy.trading.actions import publish_notice
from ggzy.trading.models import Lot
from ggzy.trading.tests.conftest import Tender

pytestmark = pytest.mark.django_db


def login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def html(response: Any) -> str:
    return str(response.content.decode())


def audit_count(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


@pytest.fixture
def rigged(tender: Tender) -> Any:
    """An opened lot where two bidders prepared their bids on the same machine (条例 第40条(一))."""
    machine = fingerprint(0)
    opened = open_lot(
        tender,
        [
            BidSpec(0, "23000000.00", fingerprint=machine),
            BidSpec(1, "23050000.00", fingerprint=machine),
            BidSpec(2, "23100000.00"),
        ],
    )
    events.on_lot_advanced(opened.lot)
    return opened


def complaint_post(tender: Tender, known_on: date, **change: str) -> dict[str, str]:
    data = {
        "lot_code": tender.lot.code,
        "matter": "other",
        "request": "责令招标人改正资格条件",
        "text": "招标公告设置了与项目无关的业绩要求。",
        "known_on": known_on.isoformat(),
    }
    data.update(change)
    return data


# ---- access -----------------------------------------------------------------------------------------


def test_each_page_for_its_role(tender: Tender, regulator: Any, operator: Any) -> None:
    workspace = ["/supervision/", "/supervision/alerts/", "/supervision/cases/"]
    for url in [*workspace, f"/supervision/lots/{tender.lot.code}/", "/supervision/complaints/new/"]:
        assert Client().get(url)["Location"].startswith("/login/"), url
    for url in workspace:
        assert login("reg").get(url).status_code == 200, url
        assert login("tb0").get(url).status_code == 403, url
    assert login("op").get("/supervision/").status_code == 200
    assert login("op").get("/supervision/alerts/").status_code == 200
    assert login("op").get("/supervision/cases/").status_code == 403  # cases stay with their department
    lot = f"/supervision/lots/{tender.lot.code}/"
    assert login("reg").get(lot).status_code == 200 and login("op").get(lot).status_code == 200
    assert login("tb0").get(lot).status_code == 403 and login("zb").get(lot).status_code == 403
    assert login("reg").get("/supervision/lots/NOPE/").status_code == 404
    assert login("tb0").get("/supervision/complaints/new/").status_code == 200
    assert login("reg").get("/supervision/complaints/new/").status_code == 403
    for url in ("/supervision/reports/new/", "/supervision/decisions/", "/supervision/powers/"):
        assert Client().get(url).status_code == 200, url


def test_workspaces_link_to_supervision(tender: Tender, regulator: Any) -> None:
    page = html(login("reg").get("/workspace/"))
    assert "尚未上线" not in page and 'href="/supervision/"' in page and "/credit/" in page
    User.objects.create_user("citizen", password="x")
    public = html(login("citizen").get("/workspace/"))
    assert 'href="/supervision/reports/new/"' in public and "举报" in public


# ---- dashboard and alerts -------------------------------------------------------------------------------


def test_dashboard_counts_deadlines_risk_map_and_screens(rigged: Any, tender: Tender, regulator: Any) -> None:
    clock.freeze(local(2026, 3, 25, 10))
    login("tb3").post("/supervision/complaints/new/", complaint_post(tender, date(2026, 3, 24)))
    case = Case.objects.get()
    page = html(login("reg").get("/supervision/"))
    assert "住房和城乡建设厅" in page and "S16" in page and "/supervision/alerts/?rule=S16" in page
    assert case.number in page and "没有逾期事项" in page
    assert tender.principal.region_id in page and "risk-high" in page  # the rigged lot's county
    assert f"/supervision/lots/{tender.lot.code}/" in page  # latest screens
    clock.freeze(case.accept_due + timedelta(minutes=1))
    late = html(login("reg").get("/supervision/"))
    assert "超过受理决定期限" in late and 'class="overdue"' in late
    overseer = html(login("op").get(f"/supervision/?department={regulator.department_id}"))
    assert (
        "只读" in overseer and "S16" in overseer and f'href="/supervision/cases/{case.pk}/"' not in overseer
    )


def test_alert_page_shows_evidence_and_basis_and_moves_it(rigged: Any, regulator: Any, finance: Any) -> None:
    alert = Alert.objects.get(rule_id="S16")
    url = f"/supervision/alerts/{alert.pk}/"
    page = html(login("reg").get(url))
    assert escape(json.dumps(alert.evidence, ensure_ascii=False, indent=2)) in page  # verbatim
    assert "第40条(一)" in page and escape(alert.basis_text) in page
    assert "投标文件由同一台电脑编制" in page  # the readable summary of the pairs
    assert f'href="/supervision/lots/{alert.lot.code}/"' in page
    assert f'href="/trading/projects/{alert.project.code}/"' in page
    assert login("czt").get(url).status_code == 404  # another department's queue
    overseer = html(login("op").get(url))
    assert "第40条(一)" in overseer and "只读" in overseer and "处理预警" not in overseer
    move = f"{url}move/"
    refused = login("reg").post(move, {"to": "confirmed", "note": "同一台电脑"})
    assert refused.status_code == 422 and "不能转为“已确认”" in html(refused)
    assert not AlertMove.objects.exists() and Alert.objects.get(pk=alert.pk).status == "new"
    assert login("reg").post(move, {"to": "reviewing"})["Location"] == url
    no_note = login("reg").post(move, {"to": "confirmed"})
    assert no_note.status_code == 422 and "排除或确认预警须写明核查意见" in html(no_note)
    login("reg").post(move, {"to": "confirmed", "note": "两家投标文件由同一台电脑编制"})
    login("reg").post(move, {"to": "transferred", "transferred_to": "市公安局经侦支队"})
    alert.refresh_from_db()
    assert alert.status == "transferred" and alert.transferred_to == "市公安局经侦支队"
    assert audit_count("supervision.move_alert") == 3
    assert login("czt").post(move, {"to": "dismissed", "note": "x"}).status_code == 404
    history = html(login("reg").get(url))
    assert "核查中" in history and "市公安局经侦支队" in history and "处理预警" not in history
    listing = html(login("reg").get("/supervision/alerts/?status=transferred"))
    assert f'href="{url}"' in listing


# ---- a trade ----------------------------------------------------------------------------------------------


def test_lot_page_shows_trail_and_screen(rigged: Any, tender: Tender, regulator: Any) -> None:
    page = html(login("reg").get(f"/supervision/lots/{tender.lot.code}/"))
    for action in ("trading.create_project", "trading.publish_notice", "bidding.decrypt_bid"):
        assert action in page
    assert "第40条(一)" in page and "投标文件由同一台电脑编制" in page and "风险分" in page
    assert "发出监管指令" in page and "第52条" in page  # the binding effect of instructions
    overseer = html(login("op").get(f"/supervision/lots/{tender.lot.code}/"))
    assert "第40条(一)" in overseer and "发出监管指令" not in overseer


def test_instructions_suspend_resume_and_terminate(tender: Tender, regulator: Any, finance: Any) -> None:
    publish_notice(tender.manager, tender.notice.pk)
    url = f"/supervision/lots/{tender.lot.code}/"
    issue = f"{url}instructions/"
    no_reason = login("reg").post(issue, {"kind": "suspend", "reason": ""})
    assert no_reason.status_code == 422 and "监管指令须写明事实和理由" in html(no_reason)
    assert not Instruction.objects.exists()
    assert login("czt").post(issue, {"kind": "suspend", "reason": "x"}).status_code == 403
    assert login("reg").post(issue, {"kind": "suspend", "reason": "投诉处理期间暂停"})["Location"] == url
    suspension = Instruction.objects.get()
    assert Lot.objects.get(pk=tender.lot.pk).state == Lot.State.SUSPENDED
    assert audit_count("supervision.issue_instruction") == 1
    page = html(login("reg").get(url))
    assert suspension.number in page and "解除暂停" in page and "已暂停" in page
    lift = f"/supervision/instructions/{suspension.pk}/lift/"
    assert login("reg").post(lift, {"reason": ""}).status_code == 422
    assert login("reg").post(lift, {"reason": "投诉已处理完毕"})["Location"] == url
    assert Lot.objects.get(pk=tender.lot.pk).state == Lot.State.BIDDING
    correction = login("reg").post(
        issue, {"kind": "correct", "reason": "修改资格条件", "due": "2026-03-20T17:00"}
    )
    assert correction.status_code == 302
    ordered = Instruction.objects.get(kind="correct")
    assert ordered.due == local(2026, 3, 20, 17)
    login("reg").post(issue, {"kind": "terminate", "reason": "违法规避招标，不能补救"})
    assert Lot.objects.get(pk=tender.lot.pk).state == Lot.State.TERMINATED
    count = Instruction.objects.count()
    refused = login("reg").post(issue, {"kind": "suspend", "reason": "再次暂停"})
    assert refused.status_code == 422
    assert "不能暂停" in html(refused) and "第62条" in html(refused)  # the message and the rule it cites
    assert Instruction.objects.count() == count


# ---- complaints and reports --------------------------------------------------------------------------------


def test_complaint_filed_and_handled_through_the_pages(tender: Tender, regulator: Any, finance: Any) -> None:
    clock.freeze(local(2026, 4, 30, 10))
    late = login("tb0").post("/supervision/complaints/new/", complaint_post(tender, date(2026, 4, 1)))
    assert late.status_code == 422
    assert "10日内提出" in html(late) and "第60条" in html(late) and not Case.objects.exists()
    filed = login("tb0").post("/supervision/complaints/new/", complaint_post(tender, date(2026, 4, 24)))
    assert filed["Location"] == "/supervision/complaints/new/"
    case = Case.objects.get()
    assert case.kind == "complaint" and case.complainant_id == tender.bidders[0][0].pk
    assert audit_count("supervision.file_complaint") == 1
    mine = html(login("tb0").get("/supervision/complaints/new/"))
    assert case.number in mine and "2026-05-09" in mine  # received 4/30: 3 working days → 5/8 (Labour Day)
    listing = html(login("reg").get("/supervision/cases/"))
    assert case.number in listing
    url = f"/supervision/cases/{case.pk}/"
    assert login("czt").get(url).status_code == 404
    page = html(login("reg").get(url))
    assert "第61条" in page and "受理决定期限" in page
    refused = login("reg").post(f"{url}refuse/", {"reason": ""})
    assert refused.status_code == 422 and "不予受理须说明理由" in html(refused)
    assert Case.objects.get().status == "received"
    clock.freeze(local(2026, 5, 6, 9))
    assert login("reg").post(f"{url}accept/")["Location"] == url
    case.refresh_from_db()
    assert case.status == "accepted" and case.decision_due is not None
    assert login("reg").post(f"{url}pause/", {"reason": "委托造价鉴定"}).status_code == 302
    assert Case.objects.get().paused_at is not None
    clock.freeze(local(2026, 5, 8, 9))
    login("reg").post(f"{url}resume/")
    resumed = Case.objects.get()
    assert resumed.paused_at is None and resumed.decision_due > case.decision_due
    empty = login("reg").post(f"{url}decide/", {"outcome": "upheld", "decision": "", "public": "on"})
    assert empty.status_code == 422 and "请填写书面处理决定" in html(empty) and "第61条" in html(empty)
    login("reg").post(
        f"{url}decide/", {"outcome": "partly", "decision": "责令招标人修改资格条件。", "public": "on"}
    )
    decided = Case.objects.get()
    assert decided.status == "decided" and decided.decision_public
    assert audit_count("supervision.decide_case") == 1
    public = html(Client().get("/supervision/decisions/"))
    assert decided.number in public and "责令招标人修改资格条件。" in public and "第79条" in public
    assert tender.bidders[0][0].name not in public  # the complainant is not published


def test_anonymous_report_without_login(tender: Tender, network: Any) -> None:
    client = Client()
    empty = client.post("/supervision/reports/new/", {"lot_code": tender.lot.code, "text": ""})
    assert empty.status_code == 422 and "请填写举报事项和线索" in html(empty)
    nowhere = client.post(
        "/supervision/reports/new/", {"sector": "land", "node_id": network["yongning"].pk, "text": "土地"}
    )
    assert nowhere.status_code == 422 and "第4条" in html(nowhere)  # routing cites 条例 第4条
    assert not Case.objects.exists()
    filed = client.post(
        "/supervision/reports/new/", {"lot_code": tender.lot.code, "text": "有人在开标前打听投标人名单"}
    )
    assert filed["Location"] == "/supervision/reports/new/"
    case = Case.objects.get()
    assert case.kind == "report" and case.anonymous and case.filed_by_user_id is None
    assert case.department.name == "住房和城乡建设厅" and case.contact == ""
    assert case.number in html(client.get(filed["Location"]))  # the number is shown once, after the redirect
    assert audit_count("supervision.file_report") == 1


def test_power_lists_are_public_with_citations(network: Any) -> None:
    page = html(Client().get("/supervision/powers/"))
    assert "住房和城乡建设厅" in page and "GC-03" in page and "第62条" in page
    assert "S16" in page and "围标串标风险" in page
