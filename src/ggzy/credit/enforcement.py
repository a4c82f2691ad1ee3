"""Enforcement of credit for the other packages (R8.2 "dishonesty pushed in real time to every trading
system"), and the red and black lists derived from the records in force.

Other packages call, inside their actions and before writing anything:

    credit.enforcement.check(entity, "download" | "bid" | "contract", category=project.category)

which raises `GgzyError` 403 `entity_banned` citing the record (id, basis, decision, until). After a
credit record is added, revoked or expires, `changed(entity)` looks for every open procedure the entity
takes part in and raises a supervision alert for each (so the regulator can stop a banned bidder who
got in before the ban).
"""

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from ggzy.credit import rules
from ggzy.credit.models import CreditRecord
from ggzy.kernel import clock, events
from ggzy.kernel.errors import InvalidInput, LegalRule, PermissionDenied
from ggzy.kernel.timefmt import local_text, local_text_en
from ggzy.registry.models import Entity

log = logging.getLogger(__name__)

STAGES = {s.value for s in rules.Stage}


def in_force(on: date | None = None) -> QuerySet[CreditRecord]:
    """Records that count on `on` (default today): active, started, not yet ended."""
    on = on or clock.today()
    return CreditRecord.objects.filter(status=CreditRecord.Status.ACTIVE, valid_from__lte=on).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )


def records_of(entity: Entity | str, on: date | None = None) -> QuerySet[CreditRecord]:
    """Records in force about an entity, matched by the entity or by its USCC (imported records name
    entities that may have registered here only later)."""
    if isinstance(entity, Entity):
        match = Q(entity=entity) | Q(uscc=entity.uscc)
    else:
        match = Q(uscc=(entity or "").strip().upper())
    return in_force(on).filter(match, subject=CreditRecord.Subject.ENTITY)


def _covers(record: CreditRecord, category: str | None) -> bool:
    if not record.ban_categories or category is None or rules.JOINT_PUNISHMENT_ALL_BOARDS.value:
        return True
    return category in record.ban_categories


def active_bans(
    entity: Entity | str, category: str | None = None, on: date | None = None
) -> list[CreditRecord]:
    """Market bans in force against the entity that cover `category` (None: any category)."""
    bans = records_of(entity, on).filter(ban=True).order_by("-valid_until", "-id")
    return [r for r in bans if _covers(r, category)]


def _stage(stage: str) -> rules.Stage:
    if stage not in STAGES:
        raise InvalidInput(
            "credit_stage", "信用核查环节应为 download、bid 或 contract", "stage: download, bid or contract"
        )
    return rules.Stage(stage)


def _categories_zh(record: CreditRecord) -> str:
    from ggzy.catalogue.models import TradeCategory

    if not record.ban_categories:
        return "公共资源"
    labels = dict(TradeCategory.choices)
    return "、".join(str(labels.get(c, c)) for c in record.ban_categories)


def banned_error(
    entity_name: str, uscc: str, stage: rules.Stage, bans: list[CreditRecord]
) -> PermissionDenied:
    record = bans[0]
    until = local_text(record.valid_until) if record.valid_until else "另行决定"
    until_en = local_text_en(record.valid_until) if record.valid_until else "further notice"
    kind = rules.kind(record.kind)
    return PermissionDenied(
        "entity_banned",
        f"{entity_name}（{uscc}）因“{kind.name if kind else record.kind}”被禁止参加{_categories_zh(record)}交易活动至{until}"
        f"（信用记录#{record.pk}，{record.authority}{record.decision_no}，依据{record.basis_citation}），不得{stage.label}",
        f"{uscc} is banned from this market until {until_en} (credit record #{record.pk}, {record.basis_citation}); "
        f"stage '{stage.value}' refused",
        rule=LegalRule(record.basis_citation, record.basis_text or rules.BAN_ENFORCED.text),
        details={"stage": stage.value, "record": record.cite(), "records": [r.cite() for r in bans]},
    )


def check(entity: Entity, stage: str, *, category: str | None = None, on: date | None = None) -> None:
    """Refuse a banned entity at `stage` ("download", "bid", "contract") with the record cited.

    `category` is the project's trade category; a ban limited to other categories does not apply. With
    no category every ban applies (the safe side)."""
    step = _stage(stage)
    bans = active_bans(entity, category, on)
    if bans:
        raise banned_error(entity.name, entity.uscc, step, bans)


def check_practitioner(
    id_digest: str, stage: str, *, category: str | None = None, on: date | None = None
) -> None:
    """The same for a practitioner (e.g. a project manager), by the HMAC-SM3 digest of the ID number."""
    step = _stage(stage)
    if not id_digest:
        return
    bans = [
        r
        for r in in_force(on).filter(subject=CreditRecord.Subject.PRACTITIONER, id_digest=id_digest, ban=True)
        if _covers(r, category)
    ]
    if bans:
        raise banned_error(bans[0].subject_name, "从业人员", step, bans)


def is_banned(entity: Entity, stage: str = "bid", *, category: str | None = None) -> bool:
    try:
        check(entity, stage, category=category)
    except PermissionDenied:
        return True
    return False


# ---- derived status and lists ------------------------------------------------------------------------


@dataclass
class CreditStatus:
    uscc: str
    name: str
    on: date
    blacklisted: bool
    redlisted: bool
    bans: list[dict[str, Any]] = field(default_factory=list)
    negatives: list[dict[str, Any]] = field(default_factory=list)
    positives: list[dict[str, Any]] = field(default_factory=list)
    repeat_collusion: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "uscc": self.uscc,
            "name": self.name,
            "on": self.on.isoformat(),
            "blacklisted": self.blacklisted,
            "redlisted": self.redlisted,
            "bans": self.bans,
            "negatives": self.negatives,
            "positives": self.positives,
            "repeat_collusion": self.repeat_collusion,
        }


def repeat_collusion(entity: Entity | str, on: date | None = None) -> dict[str, Any] | None:
    """条例 第67条(二): two or more collusion findings within 3 years make a serious case."""
    on = on or clock.today()
    years = rules.REPEAT_COLLUSION_YEARS.value
    since = _years_before(on, years)
    codes = [k.code for k in rules.KINDS.values() if k.counts_as_collusion]
    uscc = entity.uscc if isinstance(entity, Entity) else entity
    found = list(
        CreditRecord.objects.filter(uscc=uscc, kind__in=codes, valid_from__gte=since, valid_from__lte=on)
        .exclude(status=CreditRecord.Status.REVOKED)
        .order_by("valid_from")
    )
    if len(found) < rules.REPEAT_COLLUSION_COUNT.value:
        return None
    return {
        "count": len(found),
        "years": years,
        "records": [r.pk for r in found],
        "rule": rules.REPEAT_COLLUSION_COUNT.legal.as_json(),
    }


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def status(entity: Entity | str, on: date | None = None, *, public_only: bool = False) -> CreditStatus:
    on = on or clock.today()
    qs = records_of(entity, on)
    if public_only:
        qs = qs.filter(is_public=True)
    records = list(qs.order_by("-valid_from", "-id"))
    if isinstance(entity, Entity):
        uscc, name = entity.uscc, entity.name
    else:
        uscc = entity
        found = Entity.objects.filter(uscc=uscc).first()
        name = found.name if found else (records[0].subject_name if records else "")
    bans = [r for r in records if r.ban]
    negatives = [r for r in records if not r.positive]
    positives = [r for r in records if r.positive]
    return CreditStatus(
        uscc=uscc,
        name=name,
        on=on,
        blacklisted=bool(bans),
        redlisted=bool(positives) and not negatives,
        bans=[r.cite() for r in bans],
        negatives=[r.cite() for r in negatives],
        positives=[r.cite() for r in positives],
        repeat_collusion=repeat_collusion(uscc, on),
    )


def blacklist(on: date | None = None, *, public_only: bool = True) -> list[CreditRecord]:
    """黑名单（市场禁入）: every ban in force, newest first."""
    qs = in_force(on).filter(ban=True, subject=CreditRecord.Subject.ENTITY)
    if public_only:
        qs = qs.filter(is_public=True)
    return list(qs.order_by("uscc", "-valid_until"))


def redlist(on: date | None = None) -> list[str]:
    """红名单: USCCs with a positive record in force and no negative record in force."""
    live = in_force(on).filter(subject=CreditRecord.Subject.ENTITY)
    negative = set(live.filter(positive=False).values_list("uscc", flat=True))
    positive = set(live.filter(positive=True, is_public=True).values_list("uscc", flat=True))
    return sorted(positive - negative)


# ---- pushing a change to the procedures in progress ---------------------------------------------------


def changed(entity: Entity | int) -> None:
    """Call after a credit record of the entity was added, revoked or expired: an engine event, on which
    supervision raises one alert per open procedure the entity takes part in while it is banned."""
    events.on_credit_changed(entity.pk if isinstance(entity, Entity) else entity)
