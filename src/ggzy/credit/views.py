"""Pages of credit (信用管理): the regulator's and operator's desk to record and revoke credit entries,
with the kinds of record and their statutory periods and the black and red lists; and the public black
and red lists.

Thin (DESIGN rule 1): the form only collects input, every change goes through `credit.actions`
(`record_entry`, `revoke_entry`), and a refusal is shown with its code, Chinese and English message and the
rule it cites (status 422, or 403 when it is about who the user is; nothing changed). Successful posts
redirect (POST-redirect-GET).

Personal data (DESIGN rule 7): a practitioner's ID number is typed once into the form, digested by
`record_entry` and never stored, echoed back or shown; the public lists carry public records about market
entities only, never a practitioner, a digest, the facts or an unpublished record.
"""

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from ggzy.catalogue.models import TradeCategory
from ggzy.credit import actions, enforcement, rules
from ggzy.credit.models import CreditRecord
from ggzy.credit.schemas import CreditRecordIn, PractitionerIn
from ggzy.kernel import clock
from ggzy.kernel.actions import require_role
from ggzy.kernel.errors import GgzyError, InvalidInput
from ggzy.kernel.pages import refusal_status, shows_errors
from ggzy.kernel.roles import Actor, Role
from ggzy.kernel.timefmt import local_text
from ggzy.registry.auth import actor_from_request
from ggzy.registry.models import Department, Entity

PAGE_ROWS = 200
Src = CreditRecord.Source

# ---- forms (collect input only; the credit actions check it) -------------------------------------------


class NoEchoInput(forms.TextInput):
    """A text input that never renders its value back (a practitioner's ID number)."""

    def format_value(self, value: Any) -> str | None:
        return None


def kind_label(kind: rules.CreditKind) -> str:
    if kind.ban is not None:
        return f"{kind.name}（禁入{kind.ban.min_years}–{kind.ban.max_years}年）"
    return kind.name


class CreditRecordForm(forms.Form):
    subject = forms.ChoiceField(
        label="记录对象", choices=CreditRecord.Subject.choices, initial=CreditRecord.Subject.ENTITY
    )
    uscc = forms.CharField(
        label="统一社会信用代码",
        max_length=18,
        required=False,
        help_text="市场主体必填；从业人员填其所在单位（可空）",
    )
    name = forms.CharField(
        label="主体名称", max_length=200, required=False, help_text="主体未在本平台登记时填写"
    )
    practitioner_name = forms.CharField(label="从业人员姓名", max_length=64, required=False)
    id_number = forms.CharField(
        label="从业人员身份证号",
        max_length=18,
        required=False,
        widget=NoEchoInput(attrs={"autocomplete": "off"}),
        help_text="仅用于计算HMAC-SM3摘要以识别同一人，平台不保存、不显示身份证号",
    )
    role = forms.CharField(label="从业角色", max_length=32, required=False, initial="project_manager")
    kind = forms.ChoiceField(
        label="记录类别", choices=[(k.code, kind_label(k)) for k in rules.KINDS.values()]
    )
    severity = forms.ChoiceField(
        label="严重程度", choices=CreditRecord.Severity.choices, initial=CreditRecord.Severity.GENERAL
    )
    source = forms.ChoiceField(
        label="来源（交易中心填写）",
        choices=[("", "—"), (Src.PLATFORM.value, Src.PLATFORM.label), (Src.COURT.value, Src.COURT.label)],
        required=False,
    )
    decision_no = forms.CharField(label="处理决定书文号", max_length=100, required=False)
    facts = forms.CharField(label="认定的事实", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    valid_from = forms.DateField(label="有效期起", widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label="有效期至",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="市场禁入必填，且须在法定期限内；其他记录不填则按公示期限",
    )
    is_public = forms.BooleanField(label="公开", required=False, initial=True)

    def __init__(self, *args: Any, operator: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not operator:
            del self.fields["source"]

    def record_in(self) -> CreditRecordIn:
        data = self.cleaned_data
        practitioner = None
        if data["subject"] == CreditRecord.Subject.PRACTITIONER:
            practitioner = PractitionerIn(
                name=data["practitioner_name"].strip(),
                id_number=data["id_number"].strip(),
                role=data["role"].strip() or "project_manager",
            )
        return CreditRecordIn(
            uscc=data["uscc"].strip().upper(),
            name=data["name"].strip(),
            practitioner=practitioner,
            kind=data["kind"],
            severity=data["severity"],
            source=data.get("source", ""),
            decision_no=data["decision_no"],
            facts=data["facts"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            is_public=data["is_public"],
        )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="撤销理由", widget=forms.Textarea(attrs={"rows": 2, "aria-label": "撤销理由"}), required=False
    )


# ---- reads --------------------------------------------------------------------------------------------


def require_desk(actor: Actor) -> str:
    return require_role(actor, Role.REGULATOR, Role.OPERATOR)


def can_revoke(actor: Actor, record: CreditRecord) -> bool:
    """Mirrors `revoke_entry`: the recording department, or the operator for platform, court and national
    records (the action decides; this only chooses where to show the form)."""
    if record.status == CreditRecord.Status.REVOKED:
        return False
    if actor.has(Role.REGULATOR):
        return record.department_id is not None and record.department_id == actor.department_id
    return record.source in {Src.PLATFORM, Src.COURT, Src.NATIONAL}


def category_labels(codes: list[str]) -> str:
    labels = dict(TradeCategory.choices)
    return "、".join(str(labels.get(c, c)) for c in codes) or "全部交易"


def kinds_table() -> list[dict[str, Any]]:
    return [
        {
            "code": k.code,
            "name": k.name,
            "positive": k.positive,
            "citation": k.legal.citation,
            "text": k.legal.text,
            "ban": k.ban,
            "categories": category_labels(list(k.ban.categories)) if k.ban else "",
            "unconfirmed": k.unconfirmed,
        }
        for k in rules.KINDS.values()
    ]


def kind_names() -> dict[str, str]:
    return {k.code: k.name for k in rules.KINDS.values()}


def blacklist_rows(on: date, *, public_only: bool) -> list[dict[str, Any]]:
    names = kind_names()
    return [
        {"record": r, "kind": names.get(r.kind, r.kind), "categories": category_labels(r.ban_categories)}
        for r in enforcement.blacklist(on, public_only=public_only)
    ]


def redlist_rows(on: date) -> list[dict[str, Any]]:
    """Each red-listed USCC with its name and its public positive records in force."""
    usccs = enforcement.redlist(on)
    names = dict(Entity.objects.filter(uscc__in=usccs).values_list("uscc", "name"))
    records: dict[str, list[CreditRecord]] = {}
    for r in enforcement.in_force(on).filter(
        uscc__in=usccs, positive=True, is_public=True, subject=CreditRecord.Subject.ENTITY
    ):
        records.setdefault(r.uscc, []).append(r)
    kinds = kind_names()
    return [
        {
            "uscc": uscc,
            "name": names.get(uscc) or (records[uscc][0].subject_name if records.get(uscc) else ""),
            "records": [(r, kinds.get(r.kind, r.kind)) for r in records.get(uscc, [])],
        }
        for uscc in usccs
    ]


# ---- the desk (regulators and operators) ----------------------------------------------------------------


def _desk_page(
    request: HttpRequest,
    actor: Actor,
    *,
    form: CreditRecordForm | None = None,
    revoke_form: RevokeForm | None = None,
    revoking: int | None = None,
    error: GgzyError | None = None,
    status: int = 200,
) -> HttpResponse:
    today = clock.today()
    department = (
        Department.objects.filter(pk=actor.department_id).first() if actor.department_id is not None else None
    )
    kinds = kind_names()
    records = CreditRecord.objects.select_related("department").order_by("-recorded_at", "-pk")[:PAGE_ROWS]
    return render(
        request,
        "credit/desk.html",
        {
            "department": department,
            "operator": actor.has(Role.OPERATOR),
            "form": form
            or CreditRecordForm(operator=actor.has(Role.OPERATOR), initial={"valid_from": today}),
            "kinds": kinds_table(),
            "periods": [rules.DEFAULT_PUBLICATION_YEARS, rules.RED_LIST_YEARS],
            "records": [(r, kinds.get(r.kind, r.kind), can_revoke(actor, r)) for r in records],
            "revoke_form": revoke_form or RevokeForm(),
            "revoking": revoking,
            "blacklist": blacklist_rows(today, public_only=False),
            "redlist": redlist_rows(today),
            "publication": rules.PUBLICATION,
            "error": error,
        },
        status=status,
    )


@login_required
@shows_errors
def desk(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    require_desk(actor)
    if request.method != "POST":
        return _desk_page(request, actor)
    form = CreditRecordForm(request.POST, operator=actor.has(Role.OPERATOR))
    if not form.is_valid():
        return _desk_page(request, actor, form=form, status=422)
    try:
        record_in = form.record_in()
    except ValidationError:
        error = InvalidInput("credit_form", "信用记录内容格式不正确", "The credit record is malformed")
        return _desk_page(request, actor, form=form, error=error, status=422)
    try:
        record = actions.record_entry(actor, record_in)
    except GgzyError as exc:
        return _desk_page(request, actor, form=form, error=exc, status=refusal_status(exc))
    messages.success(
        request,
        f"信用记录 #{record.pk} 已登记：{record.subject_name} · {kind_names().get(record.kind, record.kind)}"
        f"（{local_text(record.valid_from)} 至 {local_text(record.valid_until)}）。"
        if record.valid_until
        else f"信用记录 #{record.pk} 已登记：{record.subject_name}。",
    )
    return redirect("credit:desk")


@login_required
@require_POST
@shows_errors
def revoke(request: HttpRequest, record_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    require_desk(actor)
    form = RevokeForm(request.POST)
    form.is_valid()
    try:
        record = actions.revoke_entry(actor, record_id, form.cleaned_data.get("reason", ""))
    except GgzyError as exc:
        return _desk_page(
            request, actor, revoke_form=form, revoking=record_id, error=exc, status=refusal_status(exc)
        )
    messages.success(request, f"信用记录 #{record.pk} 已撤销，已从红黑名单中移除。")
    return redirect("credit:desk")


# ---- public lists -------------------------------------------------------------------------------------


def public_blacklist(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    return render(
        request,
        "credit/blacklist.html",
        {"rows": blacklist_rows(today, public_only=True), "on": today, "basis": rules.BAN_ENFORCED},
    )


def public_redlist(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    return render(
        request,
        "credit/redlist.html",
        {"rows": redlist_rows(today), "on": today, "basis": rules.INCENTIVE},
    )
