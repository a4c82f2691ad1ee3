"""Sealed bids: upload with receipt, refusal of bad envelopes, secrecy before the deadline, the opening."""

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.core import serializers

from ggzy.bidding.actions import (
    complete_upload,
    decrypt_bid,
    open_bond_account,
    record_bond_payment,
    record_decrypt_fault,
    start_upload,
    withdraw_bid,
    write_chunk,
)
from ggzy.bidding.models import Bid, OpeningRecord, Upload
from ggzy.kernel import chronograph, clock
from ggzy.kernel.audit import verify_chain, visible_events
from ggzy.kernel.errors import GgzyError, PermissionDenied
from ggzy.kernel.platform_key import platform_public_key
from ggzy.kernel.timestamping import tsa_certificate_pem
from ggzy.testing import actor_of, local, seal_bid
from ggzy.trading.actions import download_document, list_downloads, publish_notice
from ggzy.trading.models import Lot
from ggzy.trading.tests.conftest import Tender
from ggzy_guomi import sm3_hex, unwrap_file_keys, verify_receipt

pytestmark = pytest.mark.django_db

DEADLINE = local(2026, 3, 24, 9)


def upload(tender: Tender, i: int, envelope: bytes, chunk: int = 1000) -> Bid:
    actor = tender.bidder_actor(i)
    job, _ = start_upload(actor, tender.lot.code, len(envelope), sm3_hex(envelope))
    for start in range(0, len(envelope), chunk):
        write_chunk(actor, job.public_id, start, len(envelope), envelope[start : start + chunk])
    return complete_upload(actor, job.public_id)


def bid(tender: Tender, i: int, price: str) -> tuple[Bid, bytes]:
    entity, key = tender.bidders[i]
    envelope = seal_bid(tender.lot.code, entity, key, price)
    return upload(tender, i, envelope), envelope


@pytest.fixture
def open_tender(tender: Tender) -> Tender:
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 10, 10))
    return tender


def test_receipt_is_signed_and_names_the_envelope(open_tender: Tender) -> None:
    submitted, envelope = bid(open_tender, 0, "24500000.00")
    fields = verify_receipt(
        submitted.receipt.encode(), platform_public_key(), tsa_certificate=tsa_certificate_pem()
    )
    assert fields.version == 2  # with a time-stamp token
    assert fields.envelope_sm3 == sm3_hex(envelope)
    assert fields.tender_id == open_tender.lot.code
    assert fields.bidder_id == open_tender.bidders[0][0].uscc
    assert fields.receipt_no == submitted.receipt_no
    assert submitted.bid_form is None  # no price before the opening
    with submitted.envelope.open("rb") as stored:
        assert sm3_hex(stored.read()) == sm3_hex(envelope)


def expect_refusal(tender: Tender, envelope: bytes, code: str, i: int = 0) -> None:
    with pytest.raises(GgzyError) as err:
        upload(tender, i, envelope)
    assert err.value.code == code, err.value.en
    assert not Bid.objects.exists()


def test_tampered_envelope_is_refused(open_tender: Tender) -> None:
    entity, key = open_tender.bidders[0]
    envelope = bytearray(seal_bid(open_tender.lot.code, entity, key, "24500000.00"))
    # Flip one bit inside the first payload entry's ciphertext.
    with zipfile.ZipFile(io.BytesIO(bytes(envelope))) as archive:
        info = archive.getinfo("payload/0000.bin")
    envelope[info.header_offset + 30 + len(info.filename) + 5] ^= 0x01
    expect_refusal(open_tender, bytes(envelope), "envelope_tampered")


def test_unsigned_and_unencrypted_envelopes_are_refused(open_tender: Tender) -> None:
    entity, key = open_tender.bidders[0]
    envelope = seal_bid(open_tender.lot.code, entity, key, "1.00")
    stripped = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(envelope)) as src, zipfile.ZipFile(stripped, "w") as dst:
        for item in src.infolist():
            if item.filename != "manifest.sig":
                dst.writestr(item, src.read(item))
    expect_refusal(open_tender, stripped.getvalue(), "envelope_unsigned")
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("bid-form.json", b'{"price": "1.00"}')
    expect_refusal(open_tender, plain.getvalue(), "envelope_format")


def test_envelope_signed_by_someone_else_is_refused(open_tender: Tender) -> None:
    entity, _ = open_tender.bidders[0]
    _, other_key = open_tender.bidders[1]
    expect_refusal(
        open_tender, seal_bid(open_tender.lot.code, entity, other_key, "1.00"), "envelope_signer_unknown"
    )


def test_envelope_for_another_lot_is_refused(open_tender: Tender) -> None:
    entity, key = open_tender.bidders[0]
    expect_refusal(open_tender, seal_bid("E640100000199999", entity, key, "1.00"), "envelope_wrong_lot")


def test_late_bid_is_refused_with_the_rule(open_tender: Tender) -> None:
    entity, key = open_tender.bidders[0]
    envelope = seal_bid(open_tender.lot.code, entity, key, "1.00")
    actor = open_tender.bidder_actor(0)
    job, _ = start_upload(actor, open_tender.lot.code, len(envelope), sm3_hex(envelope))
    write_chunk(actor, job.public_id, 0, len(envelope), envelope)
    clock.freeze(DEADLINE)
    with pytest.raises(GgzyError) as err:
        complete_upload(actor, job.public_id)
    assert err.value.code == "bidding_closed"
    assert err.value.rule is not None and "第27条" in err.value.rule.citation


def test_interrupted_upload_is_no_bid_and_resumes(open_tender: Tender) -> None:
    entity, key = open_tender.bidders[0]
    envelope = seal_bid(open_tender.lot.code, entity, key, "24500000.00")
    actor = open_tender.bidder_actor(0)
    job, created = start_upload(actor, open_tender.lot.code, len(envelope), sm3_hex(envelope))
    write_chunk(actor, job.public_id, 0, len(envelope), envelope[:500])
    with pytest.raises(GgzyError) as err:
        complete_upload(actor, job.public_id)
    assert err.value.code == "upload_incomplete"
    again, created_again = start_upload(actor, open_tender.lot.code, len(envelope), sm3_hex(envelope))
    assert (created, created_again, again.public_id, again.received) == (True, False, job.public_id, 500)
    with pytest.raises(GgzyError) as mismatch:
        write_chunk(actor, job.public_id, 0, len(envelope), envelope[:500])
    assert mismatch.value.code == "upload_offset_mismatch"
    assert mismatch.value.details == {"offset": 500}
    write_chunk(actor, job.public_id, 500, len(envelope), envelope[500:])
    assert complete_upload(actor, job.public_id).status == Bid.Status.SUBMITTED


def test_modify_and_withdraw_before_the_deadline(open_tender: Tender) -> None:
    first, _ = bid(open_tender, 0, "24500000.00")
    second, _ = bid(open_tender, 0, "24400000.00")
    assert Bid.objects.get(pk=first.pk).status == Bid.Status.SUPERSEDED
    fields = verify_receipt(second.receipt.encode(), platform_public_key())
    assert fields.extra["supersedes"] == first.receipt_no
    assert withdraw_bid(open_tender.bidder_actor(0), open_tender.lot.code).status == Bid.Status.WITHDRAWN
    assert not Bid.objects.filter(status=Bid.Status.SUBMITTED).exists()


def test_nobody_sees_bidders_or_downloaders_before_the_deadline(open_tender: Tender, client) -> None:  # type: ignore[no-untyped-def]
    document = open_tender.notice.documents.get()
    download_document(open_tender.bidder_actor(0), document.pk)
    bid(open_tender, 1, "24500000.00")
    for who in (actor_of("op"), actor_of("reg"), open_tender.manager):
        with pytest.raises(PermissionDenied) as err:
            list_downloads(who, open_tender.notice)
        assert err.value.code == "downloaders_sealed"
    actions = set(visible_events().values_list("action", flat=True))
    assert not actions & {"trading.download_document", "bidding.start_upload", "bidding.complete_upload"}
    client.force_login(User.objects.get(username="op"))
    response = client.get(f"/api/bids/{open_tender.lot.code}/bidders")
    assert response.status_code == 403
    assert response.json()["code"] == "bidders_sealed"
    clock.freeze(DEADLINE)
    assert [d.entity for d in list_downloads(actor_of("op"), open_tender.notice)] == [
        open_tender.bidders[0][0]
    ]
    assert {"trading.download_document", "bidding.complete_upload"} <= set(
        visible_events().values_list("action", flat=True)
    )


def test_dump_before_the_deadline_holds_no_plaintext_and_no_price(open_tender: Tender) -> None:
    marker = "绝密技术方案-唯一标记-7f3a".encode()
    for i, price in enumerate(["24512345.67", "24498765.43", "24376543.21"]):
        entity, key = open_tender.bidders[i]
        upload(open_tender, i, seal_bid(open_tender.lot.code, entity, key, price, extra=marker))
    dump = serializers.serialize("json", [obj for model in apps.get_models() for obj in model.objects.all()])
    files = b"".join(p.read_bytes() for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    for haystack in (dump.encode(), files):
        assert marker not in haystack
        for price in ("24512345.67", "24498765.43", "24376543.21", "24512345", "24498765", "24376543"):
            assert price.encode() not in haystack
    assert b'"price"' not in files


def test_fewer_than_three_bids_fail_the_lot(open_tender: Tender) -> None:
    bid(open_tender, 0, "24500000.00")
    bid(open_tender, 1, "24400000.00")
    clock.freeze(DEADLINE)
    chronograph.sweep()
    lot = Lot.objects.get(pk=open_tender.lot.pk)
    assert lot.state == Lot.State.FAILED
    assert "第28条" in lot.outcome_reason
    assert not OpeningRecord.objects.exists()


def decrypt(tender: Tender, i: int, envelope: bytes) -> Bid:
    _, key = tender.bidders[i]
    keys = {name: value.hex() for name, value in unwrap_file_keys(envelope, key).items()}
    return decrypt_bid(tender.bidder_actor(i), tender.lot.code, sm3_hex(envelope), keys)


def test_opening_with_decryption_failures(open_tender: Tender) -> None:
    envelopes = {
        i: bid(open_tender, i, price)[1]
        for i, price in enumerate(["24500000.00", "24400000.00", "24300000.00", "24200000.00"])
    }
    account = open_bond_account(open_tender.bidder_actor(0), open_tender.lot.code)
    record_bond_payment(
        actor_of("op"),
        account.virtual_account or "",
        open_tender.lot.bond_amount,
        "6222020200112233",
        "付款单位",
    )
    clock.freeze(DEADLINE)
    chronograph.sweep()  # opens the lot (and re-checks the bidders' certificates, due daily)
    lot = Lot.objects.get(pk=open_tender.lot.pk)
    assert lot.state == Lot.State.OPENING
    assert lot.decrypt_closes_at == DEADLINE + timedelta(minutes=30)
    opened = decrypt(open_tender, 0, envelopes[0])
    assert opened.bid_form == {
        "price": "24500000.00",
        "duration_days": 365,
        "quality": "合格",
        "project_manager": "张工",
    }
    decrypt(open_tender, 1, envelopes[1])
    # A wrong key is refused but the bidder may retry within the window.
    _, other_key = open_tender.bidders[3]
    wrong = {name: value.hex() for name, value in unwrap_file_keys(envelopes[3], other_key).items()}
    with pytest.raises(GgzyError) as err:
        decrypt_bid(open_tender.bidder_actor(2), open_tender.lot.code, sm3_hex(envelopes[2]), wrong)
    assert err.value.code in {"decryption_failed", "bid_not_found"}
    # Bidder 2 never decrypts (bidder's fault); bidder 3 is stopped by a platform outage.
    record_decrypt_fault(
        actor_of("op"), open_tender.lot.code, open_tender.bidders[3][0].uscc, "platform", "解密服务故障"
    )
    clock.advance(timedelta(minutes=30))
    with pytest.raises(GgzyError):
        decrypt(open_tender, 2, envelopes[2])  # the window has closed
    chronograph.sweep()
    lot = Lot.objects.get(pk=open_tender.lot.pk)
    assert lot.state == Lot.State.EVALUATION
    statuses = dict(Bid.objects.values_list("bidder__uscc", "status"))
    assert statuses == {
        open_tender.bidders[0][0].uscc: "decrypted",
        open_tender.bidders[1][0].uscc: "decrypted",
        open_tender.bidders[2][0].uscc: "deemed_revoked",
        open_tender.bidders[3][0].uscc: "deemed_withdrawn",
    }
    rows = {r["uscc"]: r for r in OpeningRecord.objects.get(lot=lot).rows}
    assert rows[open_tender.bidders[0][0].uscc]["price"] == "24500000.00"
    assert rows[open_tender.bidders[0][0].uscc]["bond"] == "paid"
    assert rows[open_tender.bidders[2][0].uscc]["price"] is None
    assert rows[open_tender.bidders[3][0].uscc]["fault"] == "platform"
    assert verify_chain().intact


def test_no_decryption_before_the_opening(open_tender: Tender) -> None:
    submitted, envelope = bid(open_tender, 0, "24500000.00")
    with pytest.raises(GgzyError) as err:
        decrypt(open_tender, 0, envelope)
    assert err.value.code == "decryption_closed"
    assert Bid.objects.get(pk=submitted.pk).bid_form is None
    assert Upload.objects.count() == 1
    names = [f["name"] for f in Bid.objects.get(pk=submitted.pk).manifest["files"]]
    assert names == ["bid-form.json", "technical.txt"]


def test_repeated_complete_and_decrypt_are_idempotent(open_tender: Tender) -> None:
    """The bidder tool retries after network errors: the same answer, nothing new."""
    submitted, envelope = bid(open_tender, 0, "24500000.00")
    again = complete_upload(open_tender.bidder_actor(0), submitted.upload.public_id)
    assert (again.pk, again.receipt) == (submitted.pk, submitted.receipt)
    bid(open_tender, 1, "24400000.00")
    bid(open_tender, 2, "24300000.00")
    clock.freeze(DEADLINE)
    chronograph.sweep()
    first = decrypt(open_tender, 0, envelope)
    assert decrypt(open_tender, 0, envelope).decrypted_at == first.decrypted_at


# T6 条例 第35条: a deposit goes back within 5 days of the withdrawal.
def test_t6_bond_refund_after_withdrawal(open_tender: Tender) -> None:
    from ggzy.bidding.actions import refund_bond

    bid(open_tender, 0, "24500000.00")
    account = open_bond_account(open_tender.bidder_actor(0), open_tender.lot.code)
    record_bond_payment(
        actor_of("op"), account.virtual_account or "", open_tender.lot.bond_amount, "6222", "付款单位"
    )
    withdraw_bid(open_tender.bidder_actor(0), open_tender.lot.code)  # Tue 10 March
    bond = type(account).objects.get(pk=account.pk)
    # 5 days: through Sun 15 March, a rest day, so through Mon 16 March.
    assert bond.refund_due == local(2026, 3, 17, 0)
    clock.freeze(local(2026, 3, 16, 23, 59))
    assert refund_bond(actor_of("op"), bond.pk).refunded_late is False


def test_t6_late_refund_is_recorded(open_tender: Tender) -> None:
    from ggzy.bidding.actions import refund_bond

    bid(open_tender, 0, "24500000.00")
    account = open_bond_account(open_tender.bidder_actor(0), open_tender.lot.code)
    record_bond_payment(
        actor_of("op"), account.virtual_account or "", open_tender.lot.bond_amount, "6222", "付款单位"
    )
    withdraw_bid(open_tender.bidder_actor(0), open_tender.lot.code)
    clock.freeze(local(2026, 3, 17, 0, 1))
    assert refund_bond(actor_of("op"), account.pk).refunded_late is True


def test_objection_at_the_opening_is_recorded_and_answered(open_tender: Tender) -> None:
    from ggzy.trading.actions import answer_objection, raise_opening_objection

    for i in range(3):
        bid(open_tender, i, f"2450000{i}.00")
    with pytest.raises(GgzyError) as early:
        raise_opening_objection(open_tender.bidder_actor(0), open_tender.lot.code, "太早")
    assert early.value.code == "not_opening"
    clock.freeze(DEADLINE)
    chronograph.sweep()
    with pytest.raises(PermissionDenied):
        raise_opening_objection(open_tender.bidder_actor(3), open_tender.lot.code, "我没投标")
    objection = raise_opening_objection(
        open_tender.bidder_actor(0), open_tender.lot.code, "开标时间晚于公告时间"
    )
    assert objection.answer_due == DEADLINE + timedelta(minutes=30)
    answered = answer_objection(open_tender.manager, objection.pk, "开标时间符合招标文件规定")
    assert answered.status == "answered"


def test_envelope_changed_in_storage_is_the_platforms_fault(open_tender: Tender) -> None:
    """A stored envelope that no longer matches its receipt is caught at the opening and, not being the
    bidder's fault, is deemed withdrawn (E8)."""
    stored = [bid(open_tender, i, f"2450000{i}.00")[0] for i in range(3)]
    path = Path(stored[1].envelope.path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    clock.freeze(DEADLINE)
    chronograph.sweep()
    damaged = Bid.objects.get(pk=stored[1].pk)
    assert damaged.fault == "platform"
    assert "SM3" in damaged.fault_reason
    clock.advance(timedelta(minutes=30))
    chronograph.sweep()
    assert Bid.objects.get(pk=stored[1].pk).status == Bid.Status.DEEMED_WITHDRAWN


def test_one_click_opening_with_the_tenders_opening_key(tender: Tender) -> None:
    from ggzy.bidding.actions import one_click_open
    from ggzy.trading.models import Notice
    from ggzy_guomi import Sm2PrivateKey

    opening = Sm2PrivateKey.generate()
    Notice.objects.filter(pk=tender.notice.pk).update(opening_key=opening.public_key.hex())
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 10, 10))
    entity, key = tender.bidders[0]
    expect_refusal(tender, seal_bid(tender.lot.code, entity, key, "1.00"), "envelope_no_opening_key")
    for i in range(3):
        entity, key = tender.bidders[i]
        upload(
            tender, i, seal_bid(tender.lot.code, entity, key, f"2450000{i}.00", also_for=opening.public_key)
        )
    clock.freeze(DEADLINE)
    chronograph.sweep()
    with pytest.raises(GgzyError) as wrong:
        one_click_open(tender.manager, tender.lot.code, Sm2PrivateKey.generate().to_pem())
    assert wrong.value.code == "opening_key_mismatch"
    opened = one_click_open(tender.manager, tender.lot.code, opening.to_pem())
    assert len(opened) == 3
    assert sorted(b.bid_form["price"] for b in Bid.objects.all() if b.bid_form) == [
        "24500000.00",
        "24500001.00",
        "24500002.00",
    ]
