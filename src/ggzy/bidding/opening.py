"""The online opening, driven by the chronograph at the bid deadline (called inside its action).

At the deadline: fewer than the minimum number of bids → the lot fails (法 第28条); otherwise the
decryption window opens. When it closes, bids not decrypted are deemed revoked (bidder's fault) or
withdrawn (anyone else's), the others stand, and the opening record goes to the participants (E7, E8).
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import QuerySet

from ggzy.bidding.models import Bid, Bond, OpeningRecord
from ggzy.kernel import notify
from ggzy.kernel.timefmt import local_text
from ggzy.registry.models import Account, Entity
from ggzy.trading import procedure
from ggzy.trading.models import Lot
from ggzy.trading.specs import spec_for
from ggzy_guomi import sm3_file


def tell_bidders(bidders: Iterable[Bid | Entity], subject: str, body: str) -> None:
    """Notify the users of these bids' bidders (or of these entities)."""
    ids = {b.bidder_id if isinstance(b, Bid) else b.pk for b in bidders}
    for user_id in Account.objects.filter(entity_id__in=ids).values_list("user_id", flat=True):
        notify.queue_to(user_id, subject, body)


def start_opening(lot: Lot, now: datetime) -> str:
    assert lot.notice is not None
    rules = procedure.rules_for(lot)
    bids = list(lot.bids.filter(status=Bid.Status.SUBMITTED))
    fewest = procedure.supplier_minimum(lot.notice, rules, rules.min_bidders, at_start=True)
    minimum = fewest.value
    if len(bids) < minimum:
        reason = (
            f"投标人少于{minimum}个（{len(bids)}个），不得开标，应当重新招标。依据：{fewest.legal.citation}"
        )
        procedure.move(lot, Lot.State.FAILED, now, reason)
        tell_bidders(bids, "流标通知", f"{lot.code} {lot.name}：{reason}")
        return "failed_too_few_bids"
    for bid in bids:
        check_stored_envelope(bid)
    opens_from = max(now, lot.notice.opening_at)
    lot.decrypt_closes_at = opens_from + timedelta(minutes=lot.notice.decrypt_minutes)
    procedure.move(lot, Lot.State.OPENING, now)
    OpeningRecord.objects.create(lot=lot, started_at=now)
    tell_bidders(
        bids,
        "开标解密通知",
        f"{lot.code} {lot.name} 已开标，请于{local_text(lot.decrypt_closes_at)}前在线解密投标文件。",
    )
    return "opening"


def check_stored_envelope(bid: Bid) -> None:
    """The bytes kept must still be the bytes the receipt names; if not, the platform is at fault (E8)."""
    try:
        with bid.envelope.open("rb") as stored:
            digest = sm3_file(stored).hex()
    except OSError:
        digest = ""
    if digest != bid.envelope_sm3:
        bid.fault = Bid.Fault.PLATFORM
        bid.fault_reason = "平台保存的投标文件与回执记载的SM3摘要不符（文件缺失或被改动）"
        bid.save(update_fields=["fault", "fault_reason"])


def close_opening(lot: Lot, now: datetime) -> str:
    settle_undecrypted(list(lot.bids.select_for_update(of=("self",)).filter(status=Bid.Status.SUBMITTED)))
    record = OpeningRecord.objects.select_for_update(of=("self",)).get(lot=lot)
    record.rows = opening_rows(lot)
    record.closed_at = now
    record.save()
    procedure.move(lot, Lot.State.EVALUATION, now)
    bids = list(lot.bids.exclude(status__in=[Bid.Status.SUPERSEDED, Bid.Status.WITHDRAWN]))
    tell_bidders(bids, "开标记录", f"{lot.code} {lot.name} 开标解密结束，开标记录已公布。")
    return f"opened:{sum(1 for r in record.rows if r['status'] == Bid.Status.DECRYPTED)}"


def settle_undecrypted(undecrypted: list[Bid]) -> None:
    """When a decryption window closes: a bid not decrypted through the bidder's fault is deemed revoked,
    through anyone else's deemed withdrawn (电子招标投标办法 第31条)."""
    for bid in undecrypted:
        if bid.fault in {Bid.Fault.PLATFORM, Bid.Fault.OTHER}:
            bid.status = Bid.Status.DEEMED_WITHDRAWN
        else:
            bid.status = Bid.Status.DEEMED_REVOKED
            bid.fault = Bid.Fault.BIDDER
            bid.fault_reason = bid.fault_reason or "投标人未在规定时间内完成解密"
        bid.save(update_fields=["status", "fault", "fault_reason"])


def opening_rows(lot: Lot, bids: "QuerySet[Bid] | None" = None) -> list[dict[str, object]]:
    """The record of an opening (or of a negotiation round): each envelope's bidder, state and read-out."""
    bonds = {b.bidder_id: b for b in Bond.objects.filter(lot=lot)}
    read_out = [f.name for f in spec_for(lot).bid_form if f.read_at_opening]
    rows: list[dict[str, object]] = []
    shown = (lot.bids.all() if bids is None else bids).exclude(
        status__in=[Bid.Status.SUPERSEDED, Bid.Status.WITHDRAWN]
    )
    for bid in shown.select_related("bidder"):
        bond = bonds.get(bid.bidder_id)
        form = bid.bid_form or {}
        rows.append(
            {
                "bidder": bid.bidder.name,
                "uscc": bid.bidder.uscc,
                "status": bid.status,
                **{name: form.get(name) for name in read_out},
                "bond": bond.status if bond else "none",  # no bond arranged at all
                "bond_kind": bond.kind if bond else None,
                "decrypted_at": bid.decrypted_at.isoformat() if bid.decrypted_at else None,
                "fault": bid.fault or None,
                "receipt_no": bid.receipt_no,
            }
        )
    return rows


def store_plaintext(bid: Bid, files: dict[str, bytes]) -> None:
    """Decrypted files, kept for the evaluation committee (never published)."""
    for name, data in files.items():
        default_storage.save(f"opened/{bid.lot.code}/{bid.receipt_no}/{name}", ContentFile(data))
