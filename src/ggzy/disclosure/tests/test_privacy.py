"""R6.3: nothing the disclosure table marks private ever leaves through a public output.

A finished simulated trade gets distinctive markers in its private fields (contacts, phone numbers, e-mail,
bank accounts, machine fingerprints, network addresses, receipt numbers, experts' phones and employers);
then every public output is fetched — portal pages, search, the change feed, OCDS, the national data-spec
output, bulk downloads, statistics — and searched for every marker, raw and JSON-escaped.
"""

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.bidding.models import Bid, Bond
from ggzy.disclosure import index
from ggzy.disclosure.rules import Stage, private_fields, public
from ggzy.disclosure.tests import trade
from ggzy.disclosure.tests.trade import Finished
from ggzy.kernel import clock
from ggzy.registry.models import Account, Contact, Entity
from ggzy.trading.models import Download
from ggzy.trading.tests.conftest import tender

__all__ = ["tender"]

pytestmark = pytest.mark.django_db

CONTACT_NAME = "隐私联系人甲乙丙"
CONTACT_MOBILE = "13812349876"
CONTACT_EMAIL = "secret-contact-7q@example.cn"
ACCOUNT_MOBILE = "13787654321"
USER_EMAIL = "secret-user-7q@example.cn"
PAYER_ACCOUNT = "6222000011117777"
PAYER_NAME = "隐私付款户名丁戊"
FINGERPRINT = "f1ngerpr1ntmarker7q"
UPLOAD_IP = "203.0.113.77"
DOWNLOAD_IP = "203.0.113.78"
DOWNLOADER = "隐私下载人己庚"
EXPERT_MOBILE = "13611112222"
EXPERT_EMPLOYER = "保密工作单位辛壬癸"


def plant(done: Finished) -> list[str]:
    """Write the markers into the private fields of the trade (test data set-up, straight to the tables)."""
    entities = Entity.objects.all()
    Contact.objects.filter(entity__in=entities).update(
        name=CONTACT_NAME, mobile=CONTACT_MOBILE, email=CONTACT_EMAIL
    )
    Account.objects.update(mobile=ACCOUNT_MOBILE)
    User.objects.update(email=USER_EMAIL)
    Bond.objects.update(payer_account=PAYER_ACCOUNT, payer_name=PAYER_NAME)
    Bid.objects.update(upload_ip=UPLOAD_IP, decrypt_ip=UPLOAD_IP, fingerprint={"mac_sm3": FINGERPRINT})
    Download.objects.update(ip=DOWNLOAD_IP, downloaded_by=DOWNLOADER)
    from ggzy.experts.models import Expert

    Expert.objects.update(mobile=EXPERT_MOBILE, employer_name=EXPERT_EMPLOYER)
    receipts = list(Bid.objects.values_list("receipt_no", flat=True))
    virtual = [v for v in Bond.objects.values_list("virtual_account", flat=True) if v]
    index.rebuild()
    return [
        CONTACT_NAME,
        CONTACT_MOBILE,
        CONTACT_EMAIL,
        ACCOUNT_MOBILE,
        USER_EMAIL,
        PAYER_ACCOUNT,
        PAYER_NAME,
        FINGERPRINT,
        UPLOAD_IP,
        DOWNLOAD_IP,
        DOWNLOADER,
        EXPERT_MOBILE,
        EXPERT_EMPLOYER,
        *receipts,
        *virtual,
    ]


def outputs(client: Client, done: Finished) -> dict[str, str]:
    project, lot = done.project, done.lot
    urls = [
        "/",
        "/portal/notices/",
        f"/portal/notices/{lot.notice_id}/",
        f"/portal/projects/{project.code}/",
        "/portal/search/?q=模拟",
        "/portal/search/?q=中标",
        "/portal/catalogue/",
        "/portal/cleanup/",
        "/portal/penalties/",
        "/portal/data/",
        "/portal/audit/",
        "/api/audit/checkpoints",
        "/statistics/",
        "/api/disclosure/search?q=模拟",
        f"/api/disclosure/ocds/{project.code}/releases",
        f"/api/disclosure/ocds/{project.code}/record",
        f"/api/disclosure/gcjs/{project.code}",
        "/api/disclosure/bulk",
        "/api/disclosure/rules",
        "/api/analytics/tables",
    ]
    urls += [f"/portal/entities/{uscc}/" for uscc in Entity.objects.values_list("uscc", flat=True)]
    urls += [f"/statistics/{name}.csv" for name in ("category", "region", "month", "bidders", "savings")]
    for month in client.get("/api/disclosure/bulk").json():
        urls += [month["ocds"], month["gcjs"]]
    pages: dict[str, str] = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    after = 0
    while True:
        body = client.get(f"/api/disclosure/feed?after={after}&limit=50")
        pages[f"/api/disclosure/feed?after={after}"] = body.content.decode()
        data = body.json()
        after = data["next_after"]
        if not data["has_more"]:
            break
    return pages


def leaks(pages: dict[str, str], needles: list[str]) -> list[tuple[str, str]]:
    found = []
    for url, text in pages.items():
        for needle in needles:
            for form in {needle, json.dumps(needle).strip('"')}:
                if form in text:
                    found.append((url, needle))
    return found


def test_no_private_field_reaches_any_public_output(finished: Finished, client: Client) -> None:
    needles = plant(finished)
    assert Contact.objects.filter(mobile=CONTACT_MOBILE).exists()  # the markers are really there
    pages = outputs(client, finished)
    assert not leaks(pages, needles)
    # The control: what is public is there.
    project_page = pages[f"/portal/projects/{finished.project.code}/"]
    record = finished.lot.opening_record.rows
    assert all(row["bidder"] in project_page for row in record)
    assert "中标结果" in project_page and "评标委员会" in project_page


def test_experts_names_only_after_the_result_and_bidders_only_after_opening(network, client: Client) -> None:  # type: ignore[no-untyped-def]
    done = trade.run(3, until="candidates")
    try:
        from ggzy.experts.models import Expert

        names = list(Expert.objects.values_list("name", flat=True))
        assert names
        pages = outputs(client, done)
        assert not leaks(pages, names)  # candidates' publicity: the committee is still secret
        assert "中标候选人公示" in pages[f"/portal/projects/{done.project.code}/"]
    finally:
        clock.release()


def test_bidders_are_secret_before_the_deadline(tender, client: Client) -> None:  # type: ignore[no-untyped-def]
    """While bids are being taken nothing shows who bid (招标投标法 第22条; 电子招标投标办法 第21条)."""
    from ggzy.experts.tests.conftest import submit_bid
    from ggzy.testing import local
    from ggzy.trading.actions import publish_notice

    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 10, 10))
    for i, price in enumerate(["24500000.00", "24400000.00", "24300000.00"]):
        submit_bid(tender, i, price)
    index.sweep()
    names = [entity.name for entity, _ in tender.bidders[:3]] + [
        entity.uscc for entity, _ in tender.bidders[:3]
    ]
    pages = {
        url: client.get(url).content.decode()
        for url in (
            f"/portal/projects/{tender.project.code}/",
            f"/portal/notices/{tender.notice.pk}/",
            f"/api/disclosure/ocds/{tender.project.code}/record",
            f"/api/disclosure/gcjs/{tender.project.code}",
            "/api/disclosure/feed",
            "/portal/search/?q=教学楼",
        )
    }
    assert tender.notice.title in pages[f"/portal/notices/{tender.notice.pk}/"]
    assert not leaks(pages, names)
    row = {"bidder": "X", "uscc": "Y", "price": "1"}
    assert public("opening_row", Stage.PUBLISHED, row) == {}
    assert public("opening_row", Stage.OPENED, row) == {"bidder": "X", "uscc": "Y"}
    assert public("opening_row", Stage.OPENING_CLOSED, row) == row


def test_the_table_declares_personal_data_never_public() -> None:
    never = {(r.dataset, r.field) for r in private_fields()}
    for field in [
        ("contact", "mobile"),
        ("contact", "name"),
        ("person", "id_number"),
        ("expert", "mobile"),
        ("expert", "id_number"),
        ("bond", "payer_account"),
        ("bid", "fingerprint"),
        ("download", "entity"),
    ]:
        assert field in never
