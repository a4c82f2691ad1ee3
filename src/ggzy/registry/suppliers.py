"""The provincial government procurement supplier library (政府采购供应商库): a supplier applies for
categories, the province's trading centre admits or refuses, either side ends the admission. Invited
procurement draws from it (trading.invitations: `library_pool`), leaving out suppliers under a credit ban.

74号令 第12条: suppliers may be invited "从省级以上财政部门建立的供应商库中随机抽取". The finance
department sets up the library; the platform keeps it for the province and records every decision.
"""

import re

from ggzy.exchange.queries import require_province_operator
from ggzy.kernel import audit, clock
from ggzy.kernel.actions import action, require_role
from ggzy.kernel.errors import Conflict, InvalidInput, LegalRule, NotFound
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.actions import require_own_admin
from ggzy.registry.models import Entity, EntityKind, SupplierEntry

LIBRARY = LegalRule(
    "政府采购非招标采购方式管理办法（财政部令第74号） 第12条",
    "采购人、采购代理机构应当通过发布公告、从省级以上财政部门建立的供应商库中随机抽取或者采购人和评审专家分别书面推荐的方式"
    "邀请不少于3家符合相应资格条件的供应商参与竞争性谈判或者询价采购活动。",
)
# A category is a lot classification prefix: the kind letter (A works, B goods, C services), optionally
# with a two-digit class and more digits (B01, B0101).
CATEGORY = re.compile(r"^[ABC](\d{2}){0,3}$")
S = SupplierEntry.Status


def _entity(uscc: str) -> Entity:
    entity = Entity.objects.filter(uscc=(uscc or "").strip().upper()).first()
    if entity is None:
        raise NotFound("entity_not_found", f"未找到主体{uscc}", f"No entity {uscc}")
    return entity


def _entry(entry_id: int) -> SupplierEntry:
    entry = (
        SupplierEntry.objects.select_for_update(of=("self",))
        .select_related("entity")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise NotFound("library_entry_not_found", "未找到供应商库记录", "No such library entry")
    return entry


@action("registry.apply_to_library")
def apply_to_library(actor: Actor, uscc: str, categories: list[str]) -> list[SupplierEntry]:
    """The supplier's administrator applies for admission in one or more categories."""
    entity = _entity(uscc)
    role = require_own_admin(actor, entity)
    if not entity.kinds.filter(kind=EntityKind.BIDDER).exists():
        raise InvalidInput(
            "not_a_supplier",
            "只有登记为供应商（投标人）的主体可以申请入库",
            "Only suppliers apply",
            rule=LIBRARY,
        )
    wanted = sorted({c.strip().upper() for c in categories})
    bad = [c for c in wanted if not CATEGORY.match(c)]
    if not wanted or bad:
        raise InvalidInput(
            "library_category",
            "品目应为 A/B/C 开头的分类代码，如 B、B01、C02",
            "Categories are classification codes such as B, B01, C02",
            details={"invalid": bad},
        )
    now = clock.now()
    entries = []
    for category in wanted:
        entry, created = SupplierEntry.objects.get_or_create(
            entity=entity, category=category, defaults={"applied_at": now}
        )
        if not created:
            if entry.status in {S.APPLIED, S.ADMITTED}:
                raise Conflict(
                    "library_entry_exists",
                    f"品目{category}已申请或已入库",
                    f"Already applied or admitted in {category}",
                )
            entry.status, entry.applied_at, entry.decided_at, entry.decided_by, entry.reason = (
                S.APPLIED,
                now,
                None,
                "",
                "",
            )
            entry.save()
        entries.append(entry)
    audit.record(entity, {"library_applied": wanted}, role=role)
    return entries


@action("registry.decide_library_entry")
def decide_library_entry(actor: Actor, entry_id: int, admit: bool, reason: str = "") -> SupplierEntry:
    """The province's trading centre admits or refuses an application (a refusal states its reason)."""
    role = require_role(actor, Role.OPERATOR)
    require_province_operator(actor, "政府采购供应商库")
    entry = _entry(entry_id)
    if entry.status != S.APPLIED:
        raise Conflict("library_entry_decided", "该申请已处理", "This application is decided already")
    reason = (reason or "").strip()[:300]
    if not admit and not reason:
        raise InvalidInput("reason_required", "不予入库应当说明理由", "A refusal states its reason")
    entry.status = S.ADMITTED if admit else S.REFUSED
    entry.decided_at = clock.now()
    entry.decided_by = actor.name
    entry.reason = reason
    entry.save()
    audit.record(
        entry, {"entity": entry.entity.uscc, "category": entry.category, "status": entry.status}, role=role
    )
    return entry


@action("registry.exit_library")
def exit_library(actor: Actor, entry_id: int, reason: str) -> SupplierEntry:
    """The supplier withdraws, or the province's trading centre removes it (with the reason)."""
    reason = (reason or "").strip()[:300]
    if actor.has(Role.OPERATOR):
        role = require_role(actor, Role.OPERATOR)
        require_province_operator(actor, "政府采购供应商库")
        entry = _entry(entry_id)
        if not reason:
            raise InvalidInput("reason_required", "移出供应商库应当说明理由", "A removal states its reason")
    else:
        require_role(actor, Role.BIDDER)  # before looking the entry up: others learn nothing of it
        entry = _entry(entry_id)
        role = require_own_admin(actor, entry.entity)
    if entry.status != S.ADMITTED:
        raise Conflict(
            "library_entry_not_admitted", "只有已入库的供应商可以退出", "Only an admitted entry exits"
        )
    entry.status = S.EXITED
    entry.decided_at = clock.now()
    entry.decided_by = actor.name
    entry.reason = reason
    entry.save()
    audit.record(
        entry, {"entity": entry.entity.uscc, "category": entry.category, "status": entry.status}, role=role
    )
    return entry


def covers(entry_category: str, lot_category: str) -> bool:
    """An admission in B covers B01 and B0101; one in B01 covers B0101, not B02."""
    return lot_category.startswith(entry_category)


def listing(actor: Actor, category: str = "", *, pending: bool = False) -> list[SupplierEntry]:
    """The admitted suppliers (public) covering a category, or the pending applications (the province's
    centre only)."""
    if pending:
        require_province_operator(actor, "供应商入库申请")
    status = S.APPLIED if pending else S.ADMITTED
    wanted = (category or "").strip().upper()
    rows = SupplierEntry.objects.filter(status=status).select_related("entity")
    return [e for e in rows if not wanted or covers(e.category, wanted)]


def library_pool(category: str) -> list[str]:
    """The USCCs admitted in the library for a lot of this classification (before credit screening)."""
    wanted = (category or "").strip().upper()
    admitted = SupplierEntry.objects.filter(status=S.ADMITTED).values_list("entity__uscc", "category")
    return sorted({uscc for uscc, c in admitted if covers(c, wanted)})
