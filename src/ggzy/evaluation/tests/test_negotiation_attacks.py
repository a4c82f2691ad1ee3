"""Attacks on the negotiation rounds of 竞争性谈判 and 竞争性磋商 (bidding.rounds, evaluation.negotiation), as
an outside reviewer would try them. Each test runs one attack and asserts that it FAILS and changes
nothing (DESIGN rules 6–8: sealed means sealed, secret until its time, bad input changes nothing).

A test marked `xfail(strict=True)` is an attack that still succeeds: a hole, described in its reason.

1. suppliers rejected, gone or lapsed try to come back, to decrypt others' responses, to read others' channels;
2. late uploads, a completed upload replayed after the deadline, an earlier envelope replayed, envelopes
   sealed for another lot or bidder;
3. the operator, the purchaser and experts off the panel read prices early or act as the panel;
4. rounds out of order, scoring before the final offers, a revised response withdrawn, leaving too late;
5. equal opportunity satisfied by messages that do not count;
6. what leaks before its time: audit listings, inclusion proofs, notifications, the negotiation record;
7. a suspension by the supervising department, deposits after the response deadline."""

import contextlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.bidding.actions import (
    complete_upload,
    decrypt_bid,
    one_click_open,
    record_decrypt_fault,
    start_upload,
    submit_guarantee,
    withdraw_bid,
    write_chunk,
)
from ggzy.bidding.models import Bid, Bond, Round, Upload
from ggzy.evaluation import actions, negotiation
from ggzy.evaluation.models import Evaluation, NegotiationMessage, RequirementChange
from ggzy.evaluation.negotiation import leave_negotiation
from ggzy.evaluation.tests.conftest import Opened, decrypt, opened_negotiation, submit
from ggzy.evaluation.tests.test_negotiation import meet_everyone, panel, report
from ggzy.experts.models import Expert
from ggzy.kernel import chronograph, clock
from ggzy.kernel.checkpoints import issue_checkpoint
from ggzy.kernel.errors import GgzyError, InvalidInput, NotFound, PermissionDenied
from ggzy.kernel.models import Notification
from ggzy.kernel.roles import Actor
from ggzy.registry.actions import create_department, create_staff_account
from ggzy.registry.models import Entity
from ggzy.registry.schemas import DepartmentIn, StaffAccountIn
from ggzy.supervision.instructions import issue_instruction, lift_suspension
from ggzy.supervision.schemas import InstructionIn
from ggzy.testing import PASSWORD, actor_of, entity_with_key, procurement_bid_form, seal_bid
from ggzy.trading.models import Lot
from ggzy_guomi import Sm2PrivateKey, sm3_hex, unwrap_file_keys

__all__ = ["opened_negotiation"]
pytestmark = pytest.mark.django_db


# ---- helpers -------------------------------------------------------------------------------------


def login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def supplier(o: Opened, i: int) -> Entity:
    return o.tender.bidders[i][0]


def evaluation_of(o: Opened) -> Evaluation:
    return Evaluation.objects.get(lot__code=o.lot_code)


def still_negotiating(o: Opened) -> set[str]:
    return {s.uscc for s in negotiation.negotiating_suppliers(evaluation_of(o))}


def seal(o: Opened, i: int, price: str) -> bytes:
    entity, key = o.tender.bidders[i]
    return seal_bid(o.lot_code, entity, key, price, form=procurement_bid_form(price))


def upload(o: Opened, i: int, envelope: bytes) -> Bid:
    """Supplier i uploads `envelope` as it stands (the three steps of ggzy-bid upload)."""
    actor = o.tender.bidder_actor(i)
    job, _ = start_upload(actor, o.lot_code, len(envelope), sm3_hex(envelope))
    write_chunk(actor, job.public_id, 0, len(envelope), envelope)
    return complete_upload(actor, job.public_id)


def keys_of(o: Opened, i: int, envelope: bytes) -> dict[str, str]:
    return {n: k.hex() for n, k in unwrap_file_keys(envelope, o.tender.bidders[i][1]).items()}


def ask(o: Opened, chair: str, *, final: bool = False, meet: range = range(4), minutes: int = 60) -> Round:
    """The chair meets the suppliers in `meet` and asks for revised responses (or the final offers)."""
    meet_everyone(o, chair, meet)
    return negotiation.open_round(actor_of(chair), o.lot_code, minutes, final=final)


def to_decryption(round_: Round) -> Round:
    """The round's deadline arrives: the chronograph starts its decryption."""
    clock.freeze(round_.deadline)
    chronograph.sweep()
    round_.refresh_from_db()
    return round_


def close_window() -> None:
    clock.advance(timedelta(minutes=30))
    chronograph.sweep()


def outside_expert(members: list[str]) -> str:
    """An approved expert of the library who is not on this panel (drawn for nothing here)."""
    expert = Expert.objects.exclude(user__username__in=members).select_related("user").first()
    assert expert is not None
    return expert.user.username


def api_upload_start(client: Client, o: Opened, envelope: bytes) -> int:
    response = client.post(
        "/api/bids/uploads",
        {"lot": o.lot_code, "size": len(envelope), "sm3": sm3_hex(envelope)},
        content_type="application/json",
    )
    return response.status_code


def finance_regulator(network: dict[str, Any]) -> Actor:
    """A regulator of the department competent for procurement (财政厅, province)."""
    province = network["province"]
    system = Actor.system("test")
    department = create_department(
        system, DepartmentIn(name="财政厅", node_id=province.pk, sectors=["procurement"])
    )
    create_staff_account(
        system,
        StaffAccountIn(
            username="czt",
            password=PASSWORD,
            name="赵财政",
            mobile="13900000003",
            kind="regulator",
            node_id=province.pk,
            department_id=department.pk,
        ),
    )
    return actor_of("czt")


# ---- 1. rejected, gone or lapsed suppliers ------------------------------------------------------


def test_a_rejected_supplier_cannot_respond_in_a_later_round(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    chair = members[0]
    actions.reject_bid(actor_of(chair), o.lot_code, o.receipts[0], "not_responsive", "服务人员配置不满足")
    round_ = ask(o, chair, meet=range(1, 4))
    assert not round_.suppliers.filter(pk=supplier(o, 0).pk).exists()
    bids = Bid.objects.count()
    with pytest.raises(PermissionDenied) as refused:
        submit(o.tender, 0, "1000000.00", procurement_bid_form("1000000.00"))
    assert refused.value.code == "not_negotiating"
    assert api_upload_start(login("tb0"), o, seal(o, 0, "990000.00")) == 403
    with pytest.raises(PermissionDenied):
        negotiation.send_message(actor_of("tb0"), o.lot_code, "", "请允许我们重新报价")
    assert Bid.objects.count() == bids and not Upload.objects.filter(status=Upload.Status.UPLOADING).exists()
    # Its negotiation record shows it no round at all.
    record = login("tb0").get(f"/api/evaluation/lots/{o.lot_code}/negotiation").json()
    assert record["rounds"] == []


def test_a_supplier_rejected_while_a_round_runs_cannot_come_back(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    chair = members[0]
    round_ = ask(o, chair)
    actions.reject_bid(actor_of(chair), o.lot_code, o.receipts[0], "collusion_fraud", "与供应商1串通报价")
    assert supplier(o, 0).uscc not in still_negotiating(o)
    envelope = None
    with contextlib.suppress(GgzyError):
        envelope = submit(o.tender, 0, "990000.00", procurement_bid_form("990000.00"))
    to_decryption(round_)
    if envelope is not None:
        with contextlib.suppress(GgzyError):
            decrypt(o.tender, 0, envelope)
    close_window()
    assert supplier(o, 0).uscc not in still_negotiating(o)
    assert not Bid.objects.filter(round=round_, bidder=supplier(o, 0)).exists()


def test_a_supplier_who_left_cannot_respond_decrypt_or_talk(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    chair = members[0]
    round_ = ask(o, chair)
    envelope = submit(o.tender, 3, "1050000.00", procurement_bid_form("1050000.00"))
    other = submit(o.tender, 0, "1100000.00", procurement_bid_form("1100000.00"))
    left = login("tb3").post(f"/api/evaluation/lots/{o.lot_code}/negotiation/leave")
    assert left.status_code == 200 and left.json()  # the receipts withdrawn
    assert set(Bid.objects.filter(receipt_no__in=left.json()).values_list("status", flat=True)) == {
        "withdrawn"
    }
    assert not Round.objects.get(pk=round_.pk).suppliers.filter(pk=supplier(o, 3).pk).exists()
    with pytest.raises(PermissionDenied):
        submit(o.tender, 3, "1000000.00", procurement_bid_form("1000000.00"))
    assert api_upload_start(login("tb3"), o, seal(o, 3, "990000.00")) == 403
    with pytest.raises(PermissionDenied):
        negotiation.send_message(actor_of("tb3"), o.lot_code, "", "我们改变主意了")
    reply = login("tb3").post(f"/evaluation/negotiations/{o.lot_code}/reply/", {"text": "我们改变主意了"})
    assert reply.status_code == 403
    # Its response sealed before it left is not opened for it in the window.
    to_decryption(round_)
    with pytest.raises(NotFound):
        decrypt(o.tender, 3, envelope)
    decrypt(o.tender, 0, other)
    close_window()
    assert set(Bid.objects.filter(bidder=supplier(o, 3)).values_list("status", flat=True)) == {"withdrawn"}
    # Nor is it asked again.
    again = ask(o, chair, meet=range(3))
    assert not again.suppliers.filter(pk=supplier(o, 3).pk).exists()
    with pytest.raises(PermissionDenied):
        submit(o.tender, 3, "980000.00", procurement_bid_form("980000.00"))
    assert NegotiationMessage.objects.filter(supplier=supplier(o, 3), text="我们改变主意了").count() == 0


def test_a_supplier_who_sent_no_final_offer_is_out_for_good(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    chair = members[0]
    final = ask(o, chair, final=True)
    envelopes = {
        i: submit(o.tender, i, p, procurement_bid_form(p))
        for i, p in [(0, "1120000.00"), (1, "1100000.00"), (2, "1090000.00")]
    }
    to_decryption(final)
    for i, envelope in envelopes.items():
        decrypt(o.tender, i, envelope)
    close_window()
    lot = Lot.objects.get(code=o.lot_code)
    assert lot.state == Lot.State.EVALUATION
    assert set(Bid.objects.filter(bidder=supplier(o, 3)).values_list("status", flat=True)) == {"lapsed"}
    with pytest.raises(InvalidInput) as late:
        submit(o.tender, 3, "900000.00", procurement_bid_form("900000.00"))
    assert late.value.code == "bidding_closed"
    with pytest.raises(GgzyError):  # a lapsed supplier is not negotiating any more
        leave_negotiation(actor_of("tb3"), o.lot_code)
    with pytest.raises(GgzyError):
        negotiation.send_message(actor_of("tb3"), o.lot_code, "", "我们还能再报一次价吗")
    with pytest.raises(InvalidInput) as over:
        negotiation.open_round(actor_of(chair), o.lot_code, 30, final=True)
    assert over.value.code == "negotiation_over"
    report(o, members)
    ranked = {c.bid.bidder_id for c in lot.evaluation.candidates.all()}
    assert supplier(o, 3).pk not in ranked and len(ranked) == 3


def test_a_supplier_cannot_decrypt_another_suppliers_response_nor_read_its_channel(
    opened_negotiation: Opened,
) -> None:
    o = opened_negotiation
    members = panel(o)
    chair = members[0]
    negotiation.send_message(actor_of(chair), o.lot_code, supplier(o, 0).uscc, "贵司人工单价的构成是什么？")
    round_ = ask(o, chair)
    envelope = submit(o.tender, 0, "1080000.00", procurement_bid_form("1080000.00"))
    to_decryption(round_)
    # Even holding supplier 0's content keys (leaked), supplier 1 opens nothing of it.
    keys = keys_of(o, 0, envelope)
    with pytest.raises(NotFound):
        decrypt_bid(o.tender.bidder_actor(1), o.lot_code, sm3_hex(envelope), keys)
    tb1 = login("tb1")
    refused = tb1.post(
        f"/api/bids/{o.lot_code}/decrypt",
        {"sm3": sm3_hex(envelope), "keys": keys},
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert Bid.objects.get(round=round_, bidder=supplier(o, 0)).status == Bid.Status.SUBMITTED
    # Supplier 1 reads and writes only its own channel.
    record = tb1.get(f"/api/evaluation/lots/{o.lot_code}/negotiation").json()
    assert {m["supplier"] for m in record["messages"]} == {supplier(o, 1).uscc}
    page = tb1.get(f"/evaluation/negotiations/{o.lot_code}/").content.decode()
    assert "人工单价的构成" not in page and "保洁12人" in page  # its own reply is there, not 0's question
    with pytest.raises(PermissionDenied) as other:
        negotiation.send_message(actor_of("tb1"), o.lot_code, supplier(o, 0).uscc, "代答")
    assert other.value.code == "not_your_channel"
    assert tb1.get(f"/evaluation/lots/{o.lot_code}/").status_code == 403  # the panel's room is not its


# ---- 2. the round's deadline and its envelopes ---------------------------------------------------


def test_nothing_gets_into_a_round_after_its_deadline(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    round_ = ask(o, members[0])
    # Supplier 0 sends every byte but does not complete; supplier 1 completes, then withdraws.
    late = seal(o, 0, "1000000.00")
    job, _ = start_upload(o.tender.bidder_actor(0), o.lot_code, len(late), sm3_hex(late))
    write_chunk(o.tender.bidder_actor(0), job.public_id, 0, len(late), late)
    withdrawn = upload(o, 1, seal(o, 1, "1010000.00"))
    withdraw_bid(o.tender.bidder_actor(1), o.lot_code)
    clock.freeze(round_.deadline)  # the deadline, before the chronograph has moved the round
    with pytest.raises(InvalidInput) as closed:
        complete_upload(o.tender.bidder_actor(0), job.public_id)
    assert closed.value.code == "bidding_closed"
    assert api_upload_start(login("tb2"), o, seal(o, 2, "1020000.00")) == 422
    # Completing the withdrawn upload again gives back the same (withdrawn) response, nothing new.
    again = complete_upload(o.tender.bidder_actor(1), withdrawn.upload.public_id)
    assert again.pk == withdrawn.pk and again.status == Bid.Status.WITHDRAWN
    chronograph.sweep()
    response = login("tb0").post(f"/api/bids/uploads/{job.public_id}/complete")
    assert response.status_code == 422 and response.json()["code"] == "bidding_closed"
    close_window()
    assert Round.objects.get(pk=round_.pk).status == Round.Status.CLOSED
    assert list(Bid.objects.filter(round=round_).values_list("status", flat=True)) == ["withdrawn"]
    # In the next round the old completed upload still answers with its old response only.
    later = ask(o, members[0])
    assert complete_upload(o.tender.bidder_actor(1), withdrawn.upload.public_id).round_id == round_.pk
    assert not Bid.objects.filter(round=later).exists()
    # Between rounds nothing is taken either.
    clock.freeze(later.deadline + timedelta(hours=2))
    chronograph.sweep()
    assert Round.objects.get(pk=later.pk).status == Round.Status.CLOSED
    with pytest.raises(InvalidInput):
        submit(o.tender, 2, "1030000.00", procurement_bid_form("1030000.00"))


def test_envelopes_sealed_for_another_lot_or_bidder_are_refused_in_a_round(
    opened_negotiation: Opened,
) -> None:
    o = opened_negotiation
    members = panel(o)
    round_ = ask(o, members[0])
    (tb0, key0), (tb1, key1) = o.tender.bidders[0], o.tender.bidders[1]
    form = procurement_bid_form("1000000.00")
    attempts = [
        ("envelope_wrong_lot", seal_bid("OTHER-LOT", tb0, key0, "", form=form)),
        ("envelope_signer_unknown", seal_bid(o.lot_code, tb1, key1, "", form=form)),  # supplier 1's own
        ("envelope_wrong_lot", seal_bid(o.lot_code, tb1, key0, "", form=form)),  # 0 says it is 1
    ]
    for code, envelope in attempts:
        with pytest.raises(InvalidInput) as refused:
            upload(o, 0, envelope)
        assert refused.value.code == code
    assert not Bid.objects.filter(round=round_).exists()


def test_an_envelope_replayed_from_an_earlier_round_is_either_refused_or_opened(
    opened_negotiation: Opened,
) -> None:
    o = opened_negotiation
    members = panel(o)
    chair = members[0]
    first = ask(o, chair)
    envelope = submit(o.tender, 0, "1090000.00", procurement_bid_form("1090000.00"))
    to_decryption(first)
    decrypt(o.tender, 0, envelope)
    close_window()
    final = ask(o, chair, final=True)
    replayed = None
    with contextlib.suppress(GgzyError):
        replayed = upload(o, 0, envelope)  # the same offer again, as its final offer
    others = {
        i: submit(o.tender, i, p, procurement_bid_form(p)) for i, p in [(1, "1100000.00"), (2, "1110000.00")]
    }
    to_decryption(final)
    for i, sealed in others.items():
        decrypt(o.tender, i, sealed)
    if replayed is None:
        return  # refused with a clear error: acceptable
    answer = login("tb0").post(
        f"/api/bids/{o.lot_code}/decrypt",
        {"sm3": sm3_hex(envelope), "keys": keys_of(o, 0, envelope)},
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert Bid.objects.get(pk=replayed.pk).status == Bid.Status.DECRYPTED
    close_window()
    assert supplier(o, 0).uscc in still_negotiating(o)


# ---- 3. who reads and who acts -------------------------------------------------------------------


def test_only_the_panel_runs_the_negotiation(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    chair, expert = members[0], members[1]
    meet_everyone(o, chair, range(4))
    change = negotiation.propose_change(actor_of(chair), o.lot_code, "驻场人员增至24人")
    messages = NegotiationMessage.objects.count()
    outsiders = ["op", "zb", outside_expert(members), "tb0"]
    for username in [*outsiders, expert]:
        with pytest.raises(PermissionDenied):
            negotiation.open_round(actor_of(username), o.lot_code, 60, final=False)
    for username in outsiders:
        with pytest.raises(PermissionDenied):
            negotiation.propose_change(actor_of(username), o.lot_code, "交货期缩短为5日")
        if username != "tb0":
            with pytest.raises(PermissionDenied):
                negotiation.send_message(actor_of(username), o.lot_code, supplier(o, 1).uscc, "请再降价")
        if username != "zb":  # a user of the purchaser itself may confirm (74号令 第32条)
            with pytest.raises(PermissionDenied):
                negotiation.confirm_change(actor_of(username), o.lot_code, change.pk)
    for username in ("op", outside_expert(members)):
        client = login(username)
        base = f"/api/evaluation/lots/{o.lot_code}/negotiation"
        assert (
            client.post(
                base + "/rounds", {"minutes": 60, "final": True}, content_type="application/json"
            ).status_code
            == 403
        )
        assert client.post(base + f"/changes/{change.pk}/confirm").status_code == 403
        sent = client.post(
            base + "/messages",
            {"supplier": supplier(o, 1).uscc, "text": "请再降价"},
            content_type="application/json",
        )
        assert sent.status_code == 403
    room = login("op").post(f"/evaluation/lots/{o.lot_code}/negotiation/rounds/", {"round-minutes": "60"})
    assert room.status_code == 403
    assert login(outside_expert(members)).get(f"/evaluation/lots/{o.lot_code}/").status_code == 403
    assert not Round.objects.exists() and NegotiationMessage.objects.count() == messages
    assert RequirementChange.objects.get(pk=change.pk).confirmed_at is None


def test_nobody_reads_a_revised_response_before_the_round_deadline(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    chair = members[0]
    round_ = ask(o, chair)
    envelope = submit(o.tender, 0, "987654.00", procurement_bid_form("987654.00"))
    revised = Bid.objects.get(round=round_)
    for username in (chair, "op"):
        listed = login(username).get(f"/api/evaluation/lots/{o.lot_code}/bids").json()
        assert revised.receipt_no not in {b["receipt_no"] for b in listed} and len(listed) == 4
        page = login(username).get(f"/evaluation/lots/{o.lot_code}/").content.decode()
        assert revised.receipt_no not in page and "987654" not in page
    assert login("zb").get(f"/api/evaluation/lots/{o.lot_code}/bids").status_code == 403
    assert Round.objects.get(pk=round_.pk).rows == []
    # Not even its supplier opens it early, nor the purchaser with a key of its own, nor the chair.
    with pytest.raises(InvalidInput) as early:
        decrypt(o.tender, 0, envelope)
    assert early.value.code == "decryption_closed"
    with pytest.raises(InvalidInput):
        one_click_open(actor_of("zb"), o.lot_code, Sm2PrivateKey.generate().to_pem())
    with pytest.raises(PermissionDenied):
        one_click_open(actor_of(chair), o.lot_code, Sm2PrivateKey.generate().to_pem())
    assert Bid.objects.get(pk=revised.pk).status == Bid.Status.SUBMITTED


def test_in_the_window_only_the_operator_records_faults_and_no_stranger_key_opens(
    opened_negotiation: Opened,
) -> None:
    o = opened_negotiation
    members = panel(o)
    round_ = ask(o, members[0])
    submit(o.tender, 0, "1000000.00", procurement_bid_form("1000000.00"))
    to_decryption(round_)
    for username in ("tb0", "tb1", members[0], "zb"):
        with pytest.raises(PermissionDenied):
            record_decrypt_fault(actor_of(username), o.lot_code, supplier(o, 0).uscc, "platform", "网络故障")
    with pytest.raises(InvalidInput) as mismatch:
        one_click_open(actor_of("zb"), o.lot_code, Sm2PrivateKey.generate().to_pem())
    assert mismatch.value.code == "opening_key_mismatch"
    bid = Bid.objects.get(round=round_)
    assert bid.status == Bid.Status.SUBMITTED and bid.fault == ""
    # At the window's end, not after it, the supplier is refused.
    assert round_.decrypt_closes_at is not None
    clock.freeze(round_.decrypt_closes_at)
    with pytest.raises(InvalidInput) as shut:
        decrypt_bid(o.tender.bidder_actor(0), o.lot_code, bid.envelope_sm3, {})
    assert shut.value.code == "decryption_closed"


def test_revised_prices_stay_hidden_until_the_round_is_opened_together(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    round_ = ask(o, members[0])
    envelopes = {
        i: submit(o.tender, i, p, procurement_bid_form(p)) for i, p in [(0, "987654.00"), (1, "1012345.00")]
    }
    to_decryption(round_)
    decrypt(o.tender, 0, envelopes[0])  # supplier 1 has not decrypted yet
    for username in (members[0], "op"):
        listed = login(username).get(f"/api/evaluation/lots/{o.lot_code}/bids").content.decode()
        page = login(username).get(f"/evaluation/lots/{o.lot_code}/").content.decode()
        assert "987654" not in listed and "987654" not in page


# ---- 4. the order of things ----------------------------------------------------------------------


def test_one_round_at_a_time_and_nothing_after_the_final_offers(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    chair = members[0]
    first = ask(o, chair)
    for last in (False, True):
        with pytest.raises(InvalidInput) as running:
            negotiation.open_round(actor_of(chair), o.lot_code, 60, final=last)
        assert running.value.code == "round_in_progress"
    envelope = submit(o.tender, 0, "1100000.00", procurement_bid_form("1100000.00"))
    to_decryption(first)
    with pytest.raises(InvalidInput):
        negotiation.open_round(actor_of(chair), o.lot_code, 60, final=True)  # still being decrypted
    decrypt(o.tender, 0, envelope)
    close_window()
    final = ask(o, chair, final=True)
    with pytest.raises(InvalidInput):
        negotiation.open_round(actor_of(chair), o.lot_code, 60, final=True)
    receipt = Bid.objects.filter(lot__code=o.lot_code, status=Bid.Status.DECRYPTED).first()
    assert receipt is not None
    for username in members:
        with pytest.raises(InvalidInput) as early:
            actions.submit_scores(actor_of(username), o.lot_code, {receipt.receipt_no: {}})
        assert early.value.code == "negotiation_not_finished"
    with pytest.raises(InvalidInput):
        actions.finish_scoring(actor_of(chair), o.lot_code)
    finals = {
        i: submit(o.tender, i, p, procurement_bid_form(p))
        for i, p in [(0, "1090000.00"), (1, "1080000.00"), (2, "1070000.00")]
    }
    to_decryption(final)
    for i, sealed in finals.items():
        decrypt(o.tender, i, sealed)
    close_window()
    for last in (True, False):
        with pytest.raises(InvalidInput) as over:
            negotiation.open_round(actor_of(chair), o.lot_code, 30, final=last)
        assert over.value.code == "negotiation_over"
    with pytest.raises(InvalidInput):
        negotiation.propose_change(actor_of(chair), o.lot_code, "再增加2人")
    assert Round.objects.filter(lot__code=o.lot_code).count() == 2


def test_withdrawing_a_revised_response_keeps_the_supplier_in_and_its_deposit_held(
    opened_negotiation: Opened,
) -> None:
    o = opened_negotiation
    members = panel(o)
    first_response = Bid.objects.get(receipt_no=o.receipts[0])
    with pytest.raises(InvalidInput):  # no round: nothing to withdraw, the first response untouched
        withdraw_bid(o.tender.bidder_actor(0), o.lot_code)
    round_ = ask(o, members[0])
    submit(o.tender, 0, "1000000.00", procurement_bid_form("1000000.00"))
    submit(o.tender, 1, "1010000.00", procurement_bid_form("1010000.00"))
    gone = login("tb0").delete(f"/api/bids/{o.lot_code}/mine")
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    bond = Bond.objects.get(lot__code=o.lot_code, bidder=supplier(o, 0))
    assert bond.refund_due is None and bond.status == Bond.Status.PAID
    with pytest.raises(NotFound):  # the decrypted first response is not withdrawn this way
        withdraw_bid(o.tender.bidder_actor(0), o.lot_code)
    first_response.refresh_from_db()
    assert first_response.status == Bid.Status.DECRYPTED
    to_decryption(round_)
    with pytest.raises(InvalidInput):  # nor once the round is being decrypted
        withdraw_bid(o.tender.bidder_actor(0), o.lot_code)
    close_window()
    assert supplier(o, 0).uscc in still_negotiating(o)
    assert Bond.objects.get(pk=bond.pk).refund_due is None


def test_no_leaving_once_the_final_offers_are_due(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    final = ask(o, members[0], final=True)
    offers = {
        i: submit(o.tender, i, p, procurement_bid_form(p))
        for i, p in enumerate(["1120000.00", "1100000.00", "1090000.00", "1080000.00"])
    }
    clock.freeze(final.deadline - timedelta(seconds=1))
    leave_negotiation(actor_of("tb2"), o.lot_code)  # a second before: still allowed (74号令 第34条)
    clock.freeze(final.deadline)
    with pytest.raises(InvalidInput) as refused:
        leave_negotiation(actor_of("tb3"), o.lot_code)
    assert refused.value.code == "negotiation_leave_closed"
    page = login("tb3").post(f"/evaluation/negotiations/{o.lot_code}/leave/")
    assert page.status_code == 422
    to_decryption(final)
    for i in (0, 1, 3):
        decrypt(o.tender, i, offers[i])
    with pytest.raises(InvalidInput):
        leave_negotiation(actor_of("tb3"), o.lot_code)
    close_window()
    assert Bid.objects.get(round=final, bidder=supplier(o, 3)).status == Bid.Status.DECRYPTED
    assert Bond.objects.get(lot__code=o.lot_code, bidder=supplier(o, 3)).refund_due is None
    assert Bond.objects.get(lot__code=o.lot_code, bidder=supplier(o, 2)).refund_due is not None
    assert Lot.objects.get(code=o.lot_code).state == Lot.State.EVALUATION


def test_a_rejected_supplier_cannot_leave_to_get_its_deposit_back(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    actions.reject_bid(actor_of(members[0]), o.lot_code, o.receipts[0], "collusion_fraud", "与供应商1串通")
    with contextlib.suppress(GgzyError):
        leave_negotiation(actor_of("tb0"), o.lot_code)
    assert Bid.objects.get(receipt_no=o.receipts[0]).status == Bid.Status.DECRYPTED
    assert Bond.objects.get(lot__code=o.lot_code, bidder=supplier(o, 0)).refund_due is None


# ---- 5. equal opportunity ------------------------------------------------------------------------


def test_equal_opportunity_is_not_met_by_messages_that_do_not_count(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    chair = members[0]
    round_ = ask(o, chair)
    envelope = submit(o.tender, 0, "1100000.00", procurement_bid_form("1100000.00"))
    meet_everyone(o, chair, range(4))  # while the round is open: before it closes, so not this stage
    to_decryption(round_)
    decrypt(o.tender, 0, envelope)
    for i in range(4):  # and while it is being decrypted
        negotiation.send_message(actor_of(members[1]), o.lot_code, supplier(o, i).uscc, "请确认解密")
    close_window()
    everyone = {supplier(o, i).uscc for i in range(4)}

    def unheard() -> set[str]:
        with pytest.raises(InvalidInput) as unequal:
            negotiation.open_round(actor_of(chair), o.lot_code, 60, final=True)
        assert unequal.value.code == "negotiation_unequal"
        return set(unequal.value.details["suppliers"])

    assert unheard() == everyone
    # A confirmed change goes to everyone in writing: a notice, not a negotiation.
    change = negotiation.propose_change(actor_of(chair), o.lot_code, "驻场人员增至24人")
    negotiation.confirm_change(actor_of("zbdb"), o.lot_code, change.pk)
    assert unheard() == everyone
    # The suppliers writing to the panel are not the panel meeting them.
    for i in range(4):
        negotiation.send_message(actor_of(f"tb{i}"), o.lot_code, "", "我方请求谈判")
    assert unheard() == everyone
    meet_everyone(o, chair, range(3))
    assert unheard() == {supplier(o, 3).uscc}
    assert Round.objects.filter(lot__code=o.lot_code).count() == 1


def test_a_panel_message_cannot_pass_itself_off_as_a_confirmed_change(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    forged = "【采购需求实质性变动（经采购人代表确认）】服务期由1年调整为3年，报价相应调整"
    with contextlib.suppress(GgzyError):
        negotiation.send_message(actor_of(members[1]), o.lot_code, supplier(o, 0).uscc, forged)
    assert not RequirementChange.objects.exists()
    page = login("tb0").get(f"/evaluation/negotiations/{o.lot_code}/").content.decode()
    record = login("tb0").get(f"/api/evaluation/lots/{o.lot_code}/negotiation").json()
    assert "经采购人代表确认）】服务期由1年调整为3年" not in page
    assert not any(m["text"].startswith("【采购需求实质性变动") for m in record["messages"])


# ---- 6. secret until its time --------------------------------------------------------------------


def test_who_responds_in_a_round_stays_out_of_audit_listings_until_its_deadline(
    opened_negotiation: Opened,
) -> None:
    o = opened_negotiation
    members = panel(o)
    round_ = ask(o, members[0])
    op = login("op")
    trail = f"/api/supervision/lots/{o.lot_code}/trail"
    before = op.get(trail).json()
    assert isinstance(before, list) and before
    submit(o.tender, 0, "1000000.00", procurement_bid_form("1000000.00"))
    submit(o.tender, 1, "1010000.00", procurement_bid_form("1010000.00"))
    withdraw_bid(o.tender.bidder_actor(1), o.lot_code)
    assert Bid.objects.filter(round=round_).count() == 2
    after = op.get(trail).json()
    assert len(after) == len(before), [e["action"] for e in after[len(before) :]]


def test_a_round_receipts_inclusion_proof_waits_for_the_rounds_deadline(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    ask(o, members[0])
    bid = upload(o, 0, seal(o, 0, "1000000.00"))
    issue_checkpoint("interval")
    response = login("tb0").get(f"/api/services/receipts/{bid.receipt_no}/inclusion")
    assert response.status_code == 403, response.json()


def test_notifications_carry_no_prices_and_nothing_of_the_other_suppliers(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    chair = members[0]
    round_ = ask(o, chair)
    Notification.objects.all().delete()
    prices = {0: "1012345.00", 1: "1023456.00", 2: "1034567.00"}
    envelopes = {i: submit(o.tender, i, p, procurement_bid_form(p)) for i, p in prices.items()}
    assert not Notification.objects.exists()  # a revised response tells nobody anything
    negotiation.send_message(actor_of(chair), o.lot_code, supplier(o, 0).uscc, "仅致供应商0的问题")
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"tb0"}
    to_decryption(round_)
    for i, envelope in envelopes.items():
        decrypt(o.tender, i, envelope)
    close_window()
    bodies = " ".join(Notification.objects.values_list("body", flat=True))
    for price in prices.values():
        assert price not in bodies and price.split(".")[0] not in bodies
    decryption = Notification.objects.filter(subject="响应文件解密通知")
    assert set(decryption.values_list("recipient__username", flat=True)) == {"tb0", "tb1", "tb2"}


def test_an_outsider_reads_nothing_of_the_negotiation(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    change = negotiation.propose_change(actor_of(members[0]), o.lot_code, "驻场人员增至24人，含夜班4人")
    negotiation.confirm_change(actor_of("zbdb"), o.lot_code, change.pk)
    assert (
        login(outside_expert(members)).get(f"/api/evaluation/lots/{o.lot_code}/negotiation").status_code
        == 403
    )
    entity_with_key("bidder", "tb9", region="640121")
    outsider = login("tb9")
    assert outsider.get(f"/evaluation/negotiations/{o.lot_code}/").status_code == 403
    record = outsider.get(f"/api/evaluation/lots/{o.lot_code}/negotiation")
    assert record.status_code == 403 or "夜班" not in record.content.decode()


def test_a_supplier_that_left_reads_no_change_confirmed_after_it_left(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    leave_negotiation(actor_of("tb3"), o.lot_code)
    change = negotiation.propose_change(actor_of(members[0]), o.lot_code, "驻场人员增至24人，含夜班4人")
    negotiation.confirm_change(actor_of("zbdb"), o.lot_code, change.pk)
    assert not NegotiationMessage.objects.filter(supplier=supplier(o, 3), text__contains="夜班").exists()
    tb3 = login("tb3")
    assert "夜班" not in tb3.get(f"/evaluation/negotiations/{o.lot_code}/").content.decode()
    assert "夜班" not in tb3.get(f"/api/evaluation/lots/{o.lot_code}/negotiation").content.decode()


def test_what_is_written_in_a_channel_is_shown_escaped(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    negotiation.send_message(
        actor_of(members[0]), o.lot_code, supplier(o, 0).uscc, "<script>alert(1)</script>"
    )
    negotiation.send_message(actor_of("tb0"), o.lot_code, "", "<img src=x onerror=alert(2)>")
    for client, url in (
        (login("tb0"), f"/evaluation/negotiations/{o.lot_code}/"),
        (login(members[0]), f"/evaluation/lots/{o.lot_code}/"),
    ):
        page = client.get(url).content.decode()
        assert "<script>alert(1)" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(1)" in page


# ---- 7. suspension and deposits ------------------------------------------------------------------


def test_a_suspended_negotiation_does_not_go_on(opened_negotiation: Opened, network: dict[str, Any]) -> None:
    o = opened_negotiation
    members = panel(o)
    chair = members[0]
    regulator = finance_regulator(network)
    meet_everyone(o, chair, range(4))
    issue_instruction(
        regulator, InstructionIn(lot_code=o.lot_code, kind="suspend", reason="收到投诉，暂停采购活动")
    )
    assert Lot.objects.get(code=o.lot_code).state == Lot.State.SUSPENDED
    with pytest.raises(InvalidInput):  # the suppliers are refused, rightly
        submit(o.tender, 0, "1000000.00", procurement_bid_form("1000000.00"))
    for attempt in (
        lambda: negotiation.send_message(actor_of(chair), o.lot_code, supplier(o, 0).uscc, "继续谈"),
        lambda: negotiation.open_round(actor_of(chair), o.lot_code, 30, final=True),
        lambda: negotiation.propose_change(actor_of(chair), o.lot_code, "交货期缩短"),
    ):
        with contextlib.suppress(GgzyError):
            attempt()
    assert not Round.objects.exists() and not RequirementChange.objects.exists()
    assert not NegotiationMessage.objects.filter(text="继续谈").exists()


@pytest.mark.xfail(
    strict=True,
    reason="HOLE: a round running when the lot is suspended runs out against the suppliers. Submissions are "
    "refused while SUSPENDED, the round's deadline is not moved on resumption (supervision.instructions."
    "resume / lift_suspension know nothing of rounds), so after the suspension is lifted the final offers "
    "can no longer be sent and the chronograph ends the purchase for too few final offers.",
)
def test_a_suspension_does_not_eat_the_time_of_a_running_round(
    opened_negotiation: Opened, network: dict[str, Any]
) -> None:
    o = opened_negotiation
    members = panel(o)
    regulator = finance_regulator(network)
    ask(o, members[0], final=True, minutes=30)
    instruction = issue_instruction(
        regulator, InstructionIn(lot_code=o.lot_code, kind="suspend", reason="收到投诉，暂停采购活动")
    )
    clock.advance(timedelta(hours=2))
    lift_suspension(regulator, instruction.pk, "投诉不成立")
    for i, price in enumerate(["1120000.00", "1100000.00", "1090000.00"]):
        with contextlib.suppress(GgzyError):
            submit(o.tender, i, price, procurement_bid_form(price))
    assert Bid.objects.filter(round__final=True).count() == 3


def test_no_deposit_is_swapped_after_the_response_deadline(opened_negotiation: Opened) -> None:
    o = opened_negotiation
    members = panel(o)
    guarantor, _ = entity_with_key("guarantor", "db0")
    ask(o, members[0])
    bond = Bond.objects.get(lot__code=o.lot_code, bidder=supplier(o, 0))
    assert bond.kind == Bond.Kind.DEPOSIT and bond.status == Bond.Status.PAID
    with contextlib.suppress(GgzyError):
        submit_guarantee(o.tender.bidder_actor(0), o.lot_code, "BH2026-0001", guarantor.uscc)
    bond.refresh_from_db()
    assert bond.kind == Bond.Kind.DEPOSIT and bond.amount == Decimal("24000")
