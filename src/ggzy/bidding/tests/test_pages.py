"""The bidder's page (我的投标), the opening hall (开标大厅) and the operator's openings list."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.bidding.actions import complete_upload, decrypt_bid, start_upload, write_chunk
from ggzy.bidding.models import Bid, Bond
from ggzy.kernel import chronograph, clock
from ggzy.kernel.models import AuditEvent
from ggzy.registry.models import ApiToken
from ggzy.testing import local, seal_bid
from ggzy.trading.actions import publish_notice
from ggzy.trading.models import Download, Lot
from ggzy.trading.tests.conftest import TENDER_DOCUMENTS, Tender
from ggzy_guomi import sm3_hex, unwrap_file_keys

pytestmark = pytest.mark.django_db

DEADLINE = local(2026, 3, 24, 9)


def login(client: Client, username: str) -> Client:
    client.force_login(User.objects.get(username=username))
    return client


def html(response: Any) -> str:
    return response.content.decode()


def bid(tender: Tender, i: int, price: str) -> tuple[Bid, bytes]:
    entity, key = tender.bidders[i]
    envelope = seal_bid(tender.lot.code, entity, key, price)
    actor = tender.bidder_actor(i)
    job, _ = start_upload(actor, tender.lot.code, len(envelope), sm3_hex(envelope))
    write_chunk(actor, job.public_id, 0, len(envelope), envelope)
    return complete_upload(actor, job.public_id), envelope


def decrypt(tender: Tender, i: int, envelope: bytes) -> Bid:
    _, key = tender.bidders[i]
    keys = {name: value.hex() for name, value in unwrap_file_keys(envelope, key).items()}
    return decrypt_bid(tender.bidder_actor(i), tender.lot.code, sm3_hex(envelope), keys)


@pytest.fixture
def open_tender(tender: Tender) -> Tender:
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 10, 10))
    return tender


def names(tender: Tender) -> list[str]:
    return [e.name for e, _ in tender.bidders] + [e.uscc for e, _ in tender.bidders]


# ---- 我的投标 ---------------------------------------------------------------------------------------


def test_my_bids_page_is_for_bidders(client: Client, open_tender: Tender) -> None:
    assert client.get("/bidding/")["Location"].startswith("/login/")
    page = html(login(client, "tb0").get("/bidding/"))
    lot, uscc = open_tender.lot.code, open_tender.bidders[0][0].uscc
    assert open_tender.notice.title in page
    assert f"/bidding/documents/{open_tender.notice.documents.get().pk}/download/" in page
    assert f"ggzy-bid seal 投标文件夹 --key 密钥目录/bidder.key.pem --lot {lot} --bidder {uscc}" in page
    assert "ggzy-bid upload" in page
    assert "--server http://testserver" in page
    assert "ggzy-bid decrypt" in page
    assert "ggzy-bid keygen" in page
    assert login(Client(), "zb").get("/bidding/").status_code == 403


def test_download_through_the_page_is_recorded(client: Client, open_tender: Tender) -> None:
    document = open_tender.notice.documents.get()
    response = login(client, "tb0").get(f"/bidding/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == TENDER_DOCUMENTS  # type: ignore[attr-defined]
    assert response["X-Content-SM3"] == document.sm3
    assert Download.objects.get().entity == open_tender.bidders[0][0]


def test_bond_account_and_refused_guarantee(client: Client, open_tender: Tender) -> None:
    lot = open_tender.lot.code
    login(client, "tb0")
    refused = client.post(
        f"/bidding/lots/{lot}/guarantee/", {"guarantee_no": "BH-1", "guarantor_uscc": "91640000000000000X"}
    )
    assert refused.status_code == 422
    assert "出具保函的担保机构未在平台登记" in html(refused)
    assert not Bond.objects.exists()
    assert client.post(f"/bidding/lots/{lot}/bond-account/").status_code == 302
    bond = Bond.objects.get()
    assert bond.virtual_account
    assert bond.virtual_account in html(client.get("/bidding/"))


def test_api_token_is_shown_once(client: Client, open_tender: Tender) -> None:
    response = login(client, "tb0").post("/bidding/token/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get()
    page = html(response)
    assert token.prefix in page and "只显示这一次" in page
    assert token.prefix not in html(client.get("/bidding/"))


def test_my_bid_with_receipt_and_withdrawal(client: Client, open_tender: Tender) -> None:
    submitted, envelope = bid(open_tender, 0, "24500000.00")
    page = html(login(client, "tb0").get("/bidding/"))
    assert submitted.receipt_no in page
    assert sm3_hex(envelope) in page
    assert "已递交" in page
    receipt = client.get(f"/bidding/receipts/{submitted.receipt_no}/")
    assert json.loads(receipt.content) == json.loads(submitted.receipt)
    assert "attachment" in receipt["Content-Disposition"]
    assert login(Client(), "tb1").get(f"/bidding/receipts/{submitted.receipt_no}/").status_code == 404
    assert client.post(f"/bidding/lots/{open_tender.lot.code}/withdraw/").status_code == 302
    assert Bid.objects.get(pk=submitted.pk).status == Bid.Status.WITHDRAWN
    assert AuditEvent.objects.filter(action="bidding.withdraw_bid").exists()


def test_withdrawal_after_the_deadline_is_refused_with_the_rule(client: Client, open_tender: Tender) -> None:
    submitted, _ = bid(open_tender, 0, "24500000.00")
    clock.freeze(DEADLINE)
    response = login(client, "tb0").post(f"/bidding/lots/{open_tender.lot.code}/withdraw/")
    assert response.status_code == 422
    page = html(response)
    assert "投标已截止" in page
    assert "电子招标投标办法（国家发展改革委等八部委令第20号） 第27条" in page
    assert Bid.objects.get(pk=submitted.pk).status == Bid.Status.SUBMITTED


# ---- 开标大厅 ---------------------------------------------------------------------------------------


def test_no_bidder_names_before_the_deadline(client: Client, open_tender: Tender) -> None:
    for i, price in enumerate(["24500000.00", "24400000.00", "24300000.00"]):
        bid(open_tender, i, price)
    login(Client(), "tb3").get(f"/bidding/documents/{open_tender.notice.documents.get().pk}/download/")
    hall = f"/bidding/lots/{open_tender.lot.code}/opening/"
    pages = {
        f"{who} {url}": html(login(Client(), who).get(url))
        for who in ("zb", "op")
        for url in (hall, f"/bidding/lots/{open_tender.lot.code}/opening/status/")
    }
    pages["notice"] = html(login(Client(), "zb").get(f"/trading/notices/{open_tender.notice.pk}/"))
    pages["public"] = html(Client().get(f"/trading/notices/{open_tender.notice.pk}/public/"))
    pages["openings"] = html(login(Client(), "op").get("/bidding/openings/"))
    for who, page in pages.items():
        for name in names(open_tender):
            assert name not in page, (who, name)
    assert "投标截止前，任何人（包括交易中心）均不能查看投标人名称和数量" in pages[f"zb {hall}"]
    own = html(login(client, "tb0").get(hall))  # a bidder sees its own bid, nobody else's
    assert "回执" in own
    for name in names(open_tender)[1:4] + names(open_tender)[5:]:
        assert name not in own


def test_opening_hall_access(client: Client, open_tender: Tender) -> None:
    bid(open_tender, 0, "24500000.00")
    hall = f"/bidding/lots/{open_tender.lot.code}/opening/"
    assert client.get(hall)["Location"].startswith("/login/")
    for who, status in (("zb", 200), ("op", 200), ("reg", 200), ("tb0", 200), ("tb1", 403)):
        assert login(Client(), who).get(hall).status_code == status, who
    assert login(Client(), "op").get("/bidding/lots/NOPE/opening/").status_code == 404


def test_opening_hall_shows_progress_then_the_record(client: Client, open_tender: Tender) -> None:
    envelopes = {
        i: bid(open_tender, i, price)[1]
        for i, price in enumerate(["24500000.00", "24400000.00", "24300000.00"])
    }
    lot = open_tender.lot.code
    hall = f"/bidding/lots/{lot}/opening/"
    op = login(client, "op")
    # Before the opening the witness cannot record a fault: refused with the action's message.
    early = op.post(
        f"/bidding/lots/{lot}/opening/faults/",
        {"bidder_uscc": open_tender.bidders[2][0].uscc, "fault": "platform", "reason": "解密服务故障"},
    )
    assert early.status_code == 422
    assert "标段不在开标解密阶段" in html(early)
    clock.freeze(DEADLINE)
    chronograph.sweep()
    decrypt(open_tender, 0, envelopes[0])
    page = html(op.get(hall))
    assert "开标解密中" in page
    assert "距解密截止" in page
    assert 'hx-trigger="every 10s"' in page
    for i in range(3):
        assert open_tender.bidders[i][0].name in page  # names are public after the deadline
    assert "登记解密失败责任方" in page
    response = op.post(
        f"/bidding/lots/{lot}/opening/faults/",
        {"bidder_uscc": open_tender.bidders[2][0].uscc, "fault": "platform", "reason": "解密服务故障"},
    )
    assert response.status_code == 302
    assert Bid.objects.get(bidder=open_tender.bidders[2][0]).fault == "platform"
    assert "登记解密失败责任方" not in html(login(Client(), "zb").get(hall))  # witnesses only
    clock.advance(timedelta(minutes=30))
    chronograph.sweep()
    assert Lot.objects.get(code=lot).state == Lot.State.EVALUATION
    for who in ("zb", "op", "tb1"):
        page = html(login(Client(), who).get(hall))
        assert "开标记录" in page
        assert "24500000.00" in page
        assert "视为撤销（投标人原因未解密）" in page
        assert "视为撤回（非投标人原因未解密）" in page
        assert "交易平台原因" in page
        assert 'hx-trigger="every 10s"' not in page  # nothing left to poll


def test_operator_lists_openings(client: Client, open_tender: Tender) -> None:
    for i, price in enumerate(["24500000.00", "24400000.00", "24300000.00"]):
        bid(open_tender, i, price)
    clock.freeze(DEADLINE)
    chronograph.sweep()
    page = html(login(client, "op").get("/bidding/openings/"))
    assert f"/bidding/lots/{open_tender.lot.code}/opening/" in page
    assert login(Client(), "tb0").get("/bidding/openings/").status_code == 403


@pytest.mark.parametrize(
    ("username", "link"),
    [("zb", "/trading/projects/"), ("tb0", "/bidding/"), ("op", "/bidding/openings/")],
)
def test_workspace_links_to_the_tendering_pages(
    client: Client, tender: Tender, username: str, link: str
) -> None:
    assert f'href="{link}"' in html(login(client, username).get("/workspace/"))
