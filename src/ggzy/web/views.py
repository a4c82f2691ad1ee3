"""Portal and workspace pages. Thin: read with queries, write through actions, show errors in Chinese."""

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template

from ggzy.exchange.models import Node
from ggzy.exchange.queries import operates_province
from ggzy.kernel.audit import chain_summary, visible_events
from ggzy.kernel.errors import GgzyError
from ggzy.kernel.models import AuditEvent, Notification
from ggzy.kernel.roles import Actor, Role
from ggzy.registry import actions as registry_actions
from ggzy.registry import queries as registry_queries
from ggzy.registry.auth import actor_for_user, actor_from_request, client_ip
from ggzy.registry.models import Account, Entity, EntityKind, EntityKindAssignment
from ggzy.registry.schemas import AccountIn, ContactIn, EntityForm, QualificationIn
from ggzy.trading.models import Lot, Project
from ggzy.trading.queries import overseen_projects
from ggzy.web.forms import EntityRegistrationForm


def latest_notices(limit: int = 12) -> dict[str, Any]:
    """The newest published notices, and the same grouped by trade category and by region (platform)."""
    from ggzy.catalogue.models import TradeCategory
    from ggzy.trading.models import Notice

    rows = list(
        Notice.objects.exclude(status=Notice.Status.DRAFT)
        .filter(published_at__isnull=False)
        .select_related("project__node__parent")
        .order_by("-published_at", "-id")[:limit]
    )
    labels = dict(TradeCategory.choices)
    by_category: dict[str, list[Notice]] = {}
    by_region: dict[str, list[Notice]] = {}
    for notice in rows:
        by_category.setdefault(labels.get(notice.project.category, notice.project.category), []).append(
            notice
        )
        node = notice.project.node
        platform = node.parent if node.level == Node.Level.BRANCH and node.parent else node
        by_region.setdefault(platform.name, []).append(notice)
    return {"latest": rows, "by_category": by_category, "by_region": by_region}


def home(request: HttpRequest) -> HttpResponse:
    province = Node.objects.filter(level=Node.Level.PROVINCE).first()
    cities = Node.objects.filter(level=Node.Level.CITY).prefetch_related("children").order_by("region_id")
    kind_counts = dict(
        EntityKindAssignment.objects.filter(entity__status=Entity.Status.ACTIVE)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    kinds = [(label, kind_counts.get(value, 0)) for value, label in EntityKind.choices]
    return render(
        request,
        "web/home.html",
        {
            "province": province,
            "cities": cities,
            "kinds": kinds,
            "entity_total": Entity.objects.count(),
            "notices": latest_notices(),
            # the public portal (ggzy.disclosure) and statistics (ggzy.analytics), when installed
            "portal": apps.is_installed("ggzy.disclosure"),
            "statistics": apps.is_installed("ggzy.analytics"),
        },
    )


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        registry_actions.record_sign_in(actor_for_user(form.get_user(), client_ip(self.request)), "web")
        return response


def entity_list(request: HttpRequest) -> HttpResponse:
    qs = registry_queries.entities().filter(status=Entity.Status.ACTIVE)
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()
    if kind:
        qs = qs.filter(kinds__kind=kind)
    if q:
        qs = qs.filter(name__contains=q)
    return render(
        request,
        "web/entity_list.html",
        {"entities": qs.distinct()[:200], "kind": kind, "q": q, "kind_choices": EntityKind.choices},
    )


def entity_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    try:
        entity = registry_queries.entity_by_uscc(uscc)
    except GgzyError as exc:
        return render(request, "web/error.html", {"error": exc}, status=exc.status)
    actor = actor_from_request(request)
    private = (
        registry_queries.private_view(entity) if registry_queries.can_see_private(actor, entity) else None
    )
    return render(
        request,
        "web/entity_detail.html",
        {"entity": registry_queries.public_view(entity), "private": private},
    )


def register(request: HttpRequest) -> HttpResponse:
    form = EntityRegistrationForm(request.POST or None)
    error: GgzyError | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        qualifications = []
        if data["qualification_name"]:
            qualifications.append(
                QualificationIn(
                    name=data["qualification_name"],
                    level=data["qualification_level"],
                    certificate_no=data["qualification_certificate_no"],
                    valid_until=data["qualification_valid_until"],
                )
            )
        entity_form = EntityForm(
            uscc=data["uscc"],
            name=data["name"],
            kinds=data["kinds"],
            legal_representative=data["legal_representative"],
            address=data["address"],
            region_code=data["region_code"],
            contacts=[
                ContactIn(
                    name=data["contact_name"], mobile=data["contact_mobile"], email=data["contact_email"]
                )
            ],
            qualifications=qualifications,
        )
        account = AccountIn(
            username=data["username"],
            password=data["password"],
            name=data["account_name"],
            mobile=data["account_mobile"],
        )
        try:
            entity = registry_actions.register_entity(actor_from_request(request), entity_form, account)
        except GgzyError as exc:
            error = exc
        else:
            return redirect("web:entity", uscc=entity.uscc)
    return render(request, "web/register.html", {"form": form, "error": error}, status=422 if error else 200)


@login_required
def workspace(request: HttpRequest) -> HttpResponseBase:
    actor = actor_from_request(request)
    context: dict[str, Any] = {
        "actor": actor,
        "role_labels": [r.label for r in Role if r in actor.roles],
        "notifications": Notification.objects.filter(recipient=request.user.pk)[:10],
    }
    if actor.entity_id is not None:
        entity = registry_queries.entities().get(pk=actor.entity_id)
        context["entity"] = registry_queries.private_view(entity)
        context["versions"] = entity.versions.order_by("-version")[:10]
        template = "web/workspace_entity.html"
    elif actor.has(Role.OPERATOR):
        context["chain"] = chain_summary()  # no event count: it would count the sealed events
        context["events"] = operator_events(actor).order_by("-seq")[:20]
        context["nodes"] = Node.objects.select_related("region", "parent")
        template = "web/workspace_operator.html"
    elif actor.has(Role.REGULATOR):
        account = Account.objects.select_related("department__node").get(user=request.user.pk)
        context["department"] = account.department
        template = "web/workspace_regulator.html"
    elif actor.has(Role.EXPERT):
        template = "web/workspace_expert.html"
    else:
        template = "web/workspace_public.html"
    return render(request, template, context)


def operator_events(actor: Actor) -> QuerySet[AuditEvent]:
    """Recent events for an operator's workspace: the province's centre sees the platform's; a city or
    county centre only those on its own projects and their lots."""
    events = visible_events()
    if operates_province(actor):
        return events
    projects = list(Project.objects.filter(overseen_projects(actor)).values_list("pk", flat=True))
    lots = Lot.objects.filter(project_id__in=projects).values_list("pk", flat=True)
    return events.filter(
        Q(object_type="trading.project", object_id__in=[str(pk) for pk in projects])
        | Q(object_type="trading.lot", object_id__in=[str(pk) for pk in lots])
    )


# ---- error pages (handler404 / handler500 in ggzy.urls): Chinese pages, the API's error format on /api/


def error_answer(
    request: HttpRequest, error: GgzyError, page: Callable[[], HttpResponse] | None = None
) -> HttpResponse:
    """The one way an error page answers: the API's error format under /api/, else `page()` or the
    Chinese error page."""
    if request.path.startswith("/api/"):
        return JsonResponse(error.as_json(), status=error.status, json_dumps_params={"ensure_ascii": False})
    if page is not None:
        return page()
    return render(request, "web/error.html", {"error": error}, status=error.status)


def too_large() -> GgzyError:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE (Django's RequestDataTooBig): 413, the same on /api/ and pages."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return GgzyError(
        "request_too_large",
        f"请求内容过大：最多{limit // (1024 * 1024)} MiB（投标文件请分段上传）",
        f"Request body too large: at most {limit // (1024 * 1024)} MiB (upload bid files in chunks)",
        details={"max_bytes": limit},
        status=413,
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: Django's refusals of a request (an oversized body, too many fields, a bad host)."""
    error = (
        too_large()
        if isinstance(exception, RequestDataTooBig)
        else GgzyError("bad_request", "请求无法处理", "Bad request")
    )
    page = get_template("web/error.html").render({"error": error})
    return error_answer(request, error, lambda: HttpResponse(page, status=error.status))


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    error = GgzyError("not_found", "资源不存在", "Not found", status=404)
    return error_answer(request, error, lambda: render(request, "404.html", status=404))


def server_error(request: HttpRequest) -> HttpResponse:
    """No template context: whatever failed must not fail again while the error page renders."""
    error = GgzyError(
        "server_error",
        "服务器内部错误，已记录；数据未被部分保存",
        "Internal error (logged); nothing was half-saved",
        status=500,
    )
    return error_answer(request, error, lambda: HttpResponse(get_template("500.html").render(), status=500))
