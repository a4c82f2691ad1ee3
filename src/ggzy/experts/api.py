"""Expert endpoints: the specialty taxonomy, applications and review, the library for operators (masked),
availability and conflicts, draws (create, commit, execute, respond, verify), sealed-list printing,
assessments and sanctions. Handlers parse and call actions; the actions decide."""

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from ggzy.experts import actions, queries
from ggzy.experts.models import Expert, Specialty
from ggzy.experts.schemas import (
    ApplicationIn,
    AssessmentIn,
    AssessmentOut,
    CallOut,
    ConflictIn,
    DrawOut,
    DrawRequestIn,
    ExpertOut,
    ReasonIn,
    RespondIn,
    SanctionIn,
    SealedListOut,
    SpecialtyOut,
    UnavailabilityIn,
    VerifyOut,
)
from ggzy.kernel.actions import require_role
from ggzy.kernel.roles import Role
from ggzy.registry.api_auth import ANYONE
from ggzy.registry.auth import actor_from_request

router = Router(tags=["experts"])


@router.get("/specialties", response=list[SpecialtyOut], auth=None, summary="评标专家专业分类")
def list_specialties(request: HttpRequest, parent: str | None = None) -> list[SpecialtyOut]:
    qs = Specialty.objects.all()
    if parent:
        qs = qs.filter(parent_id=parent)
    return [
        SpecialtyOut(code=s.code, name=s.name, parent=s.parent_id, level=s.level, provisional=s.provisional)
        for s in qs
    ]


@router.post("/applications", response={201: ExpertOut}, auth=ANYONE, summary="申请入库（评标专家）")
def apply(request: HttpRequest, payload: ApplicationIn) -> Status[ExpertOut]:
    expert = actions.apply(actor_from_request(request), payload.expert, payload.account)
    return Status(201, queries.expert_out(queries.expert_by_code(expert.code)))


@router.get("/me", response=ExpertOut, summary="本人专家信息")
def me(request: HttpRequest) -> ExpertOut:
    return queries.expert_out(queries.expert_of(actor_from_request(request)))


@router.post("/me/unavailability", response={201: ExpertOut}, summary="申报不可参评期间")
def declare_unavailable(request: HttpRequest, payload: UnavailabilityIn) -> Status[ExpertOut]:
    actor = actor_from_request(request)
    actions.declare_unavailable(actor, payload.starts_on, payload.ends_on, payload.reason)
    return Status(201, queries.expert_out(queries.expert_of(actor)))


@router.post("/me/conflicts", response={201: ExpertOut}, summary="申报利害关系（回避）")
def declare_conflict(request: HttpRequest, payload: ConflictIn) -> Status[ExpertOut]:
    actor = actor_from_request(request)
    actions.declare_conflict(actor, payload.entity_uscc, payload.reason)
    return Status(201, queries.expert_out(queries.expert_of(actor)))


@router.get("/me/calls", response=list[CallOut], summary="本人的抽取通知")
def my_calls(request: HttpRequest) -> list[CallOut]:
    return queries.my_calls(actor_from_request(request))


@router.post("/calls/{call_id}/respond", response=CallOut, summary="确认或拒绝参加评标")
def respond(request: HttpRequest, call_id: int, payload: RespondIn) -> CallOut:
    call = actions.respond(
        actor_from_request(request), call_id, payload.accept, payload.reason, payload.evidence
    )
    return queries.call_out(call)


@router.post("/calls/{call_id}/assessments", response={201: AssessmentOut}, summary="评价评标专家")
def assess(request: HttpRequest, call_id: int, payload: AssessmentIn) -> Status[AssessmentOut]:
    a = actions.assess(actor_from_request(request), call_id, payload)
    expert = Expert.objects.get(pk=a.expert_id)
    return Status(
        201,
        AssessmentOut(
            expert=expert.code,
            rater_role=a.rater_role,
            total=str(a.total),
            expert_score=str(expert.score) if expert.score is not None else None,
            expert_status=expert.status,
        ),
    )


# ---- draws ---------------------------------------------------------------------------------------


@router.post("/draws", response={201: DrawOut}, summary="发起专家抽取")
def create_draw(request: HttpRequest, payload: DrawRequestIn) -> Status[DrawOut]:
    draw = actions.create_draw(actor_from_request(request), payload)
    return Status(201, queries.draw_out(queries.draw_or_404(draw.pk)))


@router.get("/draws/{draw_id}", response=DrawOut, summary="抽取情况（人数与密封名单）")
def get_draw(request: HttpRequest, draw_id: int) -> DrawOut:
    actor = actor_from_request(request)
    require_role(actor, Role.OPERATOR, Role.REGULATOR, Role.PRINCIPAL, Role.AGENT)
    draw = queries.draw_or_404(draw_id)
    queries.require_draw_viewer(actor, draw)
    return queries.draw_out(draw)


@router.post("/draws/{draw_id}/commit", response=DrawOut, summary="确定候选名单并承诺随机种子")
def commit_draw(request: HttpRequest, draw_id: int) -> DrawOut:
    actions.commit_draw(actor_from_request(request), draw_id)
    return queries.draw_out(queries.draw_or_404(draw_id))


@router.post("/draws/{draw_id}/execute", response=DrawOut, summary="随机抽取并语音/短信通知")
def execute_draw(request: HttpRequest, draw_id: int) -> DrawOut:
    actions.execute_draw(actor_from_request(request), draw_id)
    return queries.draw_out(queries.draw_or_404(draw_id))


@router.get("/draws/{draw_id}/verify", response=VerifyOut, summary="验证抽取（复算）")
def verify_draw(request: HttpRequest, draw_id: int) -> VerifyOut:
    actor = actor_from_request(request)
    require_role(actor, Role.OPERATOR, Role.REGULATOR)
    draw = queries.draw_or_404(draw_id)
    queries.require_draw_reader(actor, draw)
    return queries.verification_view(draw)


@router.post("/draws/{draw_id}/sealed-list", response=SealedListOut, summary="评标开始时打印密封名单")
def print_sealed_list(request: HttpRequest, draw_id: int) -> SealedListOut:
    return queries.sealed_list_out(actions.print_sealed_list(actor_from_request(request), draw_id))


# ---- the library (operators) -----------------------------------------------------------------------


@router.get("", response=list[ExpertOut], summary="专家库（个人信息脱敏）")
@paginate(LimitOffsetPagination)
def list_experts(
    request: HttpRequest,
    status: str | None = None,
    specialty: str | None = None,
    region: str | None = None,
    q: str | None = None,
) -> list[ExpertOut]:
    require_role(actor_from_request(request), Role.OPERATOR, Role.REGULATOR)
    qs = queries.experts()
    if status:
        qs = qs.filter(status=status)
    if specialty:
        qs = qs.filter(specialties__code__startswith=specialty.strip().upper())
    if region:
        qs = qs.filter(region__code__startswith=region.rstrip("0") or region)
    if q:
        qs = qs.filter(name__contains=q)
    return [queries.expert_out(e) for e in qs.distinct()]


@router.get("/{code}", response=ExpertOut, summary="专家信息（个人信息脱敏）")
def get_expert(request: HttpRequest, code: str) -> ExpertOut:
    require_role(actor_from_request(request), Role.OPERATOR, Role.REGULATOR)
    return queries.expert_out(queries.expert_by_code(code))


@router.post("/{code}/approve", response=ExpertOut, summary="审核通过")
def approve(request: HttpRequest, code: str) -> ExpertOut:
    actions.approve(actor_from_request(request), code)
    return queries.expert_out(queries.expert_by_code(code))


@router.post("/{code}/reject", response=ExpertOut, summary="审核不通过")
def reject(request: HttpRequest, code: str, payload: ReasonIn) -> ExpertOut:
    actions.reject(actor_from_request(request), code, payload.reason)
    return queries.expert_out(queries.expert_by_code(code))


@router.post("/{code}/suspend", response=ExpertOut, summary="暂停评标资格")
def suspend(request: HttpRequest, code: str, payload: SanctionIn) -> ExpertOut:
    actions.suspend(actor_from_request(request), code, payload.reason, payload.until)
    return queries.expert_out(queries.expert_by_code(code))


@router.post("/{code}/blacklist", response=ExpertOut, summary="列入黑名单")
def blacklist(request: HttpRequest, code: str, payload: SanctionIn) -> ExpertOut:
    actions.blacklist(actor_from_request(request), code, payload.reason, payload.until)
    return queries.expert_out(queries.expert_by_code(code))


@router.post("/{code}/reinstate", response=ExpertOut, summary="恢复评标资格")
def reinstate(request: HttpRequest, code: str, payload: ReasonIn) -> ExpertOut:
    actions.reinstate(actor_from_request(request), code, payload.reason)
    return queries.expert_out(queries.expert_by_code(code))
