"""Bidder workspace (“我的投标”), the opening hall (开标大厅) and the operator's list of openings.

Thin (DESIGN rule 1): reads are ORM queries, every change goes through an action. Sealing and decryption
happen on the bidder's own machine with `ggzy-bid`; the private key never reaches the browser or the
server. Before the bid deadline no page shows who bid or how many (电子招标投标办法 第21条, DESIGN rule 6).
"""

import json
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ggzy.bidding import actions
from ggzy.bidding.models import Bid, Bond, OpeningRecord
from ggzy.kernel import clock
from ggzy.kernel.errors import GgzyError, NotFound, PermissionDenied
from ggzy.kernel.pages import act_then_redirect, refusal_status, remaining, shows_errors
from ggzy.kernel.roles import Actor, Role
from ggzy.registry import actions as registry_actions
from ggzy.registry.auth import actor_from_request
from ggzy.registry.models import Entity
from ggzy.registry.queries import bidder_of
from ggzy.trading import actions as trading_actions
from ggzy.trading.models import Document, Lot, Notice
from ggzy.trading.queries import is_overseer, is_party, is_staff, overseen_projects
from ggzy.trading.specs import spec_for

BID_STATUS = dict(Bid.Status.choices)
BID_FAULT = dict(Bid.Fault.choices)
BOND_STATUS = dict(Bond.Status.choices)
BOND_KIND = dict(Bond.Kind.choices)
# Bids that count at the opening (a superseded or withdrawn envelope is no bid).
COUNTED = Q(
    status__in=[s for s in Bid.Status.values if s not in {Bid.Status.SUPERSEDED, Bid.Status.WITHDRAWN}]
)


class GuaranteeForm(forms.Form):
    guarantee_no = forms.CharField(label="保函编号", max_length=64, required=False)
    guarantor_uscc = forms.CharField(label="担保机构统一社会信用代码", max_length=32, required=False)


class FaultForm(forms.Form):
    bidder_uscc = forms.CharField(label="投标人", widget=forms.Select, required=False)
    fault = forms.ChoiceField(label="责任方", choices=Bid.Fault.choices)
    reason = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, bidders: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["bidder_uscc"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = bidders


# ---- 我的投标 ---------------------------------------------------------------------------------------


def require_bidder(actor: Actor) -> Entity:
    return bidder_of(actor)


@dataclass
class LotRow:
    lot: Lot
    bids: list[Bid] = field(default_factory=list)
    bond: Bond | None = None
    open_for_bids: bool = False

    @property
    def negotiating(self) -> bool:
        """A negotiation (竞争性谈判/磋商) the bidder responded to, past its first opening."""
        return (
            bool(self.bids)
            and self.lot.state not in {Lot.State.DRAFT, Lot.State.BIDDING, Lot.State.OPENING}
            and (spec_for(self.lot).rules.negotiation is not None)
        )

    @property
    def current(self) -> Bid | None:
        """The envelope that counts now (the last one not replaced)."""
        live = [b for b in self.bids if b.status != Bid.Status.SUPERSEDED]
        return live[-1] if live else None

    @property
    def receipt_text(self) -> str:
        """The current receipt, indented for reading (the download keeps the exact signed bytes)."""
        bid = self.current
        if bid is None:
            return ""
        try:
            return json.dumps(json.loads(bid.receipt), ensure_ascii=False, indent=2)
        except ValueError:
            return bid.receipt


@dataclass
class NoticeRow:
    notice: Notice
    documents: list[Document]
    lots: list[LotRow]
    docs_available: bool


def my_notices(entity: Entity) -> list[NoticeRow]:
    """Published notices open to the entity (open tenders, invitations to it) whose deadline is ahead, and
    every notice it has bid in."""
    now = clock.now()
    may_join = Q(method=Notice.Method.OPEN) | Q(invitees=entity)
    notices = (
        Notice.objects.filter(
            (Q(status=Notice.Status.PUBLISHED, bid_deadline__gt=now) & may_join)
            | Q(lots__bids__bidder=entity)
        )
        .distinct()
        .select_related("project__principal")
        .order_by("bid_deadline", "pk")
    )
    rows = [
        NoticeRow(
            notice=n,
            documents=list(n.documents.all()),
            lots=[LotRow(lot) for lot in n.lots.all()],
            docs_available=n.status == Notice.Status.PUBLISHED
            and n.docs_from <= now <= max(n.docs_until, n.bid_deadline),
        )
        for n in notices
    ]
    by_lot = {row.lot.pk: row for n in rows for row in n.lots}
    for bid in Bid.objects.filter(bidder=entity, lot_id__in=by_lot).order_by("submitted_at", "pk"):
        by_lot[bid.lot_id].bids.append(bid)
    for bond in Bond.objects.filter(bidder=entity, lot_id__in=by_lot):
        by_lot[bond.lot_id].bond = bond
    for n in rows:
        for row in n.lots:
            row.open_for_bids = (
                n.notice.status == Notice.Status.PUBLISHED
                and row.lot.state == Lot.State.BIDDING
                and now < n.notice.bid_deadline
            )
    return rows


def _mine_page(
    request: HttpRequest,
    actor: Actor,
    *,
    error: GgzyError | None = None,
    status: int = 200,
    token: str | None = None,
) -> HttpResponse:
    entity = require_bidder(actor)
    response = render(
        request,
        "bidding/mine.html",
        {
            "entity": entity,
            "notices": my_notices(entity),
            "server": request.build_absolute_uri("/").rstrip("/"),
            "error": error,
            "token": token,
        },
        status=status,
    )
    if token:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@shows_errors
def mine(request: HttpRequest) -> HttpResponse:
    return _mine_page(request, actor_from_request(request))


def _after(request: HttpRequest, actor: Actor, run: Any, text: str) -> HttpResponse:
    """Run an action; on success go back to “我的投标”, on refusal show it there (422)."""
    require_bidder(actor)
    return act_then_redirect(
        request,
        run,
        text,
        "bidding:mine",
        lambda exc: _mine_page(request, actor, error=exc, status=refusal_status(exc)),
    )


@login_required
@require_POST
@shows_errors
def bond_account(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    return _after(
        request,
        actor,
        lambda: actions.open_bond_account(actor, code),
        "已取得投标保证金虚拟子账户，请从本单位基本账户转账缴纳。",
    )


@login_required
@require_POST
@shows_errors
def guarantee(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    form = GuaranteeForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    return _after(
        request,
        actor,
        lambda: actions.submit_guarantee(
            actor, code, data.get("guarantee_no", ""), data.get("guarantor_uscc", "")
        ),
        "电子保函已提交。",
    )


@login_required
@require_POST
@shows_errors
def withdraw(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    return _after(request, actor, lambda: actions.withdraw_bid(actor, code), "投标文件已撤回。")


@login_required
@require_POST
@shows_errors
def issue_token(request: HttpRequest) -> HttpResponse:
    """The token is shown once, in this answer (not stored anywhere it could be shown again)."""
    actor = actor_from_request(request)
    require_bidder(actor)
    try:
        _, secret = registry_actions.issue_api_token(actor, "ggzy-bid")
    except GgzyError as exc:
        return _mine_page(request, actor, error=exc, status=refusal_status(exc))
    return _mine_page(request, actor, token=secret)


@login_required
@shows_errors
def download_document(request: HttpRequest, document_id: int) -> HttpResponseBase:
    actor = actor_from_request(request)
    try:
        document = trading_actions.download_document(actor, document_id)
    except GgzyError as exc:
        if actor.has(Role.BIDDER):
            return _mine_page(request, actor, error=exc, status=refusal_status(exc))
        raise
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=document.filename)
    response["X-Content-SM3"] = document.sm3
    response["X-Signature-SM2"] = document.signature
    return response


@login_required
@shows_errors
def receipt(request: HttpRequest, receipt_no: str) -> HttpResponse:
    """The platform-signed receipt, for `ggzy-bid verify-receipt` (the bidder's own bids only)."""
    entity = require_bidder(actor_from_request(request))
    bid = Bid.objects.filter(receipt_no=receipt_no, bidder=entity).first()
    if bid is None:
        raise NotFound("receipt_not_found", "未找到该回执", "No such receipt")
    response = HttpResponse(bid.receipt, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{bid.receipt_no}.json"'
    return response


# ---- 开标大厅 ---------------------------------------------------------------------------------------


@dataclass
class Hall:
    lot: Lot
    notice: Notice
    party: bool
    overseer: bool
    own: Entity | None  # the bidder looking, if they bid for the lot


def hall_for(actor: Actor, code: str) -> Hall:
    """The opening hall is for the lot's principal and agent, operators (witness) and regulators, and the
    bidders of the lot."""
    lot = Lot.objects.select_related("notice", "project").filter(code=code).first()
    if lot is None or lot.notice is None:
        raise NotFound("lot_not_found", f"未找到标段{code}", f"No lot {code}")
    party, overseer = is_party(actor, lot.project), is_overseer(actor, lot.project)
    own = None
    if actor.entity_id is not None and Bid.objects.filter(lot=lot, bidder_id=actor.entity_id).exists():
        own = Entity.objects.get(pk=actor.entity_id)
    if not (party or overseer or own):
        raise PermissionDenied(
            "not_participant",
            "开标大厅向本标段的招标人、代理机构、投标人和交易中心见证人员开放",
            "The opening hall is for the lot's parties, its bidders and the platform's witnesses",
        )
    return Hall(lot, lot.notice, party, overseer, own)


def record_rows(record: OpeningRecord) -> list[dict[str, Any]]:
    return [
        {
            **row,
            "status_label": BID_STATUS.get(str(row.get("status")), row.get("status")),
            "bond_label": BOND_STATUS.get(str(row.get("bond")), row.get("bond")),
            "bond_kind_label": BOND_KIND.get(str(row.get("bond_kind")), ""),
            "fault_label": BID_FAULT.get(str(row.get("fault")), ""),
        }
        for row in record.rows
    ]


def hall_state(hall: Hall) -> dict[str, Any]:
    """What the status panel shows now; polled every 10 s while the lot is bidding or opening."""
    now = clock.now()
    lot, notice = hall.lot, hall.notice
    after_deadline = now >= notice.bid_deadline
    state: dict[str, Any] = {
        "lot": lot,
        "notice": notice,
        "now": now,
        "after_deadline": after_deadline,
        "live": lot.state in {Lot.State.BIDDING, Lot.State.OPENING},
    }
    if lot.state == Lot.State.BIDDING and not after_deadline:
        state["countdown"] = ("距投标截止（开标）", remaining(notice.bid_deadline, now))
    elif lot.state == Lot.State.OPENING and lot.decrypt_closes_at is not None:
        state["countdown"] = ("距解密截止", remaining(lot.decrypt_closes_at, now))
    if after_deadline:
        # Names are public once the deadline has passed (and only then).
        state["progress"] = [
            {
                "name": b.bidder.name,
                "uscc": b.bidder.uscc,
                "status": b.status,
                "status_label": BID_STATUS[b.status],
                "submitted_at": b.submitted_at,
                "decrypted_at": b.decrypted_at,
                "fault_label": BID_FAULT.get(b.fault, ""),
                "fault_reason": b.fault_reason,
            }
            for b in lot.bids.filter(COUNTED).select_related("bidder").order_by("submitted_at", "pk")
        ]
    elif hall.own is not None:
        state["own_bid"] = lot.bids.filter(bidder=hall.own).exclude(status=Bid.Status.SUPERSEDED).last()
    record = OpeningRecord.objects.filter(lot=lot).first()
    state["record"] = record
    if record is not None and record.closed_at is not None:
        state["rows"] = record_rows(record)
    return state


def _hall_page(
    request: HttpRequest,
    actor: Actor,
    hall: Hall,
    *,
    form: FaultForm | None = None,
    error: GgzyError | None = None,
    status: int = 200,
) -> HttpResponse:
    witness = actor.has(Role.OPERATOR)
    context = hall_state(hall)
    if witness and hall.lot.state == Lot.State.OPENING:
        pending = hall.lot.bids.filter(status=Bid.Status.SUBMITTED).select_related("bidder")
        bidders = [(b.bidder.uscc, f"{b.bidder.name}（{b.bidder.uscc}）") for b in pending]
        context["fault_form"] = form or FaultForm(bidders=bidders)
    elif witness and form is not None:
        context["fault_form"] = form
    context.update(
        {
            "hall": hall,
            "witness": witness,
            "error": error,
            "server": request.build_absolute_uri("/").rstrip("/"),
        }
    )
    return render(request, "bidding/opening.html", context, status=status)


@login_required
@shows_errors
def opening_hall(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    return _hall_page(request, actor, hall_for(actor, code))


@login_required
@shows_errors
def opening_status(request: HttpRequest, code: str) -> HttpResponse:
    """The status panel alone, for htmx polling."""
    hall = hall_for(actor_from_request(request), code)
    return render(request, "bidding/_opening_status.html", hall_state(hall))


@login_required
@require_POST
@shows_errors
def record_fault(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_from_request(request)
    hall = hall_for(actor, code)
    pending = hall.lot.bids.filter(status=Bid.Status.SUBMITTED).select_related("bidder")
    form = FaultForm(request.POST, bidders=[(b.bidder.uscc, b.bidder.name) for b in pending])
    if not form.is_valid():
        return _hall_page(request, actor, hall, form=form, status=422)
    data = form.cleaned_data
    try:
        actions.record_decrypt_fault(actor, hall.lot.code, data["bidder_uscc"], data["fault"], data["reason"])
    except GgzyError as exc:
        return _hall_page(request, actor, hall, form=form, error=exc, status=refusal_status(exc))
    messages.success(request, "已登记解密失败的责任方。")
    return redirect("bidding:opening", code=hall.lot.code)


# ---- 交易中心：开标见证 -----------------------------------------------------------------------------


@login_required
@shows_errors
def openings(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    if not is_staff(actor):
        raise PermissionDenied(
            "role_required",
            "此页面供交易中心和行政监督部门使用",
            "This page is for the platform operator and regulators",
            details={"roles": [Role.OPERATOR.value, Role.REGULATOR.value]},
        )
    lots = Lot.objects.select_related("notice", "project").filter(overseen_projects(actor, "project__"))
    return render(
        request,
        "bidding/openings.html",
        {
            "active": lots.filter(state__in=[Lot.State.OPENING, Lot.State.EVALUATION]).order_by(
                "notice__opening_at", "code"
            ),
            "upcoming": lots.filter(state=Lot.State.BIDDING).order_by("notice__bid_deadline", "code")[:50],
        },
    )
