"""Bidding endpoints: bond, resumable envelope upload, receipt, withdrawal, decryption, opening record.

The upload contract (used by `ggzy-bid upload`): POST /bids/uploads → PUT chunks with Content-Range →
POST /bids/uploads/{id}/complete → a receipt signed by the platform (GET /platform/keys to verify it).
"""

import re
from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from ggzy.bidding import actions
from ggzy.bidding.models import Bid, OpeningRecord
from ggzy.kernel import clock
from ggzy.kernel.actions import require_role
from ggzy.kernel.errors import InvalidInput, NotFound, PermissionDenied
from ggzy.kernel.limits import Code, Key, Reason
from ggzy.kernel.roles import Role
from ggzy.registry.auth import actor_from_request
from ggzy.trading.models import Lot
from ggzy.trading.queries import is_overseer, is_party
from ggzy.trading.rules import DOWNLOADERS_SECRET

router = Router(tags=["bidding"])
CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


class UploadIn(Schema):
    lot: Code
    size: int
    sm3: Code


class UploadOut(Schema):
    upload_id: str
    offset: int
    chunk_size: int


class UploadStateOut(Schema):
    offset: int
    size: int
    status: str


class OffsetOut(Schema):
    offset: int


class ReceiptOut(Schema):
    receipt: str
    bid_id: int
    receipt_no: str


class MyBidOut(Schema):
    status: str
    receipt_no: str
    receipt: str
    envelope_sm3: str
    submitted_at: datetime
    decrypted_at: datetime | None


class DecryptIn(Schema):
    sm3: Code
    keys: dict[Code, Key] = Field(max_length=64)  # one wrapped key per file of the envelope


class DecryptOut(Schema):
    status: str
    opened_at: datetime


class BondAccountOut(Schema):
    virtual_account: str | None
    amount: Decimal
    status: str


class GuaranteeIn(Schema):
    guarantee_no: Code
    guarantor_uscc: Code


class BondPaymentIn(Schema):
    virtual_account: Code
    amount: Decimal
    payer_account: Code
    payer_name: str = Field(max_length=200)


class FaultIn(Schema):
    bidder_uscc: Code
    fault: Code
    reason: Reason


class OpeningOut(Schema):
    lot: str
    state: str
    started_at: datetime
    closed_at: datetime | None
    decrypt_closes_at: datetime | None
    rows: list[dict[str, object]]


@router.post("/uploads", response={200: UploadOut, 201: UploadOut}, summary="开始（或续传）上传投标文件")
def start_upload(request: HttpRequest, payload: UploadIn) -> Status[UploadOut]:
    upload, created = actions.start_upload(
        actor_from_request(request), payload.lot, payload.size, payload.sm3
    )
    body = UploadOut(upload_id=upload.public_id, offset=upload.received, chunk_size=actions.CHUNK_SIZE)
    return Status(201 if created else 200, body)


@router.put("/uploads/{upload_id}", response=OffsetOut, summary="上传一段（Content-Range）")
def write_chunk(request: HttpRequest, upload_id: str) -> OffsetOut:
    match = CONTENT_RANGE.match(request.headers.get("Content-Range", ""))
    data = request.body
    if match is None or int(match[2]) - int(match[1]) + 1 != len(data):
        raise InvalidInput(
            "content_range",
            "请用 Content-Range: bytes 起-止/总长 标明本段位置",
            "Send Content-Range: bytes a-b/total",
        )
    offset = actions.write_chunk(actor_from_request(request), upload_id, int(match[1]), int(match[3]), data)
    return OffsetOut(offset=offset)


@router.get("/uploads/{upload_id}", response=UploadStateOut, summary="上传进度")
def upload_state(request: HttpRequest, upload_id: str) -> UploadStateOut:
    upload = actions.upload_status(actor_from_request(request), upload_id)
    return UploadStateOut(offset=upload.received, size=upload.size, status=upload.status)


@router.post("/uploads/{upload_id}/complete", response={201: ReceiptOut}, summary="完成上传，取得回执")
def complete_upload(request: HttpRequest, upload_id: str) -> Status[ReceiptOut]:
    bid = actions.complete_upload(actor_from_request(request), upload_id)
    return Status(201, ReceiptOut(receipt=bid.receipt, bid_id=bid.pk, receipt_no=bid.receipt_no))


def my_bid_out(bid: Bid) -> MyBidOut:
    return MyBidOut(
        status=bid.status,
        receipt_no=bid.receipt_no,
        receipt=bid.receipt,
        envelope_sm3=bid.envelope_sm3,
        submitted_at=bid.submitted_at,
        decrypted_at=bid.decrypted_at,
    )


def _my_bid(request: HttpRequest, lot: str) -> Bid:
    actor = actor_from_request(request)
    require_role(actor, Role.BIDDER)
    bid = (
        Bid.objects.filter(lot__code=lot, bidder_id=actor.entity_id)
        .exclude(status=Bid.Status.SUPERSEDED)
        .last()
    )
    if bid is None or actor.entity_id is None:
        raise NotFound("bid_not_found", "没有投标文件", "No bid")
    return bid


@router.get("/{lot}/mine", response=MyBidOut, summary="我的投标文件与回执")
def my_bid(request: HttpRequest, lot: str) -> MyBidOut:
    bid = _my_bid(request, lot)
    return my_bid_out(bid)


@router.delete("/{lot}/mine", response=MyBidOut, summary="撤回投标文件（截止前）")
def withdraw(request: HttpRequest, lot: str) -> MyBidOut:
    bid = actions.withdraw_bid(actor_from_request(request), lot)
    return my_bid_out(bid)


@router.post("/{lot}/decrypt", response=DecryptOut, summary="开标时在线解密（提交本人投标文件的内容密钥）")
def decrypt(request: HttpRequest, lot: str, payload: DecryptIn) -> DecryptOut:
    bid = actions.decrypt_bid(actor_from_request(request), lot, payload.sm3, payload.keys)
    assert bid.decrypted_at is not None
    return DecryptOut(status="decrypted", opened_at=bid.decrypted_at)


class OneClickIn(Schema):
    opening_private_key_pem: Key


class OneClickOut(Schema):
    opened: list[str]


@router.post("/{lot}/one-click-open", response=OneClickOut, summary="一键解密（开标私钥持有人）")
def one_click(request: HttpRequest, lot: str, payload: OneClickIn) -> OneClickOut:
    bids = actions.one_click_open(actor_from_request(request), lot, payload.opening_private_key_pem)
    return OneClickOut(opened=[b.receipt_no for b in bids])


@router.post("/{lot}/bond-account", response=BondAccountOut, summary="取得投标保证金虚拟子账户")
def bond_account(request: HttpRequest, lot: str) -> BondAccountOut:
    bond = actions.open_bond_account(actor_from_request(request), lot)
    return BondAccountOut(virtual_account=bond.virtual_account, amount=bond.amount, status=bond.status)


@router.post("/{lot}/guarantee", response=BondAccountOut, summary="提交电子保函")
def guarantee(request: HttpRequest, lot: str, payload: GuaranteeIn) -> BondAccountOut:
    bond = actions.submit_guarantee(
        actor_from_request(request), lot, payload.guarantee_no, payload.guarantor_uscc
    )
    return BondAccountOut(virtual_account=bond.virtual_account, amount=bond.amount, status=bond.status)


@router.post("/bond-payments", response=BondAccountOut, summary="银行到账通知（交易中心）")
def bond_payment(request: HttpRequest, payload: BondPaymentIn) -> BondAccountOut:
    bond = actions.record_bond_payment(
        actor_from_request(request),
        payload.virtual_account,
        payload.amount,
        payload.payer_account,
        payload.payer_name,
    )
    return BondAccountOut(virtual_account=bond.virtual_account, amount=bond.amount, status=bond.status)


@router.post("/{lot}/decrypt-faults", response=MyBidOut, summary="登记解密失败的责任方（交易中心）")
def decrypt_fault(request: HttpRequest, lot: str, payload: FaultIn) -> MyBidOut:
    bid = actions.record_decrypt_fault(
        actor_from_request(request), lot, payload.bidder_uscc, payload.fault, payload.reason
    )
    return my_bid_out(bid)


@router.get("/{lot}/opening", response=OpeningOut, summary="开标记录（参与人）")
def opening(request: HttpRequest, lot: str) -> OpeningOut:
    actor = actor_from_request(request)
    the_lot = Lot.objects.select_related("notice", "project").filter(code=lot).first()
    record = OpeningRecord.objects.filter(lot=the_lot).first() if the_lot else None
    if the_lot is None or record is None:
        raise NotFound("opening_not_found", "尚未开标", "Not opened yet")
    participant = Bid.objects.filter(lot=the_lot, bidder_id=actor.entity_id).exists()
    if not (participant or is_party(actor, the_lot.project) or is_overseer(actor, the_lot.project)):
        raise PermissionDenied("not_participant", "开标记录向本标段的参与人公布", "For participants only")
    rows = record.rows if record.closed_at else []
    return OpeningOut(
        lot=the_lot.code,
        state=the_lot.state,
        started_at=record.started_at,
        closed_at=record.closed_at,
        decrypt_closes_at=the_lot.decrypt_closes_at,
        rows=rows,
    )


@router.get("/{lot}/bidders", response=list[str], summary="投标人名单（截止后）")
def bidders(request: HttpRequest, lot: str) -> list[str]:
    actor = actor_from_request(request)
    the_lot = Lot.objects.select_related("notice", "project").filter(code=lot).first()
    if the_lot is None or the_lot.notice is None:
        raise NotFound("lot_not_found", "未找到标段", "No such lot")
    if clock.now() < the_lot.notice.bid_deadline:
        raise PermissionDenied(
            "bidders_sealed",
            "投标截止前，任何人（包括交易中心）均不能查看投标人名单和数量",
            "Before the deadline nobody, the operator included, may see who bid",
            rule=DOWNLOADERS_SECRET,
        )
    if not (is_party(actor, the_lot.project) or is_overseer(actor, the_lot.project)):
        raise PermissionDenied("not_project_party", "无权查看", "Not allowed")
    return sorted(
        set(
            Bid.objects.filter(lot=the_lot)
            .exclude(status=Bid.Status.WITHDRAWN)
            .values_list("bidder__name", flat=True)
        )
    )
