"""S14: a banned entity (credit black list) takes part in an open procedure.

Who took the documents or bid is sealed until the deadline, the operator and the regulator included
(电子招标投标办法 第21条; 招标投标法 第22条): a ban recorded while a lot is still bidding must not answer
whether the firm takes part in it (a regulator could otherwise probe any firm by recording a ban and
revoking it). Before the deadline the ban itself keeps the firm out (`credit.enforcement.check` refuses
it at the download and at the bid); the check of the lots it already took part in runs once each lot is
opened (`lot_findings`, on the chronograph's move to the opening) and in the nightly sweep."""

from typing import Any

from django.apps import apps

from ggzy.credit import enforcement
from ggzy.kernel.errors import LegalRule
from ggzy.kernel.timefmt import local_text
from ggzy.registry.models import Entity
from ggzy.supervision.alerts import Finding
from ggzy.supervision.checks.bids import AFTER_DEADLINE
from ggzy.supervision.rules import alert_rule
from ggzy.trading.models import CLOSED_STATES, Download, Lot


def banned_participant_findings(entity: Entity, lot_ids: list[int] | None = None) -> list[Finding]:
    """Findings for the entity's lots that are opened (or later) and not closed; `lot_ids` narrows."""
    participations = open_participations(entity)
    if not participations:
        return []
    lots = Lot.objects.filter(pk__in=participations, state__in=AFTER_DEADLINE)
    if lot_ids is not None:
        lots = lots.filter(pk__in=lot_ids)
    result: list[Finding] = []
    for lot in lots.select_related("project"):
        bans = enforcement.active_bans(entity, lot.project.category)
        if not bans:
            continue
        record = bans[0]
        result.append(
            Finding(
                alert_rule("S14"),
                f"record:{record.pk}:lot:{lot.pk}",
                f"{entity.name}已被禁止参加交易至{local_text(record.valid_until) if record.valid_until else '另行决定'}，仍参与{lot.code}（{lot.get_state_display()}）",
                {
                    "entity": entity.uscc,
                    "name": entity.name,
                    "lot": lot.code,
                    "lot_state": lot.state,
                    "participation": participations[lot.pk],
                    "record": record.cite(),
                    "records": [r.cite() for r in bans],
                },
                lot=lot,
                entity=entity,
                legal=LegalRule(record.basis_citation, record.basis_text),
            )
        )
    return result


def lot_findings(lot_id: int) -> list[Finding]:
    """At the opening: every bidder or downloader of the lot that is banned now."""
    lot = Lot.objects.filter(pk=lot_id, state__in=AFTER_DEADLINE).first()
    if lot is None:
        return []
    ids = set(lot.bids.values_list("bidder_id", flat=True))
    if lot.notice_id is not None:
        ids |= set(Download.objects.filter(notice_id=lot.notice_id).values_list("entity_id", flat=True))
    result: list[Finding] = []
    for entity in Entity.objects.filter(pk__in=ids).order_by("pk"):
        if enforcement.active_bans(entity):
            result.extend(banned_participant_findings(entity, [lot_id]))
    return result


def sweep_findings() -> list[Finding]:
    """Every banned entity with an open procedure (the nightly sweep)."""
    usccs = {r.uscc for r in enforcement.blacklist(public_only=False)}
    result: list[Finding] = []
    for entity in Entity.objects.filter(uscc__in=usccs):
        result.extend(banned_participant_findings(entity))
    return result


def open_participations(entity: Entity) -> dict[int, list[dict[str, Any]]]:
    """lot id → how the entity takes part in it (bid, download, candidacy), for lots still open."""
    from ggzy.bidding.models import Bid

    found: dict[int, list[dict[str, Any]]] = {}
    bids = (
        Bid.objects.filter(bidder=entity)
        .exclude(status__in=[Bid.Status.SUPERSEDED, Bid.Status.WITHDRAWN])
        .exclude(lot__state__in=CLOSED_STATES)
    )
    for bid in bids:
        found.setdefault(bid.lot_id, []).append(
            {
                "as": "bid",
                "receipt_no": bid.receipt_no,
                "status": bid.status,
                "at": bid.submitted_at.isoformat(),
            }
        )
    downloads = Download.objects.filter(entity=entity).values_list("notice_id", "downloaded_at")
    first_download: dict[int, Any] = {}
    for notice_id, at in downloads:
        first_download.setdefault(notice_id, at)
    for lot in Lot.objects.filter(notice_id__in=first_download).exclude(state__in=CLOSED_STATES):
        assert lot.notice_id is not None
        found.setdefault(lot.pk, []).append(
            {"as": "download", "at": first_download[lot.notice_id].isoformat()}
        )
    if apps.is_installed("ggzy.evaluation"):
        from ggzy.evaluation.models import Candidate

        for candidate in Candidate.objects.filter(bid__bidder=entity).select_related("evaluation__lot"):
            if candidate.evaluation.lot.state not in CLOSED_STATES:
                found.setdefault(candidate.evaluation.lot_id, []).append(
                    {"as": "candidate", "rank": candidate.rank}
                )
    return found


def alert_open_procedures(entity_id: int) -> int:
    """Raise the 'banned participant' alert for each open lot; returns how many alerts are new."""
    from ggzy.supervision.alerts import raise_findings

    return len(raise_findings(credit_changed(entity_id)))


def credit_changed(entity_id: int) -> list[Finding]:
    """The `credit_changed` engine event (credit.enforcement.changed)."""
    entity = Entity.objects.filter(pk=entity_id).first()
    return [] if entity is None else banned_participant_findings(entity)
