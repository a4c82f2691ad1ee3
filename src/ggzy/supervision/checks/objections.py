"""S17: an objection the principal did not answer in time (条例 第22、54条).

An objection to the documents comes from a potential bidder, weeks before the deadline: who raised it is
sealed like who took the documents (电子招标投标办法 第21条; 招标投标法 第22条). The evidence names the
objection (its text and answer are public); the objector only once the notice's seal has lifted (an
objection to the result comes after the opening, when the bidders are known)."""

from django.db.models import QuerySet

from ggzy.kernel import audit
from ggzy.supervision.alerts import Finding
from ggzy.supervision.rules import alert_rule
from ggzy.trading.models import Objection

SEALED = "投标截止前保密 sealed until the bid deadline"


def findings(objections: QuerySet[Objection]) -> list[Finding]:
    result: list[Finding] = []
    sealed = audit.sealed_now()
    for objection in objections.filter(overdue=True).select_related("notice__project", "lot", "raised_by"):
        secret = "{}:{}".format(*audit.object_ref(objection.notice)) in sealed
        result.append(
            Finding(
                alert_rule("S17"),
                f"objection:{objection.pk}",
                f"“{objection.notice.title}”的{objection.get_stage_display()}逾期未答复",
                {
                    "objection": objection.pk,
                    "notice": objection.notice_id,
                    "lot": objection.lot.code if objection.lot else None,
                    "stage": objection.stage,
                    "raised_by": SEALED if secret else objection.raised_by.uscc,
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
