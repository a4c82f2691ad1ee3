"""The change feed (R6.2, R1.4): what became public, in commit order, with a cursor that skips nothing.

The watermark is the audit chain's `seq`. An event's `seq` is taken under the chain head's row lock, held
until the action commits, so a later `seq` can never commit before an earlier one: seq order *is* commit
order. A reader that has seen everything up to `seq = n` therefore never finds, later, a new public event
below `n` — unlike ordering by time or by id, where a slow transaction commits a lower number late.
Only public actions are listed (those that made something public), never sealed events.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from ggzy.kernel.models import AuditEvent
from ggzy.trading.models import Document, Lot, Notice

# action -> kind of change, for the actions that make something public.
FEED_ACTIONS: dict[str, str] = {
    "trading.publish_notice": "notice_published",
    "trading.clarify": "document_published",
    "trading.terminate_notice": "notice_terminated",
    "trading.advance_lot": "lot_changed",
    "evaluation.publish_candidates": "candidates_published",
    "evaluation.award": "award_published",
    # Procurement has no candidates' publicity: the purchaser's confirmation publishes the result (87号令
    # 第69条), as the chronograph does when it deems the first-ranked chosen (trading.advance_lot, deemed:).
    "evaluation.confirm_result": "award_published",
    "evaluation.sign_contract": "contract_signed",
    "services.archive_lot": "lot_archived",
    "disclosure.publish_cleanup": "cleanup_published",
}
DEFAULT_LIMIT = 100
MAX_LIMIT = 500


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_after: int
    has_more: bool


def _lot_change(event: AuditEvent) -> str | None:
    outcome = str((event.payload or {}).get("outcome", ""))
    if outcome == "opening":
        return "opening_started"
    if outcome.startswith("opened"):
        return "opening_record_published"
    if outcome.startswith("failed"):
        return "lot_failed"
    if outcome.startswith("deemed:"):
        return "award_published"
    return None  # not due, paused: nothing became public


def _ocid(deal_code: str) -> str:
    return f"{getattr(settings, 'OCDS_OCID_PREFIX', 'ocds-ggzy00-')}{deal_code}"


def page(after: int = 0, limit: int = DEFAULT_LIMIT) -> Page:
    """Public changes with seq > `after`, oldest first. `next_after` is the cursor for the next call."""
    limit = max(1, min(limit, MAX_LIMIT))
    scanned = list(
        AuditEvent.objects.filter(seq__gt=after, action__in=list(FEED_ACTIONS), seal="")
        .order_by("seq")
        .values("seq", "occurred_at", "action", "object_type", "object_id", "payload")[:limit]
    )
    events = [AuditEvent(**row) for row in scanned]
    refs = _references(events)
    items: list[dict[str, Any]] = []
    for event in events:
        kind: str | None = FEED_ACTIONS[event.action]
        if event.action == "trading.advance_lot":
            kind = _lot_change(event)
        if kind is None:
            continue
        ref = refs.get((event.object_type, event.object_id), {})
        item: dict[str, Any] = {"seq": event.seq, "at": event.occurred_at, "change": kind, **ref}
        if ref.get("unified_deal_code"):
            code = ref["project"]
            item["links"] = {
                "page": f"/portal/projects/{code}/",
                "ocds_releases": f"/api/disclosure/ocds/{code}/releases",
                "ocds_record": f"/api/disclosure/ocds/{code}/record",
                "gcjs": f"/api/disclosure/gcjs/{code}",
            }
            item["ocid"] = _ocid(ref["unified_deal_code"])
        elif event.object_type == "disclosure.cleanupannouncement":
            item["links"] = {"page": f"/portal/cleanup/{event.object_id}/"}
        items.append(item)
    next_after = scanned[-1]["seq"] if scanned else after
    return Page(items, next_after, len(scanned) == limit)


def _references(events: list[AuditEvent]) -> dict[tuple[str, str], dict[str, Any]]:
    """Project/lot/notice codes of the events' objects, fetched in a few queries."""
    ids: dict[str, set[str]] = {}
    for event in events:
        ids.setdefault(event.object_type, set()).add(event.object_id)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for notice in Notice.objects.filter(pk__in=ids.get("trading.notice", set())).select_related("project"):
        out[("trading.notice", str(notice.pk))] = _ref(notice.project, notice_id=notice.pk)
    for doc in Document.objects.filter(pk__in=ids.get("trading.document", set())).select_related(
        "notice__project"
    ):
        out[("trading.document", str(doc.pk))] = _ref(
            doc.notice.project, notice_id=doc.notice_id, document_id=doc.pk
        )
    for lot in Lot.objects.filter(pk__in=ids.get("trading.lot", set())).select_related("project"):
        out[("trading.lot", str(lot.pk))] = _ref(lot.project, lot=lot.code, notice_id=lot.notice_id)
    if ids.get("evaluation.award"):
        from ggzy.evaluation.models import Award

        for award in Award.objects.filter(pk__in=ids["evaluation.award"]).select_related("lot__project"):
            out[("evaluation.award", str(award.pk))] = _ref(award.lot.project, lot=award.lot.code)
    return out


def _ref(project: Any, **extra: Any) -> dict[str, Any]:
    return {
        "project": project.code,
        "unified_deal_code": project.unified_deal_code,
        "category": project.category,
        **extra,
    }
