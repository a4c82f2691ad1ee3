"""Actions on the trading catalogue: draft → consultation (征求意见) → adopted → superseded (R2).

Operators manage the catalogue of their node and of the nodes below it; anyone, signed in or not, may
comment while a version is out for consultation. Items change only while a version is a draft: an adopted
catalogue changes by a new version that goes through consultation again (R2.2).
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ggzy.catalogue import rules
from ggzy.catalogue.entry import validate_subject
from ggzy.catalogue.models import CatalogueItem, CatalogueVersion, Comment, TradeCategory
from ggzy.catalogue.queries import effective_version
from ggzy.catalogue.schemas import ItemChange, ItemIn
from ggzy.exchange.models import Node
from ggzy.exchange.queries import operates
from ggzy.kernel import audit, clock
from ggzy.kernel.actions import action, require_role
from ggzy.kernel.calendar import period_end
from ggzy.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ggzy.kernel.roles import Actor, Role
from ggzy.kernel.timefmt import local_text, local_text_en

Status = CatalogueVersion.Status
ITEM_FIELDS = (
    "category",
    "subject_kind",
    "subject_class",
    "name",
    "threshold",
    "statutory_threshold",
    "funding_scope",
    "basis",
    "scope",
    "citation",
)


# --- helpers (no audit of their own) ---------------------------------------------------------------------


def _require_manager(actor: Actor, node: Node) -> str:
    role = require_role(actor, Role.OPERATOR)
    if not operates(actor, node):
        raise PermissionDenied(
            "catalogue_other_node",
            f"只能管理本平台及下级分中心的交易目录，{node.name}不在其中",
            f"Operators manage the catalogues of their own node and the nodes below it, not {node.name}",
        )
    return role


def _node(node_id: int) -> Node:
    node = Node.objects.select_related("parent__parent").filter(pk=node_id).first()
    if node is None:
        raise InvalidInput("node_unknown", "平台节点不存在", "Unknown node", details={"node_id": node_id})
    return node


def _version(version_id: int, *, lock: bool = True) -> CatalogueVersion:
    qs = CatalogueVersion.objects.select_related("node__parent__parent")
    if lock:
        qs = qs.select_for_update(of=("self",))
    version = qs.filter(pk=version_id).first()
    if version is None:
        raise NotFound("catalogue_not_found", "交易目录版本不存在", "No such catalogue version")
    return version


def _draft(actor: Actor, version_id: int) -> tuple[CatalogueVersion, str]:
    require_role(actor, Role.OPERATOR)
    version = _version(version_id)
    role = _require_manager(actor, version.node)
    if version.status != Status.DRAFT:
        raise Conflict(
            "catalogue_not_draft",
            f"目录{version.code}状态为“{version.get_status_display()}”，只有草稿可以修改；调整已发布的目录须起草新版本"
            "并公开征求意见",
            f"Catalogue {version.code} is {version.status}: only a draft can change; adjust an adopted catalogue "
            "with a new version put out for comment",
            rule=rules.CONSULTATION_RULE,
        )
    return version, role


def _text(value: str | None, field: str, zh: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{field}_required", f"请填写{zh}", f"{field} is required")
    if len(text) > limit:
        raise InvalidInput(
            f"{field}_too_long", f"{zh}不得超过{limit}字", f"{field} exceeds {limit} characters"
        )
    return text


def _choice(value: str, choices: list[str], field: str, zh: str) -> str:
    if value not in choices:
        raise InvalidInput(
            f"item_{field}",
            f"{zh}“{value}”不在可选范围内：{'、'.join(choices)}",
            f"{field} '{value}' must be one of {', '.join(choices)}",
        )
    return value


def _clean_item(data: dict[str, Any]) -> dict[str, Any]:
    """Check one item's fields (all present) and return them as model fields."""
    category = _choice(data["category"], list(TradeCategory.values), "category", "交易类别")
    kind, cls = validate_subject(data.get("subject") or "")
    threshold = data.get("threshold")
    if threshold is not None:
        threshold = Decimal(str(threshold))
        if threshold < 0 or threshold != threshold.quantize(Decimal("0.01")):
            raise InvalidInput(
                "item_threshold",
                "限额应为不小于0、精确到分的金额（元）",
                "The limit must be a non-negative amount",
            )
        threshold = threshold.quantize(Decimal("0.01"))
    funding = _choice(
        data["funding_scope"], list(CatalogueItem.FundingScope.values), "funding_scope", "资金范围"
    )
    basis = _choice(data["basis"], list(CatalogueItem.Basis.values), "basis", "进场依据")
    if funding == CatalogueItem.FundingScope.PUBLIC and category != TradeCategory.ENGINEERING:
        raise InvalidInput(
            "item_funding_scope",
            "“依法必须招标范围”只适用于工程建设项目条目",
            "The 'public' funding scope (16号令 arts. 2–4) applies to engineering items only",
            rule=rules.TENDER_SCOPE_RULE,
        )
    statutory = bool(data.get("statutory_threshold"))
    contract_kind = rules.contract_kind_of(kind, cls)
    law_threshold = (
        rules.THRESHOLDS.get(contract_kind or "") if category == TradeCategory.ENGINEERING else None
    )
    if statutory and threshold is None:
        raise InvalidInput(
            "item_statutory_without_threshold",
            "标注为法定限额的条目必须填写限额",
            "An item marked as a statutory threshold needs the threshold",
        )
    if law_threshold is not None and threshold is not None:
        if statutory and threshold != law_threshold.amount:
            raise InvalidInput(
                "item_statutory_mismatch",
                f"{law_threshold.zh}的法定限额为{law_threshold.amount:,.0f}元，条目填写为{threshold:,.2f}元",
                f"The statutory limit for {law_threshold.en} is {law_threshold.amount:,.0f} yuan, not {threshold:,.2f}",
                rule=law_threshold.legal,
            )
        if basis == CatalogueItem.Basis.LAW and threshold > law_threshold.amount:
            raise InvalidInput(
                "item_loosens_law",
                f"以“法定”为依据的条目不得把{law_threshold.zh}限额提高到法定标准{law_threshold.amount:,.0f}元以上",
                f"A 'law' item may not raise the {law_threshold.en} limit above {law_threshold.amount:,.0f} yuan",
                rule=rules.LOOSENING_RULE,
            )
    return {
        "category": category,
        "subject_kind": kind,
        "subject_class": cls,
        "name": _text(data.get("name"), "item_name", "条目名称", 200),
        "threshold": threshold,
        "statutory_threshold": statutory,
        "funding_scope": funding,
        "basis": basis,
        "scope": _text(data.get("scope"), "item_scope", "范围说明", 2000),
        "citation": _text(data.get("citation"), "item_citation", "依据（法规条款或文件）", 1000),
    }


def _item_payload(item: CatalogueItem) -> dict[str, Any]:
    return {
        "seq": item.seq,
        "category": item.category,
        "subject": item.subject_code,
        "name": item.name,
        "threshold": item.threshold,
        "funding_scope": item.funding_scope,
        "basis": item.basis,
    }


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


# --- drafting --------------------------------------------------------------------------------------------


@action("catalogue.create_draft")
def create_draft(
    actor: Actor,
    node_id: int,
    code: str,
    title: str,
    parent_version_id: int | None = None,
    citation: str = "",
) -> CatalogueVersion:
    """A new draft for a node. A city draft copies the items of the province's adopted version (R2.1); any
    draft may instead copy an adopted version of its own node (a revision)."""
    require_role(actor, Role.OPERATOR)
    node = _node(node_id)
    role = _require_manager(actor, node)
    if node.level == Node.Level.BRANCH:
        raise InvalidInput(
            "catalogue_branch",
            f"{node.name}是市级平台的分支机构，执行所属市级平台的交易目录，不单独制定",
            "A county branch is part of its city platform and follows the city's catalogue",
            rule=rules.BRANCH_RULE,
        )
    code = _text(code, "catalogue_code", "目录编号", 32)
    title = _text(title, "catalogue_title", "目录名称", 200)
    if CatalogueVersion.objects.filter(node=node, code=code).exists():
        raise Conflict(
            "catalogue_code_taken", f"{node.name}已有编号为{code}的目录", f"{code} is already used here"
        )
    parent: CatalogueVersion | None = None
    if parent_version_id is not None:
        parent = CatalogueVersion.objects.select_related("node").filter(pk=parent_version_id).first()
        if parent is None:
            raise NotFound("catalogue_not_found", "所依据的目录版本不存在", "No such catalogue version")
        if parent.node_id not in (node.pk, node.parent_id):
            raise InvalidInput(
                "catalogue_parent_node",
                "新目录只能依据本平台或上级（省级）平台的目录制定",
                "A draft derives from its own node's catalogue or from its province's",
                rule=rules.CATALOGUE_RULE,
            )
        if parent.status != Status.ADOPTED:
            raise Conflict(
                "catalogue_parent_not_adopted",
                f"只能依据已发布施行的目录制定，{parent.code}为“{parent.get_status_display()}”",
                f"Derive from an adopted catalogue; {parent.code} is {parent.status}",
                rule=rules.CATALOGUE_RULE,
            )
    elif node.level == Node.Level.CITY:
        assert node.parent is not None  # a city always sits under the province
        parent = effective_version(node.parent, clock.today())
        if parent is None:
            raise Conflict(
                "province_catalogue_missing",
                "省级交易目录尚未施行，市级目录须依据省级目录制定",
                "The province has no catalogue in force; a city derives its catalogue from it",
                rule=rules.CATALOGUE_RULE,
            )
    version = CatalogueVersion.objects.create(
        node=node,
        parent=parent,
        code=code,
        title=title,
        citation=(citation or "").strip(),
        status=Status.DRAFT,
        created_at=clock.now(),
    )
    copied = 0
    if parent is not None:
        items = [
            CatalogueItem(
                version=version, seq=i.seq, derived_from=i, **{f: getattr(i, f) for f in ITEM_FIELDS}
            )
            for i in parent.items.all()
        ]
        CatalogueItem.objects.bulk_create(items)
        copied = len(items)
    audit.record(
        version,
        {
            "node": node.pk,
            "code": code,
            "title": title,
            "parent": parent.pk if parent else None,
            "copied": copied,
        },
        role=role,
    )
    return version


@action("catalogue.add_item")
def add_item(actor: Actor, version_id: int, item: ItemIn) -> CatalogueItem:
    version, role = _draft(actor, version_id)
    fields = _clean_item(item.dict())
    last = version.items.order_by("-seq").values_list("seq", flat=True).first() or 0
    row = CatalogueItem.objects.create(version=version, seq=last + 1, **fields)
    audit.record(row, {"version": version.pk, **_item_payload(row)}, role=role)
    return row


def _item(item_id: int) -> CatalogueItem:
    row = CatalogueItem.objects.filter(pk=item_id).first()
    if row is None:
        raise NotFound("catalogue_item_not_found", "目录条目不存在", "No such catalogue item")
    return row


@action("catalogue.change_item")
def change_item(actor: Actor, item_id: int, change: ItemChange) -> CatalogueItem:
    require_role(actor, Role.OPERATOR)
    row = _item(item_id)
    _version_row, role = _draft(actor, row.version_id)
    given = change.dict(exclude_unset=True)
    if not given:
        raise InvalidInput("no_change", "没有需要修改的内容", "Nothing to change")
    current = {f: getattr(row, f) for f in ITEM_FIELDS}
    current["subject"] = row.subject_code
    merged = {**current, **given}
    fields = _clean_item(merged)
    changed = sorted(f for f in ITEM_FIELDS if fields[f] != current[f])
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    audit.record(row, {"version": row.version_id, "changed": changed, **_item_payload(row)}, role=role)
    return row


@action("catalogue.remove_item")
def remove_item(actor: Actor, item_id: int) -> None:
    require_role(actor, Role.OPERATOR)
    row = _item(item_id)
    version, role = _draft(actor, row.version_id)
    payload = {"version": version.pk, **_item_payload(row)}
    target = ("catalogue.catalogueitem", row.pk)
    row.delete()
    audit.record(target, payload, role=role)


# --- consultation, comments, adoption --------------------------------------------------------------------


@action("catalogue.open_consultation")
def open_consultation(actor: Actor, version_id: int, comment_until: date | None = None) -> CatalogueVersion:
    """Put a draft out for public comment (R2.2) until `comment_until` (inclusive). The period runs at least
    rules.comment_days() calendar days from tomorrow; by default it ends then, rolled forward off holidays."""
    version, role = _draft(actor, version_id)
    if not version.items.exists():
        raise InvalidInput(
            "catalogue_empty", "目录没有条目，不能征求意见", "An empty catalogue cannot go out for comment"
        )
    today = clock.today()
    days = rules.comment_days()
    earliest = today + timedelta(days=days)
    if comment_until is None:
        comment_until = period_end(today, days)
    elif comment_until < earliest:
        raise InvalidInput(
            "comment_period_too_short",
            f"征求意见期不得少于{days}日：截止日期最早为{local_text(earliest)}",
            f"The comment period is at least {days} days: the last day is {local_text_en(earliest)} at the earliest",
            rule=rules.comment_rule(),
            details={"earliest": earliest.isoformat(), "days": days},
        )
    version.status = Status.CONSULTATION
    version.consultation_opened_at = clock.now()
    version.comment_until = comment_until
    version.save(update_fields=["status", "consultation_opened_at", "comment_until"])
    audit.record(version, {"comment_until": comment_until, "days": (comment_until - today).days}, role=role)
    return version


@action("catalogue.submit_comment")
def submit_comment(actor: Actor, version_id: int, text: str) -> Comment:
    """Anyone may comment while the version is out for consultation; only the signed-in user is kept."""
    version = _version(version_id, lock=False)
    today = clock.today()
    if (
        version.status != Status.CONSULTATION
        or version.comment_until is None
        or today > version.comment_until
    ):
        raise Conflict(
            "consultation_closed",
            f"目录{version.code}当前不在征求意见期内",
            f"Catalogue {version.code} is not open for comment",
            rule=rules.CONSULTATION_RULE,
            details={"comment_until": version.comment_until.isoformat() if version.comment_until else None},
        )
    body = _text(text, "comment_text", "意见内容", rules.COMMENT_MAX_CHARS)
    comment = Comment.objects.create(
        version=version, user_id=actor.user_id, text=body, created_at=clock.now()
    )
    audit.record(comment, {"version": version.pk, "chars": len(body)})
    return comment


@action("catalogue.adopt")
def adopt(actor: Actor, version_id: int, effective_from: date, citation: str = "") -> CatalogueVersion:
    """Adopt a version whose consultation has closed. It supersedes the node's latest adopted version on
    `effective_from`: at once if that is today, else the chronograph does it on the day."""
    require_role(actor, Role.OPERATOR)
    version = _version(version_id)
    role = _require_manager(actor, version.node)
    if version.status == Status.DRAFT:
        raise Conflict(
            "consultation_required",
            f"目录{version.code}尚未公开征求意见，不能发布",
            f"Catalogue {version.code} has not been put out for public comment",
            rule=rules.CONSULTATION_RULE,
        )
    if version.status != Status.CONSULTATION:
        raise Conflict(
            "catalogue_not_in_consultation",
            f"目录{version.code}状态为“{version.get_status_display()}”，不能再次发布",
            f"Catalogue {version.code} is {version.status} and cannot be adopted",
        )
    today = clock.today()
    assert version.comment_until is not None  # set when the consultation opened
    if today <= version.comment_until:
        raise Conflict(
            "consultation_open",
            f"征求意见期至{local_text(version.comment_until)}止，期满后方可发布",
            f"Comments are open until {local_text_en(version.comment_until)}; adopt after that day",
            rule=rules.comment_rule(),
            details={"comment_until": version.comment_until.isoformat()},
        )
    if effective_from < today:
        raise InvalidInput(
            "effective_in_past",
            f"施行日期{local_text(effective_from)}早于今天，目录不溯及既往",
            f"The effective date {local_text_en(effective_from)} is in the past",
        )
    version.citation = (citation or "").strip() or version.citation
    if not version.citation:
        raise InvalidInput(
            "catalogue_citation_required",
            "请填写目录的发布依据（文号）",
            "Give the document that adopts the catalogue",
        )
    previous = (
        CatalogueVersion.objects.select_for_update(of=("self",))
        .filter(node=version.node, status=Status.ADOPTED)
        .order_by("-effective_from", "-pk")
        .first()
    )
    if (
        previous is not None
        and previous.effective_from is not None
        and previous.effective_from >= effective_from
    ):
        raise Conflict(
            "effective_not_after_previous",
            f"施行日期应晚于现行目录{previous.code}的施行日期{local_text(previous.effective_from)}",
            f"The effective date must follow {previous.code}'s ({local_text_en(previous.effective_from)})",
            details={
                "previous": previous.code,
                "previous_effective_from": previous.effective_from.isoformat(),
            },
        )
    version.status = Status.ADOPTED
    version.adopted_at = clock.now()
    version.effective_from = effective_from
    version.save(update_fields=["status", "adopted_at", "effective_from", "citation"])
    if previous is not None:
        previous.superseded_by = version
        previous.superseded_on = effective_from
        if effective_from <= today:
            previous.status = Status.SUPERSEDED
            previous.next_check = None
        else:
            previous.next_check = _start_of(effective_from)
        previous.save(update_fields=["superseded_by", "superseded_on", "status", "next_check"])
    audit.record(
        version,
        {
            "effective_from": effective_from,
            "citation": version.citation,
            "comments": version.comments.count(),
            "supersedes": previous.pk if previous else None,
        },
        role=role,
    )
    return version


def supersede_due(version_id: int, now: datetime) -> None:
    """Chronograph handler: a version whose successor takes effect today becomes superseded (idempotent)."""
    _supersede(Actor.system("chronograph"), version_id, now)


@action("catalogue.supersede")
def _supersede(actor: Actor, version_id: int, now: datetime) -> None:
    version = CatalogueVersion.objects.select_for_update(of=("self",)).get(pk=version_id)
    due = version.next_check is not None and version.next_check <= now
    today = timezone.localdate(now)
    if due and version.status == Status.ADOPTED and version.superseded_on and version.superseded_on <= today:
        version.status = Status.SUPERSEDED
    version.next_check = None if due else version.next_check
    version.save(update_fields=["status", "next_check"])
    audit.record(
        version,
        {
            "status": version.status,
            "superseded_on": version.superseded_on,
            "by": version.superseded_by_id,
            "due": due,
        },
    )


# --- the demo national catalogue -------------------------------------------------------------------------


@action("catalogue.load_national_catalogue")
def load_national_catalogue(
    actor: Actor, node_id: int, effective_from: date | None = None
) -> CatalogueVersion:
    """Create and adopt, for the province, a catalogue that only transcribes national rules: the 16号令
    thresholds and one item per other category (those without a statutory threshold say so in their scope).
    It adds nothing of local choice, so it is adopted without a local consultation; every local change
    afterwards is a new version that goes through create_draft → open_consultation → adopt."""
    require_role(actor, Role.OPERATOR)
    node = _node(node_id)
    role = _require_manager(actor, node)
    if node.level != Node.Level.PROVINCE:
        raise InvalidInput(
            "catalogue_national_province",
            "国家规定汇编目录由省级平台加载，市级目录依据省级目录制定",
            "The national catalogue is loaded at the province; cities derive theirs from it",
            rule=rules.CATALOGUE_RULE,
        )
    if CatalogueVersion.objects.filter(
        node=node, status__in=[Status.ADOPTED, Status.SUPERSEDED]
    ).exists() or (CatalogueVersion.objects.filter(node=node, code=rules.NATIONAL_CATALOGUE_CODE).exists()):
        raise Conflict(
            "catalogue_exists",
            f"{node.name}已有交易目录，调整请起草新版本并征求意见",
            "This node already has a catalogue; change it with a new version put out for comment",
            rule=rules.CONSULTATION_RULE,
        )
    today = clock.today()
    effective = effective_from or today
    if effective < today:
        raise InvalidInput(
            "effective_in_past",
            f"施行日期{local_text(effective)}早于今天",
            f"The effective date {local_text_en(effective)} is in the past",
        )
    now = clock.now()
    version = CatalogueVersion.objects.create(
        node=node,
        code=rules.NATIONAL_CATALOGUE_CODE,
        title=rules.NATIONAL_CATALOGUE_TITLE,
        status=Status.ADOPTED,
        citation=rules.NATIONAL_CATALOGUE_CITATION,
        created_at=now,
        adopted_at=now,
        effective_from=effective,
    )
    CatalogueItem.objects.bulk_create(
        CatalogueItem(
            version=version,
            seq=seq,
            category=n.category,
            subject_kind=n.subject_kind,
            subject_class=n.subject_class,
            name=n.name,
            threshold=n.threshold,
            statutory_threshold=n.statutory_threshold,
            funding_scope=n.funding_scope,
            basis=n.basis,
            scope=n.scope,
            citation=n.citation,
        )
        for seq, n in enumerate(rules.NATIONAL_ITEMS, start=1)
    )
    audit.record(
        version,
        {
            "code": version.code,
            "effective_from": effective,
            "items": len(rules.NATIONAL_ITEMS),
            "consultation": "not required: transcribes national rules only",
        },
        role=role,
    )
    return version
