"""Pages of the expert library (专家库) and the random draw (专家抽取).

- the expert's own page (“我的专家信息”): profile with personal data masked, calls (抽取通知) to accept or
  decline, unavailable periods, conflicts of interest, the evaluations they sit on; and the application;
- the operator's draws: create, commit, execute, print the sealed list once the evaluation starts, verify;
- the operator's library: review pending applications (personal data masked).

Thin (DESIGN rule 1): forms only collect input, every change goes through `experts.actions`, a refusal is
shown with its message and rule (422, or 403/404 when it is about who the user is) and changes nothing;
successful posts redirect. Secret until its time (DESIGN rule 7): before a lot's evaluation starts the
draw pages show counts and the sealed sequence only, never a drawn expert's name or code; names are shown
only on the printout returned by the audited `print_sealed_list`.
"""

import base64
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import formset_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ggzy.evaluation.models import CommitteeMember
from ggzy.experts import actions, queries
from ggzy.experts import draw as pure
from ggzy.experts.actions.drawing import NOTE_MAX_BYTES
from ggzy.experts.models import DrawnExpert, DrawRequest, Expert, Specialty, TitleLevel
from ggzy.experts.rules import COMMITTEE_RULES, NAMES_SECRET
from ggzy.experts.schemas import DrawRequestIn, DrawRowIn, ExpertForm, PhoneEvidenceIn
from ggzy.kernel import clock
from ggzy.kernel.errors import GgzyError, InvalidInput, NotFound, PermissionDenied
from ggzy.kernel.pages import BeijingDateTimeField, refusal_status, shows_errors
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.auth import actor_from_request
from ggzy.registry.schemas import AccountIn
from ggzy.trading.models import Lot
from ggzy.trading.specs import SPECS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PROCEDURES = {s.id: s.name for s in SPECS.values()}
DRAW_LOT_STATES = [Lot.State.OPENING, Lot.State.EVALUATION]
DRAW_STATUS = dict(DrawRequest.Status.choices)
CALL_STATUS = dict(DrawnExpert.Status.choices)
CHANNELS = dict(DrawRequest.Channel.choices)
CHECKS = {
    "seed_format": "随机秘密与检查点Merkle根各为32字节",
    "commitment": "SM3(随机秘密)与抽取前公布的承诺一致",
    "beacon": "所用检查点为承诺之后签署的第一个审计检查点，平台签名有效",
    "seed": "随机种子 = SM3(随机秘密 ‖ 检查点Merkle根)",
    "pool_digest": "候选名单与抽取前公布的摘要一致",
    "replacement_rows": "补抽均在被替换专家的同一专业内",
    "calls": "抽取结果与随机种子复算结果一致",
}


def draw_view(draw: DrawRequest) -> dict[str, Any]:
    """What the draw pages show: counts and the sealed sequence (numbers and statuses, never names)."""
    out = queries.draw_out(draw)
    return {
        "out": out,
        "draw": draw,
        "status": DRAW_STATUS.get(out.status, out.status),
        "channel": CHANNELS.get(out.channel, out.channel),
        "called": len(out.sealed_list),
        "accepted": sum(r.accepted for r in out.rows),
        "wanted": sum(r.count for r in out.rows),
        "sealed": [{"entry": e, "status": CALL_STATUS.get(e.status, e.status)} for e in out.sealed_list],
        "excluded": [(pure.REASONS.get(k, k), n) for k, n in out.excluded_counts.items()],
    }


def specialty_choices() -> list[tuple[str, str]]:
    return [(s.code, f"{s.code} {s.name}") for s in Specialty.objects.order_by("code")]


# ---- forms (collect input only; the actions check it) --------------------------------------------


class ApplyForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=64)
    id_number = forms.CharField(
        label="居民身份证号码", max_length=32, help_text="只保存其加密摘要和后4位，用于“一人一档”核验"
    )
    mobile = forms.CharField(label="手机", max_length=20, help_text="用于短信/语音抽取通知，不公开")
    employer_name = forms.CharField(label="工作单位", max_length=200)
    employer_uscc = forms.CharField(label="工作单位统一社会信用代码", max_length=32)
    region_code = forms.CharField(
        label="所在地行政区划代码", max_length=6, help_text="如 640104（银川市兴庆区）"
    )
    title = forms.CharField(label="职称", max_length=64, help_text="如 高级工程师")
    title_level = forms.ChoiceField(label="职称等级", choices=TitleLevel.choices)
    practice_since = forms.DateField(label="从事本专业工作起始日期", widget=DATE)
    specialties = forms.MultipleChoiceField(
        label="评标专业", widget=forms.SelectMultiple(attrs={"size": 8}), help_text="可多选"
    )
    username = forms.CharField(label="登录用户名", max_length=150)
    password = forms.CharField(label="登录密码", widget=forms.PasswordInput)

    def __init__(self, *args: Any, with_account: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["specialties"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = specialty_choices()
        if not with_account:
            del self.fields["username"]
            del self.fields["password"]


class RespondForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "确认参加"), ("decline", "拒绝参加")])
    reason = forms.CharField(label="拒绝原因", max_length=300, required=False)


class PhoneAnswerForm(forms.Form):
    """The operator records an answer given by phone: only with the call's evidence."""

    seq = forms.TypedChoiceField(label="抽取顺序", coerce=int)
    decision = forms.ChoiceField(label="专家答复", choices=[("decline", "拒绝参加"), ("accept", "确认参加")])
    reason = forms.CharField(label="拒绝原因", max_length=300, required=False)
    call_record_id = forms.CharField(label="通话记录编号", max_length=64)
    called_at = BeijingDateTimeField(label="通话时间（北京时间）")
    note = forms.FileField(label="通话记录附件", help_text="录音文字记录或截图，5MB以内；SM3摘要记入审计日志")

    def __init__(self, *args: Any, seqs: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["seq"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(n, f"第{n}位") for n in seqs]


class UnavailableForm(forms.Form):
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期（含）", widget=DATE)
    reason = forms.CharField(label="原因（可选）", max_length=200, required=False)


class ConflictForm(forms.Form):
    entity_uscc = forms.CharField(label="有利害关系的单位统一社会信用代码", max_length=32)
    reason = forms.CharField(label="利害关系说明", max_length=300, required=False)


class DrawForm(forms.Form):
    lot_code = forms.ChoiceField(label="标段")
    representatives = forms.IntegerField(
        label="招标人代表人数（不抽取）", min_value=0, max_value=20, initial=0, required=False
    )
    evaluation_at = BeijingDateTimeField(label="评标时间（北京时间）")
    venue = forms.CharField(label="评标地点", max_length=200, required=False)
    channel = forms.ChoiceField(label="通知方式", choices=DrawRequest.Channel.choices, initial="voice")
    allowed_regions = forms.CharField(
        label="专家来源地区（可选）",
        max_length=200,
        required=False,
        help_text="行政区划代码，多个以逗号分隔；不填为本省。加入外省地区即为远程异地评标",
    )
    another_reason = forms.CharField(
        label="再次抽取理由",
        max_length=300,
        required=False,
        help_text="该标段已有抽取时必填；记录在案，并向主管部门预警",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lot_code"]
        assert isinstance(field, forms.ChoiceField)
        lots = Lot.objects.filter(state__in=DRAW_LOT_STATES).select_related("project").order_by("code")
        field.choices = [
            (lot.code, f"{lot.code} {lot.project.name} {lot.name}（{lot.get_state_display()}）")
            for lot in lots
        ]


class DrawRowForm(forms.Form):
    specialty = forms.ChoiceField(label="专业")
    count = forms.IntegerField(label="人数", min_value=1, max_value=50)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["specialty"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "——"), *specialty_choices()]


DrawRowFormSet = formset_factory(DrawRowForm, extra=3, max_num=10, absolute_max=10)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="理由", max_length=500, required=False, widget=forms.TextInput(attrs={"aria-label": "理由"})
    )


# ---- the expert's own page --------------------------------------------------------------------------


def _me_page(
    request: HttpRequest,
    actor: Actor,
    expert: Expert,
    *,
    error: GgzyError | None = None,
    status: int = 200,
    unavailable_form: UnavailableForm | None = None,
    conflict_form: ConflictForm | None = None,
) -> HttpResponse:
    now = clock.now()
    calls = list(
        expert.calls.select_related("draw__lot__project", "row__specialty").order_by("-called_at", "-pk")
    )
    seats = list(
        CommitteeMember.objects.filter(user_id=expert.user_id)
        .select_related("evaluation__lot__project")
        .order_by("-evaluation__started_at")
    )
    return render(
        request,
        "experts/me.html",
        {
            "expert": queries.expert_out(expert),
            "profile": expert,
            "specialties": list(expert.specialties.all()),
            "calls": [
                {"call": c, "open": c.status == DrawnExpert.Status.NOTIFIED and now <= c.respond_by}
                for c in calls
            ],
            "seats": seats,
            "unavailable": list(expert.unavailable.all()),
            "conflicts": list(expert.conflicts.all()),
            "unavailable_form": unavailable_form or UnavailableForm(),
            "conflict_form": conflict_form or ConflictForm(),
            "error": error,
        },
        status=status,
    )


@login_required
@shows_errors
def me(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    try:
        expert = queries.expert_of(actor)
    except NotFound:
        return redirect("experts:apply")
    return _me_page(request, actor, expert)


def _as_expert(request: HttpRequest, run: Callable[[Actor], object], text: str, **forms: Any) -> HttpResponse:
    actor = actor_from_request(request)
    expert = queries.expert_of(actor)
    try:
        run(actor)
    except GgzyError as exc:
        return _me_page(request, actor, expert, error=exc, status=refusal_status(exc), **forms)
    messages.success(request, text)
    return redirect("experts:me")


@login_required
@require_POST
@shows_errors
def respond(request: HttpRequest, call_id: int) -> HttpResponse:
    form = RespondForm(request.POST)
    form.is_valid()
    accept = form.cleaned_data.get("decision") == "accept"
    reason = form.cleaned_data.get("reason", "")
    return _as_expert(
        request,
        lambda actor: actions.respond(actor, call_id, accept, reason),
        "已确认参加评标。评标开始前请对抽取结果保密。" if accept else "已拒绝参加，系统将依序补抽。",
    )


@login_required
@require_POST
@shows_errors
def unavailable(request: HttpRequest) -> HttpResponse:
    form = UnavailableForm(request.POST)
    if not form.is_valid():
        actor = actor_from_request(request)
        return _me_page(request, actor, queries.expert_of(actor), unavailable_form=form, status=422)
    data = form.cleaned_data
    return _as_expert(
        request,
        lambda actor: actions.declare_unavailable(actor, data["starts_on"], data["ends_on"], data["reason"]),
        "已登记不可参评期间，期间内不会被抽取。",
        unavailable_form=form,
    )


@login_required
@require_POST
@shows_errors
def conflict(request: HttpRequest) -> HttpResponse:
    form = ConflictForm(request.POST)
    if not form.is_valid():
        actor = actor_from_request(request)
        return _me_page(request, actor, queries.expert_of(actor), conflict_form=form, status=422)
    data = form.cleaned_data
    return _as_expert(
        request,
        lambda actor: actions.declare_conflict(actor, data["entity_uscc"], data["reason"]),
        "已申报利害关系，今后不会被抽取参加该单位的项目评标。",
        conflict_form=form,
    )


# ---- the application ----------------------------------------------------------------------------------


def _may_apply(actor: Actor) -> bool:
    """True when the application opens an account too (signed out); refuses other signed-in users."""
    if not actor.is_authenticated:
        return True
    if not actor.has(Role.EXPERT):
        raise PermissionDenied(
            "expert_account_required",
            "已登录用户须使用评标专家账户申请；其他用户请退出后申请并开设专家账户",
            "Signed in, apply with an expert account; otherwise sign out and open one with the application",
        )
    return False


@shows_errors
def apply(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    with_account = _may_apply(actor)
    if not with_account and Expert.objects.filter(user_id=actor.user_id or 0).exists():
        return redirect("experts:me")
    form = ApplyForm(request.POST or None, with_account=with_account)
    error: GgzyError | None = None
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            expert_form = ExpertForm(
                name=data["name"],
                id_number=data["id_number"],
                mobile=data["mobile"],
                employer_name=data["employer_name"],
                employer_uscc=data["employer_uscc"],
                region_code=data["region_code"],
                title=data["title"],
                title_level=data["title_level"],
                practice_since=data["practice_since"],
                specialties=data["specialties"],
            )
            account = (
                AccountIn(
                    username=data["username"],
                    password=data["password"],
                    name=data["name"],
                    mobile=data["mobile"],
                )
                if with_account
                else None
            )
            try:
                expert = actions.apply(actor, expert_form, account)
            except GgzyError as exc:
                error, status = exc, refusal_status(exc)
            else:
                messages.success(request, f"入库申请已提交，专家编号{expert.code}，请等待交易中心审核。")
                return redirect("experts:me" if not with_account else "experts:applied")
    return render(
        request,
        "experts/apply.html",
        {"form": form, "error": error, "with_account": with_account},
        status=status,
    )


def applied(request: HttpRequest) -> HttpResponse:
    return render(request, "experts/applied.html")


# ---- draws (operator; regulators read) -----------------------------------------------------------------


def require_draw_desk(actor: Actor) -> bool:
    """The draw pages are for the operator (who acts) and regulators (who read). True for the operator."""
    if actor.has(Role.OPERATOR):
        return True
    if actor.has(Role.REGULATOR):
        return False
    raise PermissionDenied(
        "role_required",
        "此页面供交易中心和行政监督部门使用",
        "This page is for the platform operator and regulators",
        details={"roles": [Role.OPERATOR.value, Role.REGULATOR.value]},
    )


def split_codes(text: str) -> list[str]:
    return [c for c in (text or "").replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if c]


def _draws_page(
    request: HttpRequest,
    actor: Actor,
    *,
    form: DrawForm | None = None,
    rows: Any = None,
    error: GgzyError | None = None,
    status: int = 200,
) -> HttpResponse:
    operator = require_draw_desk(actor)
    recent = DrawRequest.objects.select_related("lot__project__node").order_by("-created_at", "-pk")[:300]
    draws = [
        d for d in recent if queries.node_staff(actor, d.lot) or queries.supervising_regulator(actor, d.lot)
    ]
    draws = draws[:100]
    return render(
        request,
        "experts/draws.html",
        {
            "draws": [draw_view(d) for d in draws],
            "operator": operator,
            "form": form or DrawForm(),
            "rows": rows if rows is not None else DrawRowFormSet(prefix="rows"),
            "error": error,
            "rule": NAMES_SECRET,
            "committee_rule": COMMITTEE_RULES["construction_tender"].min_members.legal,
        },
        status=status,
    )


@login_required
@shows_errors
def draws(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    if request.method != "POST":
        return _draws_page(request, actor)
    if not require_draw_desk(actor):
        raise PermissionDenied(
            "role_required", "只有交易中心可以发起专家抽取", "Only the operator draws experts"
        )
    form = DrawForm(request.POST)
    rows = DrawRowFormSet(request.POST, prefix="rows")
    if not (form.is_valid() and rows.is_valid()):
        return _draws_page(request, actor, form=form, rows=rows, status=422)
    data = form.cleaned_data
    draw_in = DrawRequestIn(
        lot_code=data["lot_code"],
        rows=[DrawRowIn(specialty=r["specialty"], count=r["count"]) for r in rows.cleaned_data if r],
        representatives=data["representatives"] or 0,
        evaluation_at=data["evaluation_at"],
        venue=data["venue"],
        channel=data["channel"],
        allowed_regions=split_codes(data["allowed_regions"]),
        another_reason=data["another_reason"],
    )
    try:
        draw = actions.create_draw(actor, draw_in)
    except GgzyError as exc:
        return _draws_page(request, actor, form=form, rows=rows, error=exc, status=refusal_status(exc))
    messages.success(request, f"抽取{draw.number}已创建。请确定候选名单并承诺随机种子。")
    return redirect("experts:draw", draw_id=draw.pk)


def _draw_page(
    request: HttpRequest,
    actor: Actor,
    draw: DrawRequest,
    *,
    error: GgzyError | None = None,
    status: int = 200,
    phone_form: PhoneAnswerForm | None = None,
) -> HttpResponse:
    require_draw_desk(actor)
    queries.require_draw_reader(actor, draw)  # the lot's centre and its supervising department
    operator = queries.node_staff(actor, draw.lot) and actor.has(Role.OPERATOR)
    verification = queries.verification_view(draw) if draw.status == DrawRequest.Status.DRAWN else None
    waiting = list(
        draw.calls.filter(status=DrawnExpert.Status.NOTIFIED, respond_by__gte=clock.now())
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    return render(
        request,
        "experts/draw.html",
        {
            "d": draw_view(draw),
            "operator": operator,
            "verification": verification,
            "checks": [(CHECKS.get(k, k), v) for k, v in verification.checks.items()] if verification else [],
            "procedure": PROCEDURES.get(draw.procedure, draw.procedure),
            "phone_form": (phone_form or PhoneAnswerForm(seqs=waiting)) if operator and waiting else None,
            "error": error,
            "rule": NAMES_SECRET,
        },
        status=status,
    )


@login_required
@shows_errors
def draw_detail(request: HttpRequest, draw_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    require_draw_desk(actor)
    return _draw_page(request, actor, queries.draw_or_404(draw_id))


def _on_draw(request: HttpRequest, draw_id: int, run: Callable[[Actor], object], text: str) -> HttpResponse:
    actor = actor_from_request(request)
    require_draw_desk(actor)
    draw = queries.draw_or_404(draw_id)
    try:
        run(actor)
    except GgzyError as exc:
        return _draw_page(request, actor, draw, error=exc, status=refusal_status(exc))
    messages.success(request, text)
    return redirect("experts:draw", draw_id=draw.pk)


@login_required
@require_POST
@shows_errors
def commit(request: HttpRequest, draw_id: int) -> HttpResponse:
    return _on_draw(
        request,
        draw_id,
        lambda actor: actions.commit_draw(actor, draw_id),
        "候选名单已冻结，随机种子的SM3承诺已公布。",
    )


@login_required
@require_POST
@shows_errors
def execute(request: HttpRequest, draw_id: int) -> HttpResponse:
    return _on_draw(
        request,
        draw_id,
        lambda actor: actions.execute_draw(actor, draw_id),
        "已随机抽取并通知专家。评标开始前抽取结果密封保存。",
    )


@login_required
@require_POST
@shows_errors
def phone_answer(request: HttpRequest, draw_id: int) -> HttpResponse:
    """The operator records an expert's answer given by phone, with the call record and the note."""
    actor = actor_from_request(request)
    require_draw_desk(actor)
    draw = queries.draw_or_404(draw_id)
    queries.require_draw_reader(actor, draw)
    seqs = list(draw.calls.filter(status=DrawnExpert.Status.NOTIFIED).values_list("seq", flat=True))
    form = PhoneAnswerForm(request.POST, request.FILES, seqs=seqs)
    if not form.is_valid():
        error = InvalidInput(
            "call_evidence_required",
            "请填写通话记录编号、通话时间并上传通话记录附件",
            "The call record number, its time and the note are required",
        )
        return _draw_page(request, actor, draw, error=error, status=422, phone_form=form)
    data = form.cleaned_data
    call = draw.calls.get(seq=data["seq"])
    upload = data["note"]
    if upload.size > NOTE_MAX_BYTES:
        error = InvalidInput("call_evidence_invalid", "通话记录附件超过5MB", "The note is over 5 MB")
        return _draw_page(request, actor, draw, error=error, status=422, phone_form=form)
    evidence = PhoneEvidenceIn(
        call_record_id=data["call_record_id"],
        called_at=data["called_at"],
        note_name=upload.name or "",
        note_base64=base64.b64encode(upload.read()).decode(),
    )
    accept = data["decision"] == "accept"
    try:
        actions.respond(actor, call.pk, accept, data["reason"], evidence)
    except GgzyError as exc:
        return _draw_page(request, actor, draw, error=exc, status=refusal_status(exc), phone_form=form)
    messages.success(
        request,
        f"已记录第{call.seq}位专家的电话答复（{'确认参加' if accept else '拒绝参加，已依序补抽'}），通话证据已存档。",
    )
    return redirect("experts:draw", draw_id=draw.pk)


@login_required
@require_POST
@shows_errors
def sealed_list(request: HttpRequest, draw_id: int) -> HttpResponse:
    """密封打印: the printout is this answer (audited by the action), never a page anyone can reload."""
    actor = actor_from_request(request)
    require_draw_desk(actor)
    draw = queries.draw_or_404(draw_id)
    try:
        sealed = actions.print_sealed_list(actor, draw.pk)
    except GgzyError as exc:
        return _draw_page(request, actor, draw, error=exc, status=refusal_status(exc))
    response = render(
        request, "experts/sealed_list.html", {"draw": draw, "sealed": sealed, "rule": NAMES_SECRET}
    )
    response["Cache-Control"] = "no-store"
    return response


# ---- the library (operator reviews; regulators read) -----------------------------------------------


def _library_page(
    request: HttpRequest, actor: Actor, *, error: GgzyError | None = None, status: int = 200
) -> HttpResponse:
    operator = require_draw_desk(actor)
    state = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    qs = queries.experts()
    if state:
        qs = qs.filter(status=state)
    if q:
        qs = qs.filter(name__contains=q)
    experts = list(qs.order_by("code")[:200])
    return render(
        request,
        "experts/library.html",
        {
            "experts": [(e, queries.expert_out(e)) for e in experts],
            "operator": operator,
            "state": state,
            "q": q,
            "states": Expert.Status.choices,
            "pending": Expert.objects.filter(status=Expert.Status.PENDING).count(),
            "reason_form": ReasonForm(auto_id=False),
            "error": error,
        },
        status=status,
    )


@login_required
@shows_errors
def library(request: HttpRequest) -> HttpResponse:
    return _library_page(request, actor_from_request(request))


def _review(request: HttpRequest, run: Callable[[Actor], Expert], text: str) -> HttpResponse:
    actor = actor_from_request(request)
    require_draw_desk(actor)
    try:
        expert = run(actor)
    except GgzyError as exc:
        return _library_page(request, actor, error=exc, status=refusal_status(exc))
    messages.success(request, f"专家{expert.code}{text}")
    return redirect(reverse("experts:library") + "?status=pending")


@login_required
@require_POST
@shows_errors
def approve(request: HttpRequest, code: str) -> HttpResponse:
    return _review(request, lambda actor: actions.approve(actor, code), "已审核通过，入选专家库。")


@login_required
@require_POST
@shows_errors
def reject(request: HttpRequest, code: str) -> HttpResponse:
    form = ReasonForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    return _review(request, lambda actor: actions.reject(actor, code, reason), "未通过审核，已通知申请人。")
