"""Bidder actions: bond, sealed-bid upload (resumable), receipt, modification and withdrawal, decryption.

Everything here before the deadline is sealed: audit events carry `sealed_by=notice`, so no listing shows
who bid until the deadline passes (电子招标投标办法 第21条, DESIGN rule 6).
"""

import json
import secrets
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ggzy.bidding import rounds, storage
from ggzy.bidding.models import Bid, Bond, Round, Upload
from ggzy.bidding.numbers import new_bond_account, new_receipt_no
from ggzy.credit import enforcement
from ggzy.kernel import audit, clock, events
from ggzy.kernel.actions import action, after_commit, require_role
from ggzy.kernel.errors import Conflict, InvalidInput, LegalRule, NotFound, PermissionDenied
from ggzy.kernel.platform_key import platform_key
from ggzy.kernel.roles import Actor, Role
from ggzy.kernel.timefmt import local_text, local_text_en
from ggzy.kernel.timestamping import issue_stamped_receipt
from ggzy.registry.models import Entity
from ggzy.registry.queries import active_certificate, entity_of
from ggzy.trading import procedure
from ggzy.trading.actions import end_of_day, require_project_manager
from ggzy.trading.models import Lot, Notice
from ggzy.trading.queries import node_operator, require_node_operator
from ggzy.trading.rules import DECRYPT_FAILURE, SUBMISSION, UNENCRYPTED_REFUSED
from ggzy.trading.specs import BidField, spec_for
from ggzy_guomi import (
    GuomiError,
    IntegrityError,
    Manifest,
    Sm2PrivateKey,
    Sm2PublicKey,
    UnencryptedEnvelopeError,
    UnsignedEnvelopeError,
    open_envelope_with_keys,
    peek_manifest,
    sm3_file,
    unwrap_file_keys,
    verify_envelope,
)

CHUNK_SIZE = 4 * 1024 * 1024
MAX_ENVELOPE_BYTES = 512 * 1024 * 1024
BID_FORM = "bid-form.json"


def _bidder(actor: Actor) -> Entity:
    require_role(actor, Role.BIDDER)
    return entity_of(actor)


def _lot(lot_code: str, *, lock: bool = False) -> Lot:
    qs = Lot.objects.select_related("notice", "project")
    lot = (qs.select_for_update(of=("self",)) if lock else qs).filter(code=lot_code).first()
    if lot is None or lot.notice is None:
        raise NotFound("lot_not_found", f"未找到标段{lot_code}", f"No lot {lot_code}")
    return lot


def _notice(lot: Lot) -> Notice:
    assert lot.notice is not None  # _lot only returns lots in a notice
    return lot.notice


def _seal(lot: Lot) -> Notice | Round:
    """What hides a submission's audit events until its deadline: the open negotiation round, else the
    notice (电子招标投标办法 第21条: who responds stays secret until the deadline)."""
    return rounds.open_round_of(lot) or _notice(lot)


def require_open_for_bids(lot: Lot, bidder: Entity, now: datetime, *, rounds_too: bool = True) -> None:
    """Bids are taken while the notice's deadline is ahead, or — in a negotiation — a round's deadline, from
    the suppliers still negotiating. Bonds (`rounds_too=False`) only before the notice's deadline."""
    notice = _notice(lot)
    round_ = rounds.open_round_of(lot) if rounds_too else None
    if round_ is not None:
        rule = procedure.rules_for(lot).negotiation
        if now >= round_.deadline:
            raise InvalidInput(
                "bidding_closed",
                f"第{round_.number}轮响应文件已截止（截止时间{local_text(round_.deadline)}），平台拒收",
                f"Round {round_.number} closed at {local_text_en(round_.deadline)}: the platform refuses it",
                rule=rule.legal if rule else SUBMISSION,
            )
        if not round_.suppliers.filter(pk=bidder.pk).exists():
            raise PermissionDenied(
                "not_negotiating",
                "只有继续参加谈判（磋商）的供应商可以提交本轮响应文件",
                "Only the suppliers still negotiating may respond in this round",
            )
        return
    if lot.state != Lot.State.BIDDING or now >= notice.bid_deadline:
        raise InvalidInput(
            "bidding_closed",
            f"投标已截止（截止时间{local_text(notice.bid_deadline)}），平台拒收",
            f"The bid deadline ({local_text_en(notice.bid_deadline)}) has passed: the platform refuses the bid",
            rule=SUBMISSION,
        )
    if notice.method == Notice.Method.INVITED and not notice.invitees.filter(pk=bidder.pk).exists():
        raise PermissionDenied(
            "not_invited", "邀请招标只接受受邀投标人的投标", "Invited tender: invitees only"
        )


# ---- bond ------------------------------------------------------------------------------------------


@action("bidding.open_bond_account")
def open_bond_account(actor: Actor, lot_code: str) -> Bond:
    """A virtual sub-account per bidder and lot: the bank reports payments into it."""
    bidder = _bidder(actor)
    lot = _lot(lot_code)
    require_open_for_bids(lot, bidder, clock.now(), rounds_too=False)
    enforcement.check(bidder, "bid", category=lot.project.category)
    bond = Bond.objects.filter(lot=lot, bidder=bidder).first()
    if bond is None:
        bond = Bond.objects.create(
            lot=lot,
            bidder=bidder,
            kind=Bond.Kind.DEPOSIT,
            amount=lot.bond_amount,
            virtual_account=new_bond_account(lambda n: Bond.objects.filter(virtual_account=n).exists()),
        )
    audit.record(bond, {"lot": lot.code}, sealed_by=_notice(lot))
    return bond


@action("bidding.record_bond_payment")
def record_bond_payment(
    actor: Actor, virtual_account: str, amount: Decimal, payer_account: str, payer_name: str
) -> Bond:
    """The bank's notice that money arrived (operator or the bank interface, as system)."""
    role = require_role(actor, Role.OPERATOR)
    bond = (
        Bond.objects.select_for_update(of=("self",))
        .select_related("lot__notice", "lot__project__node")
        .filter(virtual_account=virtual_account)
        .first()
    )
    if bond is None or not node_operator(actor, bond.lot.project):
        # another node's account answers as one that does not exist: nothing to learn by probing
        raise NotFound("bond_account_unknown", "虚拟子账户不存在", "Unknown virtual account")
    if amount < bond.amount:
        raise InvalidInput(
            "bond_short", f"到账金额不足：应缴{bond.amount}元", f"Short payment: {bond.amount} due"
        )
    bond.status = Bond.Status.PAID
    bond.paid_at = clock.now()
    bond.payer_account = payer_account.strip()
    bond.payer_name = payer_name.strip()
    bond.save()
    audit.record(bond, {"amount": amount}, role=role, sealed_by=bond.lot.notice)
    return bond


@action("bidding.submit_guarantee")
def submit_guarantee(actor: Actor, lot_code: str, guarantee_no: str, guarantor_uscc: str) -> Bond:
    """An electronic guarantee (电子保函) from a registered guarantor instead of cash."""
    bidder = _bidder(actor)
    lot = _lot(lot_code)
    require_open_for_bids(lot, bidder, clock.now(), rounds_too=False)
    enforcement.check(bidder, "bid", category=lot.project.category)
    guarantor = Entity.objects.filter(uscc=guarantor_uscc.strip().upper(), kinds__kind="guarantor").first()
    if guarantor is None:
        raise InvalidInput(
            "guarantor_unknown", "出具保函的担保机构未在平台登记", "The guarantor is not registered"
        )
    if not guarantee_no.strip():
        raise InvalidInput("guarantee_no_required", "请填写保函编号", "The guarantee number is required")
    bond, _ = Bond.objects.update_or_create(
        lot=lot,
        bidder=bidder,
        defaults={
            "kind": Bond.Kind.GUARANTEE,
            "amount": lot.bond_amount,
            "guarantee_no": guarantee_no.strip(),
            "guarantor": guarantor,
            "status": Bond.Status.PAID,
            "paid_at": clock.now(),
        },
    )
    audit.record(bond, {"lot": lot.code, "guarantor": guarantor.uscc}, sealed_by=_notice(lot))
    return bond


# ---- upload ----------------------------------------------------------------------------------------


@action("bidding.start_upload")
def start_upload(actor: Actor, lot_code: str, size: int, sm3: str) -> tuple[Upload, bool]:
    """Begin (or resume) uploading one envelope. Returns the upload and whether it is new."""
    bidder = _bidder(actor)
    lot = _lot(lot_code)
    now = clock.now()
    require_open_for_bids(lot, bidder, now)
    enforcement.check(bidder, "bid", category=lot.project.category)
    sm3 = (sm3 or "").strip().lower()
    if len(sm3) != 64 or any(c not in "0123456789abcdef" for c in sm3):
        raise InvalidInput(
            "upload_sm3", "请提供投标文件的SM3摘要（64位十六进制）", "Give the envelope's SM3 (64 hex)"
        )
    if not 0 < size <= MAX_ENVELOPE_BYTES:
        raise InvalidInput(
            "upload_size", f"投标文件大小应在1字节至{MAX_ENVELOPE_BYTES}字节之间", "Bad envelope size"
        )
    done = (
        Upload.objects.filter(lot=lot, bidder=bidder, sm3=sm3, size=size, status=Upload.Status.COMPLETE)
        .select_related("bid")
        .first()
    )
    if done is not None and done.bid.status == Bid.Status.SUBMITTED:
        # The same envelope already stands as the bid (its receipt was lost on the way back, e.g. in a
        # crash): resuming finds it complete, and completing it again returns the same receipt.
        audit.record(done, {"lot": lot.code, "size": size, "already_complete": True}, sealed_by=_seal(lot))
        return done, False
    upload = Upload.objects.filter(
        lot=lot, bidder=bidder, sm3=sm3, size=size, status=Upload.Status.UPLOADING
    ).first()
    created = upload is None
    if upload is None:
        upload = Upload.objects.create(
            public_id=secrets.token_hex(16),
            lot=lot,
            bidder=bidder,
            size=size,
            sm3=sm3,
            created_at=now,
            updated_at=now,
        )
        storage.create_part(upload.public_id)
    audit.record(upload, {"lot": lot.code, "size": size, "resumed": not created}, sealed_by=_seal(lot))
    return upload, created


def _own_upload(actor: Actor, public_id: str) -> Upload:
    upload = (
        Upload.objects.select_for_update(of=("self",))
        .select_related("lot__notice", "bidder")
        .filter(public_id=public_id)
        .first()
    )
    if upload is None or upload.bidder_id != actor.entity_id:
        raise NotFound("upload_not_found", "未找到该上传", "No such upload")
    return upload


def upload_status(actor: Actor, public_id: str) -> Upload:
    require_role(actor, Role.BIDDER)
    upload = Upload.objects.filter(public_id=public_id, bidder_id=actor.entity_id).first()
    if upload is None:
        raise NotFound("upload_not_found", "未找到该上传", "No such upload")
    return upload


@action("bidding.write_chunk")
def write_chunk(actor: Actor, public_id: str, start: int, total: int, data: bytes) -> int:
    bidder = _bidder(actor)
    upload = _own_upload(actor, public_id)
    require_open_for_bids(upload.lot, bidder, clock.now())
    if upload.status != Upload.Status.UPLOADING:
        raise Conflict("upload_finished", "该上传已结束", "This upload is finished")
    if total != upload.size or start + len(data) > upload.size or not data:
        raise InvalidInput(
            "upload_range", "上传范围不正确", "Bad Content-Range", details={"size": upload.size}
        )
    if start != upload.received:
        raise Conflict(
            "upload_offset_mismatch",
            f"应从第{upload.received}字节继续上传",
            f"Resume from byte {upload.received}",
            details={"offset": upload.received},
        )
    storage.write_part(upload.public_id, start, data)
    upload.received = start + len(data)
    upload.updated_at = clock.now()
    upload.save(update_fields=["received", "updated_at"])
    audit.record(upload, {"received": upload.received}, sealed_by=_seal(upload.lot))
    return upload.received


def _refuse(upload: Upload, code: str, zh: str, en: str, rule: LegalRule | None = None) -> InvalidInput:
    return InvalidInput(code, zh, en, rule=rule, details={"upload_id": upload.public_id})


def _verified_manifest(upload: Upload, path: Path) -> tuple[Manifest, Any]:
    """Check the envelope without decrypting it (E6): encrypted, signed by the bidder's certificate,
    meant for this lot and bidder, openable by the bidder, carrying a bid form."""
    try:
        declared = peek_manifest(path)
    except UnsignedEnvelopeError as exc:
        raise _refuse(
            upload,
            "envelope_unsigned",
            "投标文件未签名，平台拒收",
            f"Unsigned envelope: {exc}",
            UNENCRYPTED_REFUSED,
        ) from exc
    except UnencryptedEnvelopeError as exc:
        raise _refuse(
            upload,
            "envelope_unencrypted",
            "投标文件未按规定加密，平台拒收",
            f"Not encrypted: {exc}",
            UNENCRYPTED_REFUSED,
        ) from exc
    except GuomiError as exc:
        raise _refuse(
            upload,
            "envelope_format",
            "投标文件格式不正确，平台拒收",
            f"Not a GGZY envelope: {exc}",
            UNENCRYPTED_REFUSED,
        ) from exc
    certificate = active_certificate(upload.bidder, declared.signer.key_id)
    if certificate is None:
        raise _refuse(
            upload,
            "envelope_signer_unknown",
            "签名证书不是本投标人登记的有效数字证书",
            "The envelope is not signed with a current certificate of this bidder",
        )
    try:
        manifest = verify_envelope(path, Sm2PublicKey.from_hex(certificate.public_key))
    except UnencryptedEnvelopeError as exc:
        raise _refuse(
            upload, "envelope_unencrypted", "投标文件未按规定加密，平台拒收", str(exc), UNENCRYPTED_REFUSED
        ) from exc
    except IntegrityError as exc:
        raise _refuse(
            upload,
            "envelope_tampered",
            "投标文件签名或摘要校验失败（文件已被改动）",
            f"Integrity check failed: {exc}",
        ) from exc
    except GuomiError as exc:
        raise _refuse(
            upload, "envelope_format", "投标文件格式不正确，平台拒收", str(exc), UNENCRYPTED_REFUSED
        ) from exc
    minimum = _notice(upload.lot).envelope_min_version
    if manifest.version < minimum:
        raise _refuse(
            upload,
            "envelope_version_obsolete",
            f"本项目只接收第{minimum}版及以上格式的投标文件（第{manifest.version}版的明文清单可被离线猜测报价），"
            "请升级投标工具 ggzy-bid 后重新封装",
            f"This tender accepts envelope format v{minimum} or later, not v{manifest.version} (its clear "
            "manifest lets anyone test a guess of the price): upgrade ggzy-bid and seal again",
            UNENCRYPTED_REFUSED,
        )
    meta = manifest.metadata
    if meta.get("lot") != upload.lot.code or meta.get("bidder") != upload.bidder.uscc:
        raise _refuse(
            upload,
            "envelope_wrong_lot",
            "投标文件封装的标段或投标人与本次投标不符",
            "Sealed for another lot or bidder",
        )
    opening_key = _notice(upload.lot).opening_key
    if opening_key and Sm2PublicKey.from_hex(opening_key).key_id not in {
        r.key_id for r in manifest.recipients
    }:
        raise _refuse(
            upload,
            "envelope_no_opening_key",
            "本项目采用一键解密，投标文件须同时对开标公钥加密（ggzy-bid seal --opening-key）",
            "This tender opens with one key: seal for its opening key too (--opening-key)",
        )
    if certificate.key_id not in {r.key_id for r in manifest.recipients}:
        raise _refuse(
            upload,
            "envelope_not_for_bidder",
            "投标文件未对投标人本人的证书加密，开标时将无法解密",
            "Bidder cannot decrypt it",
        )
    if BID_FORM not in {f.name for f in manifest.files}:
        raise _refuse(
            upload, "envelope_no_bid_form", f"投标文件缺少投标函（{BID_FORM}）", f"{BID_FORM} is missing"
        )
    return manifest, certificate


def manifest_summary(manifest: Manifest) -> dict[str, Any]:
    """What the platform keeps of the manifest: names, ciphertext sizes and digests of the sealed files, no
    keys and nothing of the plaintext (v2 pads each file to a size bucket)."""
    return {
        "envelope_id": manifest.envelope_id,
        "version": manifest.version,
        "files": [
            {"name": f.name, "ciphertext_size": f.ciphertext_size, "ciphertext_sm3": f.ciphertext_sm3}
            for f in manifest.files
        ],
        "recipients": [r.key_id for r in manifest.recipients],
    }


@action("bidding.complete_upload")
def complete_upload(actor: Actor, public_id: str) -> Bid:
    """Finish the upload: verify the envelope, keep it, and answer at once with a signed receipt.

    Repeating the call for a completed upload returns the same bid and receipt (a client that lost the
    answer to a network error retries), even after the deadline."""
    bidder = _bidder(actor)
    upload = _own_upload(actor, public_id)
    lot = upload.lot
    if upload.status == Upload.Status.COMPLETE:
        audit.record(upload.bid, {"receipt_no": upload.bid.receipt_no, "repeat": True}, sealed_by=_seal(lot))
        return upload.bid
    now = clock.now()
    require_open_for_bids(lot, bidder, now)
    enforcement.check(bidder, "bid", category=lot.project.category)
    if upload.status != Upload.Status.UPLOADING:
        raise Conflict("upload_finished", "该上传已结束", "This upload is finished")
    if upload.received != upload.size:
        raise InvalidInput(
            "upload_incomplete",
            f"文件未传完：已收到{upload.received}/{upload.size}字节；未完成传输的视为撤回",
            f"Upload incomplete: {upload.received}/{upload.size} bytes",
            rule=SUBMISSION,
            details={"offset": upload.received},
        )
    path = storage.part_path(upload.public_id)
    with open(path, "rb") as received:
        digest = sm3_file(received).hex()
    if digest != upload.sm3:
        raise _refuse(
            upload, "envelope_digest", "收到的文件与声明的SM3摘要不一致", "SM3 of the bytes received differs"
        )
    manifest, certificate = _verified_manifest(upload, path)
    round_ = rounds.open_round_of(lot)
    previous = Bid.objects.select_for_update(of=("self",)).filter(
        lot=lot, bidder=bidder, status=Bid.Status.SUBMITTED
    )
    superseded = [b.receipt_no for b in previous]
    previous.update(status=Bid.Status.SUPERSEDED)
    receipt_no = new_receipt_no(lambda n: Bid.objects.filter(receipt_no=n).exists())
    receipt = issue_stamped_receipt(
        envelope_sm3=upload.sm3,
        server_time=now.isoformat(),
        tender_id=lot.code,
        bidder_id=bidder.uscc,
        receipt_no=receipt_no,
        platform_key=platform_key(),
        extra={
            "size": upload.size,
            "supersedes": ",".join(superseded),
            **({"round": round_.number} if round_ is not None else {}),
        },
    )
    bid = Bid(
        lot=lot,
        bidder=bidder,
        upload=upload,
        round=round_,
        envelope_sm3=upload.sm3,
        size=upload.size,
        manifest=manifest_summary(manifest),
        signer_key_id=certificate.key_id,
        fingerprint=fingerprint
        if isinstance(fingerprint := manifest.metadata.get("fingerprint"), dict)
        else {},
        upload_ip=actor.ip,
        submitted_at=now,
        receipt_no=receipt_no,
        receipt=receipt.to_json().decode(),
    )
    bid.envelope.name = storage.store_envelope(upload.public_id, f"bids/{lot.code}/{receipt_no}.gbe")
    bid.save()
    upload.status = Upload.Status.COMPLETE
    upload.updated_at = now
    upload.save(update_fields=["status", "updated_at"])
    after_commit(lambda: storage.discard_part(upload.public_id))
    audit.record(
        bid, {"receipt_no": receipt_no, "sm3": upload.sm3, "supersedes": superseded}, sealed_by=_seal(lot)
    )
    return bid


@action("bidding.withdraw_bid")
def withdraw_bid(actor: Actor, lot_code: str) -> Bid:
    bidder = _bidder(actor)
    lot = _lot(lot_code, lock=True)
    require_open_for_bids(lot, bidder, clock.now())
    bid = (
        Bid.objects.select_for_update(of=("self",))
        .filter(lot=lot, bidder=bidder, status=Bid.Status.SUBMITTED)
        .first()
    )
    if bid is None:
        raise NotFound("bid_not_found", "没有可撤回的投标文件", "No submitted bid to withdraw")
    bid.status = Bid.Status.WITHDRAWN
    bid.save(update_fields=["status"])
    # 条例 第35条: a deposit already received goes back within 5 days of the withdrawal. A revised response
    # withdrawn within a negotiation round leaves the one before it standing: the supplier is still in.
    bond = Bond.objects.select_for_update(of=("self",)).filter(lot=lot, bidder=bidder).first()
    if (
        bid.round_id is None
        and bond is not None
        and bond.kind == Bond.Kind.DEPOSIT
        and bond.status == Bond.Status.PAID
    ):
        bond.refund_due = end_of_day(
            procedure.rules_for(lot).bond_refund_after_withdrawal_days.end(clock.today())
        )
        bond.save(update_fields=["refund_due"])
    audit.record(bid, {"receipt_no": bid.receipt_no}, sealed_by=_seal(lot))
    return bid


def deposit_interest(bond: Bond, until: datetime) -> Decimal:
    """What is paid back besides the deposit, to the fen (actual/365): interest for the days it was held at
    the method's deposit rate (tendering: 银行同期存款利息, 条例 第57条), plus, where the method has one, a
    charge for each day the refund is late (procurement: 87号令 第38条, the lending rate plus 20%)."""
    if bond.paid_at is None:
        return Decimal(0)
    rules = procedure.rules_for(bond.lot)
    days = max(0, (until - bond.paid_at).days)
    owed = bond.amount * rules.deposit_interest_rate.value * days / Decimal(365)
    if rules.late_refund_rate is not None and bond.refund_due is not None and until > bond.refund_due:
        late_days = (until - bond.refund_due).days + 1  # a day begun past the due date counts
        owed += bond.amount * rules.late_refund_rate.value * late_days / Decimal(365)
    return owed.quantize(Decimal("0.01"))


@action("bidding.refund_bond")
def refund_bond(actor: Actor, bond_id: int) -> Bond:
    """The trading centre pays a deposit back; lateness against its legal due date is recorded."""
    require_role(actor, Role.OPERATOR)
    bond = (
        Bond.objects.select_for_update(of=("self",))
        .select_related("lot__notice", "lot__project__node")
        .filter(pk=bond_id)
        .first()
    )
    if bond is None or not node_operator(actor, bond.lot.project):
        raise NotFound(
            "bond_not_found", "未找到保证金记录", "No such bond"
        )  # another node's: as if not there
    role = require_node_operator(actor, bond.lot.project)
    if bond.kind != Bond.Kind.DEPOSIT or bond.status != Bond.Status.PAID:
        raise InvalidInput(
            "bond_not_refundable", "只有已缴纳的现金保证金可以退还", "Only a paid deposit is refunded"
        )
    now = clock.now()
    bond.status = Bond.Status.REFUNDED
    bond.refunded_at = now
    bond.refunded_late = bond.refund_due is not None and now > bond.refund_due
    bond.interest = deposit_interest(bond, now)
    bond.save()
    events.on_bond_changed(bond)
    audit.record(
        bond,
        {"refunded_at": now, "due": bond.refund_due, "late": bond.refunded_late},
        role=role,
        sealed_by=bond.lot.notice,
    )
    return bond


# ---- decryption at the opening ---------------------------------------------------------------------


def parse_bid_form(data: bytes, form_fields: tuple[BidField, ...]) -> dict[str, Any]:
    """The decrypted bid form (投标函/开标一览表), field by field as the lot's procedure specifies it."""
    form = json.loads(data.decode("utf-8"))
    names = [f.name for f in form_fields if f.required]
    if not isinstance(form, dict) or any(k not in form for k in names):
        raise ValueError(f"{BID_FORM} must hold {', '.join(names)}")
    return {f.name: _bid_value(f, form[f.name]) for f in form_fields if f.name in form}


def _bid_value(field: BidField, raw: object) -> object:
    if field.kind == "amount":
        try:
            amount = Decimal(str(raw))
        except InvalidOperation as exc:
            raise ValueError(f"{field.name} is not a number") from exc
        if not amount.is_finite() or amount <= 0:
            raise ValueError(f"{field.name} must be positive")
        return str(amount.quantize(Decimal("0.01")))
    if field.kind == "integer":
        return int(raw) if isinstance(raw, int | float) else int(str(raw))
    if field.kind == "boolean":
        if not isinstance(raw, bool):
            raise ValueError(f"{field.name} must be true or false")
        return raw
    return str(raw)


def _require_decryption_window(lot: Lot, now: datetime) -> None:
    closes_at = rounds.decryption_closes_at(lot)
    if closes_at is None or now >= closes_at:
        raise InvalidInput(
            "decryption_closed",
            "不在开标解密时间内",
            "Not within the decryption window",
            rule=DECRYPT_FAILURE,
        )


@action("bidding.decrypt_bid")
def decrypt_bid(actor: Actor, lot_code: str, envelope_sm3: str, keys: dict[str, str]) -> Bid:
    """The bidder releases the content keys of their own envelope during the decryption window."""
    bidder = _bidder(actor)
    lot = _lot(lot_code, lock=True)
    now = clock.now()
    _require_decryption_window(lot, now)
    digest = (envelope_sm3 or "").lower()
    # A retried request finds the bid of this very opening open already (a round's, or the first one's):
    # an envelope of an earlier round with the same digest is another bid.
    already = Bid.objects.filter(
        lot=lot,
        bidder=bidder,
        status=Bid.Status.DECRYPTED,
        envelope_sm3=digest,
        round=rounds.opening_round(lot),
    ).first()
    if already is not None:  # a retried request: the bid is open already
        audit.record(already, {"receipt_no": already.receipt_no, "repeat": True})
        return already
    bid = (
        Bid.objects.select_for_update(of=("self",))
        .filter(lot=lot, bidder=bidder, status=Bid.Status.SUBMITTED)
        .first()
    )
    if bid is None or bid.envelope_sm3 != digest:
        raise NotFound(
            "bid_not_found", "没有待解密的投标文件（或摘要不符）", "No submitted bid with that digest"
        )
    try:
        raw_keys = {name: bytes.fromhex(value) for name, value in keys.items()}
    except ValueError as exc:
        raise InvalidInput(
            "decryption_failed", f"密钥格式不正确：{exc}", f"Bad key: {exc}", rule=DECRYPT_FAILURE
        ) from exc
    _open_bid(bid, raw_keys, actor, now)
    audit.record(bid, {"receipt_no": bid.receipt_no, "decrypted_at": now})
    return bid


def _open_bid(bid: Bid, keys: dict[str, bytes], actor: Actor, now: datetime) -> None:
    """Open one envelope with its content keys, check it against the bidder's signature, keep the bid form."""
    from ggzy.bidding.opening import store_plaintext

    try:
        certificate_key = Sm2PublicKey.from_hex(
            bid.bidder.certificates.get(key_id=bid.signer_key_id).public_key
        )
        with bid.envelope.open("rb") as envelope:
            opened = open_envelope_with_keys(envelope, keys, signer_public_key=certificate_key)
        form = parse_bid_form(opened.files[BID_FORM], spec_for(bid.lot).bid_form)
    except (GuomiError, ValueError, KeyError) as exc:
        # Not recorded as a failure yet: the bidder may retry within the window.
        raise InvalidInput(
            "decryption_failed", f"解密失败：{exc}", f"Decryption failed: {exc}", rule=DECRYPT_FAILURE
        ) from exc
    bid.status = Bid.Status.DECRYPTED
    bid.decrypted_at = now
    bid.decrypt_ip = actor.ip
    bid.bid_form = form
    bid.save()
    store_plaintext(bid, opened.files)


@action("bidding.one_click_open")
def one_click_open(actor: Actor, lot_code: str, opening_private_key_pem: str) -> list[Bid]:
    """一键解密: the holder of the tender's opening key opens every envelope at once during the window.
    Envelopes that do not open stay for their bidders to decrypt (E8 applies at the window's end)."""
    lot = _lot(lot_code, lock=True)
    role = require_project_manager(actor, lot.project)
    notice = _notice(lot)
    now = clock.now()
    _require_decryption_window(lot, now)
    try:
        key = Sm2PrivateKey.from_pem(opening_private_key_pem)
    except GuomiError as exc:
        raise InvalidInput(
            "opening_key_format", "开标私钥格式不正确", f"Not an SM2 private key: {exc}"
        ) from exc
    if not notice.opening_key or key.public_key.hex() != notice.opening_key:
        raise InvalidInput(
            "opening_key_mismatch",
            "该私钥不是本项目公告的开标公钥对应的私钥",
            "Not this tender's opening key",
        )
    opened, failed = [], []
    for bid in (
        Bid.objects.select_for_update(of=("self",))
        .filter(lot=lot, status=Bid.Status.SUBMITTED)
        .select_related("bidder")
    ):
        try:
            with bid.envelope.open("rb") as envelope:
                keys = unwrap_file_keys(envelope, key)
            _open_bid(bid, keys, actor, now)
            opened.append(bid)
        except (GuomiError, InvalidInput, OSError):
            failed.append(bid.receipt_no)
    audit.record(lot, {"opened": [b.receipt_no for b in opened], "not_opened": failed}, role=role)
    return opened


@action("bidding.record_decrypt_fault")
def record_decrypt_fault(actor: Actor, lot_code: str, bidder_uscc: str, fault: str, reason: str) -> Bid:
    """The operator records why a bid could not be decrypted; the cause decides 视为撤销 or 视为撤回 (E8)."""
    lot = _lot(lot_code, lock=True)
    role = require_node_operator(actor, lot.project)
    if rounds.decryption_closes_at(lot) is None:
        raise InvalidInput(
            "not_opening", "标段不在开标解密阶段", "The lot is not being opened", rule=DECRYPT_FAILURE
        )
    if fault not in Bid.Fault.values or not reason.strip():
        raise InvalidInput(
            "fault_party",
            "请选择责任方（bidder/platform/other）并说明原因",
            "Give fault party and reason",
            rule=DECRYPT_FAILURE,
        )
    bid = (
        Bid.objects.select_for_update(of=("self",))
        .filter(lot=lot, bidder__uscc=bidder_uscc, status=Bid.Status.SUBMITTED)
        .first()
    )
    if bid is None:
        raise NotFound("bid_not_found", "该投标人没有待解密的投标文件", "No bid awaiting decryption")
    bid.fault = fault
    bid.fault_reason = reason.strip()
    bid.save(update_fields=["fault", "fault_reason"])
    audit.record(bid, {"fault": fault, "reason": bid.fault_reason}, role=role)
    return bid
