"""Ratings after an evaluation, the running score and automatic suspension (R4.4)."""

from decimal import ROUND_HALF_UP, Decimal

from ggzy.experts import queries
from ggzy.experts.actions.common import set_status
from ggzy.experts.actions.drawing import call_for_update
from ggzy.experts.models import Assessment, DrawnExpert, Expert
from ggzy.experts.rules import (
    ASSESSMENT_AFTER_EVALUATION,
    SUSPENSION_THRESHOLD,
    score_window,
    suspension_threshold,
)
from ggzy.experts.schemas import AssessmentIn
from ggzy.kernel import audit, clock, notify
from ggzy.kernel.actions import action, require_role
from ggzy.kernel.errors import Conflict, InvalidInput, PermissionDenied
from ggzy.kernel.roles import Actor, Role

# ---- assessment (R4.4) ---------------------------------------------------------------------------

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@action("experts.assess")
def assess(actor: Actor, call_id: int, form: AssessmentIn) -> Assessment:
    """The operator or the principal rates an expert who sat on the committee; the running score is the
    mean of the last N ratings, and falling below the threshold suspends the expert."""
    require_role(actor, Role.OPERATOR, Role.PRINCIPAL)
    draw, call = call_for_update(call_id)
    project = draw.lot.project
    if actor.has(Role.OPERATOR) and queries.node_staff(actor, draw.lot):  # the lot's own centre
        rater, role = Assessment.Rater.OPERATOR, Role.OPERATOR.value
    elif actor.has(Role.PRINCIPAL) and actor.entity_id == project.principal_id:
        rater, role = Assessment.Rater.PRINCIPAL, Role.PRINCIPAL.value
    else:
        raise PermissionDenied(
            "assessment_forbidden",
            "只有交易中心和本项目招标人可以评价评标专家",
            "Only the operator and the project's principal rate the experts",
        )
    if call.status != DrawnExpert.Status.ACCEPTED:
        raise Conflict("not_a_member", "该专家未参加本次评标", "This expert did not sit on the committee")
    if not queries.evaluation_finished(draw.lot):
        raise Conflict(
            "evaluation_not_finished",
            "评标结束后方可评价专家",
            "Experts are rated after the evaluation",
            rule=ASSESSMENT_AFTER_EVALUATION,
        )
    if Assessment.objects.filter(drawn=call, rater_role=rater).exists():
        raise Conflict("already_assessed", "已评价过该专家", "Already rated")
    items = [form.attitude, form.discipline, form.professional, form.confidentiality]
    if any(not 0 <= v <= 10 for v in items):
        raise InvalidInput("score_range", "每项评分为0–10分", "Each item is scored 0–10")
    total = (Decimal(sum(items)) * HUNDRED / Decimal(40)).quantize(CENT, ROUND_HALF_UP)
    expert = Expert.objects.select_for_update(of=("self",)).get(pk=call.expert_id)
    assessment = Assessment.objects.create(
        drawn=call,
        expert=expert,
        rater_role=rater,
        rater=actor.name,
        attitude=form.attitude,
        discipline=form.discipline,
        professional=form.professional,
        confidentiality=form.confidentiality,
        total=total,
        comment=form.comment.strip(),
        created_at=clock.now(),
    )
    recent = list(
        expert.assessments.order_by("-created_at", "-id").values_list("total", flat=True)[: score_window()]
    )
    expert.score = (sum(recent, Decimal(0)) / len(recent)).quantize(CENT, ROUND_HALF_UP)
    expert.score_count = expert.assessments.count()
    threshold = suspension_threshold()
    suspended = expert.status == Expert.Status.ACTIVE and expert.score < threshold.value
    if suspended:
        reason = f"综合评价分{expert.score}低于{threshold.value}分，自动暂停评标资格（{SUSPENSION_THRESHOLD.citation}）"
        set_status(expert, Expert.Status.SUSPENDED, actor, reason)
        notify.queue_to(expert.user_id, "评标资格暂停", reason)
    expert.save()
    audit.record(
        assessment,
        {
            "expert": expert.code,
            "draw": draw.number,
            "rater": rater,
            "total": total,
            "score": expert.score,
            "suspended": suspended,
        },
        role=role,
        sealed_by=draw,
    )
    return assessment
