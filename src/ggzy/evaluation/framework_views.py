"""Pages of a framework agreement (框架协议采购): on the award desk the organiser admits the suppliers and
records the signed agreement; any purchaser buys under an agreement in force on its call-off page.

Thin (DESIGN rule 1): forms collect input, `evaluation.framework` decides and refuses with its rule.
"""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ggzy.evaluation import framework
from ggzy.evaluation.models import CallOff, FrameworkAgreement
from ggzy.evaluation.rules import FRAMEWORK
from ggzy.evaluation.views import AwardDesk, _award_page, _awarded, desk_for, find_lot
from ggzy.kernel.errors import GgzyError, NotFound, PermissionDenied
from ggzy.kernel.pages import act_then_redirect, refusal_status, shows_errors
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.auth import actor_from_request


class SignForm(forms.Form):
    prefix = "agreement"
    term_until = forms.DateField(label="协议期限止（含当日）", widget=forms.DateInput(attrs={"type": "date"}))
    agreement_sm3 = forms.CharField(label="框架协议文本SM3摘要（64位十六进制）", max_length=64)


class CallOffForm(forms.Form):
    prefix = "calloff"
    method = forms.ChoiceField(label="确定成交供应商的方式", choices=CallOff.Method.choices)
    supplier_uscc = forms.ChoiceField(label="直接选定的入围供应商", required=False)
    quantity = forms.DecimalField(label="采购数量", max_digits=14, decimal_places=2)
    reason = forms.CharField(
        label="直接选定的理由（价格、质量、服务便利性、用户评价等）",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args: Any, agreement: FrameworkAgreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["supplier_uscc"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "（顺序轮候时不选）")] + [
            (m.supplier.uscc, f"{m.order}. {m.supplier.name}（{m.price}元）")
            for m in agreement.members.select_related("supplier")
        ]


def desk_context(desk: AwardDesk, reported: bool, **forms_: Any) -> dict[str, Any]:
    """The award desk's part for a framework agreement's call."""
    agreement = FrameworkAgreement.objects.filter(lot=desk.lot).first()
    context: dict[str, Any] = {
        "framework": agreement,
        "framework_rules": FRAMEWORK,
        "framework_members": list(agreement.members.select_related("supplier")) if agreement else [],
        "framework_call_offs": list(
            agreement.call_offs.select_related("purchaser", "member__supplier").order_by("-awarded_at")
        )
        if agreement
        else [],
        "can_admit": desk.manage and reported and agreement is None,
    }
    if desk.manage and agreement is not None and agreement.status == FrameworkAgreement.Status.ADMITTED:
        context["sign_form"] = forms_.get("sign_form") or SignForm()
    return context


@login_required
@require_POST
@shows_errors
def admit(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    desk = desk_for(actor, code)
    return _awarded(
        request,
        actor,
        desk,
        lambda: framework.admit_suppliers(actor, code),
        "已确定入围供应商并通知全部供应商。",
    )


@login_required
@require_POST
@shows_errors
def sign(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    desk = desk_for(actor, code)
    form = SignForm(request.POST)
    if not form.is_valid():
        return _award_page(request, actor, desk, status=422, sign_form=form)
    data = form.cleaned_data
    return _awarded(
        request,
        actor,
        desk,
        lambda: framework.sign_agreement(actor, code, data["term_until"], data["agreement_sm3"]),
        "框架协议已登记，协议期内采购人可据此采购。",
        sign_form=form,
    )


def _call_off_page(
    request: HttpRequest,
    actor: Actor,
    code: str,
    *,
    error: GgzyError | None = None,
    status: int = 200,
    form: CallOffForm | None = None,
) -> HttpResponse:
    if not actor.has(Role.PRINCIPAL):
        raise PermissionDenied("role_required", "此页面供采购人使用", "This page is for purchasers")
    lot = find_lot(code)
    agreement = FrameworkAgreement.objects.filter(lot=lot).first()
    if agreement is None:
        raise NotFound("not_framework", "本标段没有框架协议", "No framework agreement here")
    mine = list(
        agreement.call_offs.filter(purchaser_id=actor.entity_id)
        .select_related("member__supplier")
        .order_by("-awarded_at")
    )
    context = {
        "lot": lot,
        "project": lot.project,
        "agreement": agreement,
        "members": list(agreement.members.select_related("supplier")),
        "mine": mine,
        "form": form or CallOffForm(agreement=agreement),
        "rules": FRAMEWORK,
        "error": error,
    }
    return render(request, "evaluation/framework.html", context, status=status)


@login_required
@shows_errors
def call_off_page(request: HttpRequest, code: str) -> HttpResponse:
    return _call_off_page(request, actor_from_request(request), code)


@login_required
@require_POST
@shows_errors
def call_off(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    agreement = FrameworkAgreement.objects.filter(lot__code=code).first()
    if agreement is None:
        raise NotFound("not_framework", "本标段没有框架协议", "No framework agreement here")
    form = CallOffForm(request.POST, agreement=agreement)
    if not form.is_valid():
        return _call_off_page(request, actor, code, status=422, form=form)
    data = form.cleaned_data
    return act_then_redirect(
        request,
        lambda: framework.call_off(
            actor, code, data["method"], data["quantity"], data["supplier_uscc"] or "", data["reason"]
        ),
        "已确定成交供应商，按协议价格成交。",
        reverse("evaluation:framework", kwargs={"code": code}),
        lambda exc: _call_off_page(request, actor, code, error=exc, status=refusal_status(exc), form=form),
    )
