"""Keeping the search index in step with what is public.

Indexing is a side effect after commit: a publishing action calls `on_published(obj)` (a notice, a document,
a lot, an award, a project or a clean-up announcement) and the project it belongs to is re-indexed once the
transaction has committed. Until those hook lines are in every publishing action, `follow_audit()` does the
same from the audit chain: each committed public action re-indexes its project. `sweep()` (the `ggzy
reindex` command) brings the whole index up to date and is idempotent; `rebuild()` starts from nothing.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Model, Sum
from django.db.models.signals import post_save

from ggzy.disclosure import search
from ggzy.disclosure.models import CleanupAnnouncement, SearchDoc
from ggzy.disclosure.public import (
    category_label,
    document_text,
    lot_record,
    lot_stage,
    method_details,
    notice_spec,
    public_notices,
)
from ggzy.disclosure.rules import Stage
from ggzy.disclosure.tokenize import index_text
from ggzy.kernel import clock
from ggzy.kernel.models import AuditEvent
from ggzy.trading.models import Document, Lot, Notice, Project

log = logging.getLogger(__name__)

# Committed actions after which the public view of a project may have changed.
PUBLIC_ACTIONS = frozenset(
    {
        "trading.publish_notice",
        "trading.clarify",
        "trading.terminate_notice",
        "trading.advance_lot",
        "trading.retender",
        "evaluation.publish_candidates",
        "evaluation.award",
        "evaluation.confirm_result",  # procurement: the purchaser's confirmation publishes the result
        "evaluation.sign_contract",
        "services.archive_lot",
        "disclosure.publish_cleanup",
    }
)
PROJECT_KINDS = [SearchDoc.Kind.NOTICE, SearchDoc.Kind.DOCUMENT, SearchDoc.Kind.RESULT]


@dataclass
class Entry:
    key: str
    kind: str
    title: str
    body: str
    url: str
    published_at: datetime
    project_code: str = ""
    notice_id: int | None = None
    category: str = ""
    method: str = ""
    region_code: str = ""
    status: str = ""
    amount: Decimal | None = None

    def digest(self) -> str:
        parts = [self.kind, self.title, self.body, self.url, self.published_at.isoformat(), self.project_code]
        parts += [
            str(self.notice_id),
            self.category,
            self.method,
            self.region_code,
            self.status,
            str(self.amount),
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# ---- what to index ------------------------------------------------------------------------------------


def _notice_status(notice: Notice) -> str:
    if notice.status == Notice.Status.TERMINATED:
        return "terminated"
    first = notice.lots.order_by("seq").first()
    return first.state if first else notice.status


def project_entries(project: Project) -> list[Entry]:
    entries: list[Entry] = []
    base = {
        "project_code": project.code,
        "category": project.category,
        "region_code": project.node.region_id,
    }
    for notice in public_notices().filter(project=project).prefetch_related("lots"):
        assert notice.published_at is not None
        lots = list(notice.lots.all())
        amount = notice.lots.aggregate(s=Sum("estimated_value"))["s"]
        common = {
            **base,
            "notice_id": notice.pk,
            "method": notice.method,
            "status": _notice_status(notice),
            "amount": amount,
        }
        words = [project.name, project.code, project.unified_deal_code, project.principal.name]
        if project.agent:
            words.append(project.agent.name)
        # The board and the method named in full (政府采购公开招标, 工程建设项目邀请招标): found by either.
        words += [category_label(project.category), method_details(notice_spec(notice), notice.method)]
        words += [f"{lot.code} {lot.name}" for lot in lots]
        entries.append(
            Entry(
                key=f"notice:{notice.pk}",
                kind=SearchDoc.Kind.NOTICE,
                title=notice.title,
                body=notice.body + "\n" + " ".join(words),
                url=f"/portal/notices/{notice.pk}/",
                published_at=notice.published_at,
                **common,
            )
        )
        for document in notice.documents.select_related("notice", "signer"):
            entries.append(
                Entry(
                    key=f"document:{document.pk}",
                    kind=SearchDoc.Kind.DOCUMENT,
                    title=f"{document.title}（{notice.title}）",
                    body=document_text(document),
                    url=f"/portal/notices/{notice.pk}/#doc-{document.pk}",
                    published_at=document.published_at,
                    **common,
                )
            )
        for lot in lots:
            entry = _result_entry(project, notice, lot, common)
            if entry is not None:
                entries.append(entry)
    return entries


def _result_entry(project: Project, notice: Notice, lot: Lot, common: dict[str, Any]) -> Entry | None:
    lot.notice = notice
    if lot_stage(lot) < Stage.CANDIDATES:
        return None
    record = lot_record(lot)
    said = record["words"]
    publicity = record.get("publicity") or {}
    lines = [f"第{c['rank']}名 {c['bidder']} 投标报价{c.get('price')}元" for c in record["candidates"]]
    title = f"{project.name} {lot.name} 中标候选人公示"
    published = publicity.get("from") or lot.state_changed_at
    if record["award"]:
        title = f"{project.name} {lot.name} 中标结果公告"
        lines.insert(0, f"{said['winner']} {record['award']['winner']} 中标金额{record['award']['price']}元")
        published = record["award"]["awarded_at"] or published
    elif not record["candidate_publicity"]:
        return None  # procurement publishes no candidates: nothing until the result notice
    result = record.get("result")
    if result:
        lines.append(f"公告期 {_day(result['notice_from'])} 至 {_day(result['notice_until'])}")
        lines.append(f"{said['principal']} {project.principal.name}")
    if record["contract"]:
        lines.append(f"合同金额{record['contract']['amount']}元")
    lines.append(f"{category_label(project.category)} {method_details(notice_spec(notice), notice.method)}")
    return Entry(
        key=f"result:{lot.code}",
        kind=SearchDoc.Kind.RESULT,
        title=title,
        body="\n".join(lines),
        url=f"/portal/projects/{project.code}/#lot-{lot.code}",
        published_at=published,
        **{**common, "status": lot.state, "amount": lot.estimated_value},
    )


def _day(moment: datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def cleanup_entry(item: CleanupAnnouncement) -> Entry:
    return Entry(
        key=f"cleanup:{item.pk}",
        kind=SearchDoc.Kind.CLEANUP,
        title=item.title,
        body=f"{item.document_no}\n{item.body}",
        url=f"/portal/cleanup/{item.pk}/",
        published_at=item.published_at,
        region_code=item.node.region_id,
        status=item.result,
    )


# ---- writing ------------------------------------------------------------------------------------------


def _write(entries: list[Entry], stale: set[str]) -> int:
    """Upsert `entries` (skipping unchanged ones) and delete the keys in `stale`. Returns rows written."""
    written = 0
    with transaction.atomic():
        existing = {d.key: d for d in SearchDoc.objects.filter(key__in=[e.key for e in entries])}
        now = clock.now()
        for entry in entries:
            digest = entry.digest()
            doc = existing.get(entry.key)
            if doc is not None and doc.digest == digest:
                continue
            doc = doc or SearchDoc(key=entry.key)
            doc.kind = entry.kind
            doc.title = entry.title[:300]
            doc.body = entry.body[:20000]
            doc.tokens = index_text(f"{entry.title}\n{entry.body}")
            doc.url = entry.url
            doc.project_code = entry.project_code
            doc.notice_id = entry.notice_id
            doc.category = entry.category
            doc.method = entry.method
            doc.region_code = entry.region_code
            doc.status = entry.status
            doc.amount = entry.amount
            doc.published_at = entry.published_at
            doc.digest = digest
            doc.indexed_at = now
            doc.save()
            search.store(doc)
            written += 1
        if stale:
            gone = list(SearchDoc.objects.filter(key__in=stale).values_list("pk", flat=True))
            SearchDoc.objects.filter(pk__in=gone).delete()
            search.forget(gone)
    return written


def refresh_project(project_id: int) -> int:
    project = Project.objects.select_related("node", "principal", "agent").filter(pk=project_id).first()
    if project is None:
        return 0
    entries = project_entries(project)
    keys = {e.key for e in entries}
    present = set(
        SearchDoc.objects.filter(project_code=project.code, kind__in=PROJECT_KINDS).values_list(
            "key", flat=True
        )
    )
    return _write(entries, present - keys)


def refresh_cleanup(item_id: int) -> int:
    item = CleanupAnnouncement.objects.select_related("node").filter(pk=item_id).first()
    if item is None:
        return _write([], {f"cleanup:{item_id}"})
    return _write([cleanup_entry(item)], set())


def _project_id_of(obj: Model) -> int | None:
    if isinstance(obj, Project):
        return obj.pk
    if isinstance(obj, Notice | Lot):
        return obj.project_id
    if isinstance(obj, Document):
        return Notice.objects.filter(pk=obj.notice_id).values_list("project_id", flat=True).first()
    lot_id = getattr(obj, "lot_id", None)  # evaluation.Award, bidding.OpeningRecord, ...
    if lot_id is not None:
        return Lot.objects.filter(pk=lot_id).values_list("project_id", flat=True).first()
    return None


def on_published(obj: Model) -> None:
    """Hook for publishing actions: re-index what `obj` belongs to once the transaction commits."""
    if isinstance(obj, CleanupAnnouncement):
        item_id = obj.pk
        transaction.on_commit(lambda: refresh_cleanup(item_id), robust=True)
        return
    project_id = _project_id_of(obj)
    if project_id is not None:
        transaction.on_commit(lambda: refresh_project(project_id), robust=True)


def _from_event(object_type: str, object_id: str) -> None:
    if object_type == "disclosure.cleanupannouncement":
        transaction.on_commit(lambda: refresh_cleanup(int(object_id)), robust=True)
        return
    project_id: int | None = None
    if object_type == "trading.project":
        project_id = int(object_id)
    elif object_type == "trading.notice":
        project_id = Notice.objects.filter(pk=object_id).values_list("project_id", flat=True).first()
    elif object_type == "trading.document":
        project_id = (
            Document.objects.filter(pk=object_id).values_list("notice__project_id", flat=True).first()
        )
    elif object_type == "trading.lot":
        project_id = Lot.objects.filter(pk=object_id).values_list("project_id", flat=True).first()
    elif object_type == "evaluation.award":
        from ggzy.evaluation.models import Award

        project_id = Award.objects.filter(pk=object_id).values_list("lot__project_id", flat=True).first()
    if project_id is not None:
        pid = project_id
        transaction.on_commit(lambda: refresh_project(pid), robust=True)


def _audit_saved(sender: type[AuditEvent], instance: AuditEvent, created: bool, **kwargs: Any) -> None:
    if created and instance.action in PUBLIC_ACTIONS and not instance.seal:
        try:
            _from_event(instance.object_type, instance.object_id)
        except Exception:  # an index problem must never refuse an action
            log.exception("search index: could not schedule %s", instance)


def follow_audit() -> None:
    post_save.connect(_audit_saved, sender=AuditEvent, dispatch_uid="ggzy.disclosure.index")


def sweep() -> int:
    """Bring the whole index up to date (idempotent): every public project and announcement."""
    written = 0
    project_ids = set(public_notices().values_list("project_id", flat=True))
    for project_id in sorted(project_ids):
        written += refresh_project(project_id)
    orphans = set(
        SearchDoc.objects.filter(kind__in=PROJECT_KINDS)
        .exclude(project_code__in=Project.objects.filter(pk__in=project_ids).values("code"))
        .values_list("key", flat=True)
    )
    items = list(CleanupAnnouncement.objects.select_related("node"))
    keys = {f"cleanup:{i.pk}" for i in items}
    gone = set(SearchDoc.objects.filter(kind=SearchDoc.Kind.CLEANUP).values_list("key", flat=True)) - keys
    written += _write([cleanup_entry(i) for i in items], orphans | gone)
    return written


def rebuild() -> int:
    with transaction.atomic():
        SearchDoc.objects.all().delete()
        search.forget_all()
    return sweep()
