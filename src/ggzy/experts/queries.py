"""Read-only questions about experts and draws: the facts the pure draw needs, the sealed views, and
verification. Nothing here writes; anything that shows drawn experts' names goes through the audited
`actions.print_sealed_list`, and every helper that could name them refuses before the evaluation starts.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ggzy.bidding.models import Bid
from ggzy.experts import draw as pure
from ggzy.experts.models import DrawnExpert, DrawRequest, Expert, Specialty
from ggzy.experts.rules import NAMES_SECRET, RANDOM_DRAW, repeat_limit
from ggzy.experts.schemas import (
    CallOut,
    DrawOut,
    ExpertOut,
    MemberOut,
    RowOut,
    SealedEntryOut,
    SealedListOut,
    VerifyCallOut,
    VerifyOut,
    VerifyRowOut,
)
from ggzy.kernel import checkpoints, clock
from ggzy.kernel.actions import require_role
from ggzy.kernel.errors import NotFound, PermissionDenied
from ggzy.kernel.models import AuditCheckpoint, AuditEvent
from ggzy.kernel.platform_key import platform_public_key
from ggzy.kernel.regions import level_and_parent
from ggzy.kernel.roles import Actor, Role
from ggzy.trading import routing
from ggzy.trading.models import Lot
from ggzy.trading.queries import node_operator
from ggzy.trading.queries import supervising_regulator as project_regulator
from ggzy_guomi import GuomiError

S = Lot.State
# States in which the evaluation has certainly not started, and states that say nothing by themselves
# (a lot suspended, failed, terminated or archived may or may not have reached its evaluation).
BEFORE_EVALUATION = (S.DRAFT, S.BIDDING, S.OPENING)
AFTER_EVALUATION = (S.PUBLICITY, S.AWARDED, S.CONTRACTED)
UNDECIDED = (S.SUSPENDED, S.FAILED, S.TERMINATED, S.ARCHIVED)


# ---- sealing -----------------------------------------------------------------------------------


def _reached_evaluation() -> Q:
    """Lots whose evaluation has started: in EVALUATION or later, or (for the undecided states) whose
    opening closed, which is the moment the engine moves a lot to EVALUATION (bidding.opening)."""
    return (
        Q(state=S.EVALUATION)
        | Q(state__in=AFTER_EVALUATION)
        | Q(state__in=UNDECIDED, opening_record__closed_at__isnull=False)
    )


def evaluation_started(lot: Lot) -> bool:
    """The lot has reached its evaluation stage (the opening closed). Not enough to lift a draw's seal:
    see `names_unsealed`."""
    return Lot.objects.filter(_reached_evaluation(), pk=lot.pk).exists()


def names_unsealed(draw: DrawRequest, now: datetime | None = None) -> bool:
    """The draw's evaluation has started: the lot reached its evaluation stage and the evaluation time
    fixed in the draw has come. The opening closing is not enough: the committee may sit days later, and
    until then its names stay sealed for everyone (the draw itself excepted: it calls the experts)."""
    return (now or clock.now()) >= draw.evaluation_at and evaluation_started(draw.lot)


def evaluation_finished(lot: Lot) -> bool:
    """The committee has done its work: the lot left EVALUATION for a later (or final) state."""
    return lot.state != S.EVALUATION and lot.state != S.SUSPENDED and evaluation_started(lot)


def sealed_draws(now: datetime) -> list[str]:
    """Draws whose evaluation has not started (`names_unsealed`): their audit events stay out of every
    listing."""
    started = Lot.objects.filter(_reached_evaluation()).values("pk")
    unsealed = Q(lot__in=started, evaluation_at__lte=now)
    return [str(pk) for pk in DrawRequest.objects.exclude(unsealed).values_list("pk", flat=True)]


@dataclass(frozen=True)
class SealedList:
    """What `actions.print_sealed_list` returns: the committee as printed at the start of the evaluation."""

    draw: DrawRequest
    printed_at: datetime
    printed_by: str
    members: list[DrawnExpert]
    unfilled: int


def require_unsealed(draw: DrawRequest) -> None:
    """Refuse, with the rule, anything that would name drawn experts before the evaluation starts."""
    if not names_unsealed(draw):
        raise PermissionDenied(
            "draw_sealed",
            "评标开始前，抽取结果中的专家姓名密封保存，任何人（包括交易中心）不得查看",
            "Drawn experts stay sealed until the evaluation starts; nobody, the operator included, may list them",
            rule=NAMES_SECRET,
            details={"draw": draw.number, "lot_state": draw.lot.state, "evaluation_at": draw.evaluation_at},
        )


def committee(draw: DrawRequest) -> list[DrawnExpert]:
    """The experts who accepted, in draw order — for the evaluation package once the evaluation starts.
    Refused before. Showing the list to a person must go through `actions.print_sealed_list` (audited)."""
    require_unsealed(draw)
    return list(
        draw.calls.filter(status=DrawnExpert.Status.ACCEPTED)
        .select_related("expert", "row__specialty")
        .order_by("seq")
    )


# ---- lookups -----------------------------------------------------------------------------------


def experts() -> QuerySet[Expert]:
    return Expert.objects.select_related("region").prefetch_related("specialties")


def expert_by_code(code: str) -> Expert:
    expert = experts().filter(code=(code or "").strip().upper()).first()
    if expert is None:
        raise NotFound("expert_not_found", f"未找到专家{code}", f"No expert {code}")
    return expert


def expert_of(actor: Actor) -> Expert:
    """The actor's own expert profile (403 for other kinds of users, 404 before applying)."""
    require_role(actor, Role.EXPERT)
    expert = experts().filter(user_id=actor.user_id or 0).first()
    if expert is None:
        raise NotFound("expert_profile_missing", "尚未登记专家信息", "You have no expert profile")
    return expert


def draw_or_404(draw_id: int) -> DrawRequest:
    draw = DrawRequest.objects.select_related(
        "lot__project__principal", "lot__project__agent", "lot__project__node"
    ).filter(pk=draw_id)
    found = draw.first()
    if found is None:
        raise NotFound("draw_not_found", "未找到该专家抽取", "No such expert draw")
    return found


def node_staff(actor: Actor, lot: Lot) -> bool:
    """Staff of the lot's node (an operator of the project's node or a node above it; the system)."""
    return node_operator(actor, lot.project)


def supervising_regulator(actor: Actor, lot: Lot) -> bool:
    """A regulator of a department supervising the lot's trade category at its node or above."""
    return project_regulator(actor, lot.project)


def require_node_operator(actor: Actor, lot: Lot) -> str:
    """Draws are run (created, committed, executed, answered by phone) by the lot's own centre."""
    role = require_role(actor, Role.OPERATOR)
    if not node_staff(actor, lot):
        raise PermissionDenied(
            "draw_other_node",
            f"只有标段所属交易平台（{lot.project.node.name}）的工作人员可以办理该标段的专家抽取",
            f"Only staff of the lot's platform node ({lot.project.node.name}) run its expert draw",
            rule=RANDOM_DRAW,
        )
    return role


def require_draw_reader(actor: Actor, draw: DrawRequest) -> None:
    """The seed, the expert codes and the names: only the lot's centre and its supervising department."""
    if node_staff(actor, draw.lot) or supervising_regulator(actor, draw.lot):
        return
    raise PermissionDenied(
        "draw_forbidden",
        "只有标段所属交易平台的工作人员和主管该项目的行政监督部门可以查看该专家抽取",
        "Only the lot's platform staff and its supervising department may see this draw",
        rule=routing.ROUTING,
    )


def require_draw_viewer(actor: Actor, draw: DrawRequest) -> None:
    """Counts and the sealed sequence (no names, no codes): the readers above and the project's principal
    or agent."""
    if actor.has(Role.PRINCIPAL) or actor.has(Role.AGENT):
        project = draw.lot.project
        if actor.entity_id is not None and actor.entity_id in {project.principal_id, project.agent_id}:
            return
    require_draw_reader(actor, draw)


# ---- taxonomy and regions ------------------------------------------------------------------------


def specialty_ancestors() -> dict[str, tuple[str, ...]]:
    """Each specialty code with itself and its ancestors (the table is small: read whole)."""
    parents = dict(Specialty.objects.values_list("code", "parent_id"))
    chains: dict[str, tuple[str, ...]] = {}
    for code in parents:
        chain: list[str] = []
        current: str | None = code
        while current is not None and current not in chain:
            chain.append(current)
            current = parents.get(current)
        chains[code] = tuple(chain)
    return chains


def region_chain(code: str) -> tuple[str, ...]:
    """The region code and its ancestors, from the GB/T 2260 code alone (county → city → province)."""
    chain = [code]
    parent = level_and_parent(code)[1]
    while parent is not None:
        chain.append(parent)
        parent = level_and_parent(parent)[1]
    return tuple(chain)


def province_of(lot: Lot) -> str:
    return lot.project.node.region_id[:2] + "0000"


# ---- facts for the draw --------------------------------------------------------------------------


def months_before(moment: datetime, months: int) -> datetime:
    year, month0 = divmod(moment.month - 1 - months, 12)
    year += moment.year
    day = min(moment.day, monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)


def evaluation_date(draw: DrawRequest) -> date:
    return timezone.localdate(draw.evaluation_at)


def context(draw: DrawRequest) -> pure.Context:
    lot = draw.lot
    project = lot.project
    repeat_max, _ = repeat_limit()
    return pure.Context(
        evaluation_date=evaluation_date(draw),
        allowed_regions=frozenset(draw.allowed_regions.values_list("code", flat=True)),
        bidder_usccs=frozenset(Bid.objects.filter(lot=lot).values_list("bidder__uscc", flat=True)),
        principal_uscc=project.principal.uscc,
        agent_uscc=project.agent.uscc if project.agent else None,
        excluded=frozenset(draw.exclusions.values_list("expert__code", flat=True)),
        repeat_max=repeat_max.value,
    )


def candidates(draw: DrawRequest, only: list[int] | None = None) -> list[pure.Candidate]:
    """Every expert holding a requested specialty (or one below it), as plain facts; `only` narrows to ids."""
    ancestors = specialty_ancestors()
    wanted = set(draw.rows.values_list("specialty_id", flat=True))
    under = [code for code, chain in ancestors.items() if wanted.intersection(chain)]
    if only is not None:
        qs = Expert.objects.filter(pk__in=only)
    else:
        qs = Expert.objects.filter(specialties__in=under).distinct()
    qs = qs.prefetch_related("specialties", "conflicts", "unavailable")
    lot = draw.lot
    open_calls = DrawnExpert.objects.filter(
        status__in=[DrawnExpert.Status.NOTIFIED, DrawnExpert.Status.ACCEPTED]
    ).exclude(draw__lot=lot)
    day = evaluation_date(draw)
    day_starts = timezone.make_aware(datetime.combine(day, time.min))
    busy = set(
        open_calls.filter(
            draw__evaluation_at__gte=day_starts, draw__evaluation_at__lt=day_starts + timedelta(days=1)
        ).values_list("expert_id", flat=True)
    )
    _, months = repeat_limit()
    recent = dict(
        open_calls.filter(
            draw__lot__project__principal_id=lot.project.principal_id,
            draw__evaluation_at__gt=months_before(draw.evaluation_at, months.value),
            draw__evaluation_at__lte=draw.evaluation_at,
        )
        .values("expert_id")
        .annotate(n=Count("id"))
        .values_list("expert_id", "n")
    )
    called_here = set(
        DrawnExpert.objects.filter(draw__lot=lot).exclude(draw=draw).values_list("expert_id", flat=True)
    )
    result = []
    for e in qs:
        held: set[str] = set()
        for s in e.specialties.all():
            held.update(ancestors.get(s.code, (s.code,)))
        result.append(
            pure.Candidate(
                code=e.code,
                status=e.status,
                specialties=frozenset(held),
                regions=region_chain(e.region_id),
                employer_uscc=e.employer_uscc,
                conflicts=frozenset(c.entity_uscc for c in e.conflicts.all()),
                unavailable=tuple((u.starts_on, u.ends_on) for u in e.unavailable.all()),
                busy=e.pk in busy,
                recent_for_principal=recent.get(e.pk, 0),
                already_called=e.pk in called_here,
            )
        )
    return result


def screening(draw: DrawRequest) -> pure.Screening:
    rows = [(r.index, r.specialty_id, r.count) for r in draw.rows.all()]
    return pure.screen(candidates(draw), context(draw), rows)


def ineligible_now(draw: DrawRequest, expert: Expert) -> list[str]:
    """Why an expert of the frozen pool may no longer be called (checked again at every call)."""
    found = candidates(draw, only=[expert.pk])
    return pure.recusal_reasons(found[0], context(draw)) if found else ["missing"]


def row_specs(draw: DrawRequest) -> list[pure.RowSpec]:
    """The rows as committed (pools frozen)."""
    return [pure.RowSpec(r.index, r.specialty_id, r.count, tuple(r.pool)) for r in draw.rows.all()]


def recorded_calls(draw: DrawRequest) -> list[pure.RecordedCall]:
    calls = draw.calls.select_related("row", "expert", "replaces__row").order_by("seq")
    return [
        pure.RecordedCall(
            seq=c.seq,
            row=c.row.index,
            position=c.position,
            code=c.expert.code,
            replaces_row=c.replaces.row.index if c.replaces is not None else None,
        )
        for c in calls
    ]


def replay(draw: DrawRequest) -> list[pure.Slot]:
    """Recompute every call of a draw from its seed, its frozen pools and the rows that needed a
    replacement (it names expert codes, so only once unsealed)."""
    require_unsealed(draw)
    followups = [c.row for c in recorded_calls(draw) if c.replaces_row is not None]
    return pure.replay(bytes.fromhex(draw.seed), row_specs(draw), followups)


def _beacon_check(draw: DrawRequest) -> list[str]:
    """The checkpoint of the seed is the first one covering the commitment, signed by the platform, and
    the commitment is the one the audit chain recorded. Problems, empty when it holds."""
    if draw.commit_event_seq is None or draw.beacon_seq is None:
        return ["the draw records no commitment event or checkpoint"]
    problems = []
    event = AuditEvent.objects.filter(seq=draw.commit_event_seq).first()
    if (
        event is None
        or event.action != "experts.commit_draw"
        or event.object_id != str(draw.pk)
        or event.payload.get("seed_commitment") != draw.seed_commitment
    ):
        problems.append("the commitment differs from the one recorded in the audit chain")
    first = checkpoints.covering_checkpoint(draw.commit_event_seq)
    if first is None or first.seq != draw.beacon_seq or first.root != draw.beacon_root:
        problems.append("the seed does not use the first checkpoint signed after the commitment")
    else:
        try:
            platform_public_key().verify(
                checkpoints.signed_content(first).signed_bytes(), bytes.fromhex(first.signature)
            )
        except (GuomiError, ValueError):
            problems.append("the checkpoint's platform signature does not verify")
    return problems


def verify_draw(draw_id: int) -> pure.Verification:
    """Recompute the draw from the revealed secret and the checkpoint, and compare it with the record
    (the seed, pools and calls are shown only once the seal lifts, see `verification_view`)."""
    draw = draw_or_404(draw_id)
    if draw.status != DrawRequest.Status.DRAWN:
        return pure.Verification(False, {"drawn": False}, ["the draw has not been executed"])
    result = pure.verify(
        secret_hex=draw.secret,
        commitment_hex=draw.seed_commitment,
        checkpoint_root_hex=draw.beacon_root,
        digest_hex=draw.pool_digest,
        draw_number=draw.number,
        rows=row_specs(draw),
        calls=recorded_calls(draw),
    )
    problems = _beacon_check(draw)
    result.checks["beacon"] = not problems
    result.checks["seed"] = bool(result.seed_hex) and result.seed_hex == draw.seed
    if result.seed_hex and result.seed_hex != draw.seed:
        problems.append("the stored seed is not SM3(secret ‖ checkpoint root)")
    result.problems.extend(problems)
    result.ok = all(result.checks.values())
    return result


# ---- views -----------------------------------------------------------------------------------------


def expert_out(expert: Expert) -> ExpertOut:
    return ExpertOut(
        code=expert.code,
        name=expert.name,
        id_number=expert.id_masked,
        mobile=expert.mobile_masked,
        employer_name=expert.employer_name,
        employer_uscc=expert.employer_uscc,
        region_code=expert.region_id,
        region_name=expert.region.full_name,
        title=expert.title,
        title_level=expert.title_level,
        years_of_practice=max(0, full_years(expert.practice_since, clock.today())),
        specialties=sorted(s.code for s in expert.specialties.all()),
        status=expert.status,
        status_reason=expert.status_reason,
        status_until=expert.status_until,
        score=str(expert.score) if expert.score is not None else None,
        score_count=expert.score_count,
        applied_at=expert.applied_at,
    )


def full_years(since: date, on: date) -> int:
    return on.year - since.year - (1 if (on.month, on.day) < (since.month, since.day) else 0)


def draw_out(draw: DrawRequest) -> DrawOut:
    """Counts and the sealed list (sequence, row, status): no expert is named here, ever."""
    calls = list(draw.calls.select_related("row").order_by("seq"))
    rows = []
    for r in draw.rows.select_related("specialty"):
        mine = [c for c in calls if c.row_id == r.pk]

        def n(status: str, mine: list[DrawnExpert] = mine) -> int:
            return sum(c.status == status for c in mine)

        rows.append(
            RowOut(
                index=r.index,
                specialty=r.specialty_id,
                specialty_name=r.specialty.name,
                count=r.count,
                pool_size=len(r.pool),
                notified=n(DrawnExpert.Status.NOTIFIED),
                accepted=n(DrawnExpert.Status.ACCEPTED),
                declined=n(DrawnExpert.Status.DECLINED),
                no_answer=n(DrawnExpert.Status.NO_ANSWER),
                skipped=n(DrawnExpert.Status.SKIPPED),
                shortfall=r.shortfall,
            )
        )
    seq_of = {c.pk: c.seq for c in calls}
    return DrawOut(
        id=draw.pk,
        number=draw.number,
        lot_code=draw.lot.code,
        procedure=draw.procedure,
        representatives=draw.representatives,
        evaluation_at=draw.evaluation_at,
        venue=draw.venue,
        channel=draw.channel,
        status=draw.status,
        allowed_regions=sorted(draw.allowed_regions.values_list("code", flat=True)),
        algorithm=draw.algorithm,
        seed_commitment=draw.seed_commitment,
        pool_digest=draw.pool_digest,
        excluded_counts=draw.excluded_counts,
        rows=rows,
        sealed_list=[
            SealedEntryOut(
                seq=c.seq,
                row=c.row.index,
                status=c.status,
                replaces=seq_of.get(c.replaces_id) if c.replaces_id else None,
            )
            for c in calls
        ],
        names_sealed=not names_unsealed(draw),
        another_reason=draw.another_reason,
    )


def verification_view(draw: DrawRequest) -> VerifyOut:
    """The verification; the secret, seed, pools and calls (expert codes) only once the seal has lifted.
    The caller checks the reader (`require_draw_reader`)."""
    result = verify_draw(draw.pk)
    unsealed = names_unsealed(draw) and draw.status == DrawRequest.Status.DRAWN
    checkpoint = (
        AuditCheckpoint.objects.filter(seq=draw.beacon_seq).first() if draw.beacon_seq is not None else None
    )
    return VerifyOut(
        secret=draw.secret if unsealed else None,
        checkpoint=checkpoints.checkpoint_document(checkpoint) if checkpoint is not None else None,
        commit_event_seq=draw.commit_event_seq,
        ok=result.ok,
        checks=result.checks,
        problems=result.problems,
        algorithm=draw.algorithm,
        number=draw.number,
        seed_commitment=draw.seed_commitment,
        pool_digest=draw.pool_digest,
        seed=draw.seed if unsealed else None,
        rows=[
            VerifyRowOut(index=r.index, specialty=r.specialty, count=r.count, pool=list(r.pool))
            for r in row_specs(draw)
        ]
        if unsealed
        else None,
        calls=[
            VerifyCallOut(seq=c.seq, row=c.row, position=c.position, code=c.code, replaces_row=c.replaces_row)
            for c in recorded_calls(draw)
        ]
        if unsealed
        else None,
    )


def call_out(call: DrawnExpert) -> CallOut:
    draw = call.draw
    return CallOut(
        id=call.pk,
        draw=draw.number,
        lot_code=draw.lot.code,
        project_name=draw.lot.project.name,
        evaluation_at=draw.evaluation_at,
        venue=draw.venue,
        status=call.status,
        respond_by=call.respond_by,
    )


def my_calls(actor: Actor) -> list[CallOut]:
    """A drawn expert's own calls (they know they were drawn; nobody else learns it from this)."""
    expert = expert_of(actor)
    calls = expert.calls.select_related("draw__lot__project").order_by("-called_at")
    return [call_out(c) for c in calls]


def sealed_list_out(sealed: SealedList) -> SealedListOut:
    return SealedListOut(
        draw=sealed.draw.number,
        lot_code=sealed.draw.lot.code,
        printed_at=sealed.printed_at,
        printed_by=sealed.printed_by,
        members=[
            MemberOut(
                seq=m.seq,
                code=m.expert.code,
                name=m.expert.name,
                specialty=m.row.specialty_id,
                employer_name=m.expert.employer_name,
                id_number=m.expert.id_masked,
                mobile=m.expert.mobile_masked,
                status=m.expert.status,
            )
            for m in sealed.members
        ],
        unfilled=sealed.unfilled,
    )
