"""The principal's and agent's tendering pages and the public notice page, through the Django test client."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ggzy.kernel import clock
from ggzy.kernel.models import AuditEvent
from ggzy.testing import local
from ggzy.trading.actions import download_document, publish_notice, raise_objection
from ggzy.trading.models import Document, Notice, Objection, Project
from ggzy.trading.tests.conftest import Tender

pytestmark = pytest.mark.django_db


def login(client: Client, username: str) -> Client:
    client.force_login(User.objects.get(username=username))
    return client


def html(response: Any) -> str:
    return response.content.decode()


def project_data(**change: str) -> dict[str, str]:
    data = {
        "name": "银川市第二中学体育馆建设工程",
        "principal_uscc": "",
        "agent_uscc": "",
        "total_investment": "8000000",
        "state_budget_amount": "8000000",
        "lots-TOTAL_FORMS": "3",
        "lots-INITIAL_FORMS": "0",
        "lots-MIN_NUM_FORMS": "0",
        "lots-MAX_NUM_FORMS": "30",
        "lots-0-name": "施工",
        "lots-0-contract_kind": "works",
        "lots-0-classify_code": "A08",
        "lots-0-estimated_value": "6000000",
        "lots-0-control_price": "5900000",
        "lots-0-bond_amount": "100000",
        "lots-1-name": "监理",
        "lots-1-contract_kind": "services",
        "lots-1-classify_code": "C01",
        "lots-1-estimated_value": "1200000",
        "lots-1-control_price": "",
        "lots-1-bond_amount": "0",
        # an untouched extra row is ignored
        "lots-2-name": "",
        "lots-2-contract_kind": "works",
        "lots-2-classify_code": "",
        "lots-2-estimated_value": "",
        "lots-2-control_price": "",
        "lots-2-bond_amount": "0",
    }
    data.update(change)
    return data


def notice_data(lot_code: str, **change: str) -> dict[str, str]:
    data = {
        "method": "open",
        "title": "银川市第二中学体育馆建设工程施工招标公告",
        "body": "招标条件：本项目已批准建设。",
        "lot_codes": lot_code,
        "docs_from": "2026-03-04T09:00",
        "docs_until": "2026-03-09T17:00",
        "bid_deadline": "2026-03-24T09:00",
        "decrypt_minutes": "30",
        "validity_days": "90",
        "invitees": "",
    }
    data.update(change)
    return data


# ---- projects ---------------------------------------------------------------------------------------


def test_projects_page_is_for_principals_and_agents(client: Client, tender: Tender) -> None:
    assert client.get("/trading/projects/")["Location"].startswith("/login/")
    page = html(login(client, "zb").get("/trading/projects/"))
    assert tender.project.name in page
    assert tender.lot.code in page
    assert "未发布" in page  # the lot's state
    assert login(Client(), "tb0").get("/trading/projects/").status_code == 403
    assert login(Client(), "op").get("/trading/projects/").status_code == 403


def test_register_a_project_with_lots_through_the_form(client: Client, tender: Tender) -> None:
    response = login(client, "zb").post("/trading/projects/", project_data())
    assert response.status_code == 302
    project = Project.objects.get(name="银川市第二中学体育馆建设工程")
    assert response["Location"] == f"/trading/projects/{project.code}/"
    assert [lot.name for lot in project.lots.all()] == ["施工", "监理"]
    assert AuditEvent.objects.filter(action="trading.create_project", object_id=str(project.pk)).exists()
    page = html(client.get(response["Location"]))
    assert "应进平台交易" in page
    for reason in project.entry_reasons:  # the decision and every reason with its citation
        assert str(reason["zh"]) in page
        assert str(reason["citation"]) in page
    assert "起草招标公告" in page


def test_refused_project_shows_the_rule_and_changes_nothing(client: Client, tender: Tender) -> None:
    before = Project.objects.count()
    response = login(client, "zb").post(
        "/trading/projects/", project_data(**{"lots-0-bond_amount": "200000"})
    )
    assert response.status_code == 422
    page = html(response)
    assert "第1标段投标保证金200000元超过上限120000.00元" in page
    assert "中华人民共和国招标投标法实施条例 第26条" in page
    assert "bond_too_high" in page
    assert Project.objects.count() == before


def test_project_page_refuses_others(client: Client, tender: Tender) -> None:
    url = f"/trading/projects/{tender.project.code}/"
    assert client.get(url)["Location"].startswith("/login/")
    response = login(client, "tb0").get(url)
    assert response.status_code == 403
    assert "只有本项目的招标人" in html(response)
    assert login(Client(), "zb").get("/trading/projects/NOPE/").status_code == 404


# ---- drafting a notice ------------------------------------------------------------------------------


def test_draft_notice_refused_with_earliest_deadline_then_accepted(client: Client, tender: Tender) -> None:
    login(client, "zb").post("/trading/projects/", project_data())
    project = Project.objects.get(name="银川市第二中学体育馆建设工程")
    works = project.lots.get(name="施工")
    url = f"/trading/projects/{project.code}/notices/"
    short = client.post(url, notice_data(works.code, bid_deadline="2026-03-20T09:00"))
    assert short.status_code == 422
    page = html(short)
    assert "最早可将投标截止时间定于 <strong>2026-03-24 09:00</strong>" in page
    assert "中华人民共和国招标投标法 第24条" in page
    assert not Notice.objects.filter(project=project).exists()
    response = client.post(url, notice_data(works.code))
    assert response.status_code == 302
    notice = Notice.objects.get(project=project)
    assert response["Location"] == f"/trading/notices/{notice.pk}/"
    # datetime-local inputs are Beijing wall-clock times
    assert notice.bid_deadline == local(2026, 3, 24, 9)
    assert [lot.code for lot in notice.lots.all()] == [works.code]
    assert AuditEvent.objects.filter(action="trading.create_notice", object_id=str(notice.pk)).exists()


# ---- the notice page --------------------------------------------------------------------------------


def test_notice_page_for_the_parties_only(client: Client, tender: Tender) -> None:
    url = f"/trading/notices/{tender.notice.pk}/"
    assert client.get(url)["Location"].startswith("/login/")
    page = html(login(client, "zb").get(url))
    document = tender.notice.documents.get()
    assert document.sm3 in page
    assert document.signature in page
    assert "投标截止前，任何人（包括交易中心）均不能查看" in page
    assert "电子招标投标办法（国家发展改革委等八部委令第20号） 第21条" in page
    assert login(Client(), "tb0").get(url).status_code == 404  # a draft does not exist for others
    publish_notice(tender.manager, tender.notice.pk)
    assert login(Client(), "tb0").get(url).status_code == 403


def upload(client: Client, url: str, data: bytes, signature: str, **extra: object) -> Any:
    file = SimpleUploadedFile("补充文件.pdf", data, content_type="application/pdf")
    return client.post(url, {"title": "补充招标文件", "file": file, "signature": signature, **extra})


def test_upload_tender_documents_checks_the_signature(client: Client, tender: Tender) -> None:
    url = f"/trading/notices/{tender.notice.pk}/documents/"
    data = "第七章 投标文件格式".encode()
    login(client, "zb")
    bad = upload(client, url, data, tender.principal_key.sign(b"other bytes").hex())
    assert bad.status_code == 422
    assert "文件签名无效" in html(bad)
    assert "电子招标投标办法 第40条" in html(bad)
    assert tender.notice.documents.count() == 1
    good = upload(client, url, data, tender.principal_key.sign(data).hex())
    assert good.status_code == 302
    document = Document.objects.get(title="补充招标文件")
    assert AuditEvent.objects.filter(action="trading.attach_document", object_id=str(document.pk)).exists()


def test_publish_then_public_page(client: Client, tender: Tender) -> None:
    public = f"/trading/notices/{tender.notice.pk}/public/"
    assert Client().get(public)["Location"] == f"/portal/notices/{tender.notice.pk}/"  # one public page
    assert Client().get(public, follow=True).status_code == 404  # a draft is not public
    response = login(client, "zb").post(f"/trading/notices/{tender.notice.pk}/publish/")
    assert response.status_code == 302
    assert Notice.objects.get(pk=tender.notice.pk).status == Notice.Status.PUBLISHED
    page = html(Client().get(public, follow=True))
    assert tender.notice.title in page
    assert tender.lot.code in page
    assert tender.notice.documents.get().sm3 in page


def test_clarification_too_late_offers_the_earliest_deadline(client: Client, tender: Tender) -> None:
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 16, 10))
    url = f"/trading/notices/{tender.notice.pk}/clarify/"
    data = "澄清：第三章评标办法".encode()
    signature = tender.principal_key.sign(data).hex()
    login(client, "zb")
    late = upload(client, url, data, signature, kind="clarification")
    assert late.status_code == 422
    page = html(late)
    assert "最早可将投标截止时间定于 <strong>2026-03-31 09:00</strong>" in page
    assert "第21条" in page
    assert tender.notice.documents.count() == 1
    moved = upload(client, url, data, signature, kind="clarification", new_bid_deadline="2026-03-31T09:00")
    assert moved.status_code == 302
    assert Notice.objects.get(pk=tender.notice.pk).bid_deadline == local(2026, 3, 31, 9)


def test_answer_an_objection_without_naming_the_objector(client: Client, tender: Tender) -> None:
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 5, 10))
    objection = raise_objection(tender.bidder_actor(0), tender.notice.pk, "资格条件排斥潜在投标人")
    page = html(login(client, "zb").get(f"/trading/notices/{tender.notice.pk}/"))
    assert "资格条件排斥潜在投标人" in page
    assert tender.bidders[0][0].name not in page
    assert tender.bidders[0][0].uscc not in page
    empty = client.post(f"/trading/objections/{objection.pk}/answer/", {"answer": ""})
    assert empty.status_code == 422
    assert "请填写答复" in html(empty)
    response = client.post(f"/trading/objections/{objection.pk}/answer/", {"answer": "资格条件符合法规"})
    assert response.status_code == 302
    assert Objection.objects.get(pk=objection.pk).status == Objection.Status.ANSWERED


def test_terminate_with_reason(client: Client, tender: Tender) -> None:
    url = f"/trading/notices/{tender.notice.pk}/terminate/"
    assert login(Client(), "tb0").post(url, {"reason": "x"}).status_code == 404  # not theirs
    refused = login(client, "zb").post(url, {"reason": ""})
    assert refused.status_code == 422
    assert "终止招标须说明理由" in html(refused)
    assert client.post(url, {"reason": "项目取消"}).status_code == 302
    assert Notice.objects.get(pk=tender.notice.pk).status == Notice.Status.TERMINATED


def test_downloaders_shown_only_after_the_deadline(client: Client, tender: Tender) -> None:
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 5, 10))
    download_document(tender.bidder_actor(1), tender.notice.documents.get().pk)
    url = f"/trading/notices/{tender.notice.pk}/"
    name = tender.bidders[1][0].name
    for username in ("zb", "op"):
        page = html(login(Client(), username).get(url))
        assert "投标截止前，任何人（包括交易中心）均不能查看" in page
        assert name not in page
    clock.freeze(local(2026, 3, 24, 9))
    page = html(login(client, "zb").get(url))
    assert name in page
    assert "均不能查看" not in page
