"""The draw (R4.2): create, commit (pools frozen, secret committed), execute, respond, time-out redraw,
and printing the sealed list once the evaluation starts.

Nobody can know or steer the outcome (issue 10 §4):
- the seed does not exist before the execution: SM3(secret ‖ root of the first signed audit checkpoint
  covering the commitment event); the secret is kept until then only SM2-encrypted to the platform key,
  revealed at the execution, and anyone re-verifies it against the commitment and the public checkpoint;
- one draw per lot: another one needs a recorded reason, and the supervising department is alerted;
- only the lot's own centre (its node or a node above) creates, commits, executes, answers and prints;
- a call is answered by the expert, or by the operator only with the evidence of the phone call (call
  record number, time and the uploaded note); unusual numbers of such declines are alerted.

Draw events are recorded with `sealed_by=draw`: until the draw's evaluation starts they stay out of every
audit listing (their actor may be the drawn expert). Payloads carry sequence numbers and counts, never
names, ID numbers or mobiles."""

import base64
import binascii
from datetime import datetime, timedelta
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.utils import timezone

from ggzy.exchange.models import Node
from ggzy.experts import draw as pure
from ggzy.experts import queries
from ggzy.experts.actions.common import required, specialties_of
from ggzy.experts.models import DrawExclusion, DrawnExpert, DrawRequest, DrawRow, Expert
from ggzy.experts.rules import (
    BLACKLIST,
    DRAW_AFTER_DEADLINE,
    NAMES_SECRET,
    RANDOM_DRAW,
    RECUSAL,
    RESPONSE_WINDOW,
    committee_rules,
    response_window,
)
from ggzy.experts.schemas import DrawRequestIn, PhoneEvidenceIn
from ggzy.kernel import audit, clock, draws, events, notify, sequences
from ggzy.kernel.actions import action, require_role
from ggzy.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ggzy.kernel.models import AuditCheckpoint
from ggzy.kernel.regions import get_region
from ggzy.kernel.roles import Actor, Role
from ggzy.kernel.timefmt import local_text
from ggzy.registry.models import Account
from ggzy.trading.actions import require_project_manager
from ggzy.trading.models import Lot
from ggzy.trading.specs import spec_for
from ggzy_guomi import sm3_hex

NOTE_MAX_BYTES = 5 * 1024 * 1024

# ---- the draw (R4.2) -----------------------------------------------------------------------------


def _draw_for_update(draw_id: int) -> DrawRequest:
    draw = (
        DrawRequest.objects.select_for_update(of=("self",))
        .select_related("lot__project__principal", "lot__project__agent", "lot__project__node", "lot__notice")
        .filter(pk=draw_id)
        .first()
    )
    if draw is None:
        raise NotFound("draw_not_found", "未找到该专家抽取", "No such expert draw")
    return draw


DRAWABLE_LOT_STATES = (Lot.State.BIDDING, Lot.State.OPENING, Lot.State.EVALUATION)
REDRAW_LOT_STATES = (*DRAWABLE_LOT_STATES, Lot.State.SUSPENDED)


@action("experts.create_draw")
def create_draw(actor: Actor, form: DrawRequestIn) -> DrawRequest:
    """A draw request for a lot's committee: rows of (specialty, count), regions, exclusions, rules."""
    require_role(actor, Role.OPERATOR, Role.PRINCIPAL, Role.AGENT)
    lot = (
        Lot.objects.select_for_update(of=("self",))  # one draw decision per lot at a time
        .select_related("project__node")
        .filter(code=(form.lot_code or "").strip())
        .first()
    )
    if lot is None:
        raise NotFound("lot_not_found", f"未找到标段{form.lot_code}", f"No lot {form.lot_code}")
    if actor.is_system:
        role = "system"
    elif actor.has(Role.OPERATOR):
        role = queries.require_node_operator(actor, lot)
    else:
        role = require_project_manager(actor, lot.project)
    if lot.state not in DRAWABLE_LOT_STATES:
        raise Conflict(
            "lot_not_drawable",
            f"标段状态为“{lot.get_state_display()}”，不能抽取评标专家",
            f"Experts are not drawn for a lot in state '{lot.state}'",
        )
    if form.exclusions and not (actor.has(Role.OPERATOR) or actor.is_system):
        raise PermissionDenied(
            "exclusions_operator_only",
            "只有交易中心可以排除专家（须说明理由）；招标人不得以任何方式指定或者变相指定专家",
            "Only the operator may exclude experts (with reasons); nobody may designate them",
            rule=RANDOM_DRAW,
        )
    others = list(DrawRequest.objects.filter(lot=lot).order_by("pk").values_list("number", flat=True))
    another_reason = (form.another_reason or "").strip()
    if others and not another_reason:
        raise Conflict(
            "draw_exists",
            f"标段{lot.code}已有专家抽取（{'、'.join(others)}）；再次抽取须说明理由，并将报主管部门",
            f"Lot {lot.code} already has a draw ({', '.join(others)}); another one needs a recorded reason",
            rule=RANDOM_DRAW,
            details={"draws": others},
        )
    # The committee's rules are the lot's procedure's, as when the committee is seated (evaluation.start).
    procedure_id = spec_for(lot).id
    if form.procedure and form.procedure != procedure_id:
        raise InvalidInput(
            "draw_procedure_mismatch",
            f"标段{lot.code}的交易程序为“{procedure_id}”，抽取不能按“{form.procedure}”的委员会规则进行",
            f"Lot {lot.code} follows '{procedure_id}': the draw cannot use the rules of '{form.procedure}'",
            rule=RANDOM_DRAW,
        )
    rules = committee_rules(procedure_id)
    if not form.rows:
        raise InvalidInput("draw_rows_required", "请至少填写一个抽取专业及人数", "At least one row is needed")
    codes = [r.specialty.strip().upper() for r in form.rows]
    if len(set(codes)) != len(codes):
        raise InvalidInput("draw_rows_duplicate", "同一专业只能填写一行", "Each specialty appears once")
    specialties = {s.code: s for s in specialties_of(codes)}
    experts = sum(r.count for r in form.rows)
    rules.check(experts, form.representatives, lot.estimated_value)
    evaluation_at = form.evaluation_at
    if timezone.is_naive(evaluation_at):  # a wall-clock time without offset is the platform's time zone
        evaluation_at = timezone.make_aware(evaluation_at)
    if evaluation_at <= clock.now():
        raise InvalidInput(
            "evaluation_at_past", "评标时间应晚于当前时间", "The evaluation time must be ahead"
        )
    if form.channel not in DrawRequest.Channel.values:
        raise InvalidInput("channel", "通知方式应为 sms 或 voice", "channel: sms or voice")
    regions = [get_region(code) for code in (form.allowed_regions or [queries.province_of(lot)])]
    exclusions = []
    for i, item in enumerate(form.exclusions):
        expert = Expert.objects.filter(code=item.expert_code.strip().upper()).first()
        if expert is None:
            raise InvalidInput(
                "exclusion_unknown", f"未找到专家{item.expert_code}", f"No expert {item.expert_code}"
            )
        exclusions.append((expert, required(item.reason, f"exclusions[{i}].reason", "排除理由")))
    now = clock.now()
    draw = DrawRequest.objects.create(
        number=f"CQ{sequences.next_value('experts.draw'):08d}",
        lot=lot,
        procedure=rules.procedure,
        representatives=form.representatives,
        evaluation_at=evaluation_at,
        venue=form.venue.strip(),
        channel=form.channel,
        respond_minutes=int(response_window().value.total_seconds() // 60),
        algorithm=pure.ALGORITHM,
        another_reason=another_reason if others else "",
        created_by=actor.name,
        created_at=now,
    )
    draw.allowed_regions.set(regions)
    DrawRow.objects.bulk_create(
        DrawRow(draw=draw, index=i, specialty=specialties[code], count=row.count)
        for i, (code, row) in enumerate(zip(codes, form.rows, strict=True))
    )
    DrawExclusion.objects.bulk_create(DrawExclusion(draw=draw, expert=e, reason=r) for e, r in exclusions)
    province = queries.province_of(lot)
    audit.record(
        draw,
        {
            "number": draw.number,
            "lot": lot.code,
            "procedure": draw.procedure,
            "rows": [{"specialty": c, "count": r.count} for c, r in zip(codes, form.rows, strict=True)],
            "representatives": draw.representatives,
            "regions": [r.code for r in regions],
            "remote": any(not r.code.startswith(province[:2]) for r in regions),
            "exclusions": [{"expert": e.code, "reason": r} for e, r in exclusions],
            **({"another_reason": draw.another_reason, "other_draws": others} if others else {}),
        },
        role=role,
    )
    if others:  # the supervising department sees it: an alert in its queue
        events.on_experts_drawn(draw)
    return draw


@action("experts.commit_draw")
def commit_draw(actor: Actor, draw_id: int) -> DrawRequest:
    """Freeze the eligible pools (recusal applied), choose the secret and record its SM3 commitment. The
    secret is kept only encrypted to the platform key; the seed does not exist yet (see `execute_draw`)."""
    require_role(actor, Role.OPERATOR)
    draw = _draw_for_update(draw_id)
    role = queries.require_node_operator(actor, draw.lot)
    if draw.status != DrawRequest.Status.DRAFT:
        raise Conflict("draw_not_draft", "该抽取已承诺种子或已抽取", "This draw is already committed")
    lot = draw.lot
    deadline = lot.notice.bid_deadline if lot.notice else None
    if (
        lot.state not in (Lot.State.OPENING, Lot.State.EVALUATION)
        or deadline is None
        or deadline > clock.now()
    ):
        raise Conflict(
            "draw_before_deadline",
            "投标截止前不能确定专家候选名单：回避须以全部投标人为准，且投标人名单在截止前保密",
            "The pool is fixed only after the bid deadline: recusal needs the full list of bidders",
            rule=DRAW_AFTER_DEADLINE,
            details={"lot_state": lot.state},
        )
    screening = queries.screening(draw)
    short = [
        {"index": r.index, "specialty": r.specialty, "count": r.count, "eligible": len(r.pool)}
        for r in screening.rows
        if len(r.pool) < r.count
    ]
    if short:
        raise InvalidInput(
            "experts_insufficient",
            "符合条件的专家人数不足："
            + "；".join(f"{s['specialty']}需{s['count']}人，可抽{s['eligible']}人" for s in short),
            "Not enough eligible experts: "
            + "; ".join(f"{s['specialty']} needs {s['count']}, {s['eligible']} eligible" for s in short),
            rule=RECUSAL,
            details={"rows": short},
        )
    for row, spec in zip(draw.rows.all(), screening.rows, strict=True):
        row.pool = list(spec.pool)
        row.save(update_fields=["pool"])
    committed = draws.commit()
    draw.secret_sealed = committed.secret_sealed
    draw.seed_commitment = committed.commitment
    draw.pool_digest = pure.pool_digest(draw.number, screening.rows)
    draw.excluded_counts = screening.counts()
    draw.status = DrawRequest.Status.COMMITTED
    draw.committed_at = clock.now()
    draw.save()
    # Not sealed: the commitment and the digest name nobody, and must be visible before the draw. The
    # seed will use the first checkpoint covering this very event.
    event = audit.record(
        draw,
        {
            "algorithm": draw.algorithm,
            "seed_commitment": draw.seed_commitment,
            "pool_digest": draw.pool_digest,
            "pool_sizes": [len(r.pool) for r in screening.rows],
            "excluded": draw.excluded_counts,
        },
        role=role,
    )
    draw.commit_event_seq = event.seq
    draw.save(update_fields=["commit_event_seq"])
    return draw


def _reveal_seed(draw: DrawRequest) -> AuditCheckpoint:
    """Reveal the committed secret and derive the seed (kernel.draws). The secret is then public; its
    ciphertext is dropped."""
    revealed = draws.reveal(
        draw.secret_sealed, draw.seed_commitment, draw.commit_event_seq, "draw", draw, rule=RANDOM_DRAW
    )
    draw.secret = revealed.secret.hex()
    draw.secret_sealed = ""
    draw.beacon_seq = revealed.checkpoint.seq
    draw.beacon_root = revealed.checkpoint.root
    draw.seed = revealed.seed.hex()
    return revealed.checkpoint


def _notify_call(call: DrawnExpert) -> None:
    draw = call.draw
    lot = draw.lot
    when = local_text(draw.evaluation_at)
    by = local_text(call.respond_by)
    notify.queue_to(
        call.expert.user_id,
        "评标专家抽取通知",
        f"您已被随机抽取为“{lot.project.name}”{lot.code}标段的评标专家，评标时间{when}"
        + (f"，地点{draw.venue}" if draw.venue else "")
        + f"。请于{by}前在平台确认是否参加，逾期视为不参加。与投标人、招标人或代理机构有利害关系的，请拒绝并说明。"
        "抽取结果在评标开始前保密，请勿向他人透露。",
        channel=draw.channel,
        sealed_by=draw,
    )


def _tell_operators_shortfall(draw: DrawRequest, row: DrawRow) -> None:
    """The operators of the project's node, else of the nearest node above it that has some."""
    node: Node | None = draw.lot.project.node
    user_ids: list[int] = []
    while node is not None and not user_ids:
        user_ids = list(
            Account.objects.filter(kind=Account.Kind.OPERATOR, node=node).values_list("user_id", flat=True)
        )
        node = node.parent
    for user_id in user_ids:
        notify.queue_to(
            user_id,
            "专家补抽不足",
            f"抽取{draw.number}（标段{draw.lot.code}）专业{row.specialty_id}已无符合条件的候选专家，请另行发起补充抽取。",
        )


def _create_call(
    draw: DrawRequest, row: DrawRow, pick: pure.Pick, seq: int, replaces: DrawnExpert | None, now: datetime
) -> DrawnExpert:
    respond_by = now + timedelta(minutes=draw.respond_minutes)
    return DrawnExpert.objects.create(
        draw=draw,
        row=row,
        expert=Expert.objects.get(code=pick.code),
        seq=seq,
        position=pick.position,
        replaces=replaces,
        called_at=now,
        respond_by=respond_by,
        next_check=respond_by,
    )


def _skip(call: DrawnExpert, reasons: list[str]) -> None:
    call.status = DrawnExpert.Status.SKIPPED
    call.decline_reason = ",".join(reasons)
    call.next_check = None
    call.save(update_fields=["status", "decline_reason", "next_check"])


def _redraw(draw: DrawRequest, row: DrawRow, replaces: DrawnExpert, now: datetime) -> DrawnExpert | None:
    """The next candidate of `row` from the same seeded sequence; candidates no longer eligible are
    recorded as skipped and passed over. None when the row's pool is exhausted, or when the lot no longer
    needs a committee (failed, terminated, or past its evaluation)."""
    if draw.lot.state not in REDRAW_LOT_STATES:
        return None
    specs = queries.row_specs(draw)
    seed = bytes.fromhex(draw.seed)
    while True:
        recorded = queries.recorded_calls(draw)
        followups = [c.row for c in recorded if c.replaces_row is not None] + [row.index]
        pick = pure.replay(seed, specs, followups)[-1].pick
        if pick is None:
            row.shortfall += 1
            row.save(update_fields=["shortfall"])
            _tell_operators_shortfall(draw, row)
            return None
        call = _create_call(draw, row, pick, len(recorded) + 1, replaces, now)
        reasons = queries.ineligible_now(draw, call.expert)
        if not reasons:
            _notify_call(call)
            return call
        _skip(call, reasons)
        replaces = call


@action("experts.execute_draw")
def execute_draw(actor: Actor, draw_id: int) -> DrawRequest:
    """Derive the seed (committed secret + the first checkpoint after the commitment), draw and call the
    experts by SMS/voice. Who was called stays sealed."""
    require_role(actor, Role.OPERATOR)
    draw = _draw_for_update(draw_id)
    role = queries.require_node_operator(actor, draw.lot)
    if draw.status != DrawRequest.Status.COMMITTED:
        raise Conflict(
            "draw_not_committed",
            "须先确定候选名单并承诺随机种子，且每次抽取只执行一次",
            "Commit the draw first; a draw is executed once",
        )
    cp = _reveal_seed(draw)
    draw.save(update_fields=["secret", "secret_sealed", "beacon_seq", "beacon_root", "seed"])
    now = clock.now()
    rows = {r.index: r for r in draw.rows.all()}
    seq = 0
    initial: list[DrawnExpert] = []
    for slot in pure.replay(bytes.fromhex(draw.seed), queries.row_specs(draw)):
        if slot.pick is None:  # pools overlap between rows: an earlier row took the last candidates
            rows[slot.row].shortfall += 1
            rows[slot.row].save(update_fields=["shortfall"])
            _tell_operators_shortfall(draw, rows[slot.row])
            continue
        seq += 1
        initial.append(_create_call(draw, rows[slot.row], slot.pick, seq, None, now))
    for call in initial:  # the pool was frozen at commitment: check each candidate again now
        reasons = queries.ineligible_now(draw, call.expert)
        if reasons:
            _skip(call, reasons)
            _redraw(draw, call.row, call, now)
        else:
            _notify_call(call)
    draw.status = DrawRequest.Status.DRAWN
    draw.drawn_at = now
    draw.save(update_fields=["status", "drawn_at"])
    calls = list(draw.calls.order_by("seq"))
    audit.record(
        draw,
        {
            "calls": len(calls),
            "notified": sum(c.status == DrawnExpert.Status.NOTIFIED for c in calls),
            "skipped": sum(c.status == DrawnExpert.Status.SKIPPED for c in calls),
            "shortfall": {str(r.index): r.shortfall for r in draw.rows.all() if r.shortfall},
            "checkpoint": {"seq": cp.seq, "tree_size": cp.tree_size, "root": cp.root},
            "rule": RANDOM_DRAW.citation,
        },
        role=role,
        sealed_by=draw,
    )
    return draw


def call_for_update(call_id: int) -> tuple[DrawRequest, DrawnExpert]:
    call = DrawnExpert.objects.filter(pk=call_id).values_list("draw_id", flat=True).first()
    if call is None:
        raise NotFound("call_not_found", "未找到该抽取通知", "No such call")
    draw = _draw_for_update(call)  # lock the draw: replacements take the next sequence numbers
    found = DrawnExpert.objects.select_related("expert", "row").get(pk=call_id)
    return draw, found


def _phone_note(
    call: DrawnExpert, evidence: PhoneEvidenceIn | None, now: datetime
) -> tuple[str, bytes, datetime]:
    """The operator records an answer given by phone only with the call's evidence: the call record
    number of the voice system, the time of the call (after the call was made, not in the future) and
    the uploaded note. Returns the note's file name and bytes, and the call time."""
    if evidence is None or not evidence.call_record_id.strip() or not evidence.note_base64.strip():
        raise InvalidInput(
            "call_evidence_required",
            "交易中心代专家记录电话答复的，须提供通话记录编号、通话时间和通话记录附件；否则应由专家本人在平台确认",
            "An answer recorded by the operator needs the call record number, its time and the uploaded note",
            rule=RANDOM_DRAW,
        )
    try:
        note = base64.b64decode(evidence.note_base64, validate=True)
    except (binascii.Error, ValueError):
        note = b""
    called_at = evidence.called_at
    if timezone.is_naive(called_at):
        called_at = timezone.make_aware(called_at)
    problems = []
    if not note or len(note) > NOTE_MAX_BYTES:
        problems.append(
            ("note", "通话记录附件为空、不是Base64或超过5MB", "the note is empty, not base64 or over 5 MB")
        )
    if not call.called_at - timedelta(minutes=1) <= called_at <= now:  # forms give whole minutes
        problems.append(
            ("called_at", "通话时间应在发出抽取通知之后、当前时间之前", "the call time is not after the call")
        )
    if problems:
        raise InvalidInput(
            "call_evidence_invalid",
            "通话证据不符合要求：" + "；".join(p[1] for p in problems),
            "The call evidence is not valid: " + "; ".join(p[2] for p in problems),
            details={"fields": [p[0] for p in problems]},
        )
    suffix = PurePath(evidence.note_name or "").suffix.lower()[:10] or ".bin"
    return f"{call.draw.number}-{call.seq}-{sm3_hex(note)[:16]}{suffix}", note, called_at


@action("experts.respond")
def respond(
    actor: Actor, call_id: int, accept: bool, reason: str = "", evidence: PhoneEvidenceIn | None = None
) -> DrawnExpert:
    """The drawn expert accepts or declines; or the lot's centre records the answer given by phone, with
    the call's evidence. A decline calls the next candidate of the same row from the same seeded
    sequence."""
    require_role(actor, Role.EXPERT, Role.OPERATOR)
    draw, call = call_for_update(call_id)
    if actor.user_id == call.expert.user_id:
        role, via = Role.EXPERT.value, "platform"
    elif actor.has(Role.OPERATOR):
        role, via = queries.require_node_operator(actor, draw.lot), "operator"
    else:
        raise PermissionDenied("not_your_call", "只能答复本人的抽取通知", "You may answer only your own call")
    if call.status != DrawnExpert.Status.NOTIFIED:
        raise Conflict(
            "call_answered",
            f"该通知已处理（{call.get_status_display()}）",
            f"This call is already '{call.status}'",
        )
    now = clock.now()
    if now > call.respond_by:
        raise Conflict(
            "call_expired",
            "已超过确认时限，视为不参加，系统已补抽",
            "The answer is late; the call counts as declined and another expert is drawn",
            rule=RESPONSE_WINDOW,
        )
    note = _phone_note(call, evidence, now) if via == "operator" else None
    replacement = None
    call.responded_at = now
    call.response_via = via
    call.responded_by = actor.name
    call.next_check = None
    if note is not None and evidence is not None:
        call.call_record_id = evidence.call_record_id.strip()[:64]
        call.call_made_at = note[2]
        call.call_note_sm3 = sm3_hex(note[1])
    if accept:
        if call.expert.status != Expert.Status.ACTIVE:
            raise Conflict(
                "expert_not_active",
                "您的评标资格目前不是正常状态，不能确认参加",
                "Your standing does not allow you to accept",
                rule=BLACKLIST,
            )
        call.status = DrawnExpert.Status.ACCEPTED
    else:
        call.status = DrawnExpert.Status.DECLINED
        call.decline_reason = reason.strip()[:300]
    if note is not None:
        call.call_note.save(note[0], ContentFile(note[1]), save=False)
    call.save()
    if not accept:
        replacement = _redraw(draw, call.row, call, now)
    if accept or via == "operator":  # committee repeats (S13); the operator's phone answers (S21)
        events.on_experts_drawn(draw)
    audit.record(
        call,
        {
            "draw": draw.number,
            "seq": call.seq,
            "accepted": accept,
            "replacement_seq": replacement.seq if replacement else None,
            "via": via,
            **(
                {
                    "evidence": {
                        "call_record_id": call.call_record_id,
                        "called_at": call.call_made_at,
                        "note_sm3": call.call_note_sm3,
                        "note_size": len(note[1]),
                    }
                }
                if note is not None
                else {}
            ),
        },
        role=role,
        sealed_by=draw,
    )
    return call


def expire_call(call_id: int, now: datetime) -> None:
    """Chronograph handler: no answer by the deadline counts as a decline and triggers the redraw."""
    _expire_call(Actor.system("chronograph"), call_id, now)


@action("experts.call_timeout")
def _expire_call(actor: Actor, call_id: int, now: datetime) -> None:
    draw, call = call_for_update(call_id)
    due = call.next_check is not None and call.next_check <= now
    late = due and call.status == DrawnExpert.Status.NOTIFIED and call.respond_by <= now
    replacement = None
    call.next_check = None if due else call.next_check
    if late:
        call.status = DrawnExpert.Status.NO_ANSWER
    call.save()
    if late:
        replacement = _redraw(draw, call.row, call, now)
    audit.record(
        call,
        {
            "draw": draw.number,
            "seq": call.seq,
            "no_answer": late,
            "replacement_seq": replacement.seq if replacement else None,
        },
        sealed_by=draw,
    )


@action("experts.print_sealed_list")
def print_sealed_list(actor: Actor, draw_id: int) -> queries.SealedList:
    """密封打印: at the start of the evaluation the lot's centre prints the committee's names (audited)."""
    require_role(actor, Role.OPERATOR)
    draw = _draw_for_update(draw_id)
    role = queries.require_node_operator(actor, draw.lot)
    queries.require_unsealed(draw)
    members = queries.committee(draw)
    wanted = sum(r.count for r in draw.rows.all())
    now = clock.now()
    audit.record(
        draw,
        {"printed": len(members), "seqs": [m.seq for m in members], "rule": NAMES_SECRET.citation},
        role=role,
        sealed_by=draw,
    )
    return queries.SealedList(draw, now, actor.name, members, max(0, wanted - len(members)))
