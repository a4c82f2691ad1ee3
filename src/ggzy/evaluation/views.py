"""Pages of the evaluation room (评标室), the bidder's clarifications and objections (评标澄清与异议), and
the award (定标与合同).

Thin (DESIGN rule 1): Django forms only collect input, every change goes through an existing action
(`evaluation.actions`, `evaluation.award`, `experts.actions.print_sealed_list`, `services.archive`,
`bidding.actions.refund_bond`), and a refusal is shown with its code, Chinese and English message and the
rule it cites (status 422, or 403/404 when it is about who the user is; nothing changed). Successful
posts redirect (POST-redirect-GET). Reads are plain ORM queries.

Confidential (DESIGN rule 7, 12号令 第8条): no evaluation page is public. The room is for the committee and,
read-only, for the project's principal and agent and for the operator and regulators; bid contents are
shown to signed-in members and overseers only, and members' names to the principal and agent only once the
report exists. The committee's names reach the operator only through the audited sealed-list printing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ggzy.bidding.actions import deposit_interest, refund_bond
from ggzy.bidding.models import Bid, Bond
from ggzy.evaluation import actions, award
from ggzy.evaluation.models import (
    Award,
    Candidate,
    Clarification,
    CommitteeMember,
    Evaluation,
    EvaluationPlan,
    Rejection,
    Score,
)
from ggzy.evaluation.rules import REJECTION_GROUNDS, award_rules_for, evaluation_rules_for
from ggzy.evaluation.schemas import CommitteeIn
from ggzy.experts.actions import print_sealed_list
from ggzy.experts.models import DrawRequest, Expert
from ggzy.experts.rules import NAMES_SECRET, RANDOM_DRAW
from ggzy.kernel import clock
from ggzy.kernel.errors import GgzyError, InvalidInput, NotFound, PermissionDenied
from ggzy.kernel.pages import BeijingDateTimeField, act_then_redirect, refusal_status, remaining, shows_errors
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.auth import actor_from_request
from ggzy.registry.models import Account, Entity
from ggzy.registry.queries import bidder_of
from ggzy.services.archive import FINISHED, archive_lot
from ggzy.services.models import ArchivePackage
from ggzy.trading.actions import local_date
from ggzy.trading.models import OPENED_STATES, Lot, Objection
from ggzy.trading.queries import is_overseer, is_party, is_staff, overseen_projects
from ggzy.trading.specs import spec_for

S = Lot.State
# Lots that have reached their evaluation (the room and the award page have something to show).
EVALUATED_STATES = sorted(OPENED_STATES)

SIGN_IN_HELP = (
    "粘贴本人数字证书中的SM2公钥（PEM或十六进制）。私钥始终保存在本人的证书介质（UKey）或CA客户端中，"
    "平台从不接触私钥；签署评标报告时须使用同一证书。"
)
SIGNATURE_HELP = (
    "先下载评标报告PDF，用本人数字证书的CA客户端（证书助手/UKey工具）对PDF文件原文作SM2签名"
    "（签名ID 1234567812345678，DER编码），将十六进制签名粘贴于此。签名在本人电脑上完成，平台从不持有私钥，"
    "只用签到时登记的公钥验证签名；报告的SM3摘要见上，可核对所签文件未被改动。"
)

# ---- forms (collect input only; the actions check it) --------------------------------------------


class SignInForm(forms.Form):
    public_key = forms.CharField(
        label="本人数字证书SM2公钥（PEM或十六进制）",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=SIGN_IN_HELP,
    )
    no_conflict = forms.BooleanField(
        label="本人承诺：与本标段投标人不存在利害关系，不存在应当回避的情形（招标投标法 第37条）",
        required=False,
    )


def bid_choices(bids: list[Bid]) -> list[tuple[str, str]]:
    return [(b.receipt_no, f"{b.bidder.name}（{b.receipt_no}）") for b in bids]


class RejectForm(forms.Form):
    receipt_no = forms.ChoiceField(label="投标")
    ground = forms.ChoiceField(
        label="否决情形（招标投标法实施条例 第51条）", choices=list(REJECTION_GROUNDS.items())
    )
    reason = forms.CharField(
        label="评标委员会意见（理由）", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, bids: list[Bid], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["receipt_no"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = bid_choices(bids)


class AskForm(forms.Form):
    receipt_no = forms.ChoiceField(label="投标")
    question = forms.CharField(label="澄清问题", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, bids: list[Bid], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["receipt_no"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = bid_choices(bids)


class ScoreForm(forms.Form):
    """One number per (bid, criterion); the range is the action's to check (the plan's maxima)."""

    def __init__(
        self,
        *args: Any,
        bids: list[Bid],
        criteria: list[Any],
        mine: dict[tuple[int, str], Decimal],
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.cells: list[tuple[Bid, list[str]]] = []
        for bid in bids:
            names = []
            for c in criteria:
                name = self.field_name(bid.receipt_no, c.code)
                self.fields[name] = forms.DecimalField(
                    label=f"{bid.bidder.name} {c.name}",
                    required=False,
                    max_digits=6,
                    decimal_places=2,
                    initial=mine.get((bid.pk, c.code)),
                    widget=forms.NumberInput(
                        attrs={
                            "min": "0",
                            "max": str(c.max_points),
                            "step": "0.01",
                            "aria-label": f"{c.name}",
                        }
                    ),
                )
                names.append(name)
            self.cells.append((bid, names))

    @staticmethod
    def field_name(receipt_no: str, code: str) -> str:
        return f"score__{receipt_no}__{code}"

    def rows(self) -> list[tuple[Bid, list[forms.BoundField]]]:
        return [(bid, [self[name] for name in names]) for bid, names in self.cells]

    def scores(self) -> dict[str, dict[str, Decimal]]:
        result: dict[str, dict[str, Decimal]] = {}
        for name, value in self.cleaned_data.items():
            if value is None:
                continue
            _, receipt_no, code = name.split("__", 2)
            result.setdefault(receipt_no, {})[code] = value
        return result


class SignatureForm(forms.Form):
    signature = forms.CharField(
        label="SM2签名（十六进制）", widget=forms.Textarea(attrs={"rows": 3}), help_text=SIGNATURE_HELP
    )


class SeatForm(forms.Form):
    """Seating the committee: the experts of the printed sealed list and the principal's representatives."""

    experts = forms.MultipleChoiceField(
        label="随机抽取并确认参加的评标专家", widget=forms.CheckboxSelectMultiple, required=False
    )
    representatives = forms.MultipleChoiceField(
        label="招标人代表", widget=forms.CheckboxSelectMultiple, required=False
    )
    chair = forms.ChoiceField(label="评标委员会组长")
    hours = forms.IntegerField(label="计划评标时长（小时）", min_value=1, max_value=72, initial=8)

    def __init__(
        self, *args: Any, experts: list[tuple[str, str]], representatives: list[tuple[str, str]], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        for name, choices in (("experts", experts), ("representatives", representatives)):
            field = self.fields[name]
            assert isinstance(field, forms.MultipleChoiceField)
            field.choices = choices
        chair = self.fields["chair"]
        assert isinstance(chair, forms.ChoiceField)
        chair.choices = experts + representatives


class PublicityForm(forms.Form):
    publicity_from = BeijingDateTimeField(label="公示开始时间（北京时间）")
    publicity_until = BeijingDateTimeField(label="公示结束时间（北京时间）")


class WinnerForm(forms.Form):
    receipt_no = forms.ChoiceField(label="中标人（从中标候选人中确定）")
    # Procurement only (87号令 第68条): why the first-ranked candidate is passed over.
    reason = forms.CharField(
        label="未确定排名第一的中标候选人的理由（按顺序确定时不填）",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, candidates: list[Candidate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["receipt_no"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (c.bid.receipt_no, f"第{c.rank}名 {c.bid.bidder.name}（{c.price}元）") for c in candidates
        ]


class ContractForm(forms.Form):
    amount = forms.DecimalField(label="合同金额（元）", max_digits=16, decimal_places=2)
    performance_bond = forms.DecimalField(
        label="履约保证金（元）", max_digits=14, decimal_places=2, initial=0, required=False
    )
    contract_sm3 = forms.CharField(
        label="合同文本SM3摘要",
        max_length=64,
        required=False,
        help_text="双方签章后的电子合同文件的SM3摘要（64位十六进制），用于日后核验合同文本未被改动",
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="澄清说明", widget=forms.Textarea(attrs={"rows": 3, "aria-label": "澄清说明"}), required=False
    )


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label="异议内容", widget=forms.Textarea(attrs={"rows": 3, "aria-label": "异议内容"}), required=False
    )


class ObjectionAnswerForm(forms.Form):
    """Same field as trading's answer form: the objection is answered on trading's answer page."""

    answer = forms.CharField(
        label="答复", widget=forms.Textarea(attrs={"rows": 2, "aria-label": "答复"}), required=False
    )


# ---- reads -----------------------------------------------------------------------------------------


def find_lot(code: str) -> Lot:
    lot = (
        Lot.objects.select_related("project__principal", "project__agent", "notice").filter(code=code).first()
    )
    if lot is None:
        raise NotFound("lot_not_found", f"未找到标段{code}", f"No lot {code}")
    return lot


@dataclass
class Room:
    lot: Lot
    evaluation: Evaluation | None
    member: CommitteeMember | None
    party: bool  # the project's principal or agent (read-only unless also a member)
    overseer: bool  # operator or regulator (read-only)
    operator: bool

    @property
    def ready(self) -> bool:
        m = self.member
        return m is not None and m.signed_in_at is not None and m.no_conflict_declared_at is not None

    @property
    def in_progress(self) -> bool:
        return self.evaluation is not None and self.evaluation.status == Evaluation.Status.IN_PROGRESS


def room_for(actor: Actor, code: str) -> Room:
    lot = find_lot(code)
    evaluation = Evaluation.objects.filter(lot=lot).first()
    member = evaluation.members.filter(user_id=actor.user_id or 0).first() if evaluation else None
    party, overseer = is_party(actor, lot.project), is_overseer(actor, lot.project)
    if not (member or party or overseer):
        raise PermissionDenied(
            "evaluation_confidential",
            "评标过程保密，仅评标委员会成员、本项目招标人或代理机构和监督人员可以查看",
            "The evaluation is confidential: committee, the project's parties and overseers only",
        )
    return Room(lot, evaluation, member, party, overseer, actor.has(Role.OPERATOR))


def member_names(evaluation: Evaluation) -> dict[int, str]:
    """Display names of the members: the expert's name, else the account's name."""
    members = list(evaluation.members.select_related("user"))
    experts = dict(
        Expert.objects.filter(user_id__in=[m.user_id for m in members]).values_list("user_id", "name")
    )
    return {m.user_id: experts.get(m.user_id) or m.user.first_name or m.user.username for m in members}


def decrypted_bids(lot: Lot) -> list[Bid]:
    return list(actions.standing_bids(lot).select_related("bidder").order_by("submitted_at", "pk"))


def bond_rows(lot: Lot) -> list[dict[str, Any]]:
    now = clock.now()
    rows = []
    for bond in Bond.objects.filter(lot=lot, kind=Bond.Kind.DEPOSIT).select_related("bidder", "lot"):
        paid = bond.status == Bond.Status.PAID
        rows.append(
            {
                "bond": bond,
                "accrued": deposit_interest(bond, now) if paid else bond.interest,
                "overdue": paid and bond.refund_due is not None and now > bond.refund_due,
            }
        )
    return rows


def _room_page(
    request: HttpRequest,
    actor: Actor,
    room: Room,
    *,
    error: GgzyError | None = None,
    status: int = 200,
    sign_in_form: SignInForm | None = None,
    score_form: ScoreForm | None = None,
    reject_form: RejectForm | None = None,
    ask_form: AskForm | None = None,
    signature_form: SignatureForm | None = None,
    **negotiation_forms: Any,
) -> HttpResponse:
    lot, evaluation, member = room.lot, room.evaluation, room.member
    now = clock.now()
    plan = actions.plan_of(lot)
    spec = spec_for(lot)
    context: dict[str, Any] = {
        "room": room,
        "spec": spec,
        "words": spec.wording,
        # The bid form's fields as the lot's method defines them (price first), for the committee's table.
        "form_fields": [f for f in spec.bid_form if f.name != "price"],
        "low_price_rule": evaluation_rules_for(lot).abnormally_low,
        "lot": lot,
        "project": lot.project,
        "evaluation": evaluation,
        "member": member,
        "plan": plan,
        "method_label": dict(EvaluationPlan.Method.choices).get(plan.method, plan.method),
        "rules": award_rules_for(lot),
        "error": error,
        "now": now,
    }
    if evaluation is not None:
        names = member_names(evaluation)
        members = list(evaluation.members.select_related("user").order_by("-is_chair", "kind", "pk"))
        reported = evaluation.status != Evaluation.Status.IN_PROGRESS
        context.update(
            {
                "members": [(m, names[m.user_id]) for m in members],
                "show_names": member is not None or room.overseer or reported,
                "signed_count": sum(m.signed_report_at is not None for m in members),
                "asking": sum(m.asked_extension_at is not None for m in members),
                "time_left": remaining(evaluation.planned_end, now),
                "my_name": names.get(member.user_id) if member else None,
            }
        )
        if member is not None and not room.ready:
            context["sign_in_form"] = sign_in_form or SignInForm()
        if room.ready or room.overseer:
            bids = decrypted_bids(lot)
            rejections = {r.bid_id: r for r in Rejection.objects.filter(evaluation=evaluation)}
            context["bids"] = [
                {
                    "bid": b,
                    "form": b.bid_form or {},
                    "fields": [(b.bid_form or {}).get(f.name) for f in spec.bid_form if f.name != "price"],
                    "files": [f["name"] for f in b.manifest.get("files", [])],
                    "rejection": rejections.get(b.pk),
                    "ground": REJECTION_GROUNDS.get(rejections[b.pk].ground, "")
                    if b.pk in rejections
                    else "",
                }
                for b in bids
            ]
            context["clarifications"] = list(
                evaluation.clarifications.select_related("bid__bidder").order_by("asked_at", "pk")
            )
            if room.in_progress:
                context["low_prices"] = actions.unresolved_low_prices(evaluation)
        if room.ready and room.in_progress:
            assert member is not None
            valid = actions.valid_bids(evaluation)
            mine = {(s.bid_id, s.criterion): s.points for s in Score.objects.filter(member=member)}
            context["score_form"] = score_form or ScoreForm(bids=valid, criteria=plan.criteria, mine=mine)
            context["ask_form"] = ask_form or AskForm(bids=valid)
            if member.is_chair:
                context["reject_form"] = reject_form or RejectForm(bids=valid)
        if spec.rules.negotiation is not None and (room.ready or room.overseer or room.party):
            # Imported here: the negotiation pages build on this module (the room, its refusals).
            from ggzy.evaluation.negotiation_views import panel_context

            context.update(panel_context(room, **negotiation_forms))
        if reported:
            context["report_html"] = evaluation.report_html
            if (
                room.ready
                and member is not None
                and member.signed_report_at is None
                and evaluation.status == Evaluation.Status.SIGNING
            ):
                context["signature_form"] = signature_form or SignatureForm()
    elif room.operator and lot.state == S.EVALUATION:
        context["draw"] = (
            DrawRequest.objects.filter(lot=lot, status=DrawRequest.Status.DRAWN).order_by("-pk").first()
        )
    if lot.state in FINISHED or lot.state == S.ARCHIVED:
        context["package"] = ArchivePackage.objects.filter(lot=lot).first()
        context["can_archive"] = room.operator and lot.state in FINISHED and context["package"] is None
    if lot.state in (S.CONTRACTED, S.ARCHIVED) and room.overseer:
        context["bonds"] = bond_rows(lot)
    return render(request, "evaluation/room.html", context, status=status)


# ---- the room ---------------------------------------------------------------------------------------


@login_required
@shows_errors
def room(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    return _room_page(request, actor, room_for(actor, code))


def _after(
    request: HttpRequest, actor: Actor, room: Room, run: Callable[[], object], text: str, **forms: Any
) -> HttpResponse:
    """Run an action; on success back to the room, on refusal show it there (nothing changed)."""
    return act_then_redirect(
        request,
        run,
        text,
        reverse("evaluation:room", kwargs={"code": room.lot.code}),
        lambda exc: _room_page(request, actor, room, error=exc, status=refusal_status(exc), **forms),
    )


@login_required
@require_POST
@shows_errors
def sign_in(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    room = room_for(actor, code)
    form = SignInForm(request.POST)
    if not form.is_valid():
        return _room_page(request, actor, room, sign_in_form=form, status=422)
    data = form.cleaned_data
    return _after(
        request,
        actor,
        room,
        lambda: actions.sign_in(actor, code, data["public_key"], data["no_conflict"]),
        "已签到并声明无利害关系。",
        sign_in_form=form,
    )


@login_required
@require_POST
@shows_errors
def scores(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    room = room_for(actor, code)
    if room.evaluation is None or room.member is None:
        raise PermissionDenied("not_a_member", "您不是本标段评标委员会成员", "You are not on this committee")
    plan = actions.plan_of(room.lot)
    form = ScoreForm(request.POST, bids=actions.valid_bids(room.evaluation), criteria=plan.criteria, mine={})
    if not form.is_valid():
        return _room_page(request, actor, room, score_form=form, status=422)
    items = form.scores()
    return _after(
        request,
        actor,
        room,
        lambda: actions.submit_scores(actor, code, items),
        "评分已保存。结束评分前可以修改。",
        score_form=form,
    )


@login_required
@require_POST
@shows_errors
def reject(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    room = room_for(actor, code)
    form = RejectForm(request.POST, bids=decrypted_bids(room.lot))
    if not form.is_valid():
        return _room_page(request, actor, room, reject_form=form, status=422)
    data = form.cleaned_data
    return _after(
        request,
        actor,
        room,
        lambda: actions.reject_bid(actor, code, data["receipt_no"], data["ground"], data["reason"]),
        "已记录否决投标。",
        reject_form=form,
    )


@login_required
@require_POST
@shows_errors
def ask(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    room = room_for(actor, code)
    form = AskForm(request.POST, bids=decrypted_bids(room.lot))
    if not form.is_valid():
        return _room_page(request, actor, room, ask_form=form, status=422)
    data = form.cleaned_data
    return _after(
        request,
        actor,
        room,
        lambda: actions.ask_bidder(actor, code, data["receipt_no"], data["question"]),
        "澄清要求已发送给投标人。",
        ask_form=form,
    )


@login_required
@require_POST
@shows_errors
def extension(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    room = room_for(actor, code)
    return _after(
        request, actor, room, lambda: actions.ask_extension(actor, code), "已记录您延长评标时间的意见。"
    )


@login_required
@require_POST
@shows_errors
def finish(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    room = room_for(actor, code)
    return _after(
        request,
        actor,
        room,
        lambda: actions.finish_scoring(actor, code),
        "评分已结束，评标报告已生成，请各成员签署。",
    )


@login_required
@require_POST
@shows_errors
def sign_report(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    room = room_for(actor, code)
    form = SignatureForm(request.POST)
    if not form.is_valid():
        return _room_page(request, actor, room, signature_form=form, status=422)
    signature = form.cleaned_data["signature"]
    return _after(
        request,
        actor,
        room,
        lambda: actions.sign_report(actor, code, signature),
        "您的签名已通过验证并记录。",
        signature_form=form,
    )


@login_required
@shows_errors
def report_pdf(request: HttpRequest, code: str) -> HttpResponseBase:
    room = room_for(actor_from_request(request), code)
    evaluation = room.evaluation
    if evaluation is None or not evaluation.report_pdf:
        raise NotFound("report_missing", "评标报告尚未生成", "No report yet")
    response = FileResponse(
        evaluation.report_pdf.open("rb"),
        as_attachment=True,
        filename=f"{room.lot.code}-评标报告.pdf",
        content_type="application/pdf",
    )
    response["X-Content-SM3"] = evaluation.report_sm3
    return response


@login_required
@shows_errors
def bid_file(request: HttpRequest, code: str, receipt_no: str, name: str) -> HttpResponseBase:
    """A member reads one decrypted bid file: the action records every read."""
    data = actions.read_bid_file(actor_from_request(request), code, receipt_no, name)
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = _attachment(name)
    response["Cache-Control"] = "no-store"
    return response


def _attachment(name: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(name.rsplit('/', 1)[-1])}"


# ---- the operator: seat the committee, archive, refund deposits ---------------------------------


def _latest_draw(lot: Lot) -> DrawRequest:
    draw = DrawRequest.objects.filter(lot=lot, status=DrawRequest.Status.DRAWN).order_by("-pk").first()
    if draw is None:
        raise InvalidInput(
            "experts_not_drawn",
            "评标专家须由计算机随机抽取，本标段尚未完成抽取",
            "No draw for this lot",
            rule=RANDOM_DRAW,
        )
    return draw


def representative_choices(lot: Lot) -> list[tuple[str, str]]:
    users = User.objects.filter(
        account__entity=lot.project.principal, account__kind=Account.Kind.ENTITY
    ).order_by("username")
    return [(u.username, f"{u.first_name or u.username}（{u.username}）") for u in users]


@login_required
@require_POST
@shows_errors
def committee(request: HttpRequest, code: str) -> HttpResponse:
    """密封打印: the operator prints the committee (audited) and, on the printout, seats it."""
    actor = actor_from_request(request)
    room = room_for(actor, code)
    try:
        sealed = print_sealed_list(actor, _latest_draw(room.lot).pk)
    except GgzyError as exc:
        return _room_page(request, actor, room, error=exc, status=refusal_status(exc))
    experts = [
        (m.expert.user.username, f"{m.expert.name}（{m.expert.code}，{m.row.specialty.name}）")
        for m in sealed.members
    ]
    form = SeatForm(
        experts=experts,
        representatives=representative_choices(room.lot),
        initial={"experts": [u for u, _ in experts], "chair": experts[0][0] if experts else None},
    )
    response = render(
        request,
        "evaluation/seat.html",
        {"lot": room.lot, "project": room.lot.project, "sealed": sealed, "form": form, "rule": NAMES_SECRET},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
@shows_errors
def start(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    room = room_for(actor, code)
    posted = [(v, v) for v in request.POST.getlist("experts")]
    reps = [(v, v) for v in request.POST.getlist("representatives")]
    form = SeatForm(request.POST, experts=posted, representatives=reps)
    if not form.is_valid():
        error = InvalidInput(
            "committee_form", "请选择评标委员会成员和组长", "Choose the members and the chair"
        )
        return _room_page(request, actor, room, error=error, status=422)
    data = form.cleaned_data
    seat = CommitteeIn(
        experts=data["experts"],
        representatives=data["representatives"],
        chair=data["chair"],
        hours=data["hours"],
    )
    return _after(
        request,
        actor,
        room,
        lambda: actions.start_evaluation(actor, code, seat),
        "评标委员会已组建，评标开始，已通知各成员签到。",
    )


@login_required
@require_POST
@shows_errors
def archive(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    room = room_for(actor, code)
    try:
        package = archive_lot(actor, code)
    except GgzyError as exc:
        return _room_page(request, actor, room, error=exc, status=refusal_status(exc))
    messages.success(request, f"已归档：{package.file_count}个文件，Merkle根（SM3）{package.merkle_root}。")
    return redirect("evaluation:room", code=room.lot.code)


@login_required
@require_POST
@shows_errors
def refund(request: HttpRequest, bond_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    bond = Bond.objects.select_related("lot").filter(pk=bond_id).first()
    if bond is None:
        raise NotFound("bond_not_found", "未找到保证金记录", "No such bond")
    room = room_for(actor, bond.lot.code)
    return _after(
        request, actor, room, lambda: refund_bond(actor, bond_id), "投标保证金已退还（含银行同期存款利息）。"
    )


# ---- lists -----------------------------------------------------------------------------------------


@login_required
@shows_errors
def lots(request: HttpRequest) -> HttpResponse:
    """The principal's or agent's lots in evaluation and after (all of them for overseers)."""
    actor = actor_from_request(request)
    qs = Lot.objects.filter(state__in=EVALUATED_STATES).select_related("project", "evaluation", "award")
    if is_staff(actor):
        qs = qs.filter(overseen_projects(actor, "project__"))
    elif actor.entity_id is not None and (actor.has(Role.PRINCIPAL) or actor.has(Role.AGENT)):
        qs = qs.filter(Q(project__principal_id=actor.entity_id) | Q(project__agent_id=actor.entity_id))
    else:
        raise PermissionDenied(
            "role_required",
            "此页面供招标人/采购人、代理机构、交易中心和行政监督部门使用",
            "This page is for principals, agents, the operator and regulators",
            details={
                "roles": [Role.PRINCIPAL.value, Role.AGENT.value, Role.OPERATOR.value, Role.REGULATOR.value]
            },
        )
    return render(request, "evaluation/lots.html", {"lots": qs.order_by("-pk")[:200]})


# ---- the bidder: clarifications and objections to the result ------------------------------------


def require_bidder(actor: Actor) -> Entity:
    return bidder_of(actor)


def _mine_page(
    request: HttpRequest, actor: Actor, *, error: GgzyError | None = None, status: int = 200
) -> HttpResponse:
    entity = require_bidder(actor)
    clarifications = list(
        Clarification.objects.filter(bid__bidder=entity)
        .select_related("evaluation__lot__project", "bid")
        .order_by("-asked_at", "-pk")
    )
    in_publicity = []
    for lot in (
        Lot.objects.filter(bids__bidder=entity, state=S.PUBLICITY)
        .distinct()
        .select_related("project", "award")
    ):
        in_publicity.append(
            {
                "lot": lot,
                "award": getattr(lot, "award", None),
                "candidates": list(
                    Candidate.objects.filter(evaluation__lot=lot)
                    .select_related("bid__bidder")
                    .order_by("rank")
                ),
            }
        )
    objections = list(
        Objection.objects.filter(raised_by=entity, stage=Objection.Stage.RESULT)
        .select_related("lot")
        .order_by("-raised_at")
    )
    return render(
        request,
        "evaluation/mine.html",
        {
            "entity": entity,
            "clarifications": clarifications,
            "in_publicity": in_publicity,
            "objections": objections,
            "answer_form": AnswerForm(auto_id=False),
            "objection_form": ObjectionForm(auto_id=False),
            "error": error,
        },
        status=status,
    )


@login_required
@shows_errors
def mine(request: HttpRequest) -> HttpResponse:
    return _mine_page(request, actor_from_request(request))


def _for_bidder(request: HttpRequest, actor: Actor, run: Callable[[], object], text: str) -> HttpResponse:
    require_bidder(actor)
    return act_then_redirect(
        request,
        run,
        text,
        "evaluation:mine",
        lambda exc: _mine_page(request, actor, error=exc, status=refusal_status(exc)),
    )


@login_required
@require_POST
@shows_errors
def answer(request: HttpRequest, clarification_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    form = AnswerForm(request.POST)
    form.is_valid()
    text = form.cleaned_data.get("answer", "")
    return _for_bidder(
        request,
        actor,
        lambda: actions.answer_question(actor, clarification_id, text),
        "澄清说明已提交评标委员会。",
    )


@login_required
@require_POST
@shows_errors
def object_to_result(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    form = ObjectionForm(request.POST)
    form.is_valid()
    text = form.cleaned_data.get("text", "")
    return _for_bidder(
        request,
        actor,
        lambda: award.object_to_result(actor, code, text),
        "异议已提出。招标人应当自收到异议之日起3日内作出答复，答复前暂停招标投标活动。",
    )


# ---- 定标与合同 (principal / agent) ------------------------------------------------------------------


@dataclass
class AwardDesk:
    lot: Lot
    manage: bool  # the principal or agent; overseers read only


def desk_for(actor: Actor, code: str) -> AwardDesk:
    lot = find_lot(code)
    party = is_party(actor, lot.project)
    if not (party or is_overseer(actor, lot.project)):
        raise PermissionDenied(
            "not_project_party",
            "只有本项目的招标人或其委托的代理机构可以办理定标和合同",
            "Only the project's principal or its agent handles the award and the contract",
        )
    return AwardDesk(lot, party)


def publicity_hints(evaluation: Evaluation | None) -> dict[str, Any]:
    if evaluation is None or evaluation.reported_at is None:
        return {}
    received = local_date(evaluation.reported_at)
    rules = award_rules_for(evaluation.lot)
    if rules.publicity_within_days is None or rules.publicity_min_days is None:
        return {}
    latest = rules.publicity_within_days.end(received)
    return {
        "received": received,
        "latest_start": latest,
        "within_days": rules.publicity_within_days.value,
        "min_days": rules.publicity_min_days.value,
        "earliest_end": rules.publicity_min_days.end(received),
        "rule": rules.publicity_min_days.legal,
    }


def _award_page(
    request: HttpRequest,
    actor: Actor,
    desk: AwardDesk,
    *,
    error: GgzyError | None = None,
    status: int = 200,
    publicity_form: PublicityForm | None = None,
    winner_form: WinnerForm | None = None,
    contract_form: ContractForm | None = None,
    **framework_forms: Any,
) -> HttpResponse:
    lot = desk.lot
    evaluation = Evaluation.objects.filter(lot=lot).first()
    the_award: Award | None = Award.objects.filter(lot=lot).select_related("winner__bidder").first()
    reported = evaluation is not None and evaluation.status == Evaluation.Status.REPORTED
    candidates = (
        list(evaluation.candidates.select_related("bid__bidder").order_by("rank"))
        if evaluation and reported
        else []
    )
    now = clock.now()
    spec = spec_for(lot)
    rules = award_rules_for(lot)
    context: dict[str, Any] = {
        "desk": desk,
        "spec": spec,
        "words": spec.wording,
        "decision_last_day": (
            rules.decision_days.end(local_date(evaluation.reported_at))
            if rules.decision_days and evaluation and evaluation.reported_at
            else None
        ),
        "lot": lot,
        "project": lot.project,
        "evaluation": evaluation,
        "reported": reported,
        "award": the_award,
        "candidates": candidates,
        "objections": list(
            Objection.objects.filter(lot=lot, stage=Objection.Stage.RESULT).select_related("raised_by")
        ),
        "answer_form": ObjectionAnswerForm(auto_id=False),
        "hints": publicity_hints(evaluation),
        "rules": rules,
        "now": now,
        "error": error,
        "publicity_over": the_award is not None and now >= the_award.publicity_until,
        # The result's 公告期 ends at the next midnight: the page names its last day.
        "notice_last_day": (
            local_date(the_award.publicity_until - timedelta(seconds=1))
            if the_award is not None and the_award.publicity_until > the_award.publicity_from
            else None
        ),
    }
    if rules.admits_several:
        # Imported here: the framework pages build on this module (the desk, its refusals).
        from ggzy.evaluation.framework_views import desk_context

        context.update(desk_context(desk, reported, **framework_forms))
    elif desk.manage:
        if reported and the_award is None and lot.state == S.EVALUATION and not spec.candidate_publicity:
            context["confirm_form"] = winner_form or WinnerForm(
                candidates=candidates,
                initial={"receipt_no": candidates[0].bid.receipt_no if candidates else None},
            )
        elif reported and the_award is None and lot.state == S.EVALUATION:
            context["publicity_form"] = publicity_form or PublicityForm()
        if lot.state == S.PUBLICITY:
            context["winner_form"] = winner_form or WinnerForm(
                candidates=candidates,
                initial={"receipt_no": candidates[0].bid.receipt_no if candidates else None},
            )
        ready = the_award is not None and (
            the_award.contract_signed_at if rules.report_from_contract else the_award.awarded_at
        )
        if the_award is not None and ready and the_award.reported_at is None:
            context["can_report"] = True
        if lot.state == S.AWARDED:
            context["contract_form"] = contract_form or ContractForm()
    return render(request, "evaluation/award.html", context, status=status)


@login_required
@shows_errors
def award_desk(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    return _award_page(request, actor, desk_for(actor, code))


def _awarded(
    request: HttpRequest, actor: Actor, desk: AwardDesk, run: Callable[[], object], text: str, **forms: Any
) -> HttpResponse:
    return act_then_redirect(
        request,
        run,
        text,
        reverse("evaluation:award", kwargs={"code": desk.lot.code}),
        lambda exc: _award_page(request, actor, desk, error=exc, status=refusal_status(exc), **forms),
    )


@login_required
@require_POST
@shows_errors
def publish(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    desk = desk_for(actor, code)
    form = PublicityForm(request.POST)
    if not form.is_valid():
        return _award_page(request, actor, desk, publicity_form=form, status=422)
    data = form.cleaned_data
    return _awarded(
        request,
        actor,
        desk,
        lambda: award.publish_candidates(actor, code, data["publicity_from"], data["publicity_until"]),
        "中标候选人已公示，已通知全体投标人。",
        publicity_form=form,
    )


def _winner(
    request: HttpRequest, code: str, decide: Callable[[Actor, dict[str, Any]], object], text: str
) -> HttpResponse:
    """The winner chosen from the candidates through `decide` (award or confirmation), or the form again."""
    actor = actor_from_request(request)
    desk = desk_for(actor, code)
    candidates = list(Candidate.objects.filter(evaluation__lot=desk.lot).select_related("bid__bidder"))
    form = WinnerForm(request.POST, candidates=candidates)
    if not form.is_valid():
        return _award_page(request, actor, desk, winner_form=form, status=422)
    data = form.cleaned_data
    return _awarded(request, actor, desk, lambda: decide(actor, data), text, winner_form=form)


@login_required
@require_POST
@shows_errors
def confirm_winner(request: HttpRequest, code: str) -> HttpResponse:
    """Procurement: the purchaser confirms the winner from the report; the result is published at once."""
    return _winner(
        request,
        code,
        lambda actor, data: award.confirm_result(actor, code, data["receipt_no"], data["reason"]),
        "已确定中标供应商，中标结果已公告，中标通知书已发出。",
    )


@login_required
@require_POST
@shows_errors
def choose_winner(request: HttpRequest, code: str) -> HttpResponse:
    return _winner(
        request,
        code,
        lambda actor, data: award.award_lot(actor, code, data["receipt_no"]),
        "已确定中标人，中标通知书已发出，结果已通知全体投标人。",
    )


@login_required
@require_POST
@shows_errors
def supervisor_report(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    desk = desk_for(actor, code)
    return _awarded(
        request,
        actor,
        desk,
        lambda: award.report_to_supervisor(actor, code),
        "招标投标情况书面报告已提交行政监督部门。",
    )


@login_required
@require_POST
@shows_errors
def contract(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    desk = desk_for(actor, code)
    form = ContractForm(request.POST)
    if not form.is_valid():
        return _award_page(request, actor, desk, contract_form=form, status=422)
    data = form.cleaned_data
    bond = data["performance_bond"] or Decimal(0)
    return _awarded(
        request,
        actor,
        desk,
        lambda: award.sign_contract(actor, code, data["amount"], bond, data["contract_sm3"]),
        "合同已登记。交易中心将在5日内退还投标保证金及银行同期存款利息。",
        contract_form=form,
    )
