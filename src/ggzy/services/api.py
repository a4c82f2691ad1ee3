"""Archive endpoints."""

from collections.abc import Mapping

from django.http import FileResponse, HttpRequest
from ninja import Router, Schema, Status

from ggzy.bidding.models import Bid
from ggzy.kernel import clock
from ggzy.kernel.checkpoints import event_inclusion
from ggzy.kernel.errors import NotFound, PermissionDenied
from ggzy.kernel.models import AuditEvent
from ggzy.registry.auth import actor_from_request
from ggzy.registry.queries import bidder_of
from ggzy.services.archive import archive_lot
from ggzy.services.models import ArchivePackage
from ggzy.trading.queries import is_overseer, is_party
from ggzy.trading.rules import DOWNLOADERS_SECRET

router = Router(tags=["services"])


class ArchiveOut(Schema):
    lot: str
    merkle_root: str
    package_sm3: str
    file_count: int


@router.post("/archives/{code}", response={201: ArchiveOut}, summary="交易结束后归档（交易中心）")
def create_archive(request: HttpRequest, code: str) -> Status[ArchiveOut]:
    package = archive_lot(actor_from_request(request), code)
    return Status(
        201,
        ArchiveOut(
            lot=code,
            merkle_root=package.merkle_root,
            package_sm3=package.package_sm3,
            file_count=package.file_count,
        ),
    )


@router.get("/archives/{code}", summary="下载电子档案")
def download_archive(request: HttpRequest, code: str) -> FileResponse:
    actor = actor_from_request(request)
    package = ArchivePackage.objects.select_related("lot__project").filter(lot__code=code).first()
    if package is None:
        raise NotFound("archive_not_found", "没有该标段的电子档案", "No archive")
    if not (is_party(actor, package.lot.project) or is_overseer(actor, package.lot.project)):
        raise PermissionDenied(
            "archive_restricted", "电子档案向交易当事人和监督人员提供", "For the parties and supervisors"
        )
    response = FileResponse(package.file.open("rb"), as_attachment=True, filename=f"{code}.zip")
    response["X-Merkle-Root-SM3"] = package.merkle_root
    return response


@router.get(
    "/receipts/{receipt_no}/inclusion",
    summary="投标回执的审计链包含证明（仅投标人本人；Merkle路径只含哈希，不泄露其他事件）",
)
def receipt_inclusion(
    request: HttpRequest, receipt_no: str, checkpoint: int | None = None
) -> Mapping[str, object]:
    """The `ggzy-audit-inclusion` proof of the receipt's audit event, for `ggzy-bid verify-receipt
    --checkpoints`. Another bidder's receipt number answers exactly as a number that does not exist."""
    bidder = bidder_of(actor_from_request(request))
    bid = Bid.objects.filter(receipt_no=receipt_no, bidder=bidder).first()
    event = (
        AuditEvent.objects.filter(
            action="bidding.complete_upload", object_type="bidding.bid", object_id=str(bid.pk)
        )
        .order_by("seq")
        .first()
        if bid is not None
        else None
    )
    if event is None:
        raise NotFound(
            "receipt_not_found", f"未找到您的回执{receipt_no}", f"No receipt {receipt_no} of yours"
        )
    assert bid is not None
    notice = bid.lot.notice
    # A negotiation round's response: its round's deadline, as the notice's for a first response.
    deadline = bid.round.deadline if bid.round is not None else notice.bid_deadline if notice else None
    if deadline is not None and clock.now() < deadline:
        # the proof's leaf index is the event's place in the whole chain: two proofs of one bidder
        # would count the bids and downloads in between
        raise PermissionDenied(
            "inclusion_after_deadline",
            "投标截止后方可取得回执的审计链包含证明（截止前其序号会泄露其间的投标和下载数量）",
            "The inclusion proof is served after the bid deadline (before it, its position would count "
            "the bids and downloads in between)",
            rule=DOWNLOADERS_SECRET,
        )
    return event_inclusion(event, checkpoint)
