"""A purchaser's pages for government procurement: register a goods purchase, draft an invited tender, draw
the invitees from a pool with two witnesses, publish — the method's words, periods and limits on the page."""

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ggzy.registry.actions import add_entity_user
from ggzy.testing import account_form, entity_with_key
from ggzy.trading.models import InviteeDraw, Notice, Project
from ggzy.trading.specs import PROCUREMENT_TENDER_SPEC
from ggzy.trading.tests.conftest import PURCHASE_DOCUMENTS, Tender, purchase
from ggzy.trading.tests.test_pages import project_data

__all__ = ["purchase"]
pytestmark = pytest.mark.django_db


def login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def purchase_data(**change: str) -> dict[str, str]:
    data = project_data(
        name="银川市第二中学实验室设备采购",
        category="procurement",
        **{
            "lots-0-name": "实验室设备",
            "lots-0-contract_kind": "goods",
            "lots-0-classify_code": "B01",
            "lots-0-estimated_value": "3000000",
            "lots-0-control_price": "",
            "lots-0-bond_amount": "60000",
            "lots-1-name": "",
            "lots-1-contract_kind": "works",
            "lots-1-bond_amount": "0",
            "lots-1-classify_code": "",
            "lots-1-estimated_value": "",
        },
    )
    data.update(change)
    return data


def test_a_purchase_through_the_pages_to_a_drawn_invited_tender(purchase: Tender) -> None:
    zb = login("zb")
    form = zb.get("/trading/projects/").content.decode()
    assert "政府采购：政府采购公开招标、邀请招标" in form and "政府采购：政府采购询价" in form  # the methods
    assert "第33条" in form  # and each method's bond rule
    too_high = zb.post("/trading/projects/", purchase_data(**{"lots-0-bond_amount": "60000.01"}))
    assert too_high.status_code == 422 and "第33条" in too_high.content.decode()
    registered = zb.post("/trading/projects/", purchase_data())
    assert registered.status_code == 302, registered.content.decode()[-3000:]
    project = Project.objects.get(name="银川市第二中学实验室设备采购")
    lot = project.lots.get()
    assert lot.procedure == PROCUREMENT_TENDER_SPEC.key
    page = zb.get(f"/trading/projects/{project.code}/").content.decode()
    assert "采购人" in page and "5个工作日" in page and "第35条" in page
    assert 'name="invitees"' not in page  # invitees are drawn, not named
    drafted = zb.post(
        f"/trading/projects/{project.code}/notices/",
        {
            "method": "invited",
            "title": "实验室设备邀请招标公告",
            "body": "邀请招标。",
            "lot_codes": lot.code,
            "docs_from": "2026-03-04T09:00",
            "docs_until": "2026-03-11T17:00",
            "bid_deadline": "2026-03-24T09:00",
            "decrypt_minutes": "30",
            "validity_days": "90",
        },
    )
    assert drafted.status_code == 302, drafted.content.decode()[-2000:]
    notice = Notice.objects.get(project=project)
    url = f"/trading/notices/{notice.pk}/"
    zb.post(
        url + "documents/",
        {
            "title": "招标文件",
            "file": SimpleUploadedFile("招标文件.pdf", PURCHASE_DOCUMENTS),
            "signature": purchase.principal_key.sign(PURCHASE_DOCUMENTS).hex(),
        },
    )
    page = zb.get(url).content.decode()
    assert "固定备选名单并承诺随机种子" in page and "第14条" in page
    refused = zb.post(url + "publish/")
    assert refused.status_code == 422 and "随机抽取被邀请供应商" in refused.content.decode()
    suppliers = [e.uscc for e, _ in purchase.bidders] + [
        entity_with_key("bidder", f"gys{i}", region="640121")[0].uscc for i in range(2)
    ]
    for name in ("zbjd1", "zbjd2"):
        add_entity_user(purchase.manager, purchase.principal.uscc, account_form(name))
    small = zb.post(
        url + "invitee-draw/", {"pool": "\n".join(suppliers), "count": "4", "witnesses": "zbjd1\nzbjd2"}
    )
    assert small.status_code == 422 and "两倍" in small.content.decode()  # 6 in the pool, 4 to draw
    assert not InviteeDraw.objects.exists()
    assert (
        zb.post(
            url + "invitee-draw/", {"pool": "\n".join(suppliers), "count": "3", "witnesses": "zbjd1\nzbjd2"}
        ).status_code
        == 302
    )
    assert "执行随机抽取" in zb.get(url).content.decode()
    assert zb.post(url + "invitee-draw/execute/").status_code == 302
    page = zb.get(url).content.decode()
    assert "复核一致" in page
    assert Notice.objects.get(pk=notice.pk).invitees.count() == 3
    assert zb.post(url + "publish/").status_code == 302
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.PUBLISHED
