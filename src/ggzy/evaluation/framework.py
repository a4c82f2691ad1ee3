"""框架协议采购 (财政部令第110号, closed agreements): the admission after the call, the agreement, call-offs.

The call (征集) is a lot of the `procurement_framework` specification and runs on the engine like an open
tender: sealed responses, the opening, the panel's price-priority ranking and its signed report. Then,
instead of one winner, the call's organiser admits the best-ranked suppliers, leaving out at least 20% of
the qualified ones and at least one (第27条); the admitted sign the agreement within 30 日 for a term of at
most 1 year (goods) or 2 years (services); every purchase under it is a call-off at the agreement price,
by direct selection (the default) or by rotation — each member once per cycle, in the agreement's order.
"""

import calendar as months
from datetime import date
from decimal import ROUND_CEILING, Decimal

from ggzy.bidding.models import Bond
from ggzy.bidding.opening import tell_bidders
from ggzy.credit import enforcement
from ggzy.evaluation.actions import _lot
from ggzy.evaluation.award import _reported
from ggzy.evaluation.models import CallOff, Evaluation, FrameworkAgreement, FrameworkMember
from ggzy.evaluation.rules import FRAMEWORK, award_rules_for
from ggzy.kernel import audit, clock, events
from ggzy.kernel.actions import action, require_role
from ggzy.kernel.errors import Conflict, InvalidInput, NotFound
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.queries import entity_of
from ggzy.trading import procedure
from ggzy.trading.actions import end_of_day, local_date, require_project_manager
from ggzy.trading.models import Lot
from ggzy.trading.specs import PROCUREMENT_FRAMEWORK_SPEC, spec_for


def admitted_number(qualified: int) -> int:
    """How many of `qualified` suppliers are admitted: at least 20% and at least one left out (第27条)."""
    share = (Decimal(qualified) * FRAMEWORK.eliminate_share.value).to_integral_value(rounding=ROUND_CEILING)
    return qualified - max(FRAMEWORK.eliminate_at_least.value, int(share))


def _require_framework(lot: Lot) -> None:
    if spec_for(lot).id != PROCUREMENT_FRAMEWORK_SPEC.id:
        raise InvalidInput(
            "not_framework", "本标段不是框架协议采购", "This lot is not a framework agreement's call"
        )


@action("evaluation.admit_framework_suppliers")
def admit_suppliers(actor: Actor, lot_code: str) -> FrameworkAgreement:
    """The call's organiser admits the suppliers from the signed report (入围), in rank order."""
    lot = _lot(lot_code)
    role = require_project_manager(actor, lot.project)  # who acts, before what the lot is
    _require_framework(lot)
    evaluation: Evaluation = _reported(lot)
    if FrameworkAgreement.objects.filter(lot=lot).exists():
        raise Conflict("framework_admitted", "已确定入围供应商", "The suppliers are admitted already")
    candidates = list(evaluation.candidates.select_related("bid__bidder").order_by("rank"))
    if len(candidates) < FRAMEWORK.min_qualified.value:
        raise InvalidInput(
            "too_few_qualified",
            f"符合资格条件、实质性要求的供应商不足{FRAMEWORK.min_qualified.value}家，不能确定入围供应商",
            f"Fewer than {FRAMEWORK.min_qualified.value} qualified suppliers: nobody can be admitted",
            rule=FRAMEWORK.min_qualified.legal,
        )
    ceiling = lot.control_price
    above = [c for c in candidates if ceiling is not None and c.price > ceiling]
    if above:
        raise InvalidInput(
            "price_above_ceiling",
            f"响应报价超过最高限制单价（{ceiling}元）的应当否决："
            + "、".join(c.bid.bidder.name for c in above),
            f"Responses above the unit price ceiling ({ceiling}) are invalid",
            rule=FRAMEWORK.ceiling,
        )
    admitted = candidates[: admitted_number(len(candidates))]
    for c in admitted:  # a supplier barred from procurement contracts cannot be admitted
        enforcement.check(c.bid.bidder, "contract", category=lot.project.category)
    now = clock.now()
    agreement = FrameworkAgreement.objects.create(
        lot=lot, admitted_at=now, sign_due=end_of_day(FRAMEWORK.sign_days.end(local_date(now)))
    )
    FrameworkMember.objects.bulk_create(
        FrameworkMember(agreement=agreement, bid=c.bid, supplier=c.bid.bidder, price=c.price, order=c.rank)
        for c in admitted
    )
    procedure.move(lot, Lot.State.AWARDED, now)
    lot.save()
    # Those left out get their deposits back as unsuccessful suppliers do after an award.
    left_out = {c.bid.bidder_id for c in candidates} - {c.bid.bidder_id for c in admitted}
    refund_due = end_of_day(award_rules_for(lot).bond_refund_days.end(local_date(now)))
    Bond.objects.filter(
        lot=lot,
        bidder_id__in=left_out,
        kind=Bond.Kind.DEPOSIT,
        status=Bond.Status.PAID,
        refund_due__isnull=True,
    ).update(refund_due=refund_due)
    tell_bidders([c.bid for c in admitted], "入围通知", f"{lot.code} {lot.name}：贵单位入围框架协议。")
    tell_bidders(
        [c.bid for c in candidates if c.bid.bidder_id in left_out],
        "未入围通知",
        f"{lot.code} {lot.name}：贵单位未入围框架协议。",
    )
    events.on_lot_advanced(lot)
    audit.record(
        agreement,
        {
            "lot": lot.code,
            "qualified": len(candidates),
            "admitted": [c.bid.bidder.uscc for c in admitted],
            "sign_due": agreement.sign_due,
        },
        role=role,
    )
    return agreement


def _add_months(start: date, count: int) -> date:
    month = start.month - 1 + count
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, months.monthrange(year, month)[1]))


@action("evaluation.sign_framework_agreement")
def sign_agreement(actor: Actor, lot_code: str, term_until: date, agreement_sm3: str) -> FrameworkAgreement:
    """The organiser and the admitted sign the agreement (its SM3), for a term within the law's limit."""
    lot = _lot(lot_code)
    role = require_project_manager(actor, lot.project)
    _require_framework(lot)
    agreement = FrameworkAgreement.objects.select_for_update(of=("self",)).filter(lot=lot).first()
    if agreement is None or agreement.status != FrameworkAgreement.Status.ADMITTED:
        raise InvalidInput(
            "framework_not_admitted", "尚未确定入围供应商或协议已签订", "Nothing admitted awaits signing"
        )
    digest = (agreement_sm3 or "").strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidInput(
            "contract_sm3", "请提供框架协议文本的SM3摘要（64位十六进制）", "Give the SM3 (64 hex)"
        )
    today = clock.today()
    longest = FRAMEWORK.term_months[lot.contract_kind]
    latest = _add_months(today, longest.value)
    if not today < term_until <= latest:
        raise InvalidInput(
            "framework_term",
            f"{lot.get_contract_kind_display()}项目的框架协议期限不得超过{longest.value // 12}年（最迟{latest.isoformat()}）",
            f"A {lot.contract_kind} agreement runs at most {longest.value} months (until {latest.isoformat()})",
            rule=longest.legal,
            details={"latest": latest.isoformat()},
        )
    now = clock.now()
    agreement.status = FrameworkAgreement.Status.ACTIVE
    agreement.signed_at = now
    agreement.agreement_sm3 = digest
    agreement.term_from = today
    agreement.term_until = term_until
    agreement.filing_due = end_of_day(FRAMEWORK.filing_days.end(today))
    agreement.save()
    procedure.move(lot, Lot.State.CONTRACTED, now)
    lot.save()
    members = set(agreement.members.values_list("supplier_id", flat=True))
    Bond.objects.filter(
        lot=lot,
        bidder_id__in=members,
        kind=Bond.Kind.DEPOSIT,
        status=Bond.Status.PAID,
        refund_due__isnull=True,
    ).update(refund_due=end_of_day(award_rules_for(lot).bond_refund_days.end(today)))
    events.on_lot_advanced(lot)
    audit.record(
        agreement,
        {"lot": lot.code, "sm3": digest, "term": [today, term_until], "late": now > agreement.sign_due},
        role=role,
    )
    return agreement


def _next_in_rotation(agreement: FrameworkAgreement) -> tuple[FrameworkMember, int]:
    """The next member in the agreement's order who has had no award in the current cycle; a new cycle
    once every member has had one (第34条)."""
    members = list(agreement.members.order_by("order"))
    rotations = agreement.call_offs.filter(method=CallOff.Method.ROTATION)
    cycle = rotations.order_by("-cycle").values_list("cycle", flat=True).first() or 0
    served = set(rotations.filter(cycle=cycle).values_list("member_id", flat=True))
    waiting = [m for m in members if m.pk not in served]
    return (waiting[0], cycle) if waiting else (members[0], cycle + 1)


@action("evaluation.call_off")
def call_off(
    actor: Actor, lot_code: str, method: str, quantity: Decimal, supplier_uscc: str = "", reason: str = ""
) -> CallOff:
    """A purchaser buys under the agreement: from the member it chooses (直接选定, with its reasons) or
    from the next in rotation (顺序轮候), at the agreement price, while the agreement is in force."""
    role = require_role(actor, Role.PRINCIPAL)
    purchaser = entity_of(actor)
    lot = _lot(lot_code)
    _require_framework(lot)
    agreement = FrameworkAgreement.objects.select_for_update(of=("self",)).filter(lot=lot).first()
    today = clock.today()
    if (
        lot.state != Lot.State.CONTRACTED  # suspended, terminated or archived: nothing more under it
        or agreement is None
        or agreement.status != FrameworkAgreement.Status.ACTIVE
        or agreement.term_until is None
        or today > agreement.term_until
    ):
        raise InvalidInput(
            "framework_not_in_force",
            "框架协议未签订或已到期，不能据此采购",
            "The agreement is not in force",
            rule=FRAMEWORK.call_off,
        )
    if method not in CallOff.Method.values:
        raise InvalidInput(
            "call_off_method", "确定成交供应商的方式应为直接选定或顺序轮候", "direct or rotation"
        )
    if not quantity.is_finite() or quantity <= 0:
        raise InvalidInput("call_off_quantity", "采购数量应为正数", "The quantity must be positive")
    cycle = 0
    if method == CallOff.Method.DIRECT:
        member = agreement.members.filter(supplier__uscc=(supplier_uscc or "").strip().upper()).first()
        if member is None:
            raise NotFound("not_a_member", "该供应商不是本框架协议的入围供应商", "Not an admitted supplier")
        if not (reason or "").strip():
            raise InvalidInput(
                "call_off_reason",
                "直接选定应写明依据（价格、质量、服务便利性、用户评价等）",
                "Direct selection states its reasons",
                rule=FRAMEWORK.call_off,
            )
    else:
        member, cycle = _next_in_rotation(agreement)
    enforcement.check(member.supplier, "contract", category=lot.project.category)
    now = clock.now()
    rotation = method == CallOff.Method.ROTATION
    made = CallOff.objects.create(
        agreement=agreement,
        purchaser=purchaser,
        method=method,
        member=member,
        quantity=quantity,
        unit_price=member.price,
        amount=(quantity * member.price).quantize(Decimal("0.01")),
        reason=(reason or "").strip(),
        cycle=cycle,
        awarded_at=now,
        # 第35条: a rotation's (and a second bid's) result is published within 2 working days.
        result_due=end_of_day(FRAMEWORK.result_days.end(today)) if rotation else None,
    )
    tell_bidders(
        [member.supplier],
        "框架协议采购成交通知",
        f"{lot.code} {lot.name}：{purchaser.name}采购，成交金额{made.amount}元。",
    )
    audit.record(
        made,
        {
            "lot": lot.code,
            "method": method,
            "supplier": member.supplier.uscc,
            "amount": made.amount,
            "cycle": cycle,
        },
        role=role,
    )
    return made
