"""S17: an objection the principal did not answer in time (条例 第22、54条)."""

from django.db.models import QuerySet

from ggzy.supervision.alerts import Finding
from ggzy.supervision.rules import alert_rule
from ggzy.trading.models import Objection


def findings(objections: QuerySet[Objection]) -> list[Finding]:
    result: list[Finding] = []
    for objection in objections.filter(overdue=True).select_related("notice__project", "lot", "raised_by"):
        result.append(
            Finding(
                alert_rule("S17"),
                f"objection:{objection.pk}",
                f"“{objection.notice.title}”的{objection.get_stage_display()}逾期未答复",
                {
                    "notice": objection.notice_id,
                    "lot": objection.lot.code if objection.lot else None,
                    "stage": objection.stage,
                    "raised_by": objection.raised_by.uscc,
                    "raised_at": objection.raised_at,
                    "answer_due": objection.answer_due,
                    "answered_at": objection.answered_at,
                    "status": objection.status,
                },
                project=objection.notice.project,
                lot=objection.lot,
            )
        )
    return result
