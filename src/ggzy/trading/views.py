"""Workspace pages for construction tendering: the principal's or agent's projects and notices, and the
public notice page.

Thin (DESIGN rule 1): Django forms only collect input, every change goes through `trading.actions`, and a
refusal is shown with its code, Chinese and English message and the rule it cites (status 422, nothing
changed). Successful posts redirect (POST-redirect-GET). Reads are plain ORM queries.
"""

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.forms import formset_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ggzy.catalogue.models import TradeCategory
from ggzy.kernel import clock
from ggzy.kernel.errors import GgzyError, NotFound, PermissionDenied
from ggzy.kernel.pages import (
    BeijingDateTimeField,
    act_then_redirect,
    earliest_hint,
    refusal_status,
    shows_errors,
)
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.auth import actor_from_request
from ggzy.trading import actions, invitations, recommendations
from ggzy.trading.models import Document, InviteeDraw, Lot, MethodChange, Notice, Objection, Project
from ggzy.trading.queries import is_overseer, is_party
from ggzy.trading.rules import InviteeDraw as InviteeDrawMode
from ggzy.trading.rules import draw_mode
from ggzy.trading.schemas import DocumentMeta, InviteeDrawIn, LotIn, NoticeIn, ProjectIn
from ggzy.trading.specs import SPECS, ProcedureSpec, methods, project_spec

# ---- forms (collect input only; the actions check it) --------------------------------------------


def category_choices() -> list[tuple[str, str]]:
    """The trade categories with a trading method of their own (工程建设 / 政府采购)."""
    return [(c, TradeCategory(c).label) for c in sorted({s.category for s in SPECS.values()})]


def procedure_choices() -> list[tuple[str, str]]:
    """Every trading method, by category; empty: the category's default method."""
    return [("", "按交易类别的默认方式")] + [
        (s.id, f"{TradeCategory(s.category).label}：{s.name}") for s in methods()
    ]


def bond_rules_text() -> list[str]:
    """Each method's bond limits, from its rules (so no legal number is written into a template)."""
    lines = []
    for spec in methods():
        rules = spec.rules
        cap = (
            f"，且最高不超过{rules.bond_cap.value:,.0f}元（{rules.bond_cap.legal.citation}）"
            if rules.bond_cap
            else ""
        )
        lines.append(
            f"{spec.name}：投标保证金不得超过{spec.wording.estimate}的"
            f"{rules.bond_ratio.value:.0%}（{rules.bond_ratio.legal.citation}）{cap}；"
            f"适用于{'、'.join(Lot.ContractKind(k).label for k in sorted(spec.contract_kinds))}"
        )
    return lines


class ProjectForm(forms.Form):
    name = forms.CharField(label="项目名称", max_length=200)
    category = forms.ChoiceField(
        label="交易类别", choices=category_choices, initial="engineering", required=False
    )
    procedure = forms.ChoiceField(label="交易方式", choices=procedure_choices, required=False)
    principal_uscc = forms.CharField(
        label="招标人统一社会信用代码",
        max_length=32,
        required=False,
        help_text="代理机构代招标人登记时必填；招标人自行登记时留空",
    )
    agent_uscc = forms.CharField(
        label="委托的代理机构统一社会信用代码", max_length=32, required=False, help_text="可选"
    )
    total_investment = forms.DecimalField(label="总投资（元）", max_digits=16, decimal_places=2)
    state_budget_amount = forms.DecimalField(
        label="其中预算资金（元）", max_digits=16, decimal_places=2, initial=0, required=False
    )
    state_owned_controlled = forms.BooleanField(label="国有资金占控股或者主导地位", required=False)
    foreign_loan_or_aid = forms.BooleanField(label="使用国际组织或者外国政府贷款、援助资金", required=False)
    private_only = forms.BooleanField(label="全部为非国有资金（民间投资）", required=False)


class LotRowForm(forms.Form):
    name = forms.CharField(label="标段名称", max_length=200)
    contract_kind = forms.ChoiceField(label="合同类型", choices=Lot.ContractKind.choices, initial="works")
    classify_code = forms.CharField(label="标段分类代码", max_length=7, help_text="如 A08（施工）")
    estimated_value = forms.DecimalField(label="估算价（元）", max_digits=16, decimal_places=2)
    control_price = forms.DecimalField(
        label="最高投标限价（元）", max_digits=16, decimal_places=2, required=False
    )
    bond_amount = forms.DecimalField(
        label="投标保证金（元）", max_digits=14, decimal_places=2, initial=0, required=False
    )


LotFormSet = formset_factory(LotRowForm, extra=3, max_num=30, absolute_max=30)


def split_usccs(text: str) -> list[str]:
    return [u for u in re.split(r"[\s,，;；、]+", text or "") if u]


class NoticeForm(forms.Form):
    method = forms.ChoiceField(label="招标方式", choices=Notice.Method.choices)
    title = forms.CharField(label="标题", max_length=200, required=False, help_text="留空则使用项目名称")
    body = forms.CharField(label="公告正文", widget=forms.Textarea(attrs={"rows": 6}))
    lot_codes = forms.MultipleChoiceField(label="标段", widget=forms.CheckboxSelectMultiple)
    docs_from = BeijingDateTimeField(label="招标文件获取开始时间（北京时间）")
    docs_until = BeijingDateTimeField(label="招标文件获取截止时间（北京时间）")
    bid_deadline = BeijingDateTimeField(
        label="投标截止时间（北京时间）", help_text="开标在投标截止的同一时间进行（招标投标法 第34条）"
    )
    decrypt_minutes = forms.IntegerField(label="在线解密时长（分钟）", required=False)
    validity_days = forms.IntegerField(label="投标有效期（日）", required=False)
    invitees = forms.CharField(
        label="受邀投标人统一社会信用代码",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, lots: list[Lot], spec: ProcedureSpec, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lot_codes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(lot.code, f"{lot.code} {lot.name}") for lot in lots]
        # The defaults and words of the lots' method.
        self.fields["decrypt_minutes"].initial = spec.rules.decrypt_minutes_default.value
        self.fields["validity_days"].initial = spec.rules.bid_validity_days_default.value
        self.fields["docs_from"].label = f"{spec.wording.documents}获取开始时间（北京时间）"
        self.fields["docs_until"].label = f"{spec.wording.documents}获取截止时间（北京时间）"
        if draw_mode(spec.rules) is not InviteeDrawMode.NONE:
            # Procurement draws its invitees from a pool (87号令 第14条), or — in 谈判, 询价, 磋商 — from the
            # library or by written recommendations (74号令 第12条), on the notice page: never named here.
            del self.fields["invitees"]
        else:
            self.fields["invitees"].help_text = (
                f"仅邀请招标填写，每行一个（应邀请{spec.rules.min_invited.value}个以上，"
                f"{spec.rules.min_invited.legal.citation}）"
            )


SIGNATURE_HELP = (
    "签名是用本单位数字证书对应的私钥对所上传文件原文作出的SM2签名（DER编码，十六进制），"
    "可用CA客户端（证书助手）对文件签名后粘贴于此；平台用本单位登记的有效证书验证（电子招标投标办法 第40条）。"
)


class InviteeDrawForm(forms.Form):
    from_library = forms.BooleanField(
        label="从省级供应商库抽取（该品目全部已入库且未受信用惩戒的供应商）", required=False
    )
    pool = forms.CharField(
        label="或：备选供应商统一社会信用代码",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="每行一个；来自资格预审或采购人书面推荐；政府采购邀请招标总数不少于拟抽取数的两倍",
    )
    count = forms.IntegerField(label="拟随机抽取并邀请的供应商数", min_value=1, max_value=100, initial=3)
    witnesses = forms.CharField(
        label="在场监督的采购人工作人员（平台用户名）",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="每行一个；邀请招标不少于两名",
    )


class DocumentForm(forms.Form):
    title = forms.CharField(label="标题", max_length=200, required=False, help_text="留空则使用文件名")
    file = forms.FileField(label="文件")
    signature = forms.CharField(
        label="SM2签名（十六进制）", widget=forms.Textarea(attrs={"rows": 3}), help_text=SIGNATURE_HELP
    )


class ClarifyForm(DocumentForm):
    kind = forms.ChoiceField(
        label="类型",
        choices=[
            (Document.Kind.CLARIFICATION.value, Document.Kind.CLARIFICATION.label),
            (Document.Kind.AMENDMENT.value, Document.Kind.AMENDMENT.label),
        ],
    )
    new_bid_deadline = BeijingDateTimeField(
        label="顺延后的投标截止时间（可选，北京时间）",
        required=False,
        help_text="距投标截止不足15日的澄清或修改，应顺延投标截止时间",
    )
    field_order = ["kind", "title", "file", "signature", "new_bid_deadline"]


class TerminateForm(forms.Form):
    reason = forms.CharField(label="终止理由", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="答复", widget=forms.Textarea(attrs={"rows": 2, "aria-label": "答复"}), required=False
    )


# ---- reads -----------------------------------------------------------------------------------------


def require_manager(actor: Actor) -> None:
    if actor.entity_id is None or not (actor.has(Role.PRINCIPAL) or actor.has(Role.AGENT)):
        raise PermissionDenied(
            "role_required",
            "此页面供招标人/采购人或代理机构使用",
            "This page is for principals and agents",
            details={"roles": [Role.PRINCIPAL.value, Role.AGENT.value]},
        )


def my_projects(actor: Actor) -> QuerySet[Project]:
    return (
        Project.objects.filter(Q(principal_id=actor.entity_id) | Q(agent_id=actor.entity_id))
        .select_related("principal", "agent")
        .prefetch_related("lots")
    )


def party_project(actor: Actor, code: str) -> Project:
    """The project, for its principal and agent (and, read-only, operators and regulators)."""
    project = Project.objects.select_related("principal", "agent", "node").filter(code=code).first()
    if project is None:
        raise NotFound("project_not_found", f"未找到项目{code}", f"No project {code}")
    if not (is_party(actor, project) or is_overseer(actor, project)):
        raise PermissionDenied(
            "not_project_party",
            "只有本项目的招标人或其委托的代理机构可以查看此页面",
            "Only the project's principal or its agent may see this page",
        )
    return project


def party_notice(actor: Actor, notice_id: int) -> Notice:
    notice = (
        Notice.objects.select_related("project__principal", "project__agent").filter(pk=notice_id).first()
    )
    if notice is None:
        raise NotFound("notice_not_found", "未找到公告", "No such notice")
    if not (is_party(actor, notice.project) or is_overseer(actor, notice.project)):
        if notice.status == Notice.Status.DRAFT:  # a draft does not exist for anyone else
            raise NotFound("notice_not_found", "未找到公告", "No such notice")
        raise PermissionDenied(
            "not_project_party",
            "只有本项目的招标人或其委托的代理机构可以查看此页面，公开内容请查看公告公开页",
            "Only the project's principal or its agent may see this page; see the public notice",
        )
    return notice


# ---- projects --------------------------------------------------------------------------------------


@login_required
@shows_errors
def projects(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    require_manager(actor)
    form = ProjectForm(request.POST or None)
    lots = LotFormSet(request.POST or None, prefix="lots")
    error: GgzyError | None = None
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid() and lots.is_valid():
            data = form.cleaned_data
            project_in = ProjectIn(
                name=data["name"],
                principal_uscc=data["principal_uscc"] or None,
                agent_uscc=data["agent_uscc"] or None,
                category=data["category"] or "engineering",
                procedure=data.get("procedure") or None,
                state_budget_amount=data["state_budget_amount"] or Decimal(0),
                total_investment=data["total_investment"],
                state_owned_controlled=data["state_owned_controlled"],
                foreign_loan_or_aid=data["foreign_loan_or_aid"],
                private_only=data["private_only"],
                lots=[
                    LotIn(
                        name=row["name"],
                        contract_kind=row["contract_kind"],
                        classify_code=row["classify_code"].strip().upper(),
                        estimated_value=row["estimated_value"],
                        control_price=row["control_price"],
                        bond_amount=row["bond_amount"] or Decimal(0),
                    )
                    for row in lots.cleaned_data
                    if row
                ],
            )
            try:
                project = actions.create_project(actor, project_in)
            except GgzyError as exc:
                error, status = exc, refusal_status(exc)
            else:
                messages.success(request, f"项目{project.code}已登记。")
                return redirect("trading:project", code=project.code)
    return render(
        request,
        "trading/projects.html",
        {
            "projects": my_projects(actor),
            "form": form,
            "lots": lots,
            "error": error,
            "bond_rules": bond_rules_text(),
        },
        status=status,
    )


def _project_page(
    request: HttpRequest,
    actor: Actor,
    project: Project,
    *,
    form: NoticeForm | None = None,
    error: GgzyError | None = None,
    status: int = 200,
) -> HttpResponse:
    lots = list(project.lots.select_related("notice"))
    free = [lot for lot in lots if lot.state == Lot.State.DRAFT and lot.notice_id is None]
    spec = project_spec(project)
    failed = [lot for lot in lots if lot.state == Lot.State.FAILED and not hasattr(lot, "retender")]
    changes = {c.lot_id: c for c in MethodChange.objects.filter(lot__in=failed)}
    others = [(s.id, s.name) for s in methods() if s.category == project.category and s.id != spec.id]
    return render(
        request,
        "trading/project.html",
        {
            "project": project,
            "failed_lots": [(lot, changes.get(lot.pk)) for lot in failed],
            "other_methods": others if spec.rules.method_change else [],
            "method_names": {s.id: s.name for s in SPECS.values()},
            "spec": spec,
            "words": spec.wording,
            "lots": lots,
            "notices": project.notices.prefetch_related("lots"),
            "can_manage": is_party(actor, project),
            "form": form
            or NoticeForm(lots=free, spec=spec, initial={"lot_codes": [lot.code for lot in free]}),
            "free_lots": free,
            "error": error,
            "earliest": earliest_hint(error),
        },
        status=status,
    )


@login_required
@shows_errors
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    return _project_page(request, actor, party_project(actor, code))


@login_required
@require_POST
@shows_errors
def create_notice(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    project = party_project(actor, code)
    free = list(project.lots.filter(state=Lot.State.DRAFT, notice__isnull=True))
    form = NoticeForm(request.POST, lots=free, spec=project_spec(project))
    if not form.is_valid():
        return _project_page(request, actor, project, form=form, status=422)
    data = form.cleaned_data
    notice_in = NoticeIn(
        method=data["method"],
        title=data["title"],
        body=data["body"],
        lot_codes=data["lot_codes"],
        docs_from=data["docs_from"],
        docs_until=data["docs_until"],
        bid_deadline=data["bid_deadline"],
        decrypt_minutes=data["decrypt_minutes"],
        validity_days=data["validity_days"],
        invitees=split_usccs(data.get("invitees", "")) if data["method"] == Notice.Method.INVITED else [],
    )
    try:
        notice = actions.create_notice(actor, project.code, notice_in)
    except GgzyError as exc:
        return _project_page(request, actor, project, form=form, error=exc, status=refusal_status(exc))
    messages.success(request, "公告草稿已保存。请上传招标文件后发布。")
    return redirect("trading:notice", notice_id=notice.pk)


@login_required
@require_POST
@shows_errors
def rerun_lot(request: HttpRequest, code: str, lot_code: str) -> HttpResponse:
    """After a failure: tender again by the same method, or by the approved one (87号令 第43条)."""
    actor = actor_from_request(request)
    project = party_project(actor, code)
    try:
        lot = actions.retender(actor, lot_code, request.POST.get("procedure") or None)
    except GgzyError as exc:
        return _project_page(request, actor, project, error=exc, status=refusal_status(exc))
    messages.success(request, f"已新建标段{lot.code}，请起草公告。")
    return redirect("trading:project", code=project.code)


@login_required
@require_POST
@shows_errors
def ask_method_change(request: HttpRequest, code: str, lot_code: str) -> HttpResponse:
    actor = actor_from_request(request)
    project = party_project(actor, code)
    try:
        actions.request_method_change(
            actor, lot_code, request.POST.get("procedure", ""), request.POST.get("reason", "")
        )
    except GgzyError as exc:
        return _project_page(request, actor, project, error=exc, status=refusal_status(exc))
    messages.success(request, "已报财政部门批准变更采购方式。")
    return redirect("trading:project", code=project.code)


# ---- notices (parties) -----------------------------------------------------------------------------


def _notice_page(
    request: HttpRequest,
    actor: Actor,
    notice: Notice,
    *,
    error: GgzyError | None = None,
    status: int = 200,
    document_form: DocumentForm | None = None,
    clarify_form: ClarifyForm | None = None,
    terminate_form: TerminateForm | None = None,
    draw_form: InviteeDrawForm | None = None,
    recommend_form: "RecommendForm | None" = None,
) -> HttpResponse:
    deadline_passed = clock.now() >= notice.bid_deadline
    downloads = None
    downloads_refusal: GgzyError | None = None
    try:
        downloads = actions.list_downloads(actor, notice)
    except GgzyError as exc:  # before the deadline: the refusal itself tells the user why
        downloads_refusal = exc
    objections = list(Objection.objects.filter(notice=notice).select_related("raised_by"))
    rules = actions.notice_spec(notice).rules
    draw = InviteeDraw.objects.filter(notice=notice).first()
    drawing = notice.method == Notice.Method.INVITED and draw_mode(rules) is not InviteeDrawMode.NONE
    return render(
        request,
        "trading/notice.html",
        {
            "notice": notice,
            "project": notice.project,
            "lots": notice.lots.all(),
            "documents": notice.documents.select_related("signer"),
            "invitees": notice.invitees.all() if notice.method == Notice.Method.INVITED else [],
            "objections": objections,
            # Objectors are potential bidders: their names stay sealed until the deadline (办法 第21条).
            "show_objectors": deadline_passed,
            "deadline_passed": deadline_passed,
            "downloads": downloads,
            "downloads_refusal": downloads_refusal,
            "can_manage": is_party(actor, notice.project),
            "document_form": document_form or DocumentForm(),
            "clarify_form": clarify_form or ClarifyForm(),
            "terminate_form": terminate_form or TerminateForm(),
            "answer_form": AnswerForm(auto_id=False),
            "drawing": drawing,
            "invitee_draw": draw,
            "invitee_draw_verified": draw is not None and invitations.verify(draw),
            "draw_form": draw_form or InviteeDrawForm() if drawing and draw is None else None,
            "draw_rule": rules.invitee_draw.legal if rules.invitee_draw else None,
            # 谈判, 询价, 磋商 may invite by written recommendations instead of a draw (74号令 第12条).
            "recommending": drawing and draw is None and draw_mode(rules) is InviteeDrawMode.ALLOWED,
            "recommendations": list(notice.recommendations.select_related("supplier")),
            "recommend_form": recommend_form or RecommendForm(),
            "recommendation_rule": recommendations.RECOMMENDATION,
            "error": error,
            "earliest": earliest_hint(error),
        },
        status=status,
    )


@login_required
@require_POST
@shows_errors
def commit_invitee_draw(request: HttpRequest, notice_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    notice = party_notice(actor, notice_id)
    form = InviteeDrawForm(request.POST)
    if not form.is_valid():
        return _notice_page(request, actor, notice, draw_form=form, status=422)
    data = form.cleaned_data
    draw_in = InviteeDrawIn(
        pool=split_usccs(data["pool"]),
        from_library=data["from_library"],
        count=data["count"],
        witnesses=data["witnesses"].split(),
    )
    return _on_notice(
        request,
        actor,
        notice,
        lambda: invitations.commit_invitee_draw(actor, notice.pk, draw_in),
        "备选名单已固定，随机种子已承诺；请在监督人员在场时执行抽取。",
        draw_form=form,
    )


class RecommendForm(forms.Form):
    supplier_uscc = forms.CharField(label="被推荐供应商统一社会信用代码", max_length=18)
    opinion = forms.CharField(label="书面推荐意见", widget=forms.Textarea(attrs={"rows": 2}))


@login_required
@require_POST
@shows_errors
def recommend_supplier(request: HttpRequest, notice_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    notice = party_notice(actor, notice_id)
    form = RecommendForm(request.POST)
    if not form.is_valid():
        return _notice_page(request, actor, notice, recommend_form=form, status=422)
    data = form.cleaned_data
    return _on_notice(
        request,
        actor,
        notice,
        lambda: recommendations.recommend_supplier(actor, notice.pk, data["supplier_uscc"], data["opinion"]),
        "已记录书面推荐意见，该供应商列入受邀名单。",
        recommend_form=form,
    )


@login_required
@require_POST
@shows_errors
def execute_invitee_draw(request: HttpRequest, notice_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    notice = party_notice(actor, notice_id)
    return _on_notice(
        request,
        actor,
        notice,
        lambda: invitations.execute_invitee_draw(actor, notice.pk),
        "已随机抽取被邀请供应商，抽取记录可复核。",
    )


@login_required
@shows_errors
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    return _notice_page(request, actor, party_notice(actor, notice_id))


def _on_notice(
    request: HttpRequest, actor: Actor, notice: Notice, run: Callable[[], object], text: str, **forms: Any
) -> HttpResponse:
    """Run an action; on success back to the notice page, on refusal show it there (nothing changed)."""
    return act_then_redirect(
        request,
        run,
        text,
        reverse("trading:notice", kwargs={"notice_id": notice.pk}),
        lambda exc: _notice_page(request, actor, notice, error=exc, status=refusal_status(exc), **forms),
    )


@login_required
@require_POST
@shows_errors
def attach_document(request: HttpRequest, notice_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    notice = party_notice(actor, notice_id)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _notice_page(request, actor, notice, document_form=form, status=422)
    upload = form.cleaned_data["file"]
    meta = DocumentMeta(
        kind=Document.Kind.TENDER_DOCUMENTS,
        title=form.cleaned_data["title"],
        signature=form.cleaned_data["signature"],
    )
    return _on_notice(
        request,
        actor,
        notice,
        lambda: actions.attach_document(actor, notice.pk, meta, upload.name or "file", upload.read()),
        "招标文件已上传并通过签名验证。",
        document_form=form,
    )


@login_required
@require_POST
@shows_errors
def publish_notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    notice = party_notice(actor, notice_id)
    return _on_notice(
        request, actor, notice, lambda: actions.publish_notice(actor, notice.pk), "公告已发布。"
    )


@login_required
@require_POST
@shows_errors
def clarify(request: HttpRequest, notice_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    notice = party_notice(actor, notice_id)
    form = ClarifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _notice_page(request, actor, notice, clarify_form=form, status=422)
    upload = form.cleaned_data["file"]
    meta = DocumentMeta(
        kind=form.cleaned_data["kind"],
        title=form.cleaned_data["title"],
        signature=form.cleaned_data["signature"],
        new_bid_deadline=form.cleaned_data["new_bid_deadline"],
    )
    return _on_notice(
        request,
        actor,
        notice,
        lambda: actions.clarify(actor, notice.pk, meta, upload.name or "file", upload.read()),
        "澄清/修改已发布，已通知获取招标文件的潜在投标人。",
        clarify_form=form,
    )


@login_required
@require_POST
@shows_errors
def terminate(request: HttpRequest, notice_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    notice = party_notice(actor, notice_id)
    form = TerminateForm(request.POST)
    form.is_valid()
    return _on_notice(
        request,
        actor,
        notice,
        lambda: actions.terminate_notice(actor, notice.pk, form.cleaned_data.get("reason", "")),
        "招标已终止。",
        terminate_form=form,
    )


@login_required
@require_POST
@shows_errors
def answer_objection(request: HttpRequest, objection_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    objection = Objection.objects.filter(pk=objection_id).first()
    if objection is None:
        raise NotFound("objection_not_found", "未找到异议", "No such objection")
    notice = party_notice(actor, objection.notice_id)
    form = AnswerForm(request.POST)
    form.is_valid()
    return _on_notice(
        request,
        actor,
        notice,
        lambda: actions.answer_objection(actor, objection.pk, form.cleaned_data.get("answer", "")),
        "异议已答复。",
    )


# ---- public ----------------------------------------------------------------------------------------


def public_notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    """The public page of a notice is the portal's (one page for what anyone may read)."""
    return redirect("disclosure:notice", notice_id=notice_id, permanent=True)
