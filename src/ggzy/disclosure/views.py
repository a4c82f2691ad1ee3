"""The public portal (no login): notices, search, projects with their timeline, entities, the catalogue and
its consultations, rule clean-up announcements, penalties, open data — and the operators' pages for the
catalogue (R2.2) and the clean-up announcements (R5.2).

Thin (DESIGN rule 1): reads go through `public` (the disclosure table), writes through actions; a refusal
shows its Chinese message and rule with status 422 and changes nothing.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ggzy.catalogue import actions as catalogue_actions
from ggzy.catalogue import queries as catalogue_queries
from ggzy.catalogue.models import CatalogueItem, CatalogueVersion, TradeCategory
from ggzy.catalogue.schemas import ItemIn
from ggzy.disclosure import actions, queries
from ggzy.disclosure.models import CleanupAnnouncement, SearchDoc
from ggzy.disclosure.public import (
    METHOD_LABELS,
    STATE_LABELS,
    credit_installed,
    document_record,
    entity_record,
    evaluation_installed,
    is_public_project,
    lot_record,
    method_label,
    notice_record,
    notice_spec,
    project_record,
    project_view,
    public_notices,
    words,
)
from ggzy.disclosure.rules import TABLE, Stage, public
from ggzy.exchange.models import Node
from ggzy.exchange.queries import operates
from ggzy.kernel import timestamping
from ggzy.kernel.errors import GgzyError, NotFound, PermissionDenied
from ggzy.kernel.models import AuditCheckpoint
from ggzy.kernel.platform_key import platform_public_key
from ggzy.kernel.roles import Role
from ggzy.kernel.timefmt import local_text
from ggzy.registry.auth import actor_from_request
from ggzy.registry.models import Entity
from ggzy.trading.models import Notice, Project

CATEGORY_CHOICES = [("", "全部类别"), *TradeCategory.choices]
METHOD_CHOICES = [("", "全部方式"), *Notice.Method.choices]
KIND_CHOICES = [("", "全部类型"), *SearchDoc.Kind.choices]


def _status_choices() -> list[tuple[str, str]]:
    return [("", "全部状态"), *STATE_LABELS.items(), ("terminated", "已终止")]


def _region_choices() -> list[tuple[str, str]]:
    nodes = Node.objects.select_related("region").order_by("region_id")
    return [("", "全部地区"), *[(n.region_id, n.region.name) for n in nodes]]


def set_choices(form: forms.Form, name: str, choices: list[tuple[Any, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def error_page(request: HttpRequest, exc: GgzyError) -> HttpResponse:
    return render(request, "web/error.html", {"error": exc}, status=exc.status)


class FilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=200)
    kind = forms.ChoiceField(label="类型", required=False, choices=KIND_CHOICES)
    category = forms.ChoiceField(label="交易类别", required=False, choices=CATEGORY_CHOICES)
    method = forms.ChoiceField(label="交易方式", required=False, choices=METHOD_CHOICES)
    region = forms.ChoiceField(label="地区", required=False)
    status = forms.ChoiceField(label="状态", required=False)
    date_from = forms.DateField(
        label="发布日期自", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    amount_min = forms.DecimalField(label="金额不低于（元）", required=False, min_value=Decimal(0))
    amount_max = forms.DecimalField(label="金额不高于（元）", required=False, min_value=Decimal(0))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "region", _region_choices())
        set_choices(self, "status", _status_choices())


def _listing(request: HttpRequest, *, kind: str, template: str, title: str) -> HttpResponse:
    try:
        filters = queries.Filters.from_query(request.GET, kind=kind)
    except GgzyError as exc:
        return error_page(request, exc)
    qs, query = queries.find(filters)
    rows, total = queries.page_of(qs, filters.page)
    results = [
        {
            "doc": d,
            "title": queries.search.highlight(d.title, query),
            "snippet": queries.search.snippet(d.body or d.title, query) if filters.q else "",
            "kind_label": SearchDoc.Kind(d.kind).label,
            "method_label": METHOD_LABELS.get(d.method, ""),
            "status_label": STATE_LABELS.get(d.status, "已终止" if d.status == "terminated" else d.status),
            "category_label": dict(TradeCategory.choices).get(d.category, ""),
        }
        for d in rows
    ]
    params = request.GET.copy()
    params.pop("page", None)
    pages = (total + queries.PAGE_SIZE - 1) // queries.PAGE_SIZE
    return render(
        request,
        template,
        {
            "title": title,
            "form": FilterForm(request.GET or None),
            "results": results,
            "total": min(total, queries.COUNT_CAP),
            "more": total > queries.COUNT_CAP,
            "page": filters.page,
            "pages": pages,
            "query_string": params.urlencode(),
            "q": filters.q,
            "tokens": query.terms,
        },
    )


def notices(request: HttpRequest) -> HttpResponse:
    return _listing(request, kind=SearchDoc.Kind.NOTICE, template="disclosure/notices.html", title="交易公告")


def search_page(request: HttpRequest) -> HttpResponse:
    return _listing(request, kind="", template="disclosure/search.html", title="全文检索")


def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = (
        public_notices()
        .select_related("project__node__region", "project__principal", "project__agent")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        return error_page(request, NotFound("notice_not_found", "未找到公告", "No such notice"))
    project = notice.project
    lots = [lot_record(lot) for lot in notice.lots.select_related("notice").order_by("seq")]
    stage = max((Stage(lot["stage"]) for lot in lots), default=Stage.PUBLISHED)
    procedure = notice_spec(notice)
    return render(
        request,
        "disclosure/notice.html",
        {
            "notice": notice_record(notice),
            "method_label": method_label(procedure, notice.method),
            "words": words(procedure),
            "project": project_record(project, stage),
            "lots": lots,
            "documents": [document_record(d) for d in notice.documents.select_related("signer", "notice")],
        },
    )


def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    project = Project.objects.select_related("node__region", "principal", "agent").filter(code=code).first()
    if project is None or not is_public_project(project):
        return error_page(
            request, NotFound("project_not_found", f"未找到已公开的项目{code}", f"No public project {code}")
        )
    return render(request, "disclosure/project.html", {"p": project_view(project)})


def entity_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    entity = (
        Entity.objects.select_related("region", "node")
        .prefetch_related("kinds", "qualifications")
        .filter(uscc=(uscc or "").strip().upper())
        .first()
    )
    if entity is None:
        return error_page(request, NotFound("entity_not_found", f"未找到主体{uscc}", f"No entity {uscc}"))
    projects = Project.objects.filter(Q(principal=entity) | Q(agent=entity)).select_related("node")
    tenders = [
        {"code": p.code, "name": p.name, "created_at": p.created_at}
        for p in projects.order_by("-created_at")[:50]
        if is_public_project(p)
    ]
    return render(
        request,
        "disclosure/entity.html",
        {
            "entity": entity_record(entity),
            "kind_labels": [k.get_kind_display() for k in entity.kinds.all()],
            "tenders": tenders,
            "awards": _awards_of(entity),
            "credit_installed": credit_installed(),
            "penalties": _penalties(entity.uscc),
        },
    )


def _awards_of(entity: Entity) -> list[dict[str, Any]]:
    if not evaluation_installed():
        return []
    from ggzy.evaluation.models import Award

    out = []
    for award in Award.objects.filter(winner__bidder=entity, awarded_at__isnull=False).select_related(
        "lot__project", "lot__notice"
    ):
        record = lot_record(award.lot)
        if record["award"]:
            out.append({"project": award.lot.project, "lot": record, "award": record["award"]})
    return out


def _penalties(uscc: str | None = None) -> list[dict[str, Any]]:
    """Public penalty decisions on entities, when the credit app is installed (else nothing)."""
    if not credit_installed():
        return []
    from ggzy.credit.models import CreditRecord

    qs = CreditRecord._default_manager.filter(
        positive=False, is_public=True, subject="entity", revoked_at__isnull=True
    )
    if uscc:
        qs = qs.filter(uscc=uscc)
    rows = []
    records: list[Any] = list(qs.order_by("-recorded_at")[:200])  # the credit app may not be installed
    for r in records:
        values = {
            "uscc": r.uscc,
            "subject_name": r.subject_name,
            "kind": r.kind,
            "severity": r.get_severity_display(),
            "ban": r.ban,
            "basis_citation": r.basis_citation,
            "decision_no": r.decision_no,
            "authority": r.authority,
            "facts": r.facts,
            "valid_from": r.valid_from,
            "valid_until": r.valid_until,
        }
        rows.append(public("penalty", Stage.UNPUBLISHED, values))
    return rows


def penalties(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "disclosure/penalties.html",
        {"penalties": _penalties(), "credit_installed": credit_installed()},
    )


def open_data(request: HttpRequest) -> HttpResponse:
    rules = [
        {
            "dataset": r.dataset,
            "field": r.field,
            "label": r.label,
            "when": "不公开"
            if r.public_from is None
            else ("始终公开" if r.public_from == Stage.UNPUBLISHED else r.public_from.label + "起"),
            "citation": r.rule.citation,
        }
        for r in TABLE
    ]
    return render(request, "disclosure/open_data.html", {"months": queries.months(), "rules": rules})


def audit_checkpoints(request: HttpRequest) -> HttpResponse:
    """The signed checkpoints of the audit chain, newest first, and how anyone checks them."""
    return render(
        request,
        "disclosure/audit_checkpoints.html",
        {
            "checkpoints": AuditCheckpoint.objects.order_by("-seq")[:100],
            "platform_key": platform_public_key(),
            "tsa": timestamping.tsa_name(),
            "tsa_certificate": timestamping.tsa_certificate_pem().decode("ascii"),
        },
    )


# ---- rule clean-up announcements (R5.2) -----------------------------------------------------------


def cleanup_list(request: HttpRequest) -> HttpResponse:
    items = CleanupAnnouncement.objects.select_related("node")[:100]
    actor = actor_from_request(request)
    return render(
        request, "disclosure/cleanup_list.html", {"items": items, "can_publish": actor.has(Role.OPERATOR)}
    )


def cleanup_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = CleanupAnnouncement.objects.select_related("node").filter(pk=item_id).first()
    if item is None:
        return error_page(request, NotFound("cleanup_not_found", "未找到该公告", "No such announcement"))
    return render(request, "disclosure/cleanup_detail.html", {"item": item})


class CleanupForm(forms.Form):
    node = forms.ChoiceField(label="发布平台")
    title = forms.CharField(label="标题", max_length=200)
    document_no = forms.CharField(label="文号", max_length=100, required=False)
    result = forms.ChoiceField(label="处理结果", choices=CleanupAnnouncement.Result.choices)
    body = forms.CharField(
        label="清理结果（逐件列明保留、修订、废止的规则及理由）", widget=forms.Textarea(attrs={"rows": 10})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "node",
            [(n.pk, n.name) for n in Node.objects.exclude(level=Node.Level.BRANCH).order_by("region_id")],
        )


@login_required
def cleanup_new(request: HttpRequest) -> HttpResponseBase:
    actor = actor_from_request(request)
    if not actor.has(Role.OPERATOR):
        return error_page(
            request, PermissionDenied("role_required", "此操作需要交易中心工作人员", "Operators only")
        )
    form = CleanupForm(request.POST or None, initial={"node": actor.node_id})
    error: GgzyError | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = actions.publish_cleanup(
                actor, int(data["node"]), data["title"], data["body"], data["result"], data["document_no"]
            )
        except GgzyError as exc:
            error = exc
        else:
            messages.success(request, "规则清理结果已公布")
            return redirect("disclosure:cleanup", item_id=item.pk)
    return render(
        request, "disclosure/cleanup_new.html", {"form": form, "error": error}, status=422 if error else 200
    )


# ---- the catalogue: public pages and public consultation (R2.2) ----------------------------------


def catalogue_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    versions = catalogue_queries.visible_versions(actor).filter(status__in=catalogue_queries.PUBLIC_STATUSES)
    return render(
        request,
        "disclosure/catalogue_list.html",
        {
            "consultations": versions.filter(status=CatalogueVersion.Status.CONSULTATION),
            "versions": versions.order_by("node_id", "-effective_from", "-id"),
            "is_operator": actor.has(Role.OPERATOR),
        },
    )


class CommentForm(forms.Form):
    text = forms.CharField(label="您的意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))


def catalogue_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    try:
        version = catalogue_queries.version_for(actor, version_id)
    except GgzyError as exc:
        return error_page(request, exc)
    form = CommentForm(request.POST or None)
    error: GgzyError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            catalogue_actions.submit_comment(actor, version.pk, form.cleaned_data["text"])
        except GgzyError as exc:
            error = exc
        else:
            messages.success(request, "意见已提交，感谢您的参与。")
            return redirect("disclosure:catalogue", version_id=version.pk)
    items = list(version.items.all())
    return render(
        request,
        "disclosure/catalogue_detail.html",
        {
            "version": version,
            "items": items,
            "form": form,
            "error": error,
            "open_for_comment": version.status == CatalogueVersion.Status.CONSULTATION,
            "manages": operates(actor, version.node),
        },
        status=422 if error else 200,
    )


# ---- the catalogue: operators' pages ---------------------------------------------------------------


class DraftForm(forms.Form):
    node = forms.ChoiceField(label="平台节点")
    code = forms.CharField(label="目录编号", max_length=32, help_text="如 NX-2026-02")
    title = forms.CharField(label="目录名称", max_length=200)
    parent = forms.ChoiceField(label="依据版本（复制其条目）", required=False)
    citation = forms.CharField(label="发布依据（文号）", max_length=2000, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "node",
            [(n.pk, n.name) for n in Node.objects.exclude(level=Node.Level.BRANCH).order_by("region_id")],
        )
        adopted = CatalogueVersion.objects.filter(status=CatalogueVersion.Status.ADOPTED).select_related(
            "node"
        )
        set_choices(
            self,
            "parent",
            [("", "不复制（空白目录）"), *[(v.pk, f"{v.node.name} {v.code}") for v in adopted]],
        )


class ItemForm(forms.Form):
    category = forms.ChoiceField(label="交易类别", choices=TradeCategory.choices)
    subject = forms.CharField(label="标的分类（如 A08）", max_length=3, required=False)
    name = forms.CharField(label="条目名称", max_length=200)
    threshold = forms.DecimalField(
        label="限额（元，空=不设限额）", required=False, max_digits=16, decimal_places=2
    )
    statutory_threshold = forms.BooleanField(label="限额为法定标准", required=False)
    funding_scope = forms.ChoiceField(label="资金范围", choices=CatalogueItem.FundingScope.choices)
    basis = forms.ChoiceField(label="进场依据", choices=CatalogueItem.Basis.choices)
    scope = forms.CharField(label="范围说明", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    citation = forms.CharField(label="依据", max_length=1000)


class ConsultationForm(forms.Form):
    comment_until = forms.DateField(
        label="征求意见截止日期（留空按规定期限）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class AdoptForm(forms.Form):
    effective_from = forms.DateField(label="施行日期", widget=forms.DateInput(attrs={"type": "date"}))
    citation = forms.CharField(label="发布依据（文号）", max_length=2000, required=False)


def _operator(request: HttpRequest) -> Any:
    actor = actor_from_request(request)
    if not actor.has(Role.OPERATOR):
        raise PermissionDenied("role_required", "此页面供交易中心工作人员使用", "Operators only")
    return actor


@login_required
def catalogue_manage(request: HttpRequest) -> HttpResponseBase:
    try:
        actor = _operator(request)
    except GgzyError as exc:
        return error_page(request, exc)
    form = DraftForm(request.POST or None, initial={"node": actor.node_id})
    error: GgzyError | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = catalogue_actions.create_draft(
                actor,
                int(data["node"]),
                data["code"],
                data["title"],
                int(data["parent"]) if data["parent"] else None,
                data["citation"],
            )
        except GgzyError as exc:
            error = exc
        else:
            messages.success(request, f"已起草目录{version.code}")
            return redirect("disclosure:catalogue_edit", version_id=version.pk)
    versions = catalogue_queries.visible_versions(actor).order_by("node_id", "-id")
    return render(
        request,
        "disclosure/catalogue_manage.html",
        {"versions": versions, "form": form, "error": error},
        status=422 if error else 200,
    )


@login_required
def catalogue_edit(request: HttpRequest, version_id: int) -> HttpResponseBase:
    try:
        actor = _operator(request)
        version = catalogue_queries.version_for(actor, version_id)
    except GgzyError as exc:
        return error_page(request, exc)
    error: GgzyError | None = None
    item_form = ItemForm(request.POST if request.POST.get("do") == "item" else None)
    consult_form = ConsultationForm(request.POST if request.POST.get("do") == "consult" else None)
    adopt_form = AdoptForm(request.POST if request.POST.get("do") == "adopt" else None)
    if request.method == "POST":
        try:
            done = _catalogue_step(
                actor, version, request.POST.get("do", ""), item_form, consult_form, adopt_form
            )
        except GgzyError as exc:
            error = exc
        else:
            if done:
                messages.success(request, done)
                return redirect("disclosure:catalogue_edit", version_id=version.pk)
    comments = catalogue_queries.comments_for(actor, version) if operates(actor, version.node) else []
    return render(
        request,
        "disclosure/catalogue_edit.html",
        {
            "version": version,
            "items": list(version.items.all()),
            "comments": comments,
            "item_form": item_form,
            "consult_form": consult_form,
            "adopt_form": adopt_form,
            "error": error,
            "today": date.today(),
        },
        status=422 if error else 200,
    )


def _catalogue_step(
    actor: Any,
    version: CatalogueVersion,
    do: str,
    item_form: ItemForm,
    consult_form: ConsultationForm,
    adopt_form: AdoptForm,
) -> str:
    if do == "item" and item_form.is_valid():
        data = item_form.cleaned_data
        catalogue_actions.add_item(
            actor,
            version.pk,
            ItemIn(
                category=data["category"],
                subject=data["subject"] or "",
                name=data["name"],
                threshold=data["threshold"],
                statutory_threshold=data["statutory_threshold"],
                funding_scope=data["funding_scope"],
                basis=data["basis"],
                scope=data["scope"],
                citation=data["citation"],
            ),
        )
        return "已增加条目"
    if do == "consult" and consult_form.is_valid():
        updated = catalogue_actions.open_consultation(
            actor, version.pk, consult_form.cleaned_data["comment_until"]
        )
        until = updated.comment_until
        return f"已公开征求意见，截止{local_text(until)}" if until else "已公开征求意见"
    if do == "adopt" and adopt_form.is_valid():
        data = adopt_form.cleaned_data
        updated = catalogue_actions.adopt(actor, version.pk, data["effective_from"], data["citation"])
        effective = updated.effective_from
        return f"已发布，自{local_text(effective)}起施行" if effective else "已发布"
    return ""


@require_POST
@login_required
def catalogue_remove_item(request: HttpRequest, version_id: int, item_id: int) -> HttpResponseBase:
    actor = actor_from_request(request)
    try:
        catalogue_actions.remove_item(actor, item_id)
    except GgzyError as exc:
        return error_page(request, exc)
    messages.success(request, "已删除条目")
    return redirect("disclosure:catalogue_edit", version_id=version_id)
