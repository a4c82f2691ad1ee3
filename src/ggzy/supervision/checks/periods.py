"""S01–S03: periods shorter than the law, rechecked on published notices.

The trading actions refuse short periods when a notice is drafted and published; this recheck catches
what slipped through another path (an import, a data fix, a bug, a notice published under an older
rule) and leaves the evidence with the regulator.
"""

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from ggzy.kernel import calendar
from ggzy.supervision.alerts import Finding
from ggzy.supervision.rules import alert_rule
from ggzy.trading import procedure
from ggzy.trading.models import Document, Notice
from ggzy.trading.rules import periods_apply


def _d(moment: object) -> date:
    return timezone.localdate(moment)  # type: ignore[arg-type]


def notice_findings(notices: QuerySet[Notice]) -> list[Finding]:
    findings: list[Finding] = []
    for notice in (
        notices.filter(status=Notice.Status.PUBLISHED).select_related("project").prefetch_related("lots")
    ):
        lots = list(notice.lots.all())
        if not lots:
            continue
        rules = procedure.rules_for(lots[0])
        if rules.periods_bind_must_tender_only and not notice.project.must_tender:
            continue  # 法 第24条 binds 依法必须进行招标的项目 (政府采购法 第35条 binds every tender)
        if not periods_apply(rules, max(lot.estimated_value for lot in lots)):
            continue  # 单一来源 below the open-tender threshold needs no publicity (条例 第38条)
        docs_from = _d(notice.docs_from)
        base = {
            "notice": notice.pk,
            "title": notice.title,
            "project": notice.project.code,
            "lots": [lot.code for lot in lots],
            "published_at": notice.published_at,
            "docs_from": notice.docs_from,
            "docs_until": notice.docs_until,
            "bid_deadline": notice.bid_deadline,
        }
        earliest = rules.bid_period_days.end(docs_from)
        if _d(notice.bid_deadline) < earliest:
            days = rules.bid_period_days.count(docs_from, _d(notice.bid_deadline))
            unit = rules.bid_period_days.unit.label
            findings.append(
                Finding(
                    alert_rule("S01"),
                    f"notice:{notice.pk}",
                    f"“{notice.title}”自招标文件发出至投标截止仅{days}{unit}，少于法定{rules.bid_period_days.text}",
                    {
                        **base,
                        "days": days,
                        "legal_days": rules.bid_period_days.value,
                        "earliest_legal_deadline": earliest,
                        "counting": calendar.PERIOD_RULE.citation,
                    },
                    project=notice.project,
                    lot=lots[0],
                    legal=rules.bid_period_days.legal,
                )
            )
        sale_end = rules.doc_sale_days.end(docs_from)
        if _d(notice.docs_until) < sale_end:
            days = rules.doc_sale_days.count(docs_from, _d(notice.docs_until))
            unit = rules.doc_sale_days.unit.label
            findings.append(
                Finding(
                    alert_rule("S02"),
                    f"notice:{notice.pk}",
                    f"“{notice.title}”招标文件发售期仅{days}{unit}，少于法定{rules.doc_sale_days.text}",
                    {
                        **base,
                        "days": days,
                        "legal_days": rules.doc_sale_days.value,
                        "earliest_legal_docs_until": sale_end,
                    },
                    project=notice.project,
                    lot=lots[0],
                    legal=rules.doc_sale_days.legal,
                )
            )
    return findings


def clarification_findings(notices: QuerySet[Notice]) -> list[Finding]:
    """A clarification or amendment less than 15 days before the deadline in force."""
    findings: list[Finding] = []
    documents = Document.objects.filter(
        notice__in=notices.filter(status=Notice.Status.PUBLISHED),
        kind__in=[Document.Kind.CLARIFICATION, Document.Kind.AMENDMENT],
    ).select_related("notice__project")
    for document in documents:
        notice = document.notice
        lot = notice.lots.first()
        if lot is None:
            continue
        rules = procedure.rules_for(lot)
        latest_deadline = rules.clarification_days.end(_d(document.published_at))
        if _d(notice.bid_deadline) < latest_deadline:
            days = rules.clarification_days.count(_d(document.published_at), _d(notice.bid_deadline))
            findings.append(
                Finding(
                    alert_rule("S03"),
                    f"document:{document.pk}",
                    f"“{notice.title}”的{document.get_kind_display()}发布时距投标截止仅{days}{rules.clarification_days.unit.label}，"
                    f"未顺延至法定{rules.clarification_days.text}",
                    {
                        "notice": notice.pk,
                        "project": notice.project.code,
                        "document": document.pk,
                        "document_title": document.title,
                        "document_sm3": document.sm3,
                        "published_at": document.published_at,
                        "bid_deadline": notice.bid_deadline,
                        "days_left": days,
                        "legal_days": rules.clarification_days.value,
                        "deadline_should_be_on_or_after": latest_deadline,
                    },
                    project=notice.project,
                    lot=lot,
                    legal=rules.clarification_days.legal,
                )
            )
    return findings
