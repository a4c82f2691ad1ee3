"""Pages of a negotiation (竞争性谈判, 竞争性磋商): the panel's part of the evaluation room, and the
supplier's negotiation page.

Thin (DESIGN rule 1): forms collect input, `evaluation.negotiation` decides. The panel sees every supplier's channel and each round's decryption record; a supplier sees only
its own channel, the rounds it is asked to respond in and its own responses. Revised responses are sealed
and uploaded with `ggzy-bid` exactly like the first ones — the private key never reaches the browser.
"""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ggzy.bidding.models import Bid, Round
from ggzy.evaluation import negotiation
from ggzy.evaluation.models import CommitteeMember, Evaluation, NegotiationMessage
from ggzy.evaluation.views import Room, _room_page, find_lot, room_for
from ggzy.kernel import clock
from ggzy.kernel.errors import GgzyError, NotFound, PermissionDenied
from ggzy.kernel.pages import act_then_redirect, refusal_status, remaining, shows_errors
from ggzy.kernel.roles import Actor
from ggzy.registry.auth import actor_from_request
from ggzy.registry.models import Entity
from ggzy.registry.queries import bidder_of
from ggzy.trading.models import Lot
from ggzy.trading.specs import spec_for

# ---- forms ---------------------------------------------------------------------------------------


# Prefixed: the room holds several of these forms, and their fields' ids must not collide.
class MessageForm(forms.Form):
    prefix = "message"
    supplier = forms.ChoiceField(label="供应商")
    text = forms.CharField(label="谈判内容", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, suppliers: list[Entity], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["supplier"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s.uscc, s.name) for s in suppliers]


class ReplyForm(forms.Form):
    text = forms.CharField(label="答复谈判小组", widget=forms.Textarea(attrs={"rows": 2}))


class ChangeForm(forms.Form):
    prefix = "change"
    text = forms.CharField(
        label="实质性变动内容（技术、服务要求或合同草案条款）", widget=forms.Textarea(attrs={"rows": 2})
    )


class RoundForm(forms.Form):
    prefix = "round"
    minutes = forms.IntegerField(label="提交时限（分钟）", initial=60)
    final = forms.BooleanField(label="本轮为最后报价", required=False)
    requirements = forms.CharField(
        label="本轮要求（可选）", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


# ---- the panel's part of the room ----------------------------------------------------------------


def _rounds(lot: Lot, *, panel: bool) -> list[dict[str, Any]]:
    now = clock.now()
    return [
        {
            "round": r,
            "left": remaining(r.deadline, now) if r.status == Round.Status.OPEN else "",
            "rows": r.rows if panel and r.status == Round.Status.CLOSED else [],
        }
        for r in lot.rounds.order_by("number")
    ]


def panel_context(room: Room, **forms_: Any) -> dict[str, Any]:
    """What the room shows of a negotiation: rounds, every supplier's channel, the changes and the forms
    the member may use now."""
    evaluation, member = room.evaluation, room.member
    assert evaluation is not None
    lot = room.lot
    suppliers = negotiation.negotiating_suppliers(evaluation)
    messages = list(NegotiationMessage.objects.filter(evaluation=evaluation).select_related("supplier"))
    channels = [
        {"supplier": s, "messages": [m for m in messages if m.supplier_id == s.pk]}
        for s in sorted({m.supplier for m in messages} | set(suppliers), key=lambda e: e.pk)
    ]
    rounds_ = _rounds(lot, panel=True)
    current = next((r for r in rounds_ if r["round"].status != Round.Status.CLOSED), None)
    over = any(r["round"].final and r["round"].status == Round.Status.CLOSED for r in rounds_)
    working = room.ready and room.in_progress and not over
    representative = member is not None and member.kind == CommitteeMember.Kind.REPRESENTATIVE
    context: dict[str, Any] = {
        "negotiation": True,
        "negotiation_rule": negotiation.negotiation_rule(lot),
        "rounds": rounds_,
        "current_round": current,
        "negotiation_over": over,
        "channels": channels,
        "unheard": negotiation.unheard(evaluation) if working else [],
        "changes": list(evaluation.requirement_changes.select_related("confirmed_by")),
        "can_confirm": working and (representative or (room.party and lot.project.principal_id is not None)),
    }
    if working:
        context["message_form"] = forms_.get("message_form") or MessageForm(suppliers=suppliers)
        context["change_form"] = forms_.get("change_form") or ChangeForm()
        if member is not None and member.is_chair and current is None:
            context["round_form"] = forms_.get("round_form") or RoundForm()
    return context


def _panel_after(
    request: HttpRequest, actor: Actor, room: Room, run: Any, text: str, **forms_: Any
) -> HttpResponse:
    return act_then_redirect(
        request,
        run,
        text,
        reverse("evaluation:room", kwargs={"code": room.lot.code}) + "#negotiation",
        lambda exc: _room_page(request, actor, room, error=exc, status=refusal_status(exc), **forms_),
    )


@login_required
@require_POST
@shows_errors
def panel_message(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    room = room_for(actor, code)
    if room.evaluation is None:
        raise NotFound("evaluation_not_started", "评审尚未开始", "The evaluation has not started")
    form = MessageForm(request.POST, suppliers=negotiation.negotiating_suppliers(room.evaluation))
    if not form.is_valid():
        return _room_page(request, actor, room, status=422, message_form=form)
    data = form.cleaned_data
    return _panel_after(
        request,
        actor,
        room,
        lambda: negotiation.send_message(actor, code, data["supplier"], data["text"]),
        "谈判内容已记录并送达该供应商。",
        message_form=form,
    )


@login_required
@require_POST
@shows_errors
def propose_change(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    room = room_for(actor, code)
    form = ChangeForm(request.POST)
    if not form.is_valid():
        return _room_page(request, actor, room, status=422, change_form=form)
    text = form.cleaned_data["text"]
    return _panel_after(
        request,
        actor,
        room,
        lambda: negotiation.propose_change(actor, code, text),
        "实质性变动已记录，待采购人代表确认。",
        change_form=form,
    )


@login_required
@require_POST
@shows_errors
def confirm_change(request: HttpRequest, code: str, change_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    room = room_for(actor, code)
    return _panel_after(
        request,
        actor,
        room,
        lambda: negotiation.confirm_change(actor, code, change_id),
        "已确认，变动内容已同时书面通知所有参加谈判的供应商。",
    )


@login_required
@require_POST
@shows_errors
def withdraw_change(request: HttpRequest, code: str, change_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    room = room_for(actor, code)
    return _panel_after(
        request,
        actor,
        room,
        lambda: negotiation.withdraw_change(actor, code, change_id),
        "该变动已撤回，不通知供应商。",
    )


@login_required
@require_POST
@shows_errors
def open_round(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    room = room_for(actor, code)
    form = RoundForm(request.POST)
    if not form.is_valid():
        return _room_page(request, actor, room, status=422, round_form=form)
    data = form.cleaned_data
    return _panel_after(
        request,
        actor,
        room,
        lambda: negotiation.open_round(actor, code, data["minutes"], data["final"], data["requirements"]),
        "已通知供应商在规定时间内提交加密的" + ("最后报价。" if data["final"] else "响应文件。"),
        round_form=form,
    )


# ---- the supplier's page -------------------------------------------------------------------------


def _supplier_page(
    request: HttpRequest,
    actor: Actor,
    code: str,
    *,
    error: GgzyError | None = None,
    status: int = 200,
    reply_form: ReplyForm | None = None,
) -> HttpResponse:
    entity = bidder_of(actor)
    lot = find_lot(code)
    spec = spec_for(lot)
    evaluation = Evaluation.objects.filter(lot=lot).first()
    mine = list(lot.bids.filter(bidder=entity).select_related("round").order_by("submitted_at", "pk"))
    if spec.rules.negotiation is None or not mine:
        raise PermissionDenied(
            "not_negotiating",
            "只有参加本项目谈判（磋商）的供应商可以查看此页",
            "Only the suppliers of this negotiation may see this page",
        )
    asked = [r for r in _rounds(lot, panel=False) if r["round"].suppliers.filter(pk=entity.pk).exists()]
    current = next((r for r in asked if r["round"].status != Round.Status.CLOSED), None)
    still_in = any(b.status in {Bid.Status.DECRYPTED, Bid.Status.SUBMITTED} for b in mine)
    final = lot.rounds.filter(final=True).first()
    open_to_talk = (
        evaluation is not None
        and evaluation.status == Evaluation.Status.IN_PROGRESS
        and still_in
        and not (final is not None and final.status == Round.Status.CLOSED)
    )
    context = {
        "lot": lot,
        "project": lot.project,
        "spec": spec,
        "words": spec.wording,
        "entity": entity,
        "evaluation": evaluation,
        "messages_": list(
            NegotiationMessage.objects.filter(evaluation=evaluation, supplier=entity) if evaluation else []
        ),
        "rounds": asked,
        "current_round": current,
        "mine": mine,
        "still_in": still_in,
        "open_to_talk": open_to_talk,
        "can_leave": still_in
        and lot.state == Lot.State.EVALUATION
        and (final is None or clock.now() < final.deadline),
        "reply_form": reply_form or ReplyForm() if open_to_talk else None,
        "rule": spec.rules.negotiation,
        "error": error,
    }
    return render(request, "evaluation/negotiation.html", context, status=status)


@login_required
@shows_errors
def supplier_page(request: HttpRequest, code: str) -> HttpResponse:
    return _supplier_page(request, actor_from_request(request), code)


def _supplier_after(
    request: HttpRequest, actor: Actor, code: str, run: Any, text: str, **kw: Any
) -> HttpResponse:
    return act_then_redirect(
        request,
        run,
        text,
        reverse("evaluation:negotiation", kwargs={"code": code}),
        lambda exc: _supplier_page(request, actor, code, error=exc, status=refusal_status(exc), **kw),
    )


@login_required
@require_POST
@shows_errors
def supplier_reply(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _supplier_page(request, actor, code, status=422, reply_form=form)
    text = form.cleaned_data["text"]
    return _supplier_after(
        request,
        actor,
        code,
        lambda: negotiation.send_message(actor, code, "", text),
        "已发送给谈判小组。",
        reply_form=form,
    )


@login_required
@require_POST
@shows_errors
def supplier_leave(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    return _supplier_after(
        request,
        actor,
        code,
        lambda: negotiation.leave_negotiation(actor, code),
        "您已退出谈判，保证金将按规定退还。",
    )
