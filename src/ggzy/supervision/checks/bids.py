"""S06 late bids, S07 clustered decryption failures, S08 a single bidder — at and after the opening."""

from collections import defaultdict
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from ggzy.bidding.models import Bid, Upload
from ggzy.kernel.timefmt import local_text
from ggzy.supervision.alerts import Finding
from ggzy.supervision.rules import DECRYPT_CLUSTER_MIN, PLATFORM_FAULT_CLUSTER_MIN, alert_rule
from ggzy.trading.models import AFTER_DEADLINE_STATES, Lot

L = Lot.State
AFTER_DEADLINE = sorted(AFTER_DEADLINE_STATES)
LIVE = [Bid.Status.SUBMITTED, Bid.Status.DECRYPTED, Bid.Status.DEEMED_REVOKED, Bid.Status.DEEMED_WITHDRAWN]
UNDECRYPTED = [Bid.Status.DEEMED_REVOKED, Bid.Status.DEEMED_WITHDRAWN]


def late_bid_findings(lots: QuerySet[Lot]) -> list[Finding]:
    """A bid received at or after the deadline cannot happen through the platform (it refuses them): it is
    a sign of tampering or a clock fault. An upload whose bytes all arrived but that was never completed
    is an attempt the deadline (or a refusal) stopped: shown for review (E6 "视为撤回")."""
    findings: list[Finding] = []
    for lot in lots.filter(notice__isnull=False).select_related("notice", "project"):
        assert lot.notice is not None
        deadline = lot.notice.bid_deadline
        for bid in lot.bids.filter(submitted_at__gte=deadline).select_related("bidder"):
            findings.append(
                Finding(
                    alert_rule("S06"),
                    f"bid:{bid.pk}",
                    f"{lot.code}：{bid.bidder.name}的投标文件记载的递交时间晚于投标截止时间（疑似篡改或时钟异常）",
                    {
                        "lot": lot.code,
                        "bidder": bid.bidder.uscc,
                        "receipt_no": bid.receipt_no,
                        "submitted_at": bid.submitted_at,
                        "bid_deadline": deadline,
                        "status": bid.status,
                        "signal": "bid_after_deadline",
                    },
                    lot=lot,
                    entity=bid.bidder,
                    severity="critical",
                )
            )
        completed = set(lot.bids.values_list("upload_id", flat=True))
        stuck = lot.uploads.filter(
            status__in=[Upload.Status.UPLOADING, Upload.Status.REFUSED]
        ).select_related("bidder")
        for upload in stuck:
            if upload.pk in completed or upload.received < upload.size:
                continue
            if lot.bids.filter(bidder=upload.bidder, submitted_at__gte=upload.updated_at).exists():
                continue  # the bidder finished another upload afterwards
            findings.append(
                Finding(
                    alert_rule("S06"),
                    f"upload:{upload.pk}",
                    f"{lot.code}：{upload.bidder.name}的投标文件已传输完毕但未在截止前完成递交",
                    {
                        "lot": lot.code,
                        "bidder": upload.bidder.uscc,
                        "upload": upload.public_id,
                        "size": upload.size,
                        "received": upload.received,
                        "started_at": upload.created_at,
                        "last_chunk_at": upload.updated_at,
                        "status": upload.status,
                        "bid_deadline": deadline,
                        "signal": "upload_not_completed",
                    },
                    lot=lot,
                    entity=upload.bidder,
                    severity="low",
                )
            )
    return findings


def decryption_findings(lots: QuerySet[Lot]) -> list[Finding]:
    findings: list[Finding] = []
    platform_days: dict[date, list[tuple[Lot, Bid]]] = defaultdict(list)
    for lot in lots.select_related("project"):
        failed = list(lot.bids.filter(status__in=UNDECRYPTED).select_related("bidder"))
        if len(failed) >= DECRYPT_CLUSTER_MIN.value:
            findings.append(
                Finding(
                    alert_rule("S07"),
                    f"lot:{lot.pk}",
                    f"{lot.code}：{len(failed)}份投标文件未解密（视为撤销/撤回）",
                    {
                        "lot": lot.code,
                        "failed": [
                            {
                                "bidder": b.bidder.uscc,
                                "name": b.bidder.name,
                                "receipt_no": b.receipt_no,
                                "status": b.status,
                                "fault": b.fault,
                                "reason": b.fault_reason,
                            }
                            for b in failed
                        ],
                        "decrypted": lot.bids.filter(status=Bid.Status.DECRYPTED).count(),
                        "decrypt_closes_at": lot.decrypt_closes_at,
                        "threshold": DECRYPT_CLUSTER_MIN.value,
                    },
                    lot=lot,
                )
            )
        for bid in failed:
            if bid.fault == Bid.Fault.PLATFORM and lot.decrypt_closes_at is not None:
                platform_days[timezone.localdate(lot.decrypt_closes_at)].append((lot, bid))
    for day, items in platform_days.items():
        if len(items) < PLATFORM_FAULT_CLUSTER_MIN.value:
            continue
        summary = [{"lot": lt.code, "bidder": b.bidder.uscc, "reason": b.fault_reason} for lt, b in items]
        for lot in {lt.pk: lt for lt, _ in items}.values():
            findings.append(
                Finding(
                    alert_rule("S07"),
                    f"platform:{day.isoformat()}:{lot.pk}",
                    f"{local_text(day)}平台原因解密失败集中（{len(items)}份），涉及{lot.code}",
                    {"day": day, "platform_faults": summary, "signal": "platform_fault_cluster"},
                    lot=lot,
                )
            )
    return findings


def single_bidder_findings(lots: QuerySet[Lot]) -> list[Finding]:
    findings: list[Finding] = []
    for lot in lots.select_related("project"):
        live = list(lot.bids.filter(status__in=LIVE).select_related("bidder"))
        decrypted = [b for b in live if b.status == Bid.Status.DECRYPTED]
        if len(live) == 1:
            signal, only = "single_bid", live[0]
        elif len(decrypted) == 1 and lot.state != L.OPENING:
            signal, only = "single_decrypted_bid", decrypted[0]
        else:
            continue
        findings.append(
            Finding(
                alert_rule("S08"),
                f"lot:{lot.pk}",
                f"{lot.code}：仅{only.bidder.name}一家{'投标' if signal == 'single_bid' else '有效报价'}",
                {
                    "lot": lot.code,
                    "state": lot.state,
                    "bids": len(live),
                    "decrypted": len(decrypted),
                    "only_bidder": only.bidder.uscc,
                    "only_bidder_name": only.bidder.name,
                    "outcome_reason": lot.outcome_reason,
                    "signal": signal,
                },
                lot=lot,
                entity=only.bidder,
            )
        )
    return findings


def for_lot(lot_id: int) -> list[Finding]:
    lots = Lot.objects.filter(pk=lot_id, state__in=AFTER_DEADLINE)
    return [*late_bid_findings(lots), *decryption_findings(lots), *single_bidder_findings(lots)]
