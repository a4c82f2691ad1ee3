"""Read-only questions about the catalogue: which version is in force where and when, and the views."""

from datetime import date

from django.db.models import Count, Q, QuerySet

from ggzy.catalogue import rules
from ggzy.catalogue.entry import Decision, ProjectFacts, must_enter
from ggzy.catalogue.models import CatalogueItem, CatalogueVersion, Comment, TradeCategory
from ggzy.catalogue.schemas import CommentOut, ItemOut, VersionDetailOut, VersionOut
from ggzy.exchange.models import Node
from ggzy.exchange.queries import node_chain, operates
from ggzy.kernel.actions import require_login
from ggzy.kernel.errors import NotFound, PermissionDenied
from ggzy.kernel.roles import Actor, Role
from ggzy.kernel.timefmt import local_text, local_text_en

PUBLIC_STATUSES = [
    CatalogueVersion.Status.CONSULTATION,
    CatalogueVersion.Status.ADOPTED,
    CatalogueVersion.Status.SUPERSEDED,
]
IN_FORCE_STATUSES = [CatalogueVersion.Status.ADOPTED, CatalogueVersion.Status.SUPERSEDED]


def own_version_on(node: Node, on_date: date) -> CatalogueVersion | None:
    """The node's own version in force on `on_date` (adopted, effective, not yet superseded)."""
    return (
        CatalogueVersion.objects.filter(node=node, status__in=IN_FORCE_STATUSES, effective_from__lte=on_date)
        .filter(Q(superseded_on__isnull=True) | Q(superseded_on__gt=on_date))
        .order_by("-effective_from", "-adopted_at", "-pk")
        .first()
    )


def effective_version(node: Node, on_date: date) -> CatalogueVersion | None:
    """The catalogue in force for `node` on `on_date`: the node's own, else its city's, else the province's."""
    for candidate in node_chain(node):
        version = own_version_on(candidate, on_date)
        if version is not None:
            return version
    return None


def province_node() -> Node | None:
    return Node.objects.filter(level=Node.Level.PROVINCE).first()


def node_by_id(node_id: int | None) -> Node:
    node = (
        Node.objects.select_related("parent__parent").filter(pk=node_id).first()
        if node_id
        else province_node()
    )
    if node is None:
        raise NotFound(
            "node_not_found", "平台节点不存在", "No such platform node", details={"node_id": node_id}
        )
    return node


def version_in_force(node: Node, on_date: date) -> CatalogueVersion:
    """effective_version, or a 404 naming the node and the date."""
    version = effective_version(node, on_date)
    if version is None:
        raise NotFound(
            "catalogue_missing",
            f"{node.name}在{local_text(on_date)}没有施行中的交易目录",
            f"No catalogue is in force for {node.name} on {local_text_en(on_date)}",
            rule=rules.CATALOGUE_RULE,
        )
    return version


def decide_for(facts: ProjectFacts, node: Node, on_date: date) -> tuple[Decision, CatalogueVersion]:
    """must_enter under the catalogue in force for `node` on `on_date`."""
    version = version_in_force(node, on_date)
    return must_enter(facts, version), version


# --- views -----------------------------------------------------------------------------------------------


def visible_versions(actor: Actor) -> QuerySet[CatalogueVersion]:
    """Drafts are working papers of the operators; everything from consultation on is public."""
    qs = CatalogueVersion.objects.select_related("node")
    if actor.has(Role.OPERATOR) or actor.is_system:
        return qs
    return qs.filter(status__in=PUBLIC_STATUSES)


def version_for(actor: Actor, version_id: int) -> CatalogueVersion:
    version = visible_versions(actor).filter(pk=version_id).annotate(n_comments=Count("comments")).first()
    if version is None:
        raise NotFound("catalogue_not_found", "交易目录版本不存在", "No such catalogue version")
    return version


def item_out(item: CatalogueItem) -> ItemOut:
    return ItemOut(
        id=item.pk,
        seq=item.seq,
        category=item.category,
        category_label=TradeCategory(item.category).label,
        subject=item.subject_code,
        subject_label=rules.subject_label(item.subject_kind, item.subject_class),
        contract_kind=item.contract_kind,
        name=item.name,
        threshold=item.threshold,
        statutory_threshold=item.statutory_threshold,
        funding_scope=item.funding_scope,
        basis=item.basis,
        scope=item.scope,
        citation=item.citation,
    )


def _version_fields(v: CatalogueVersion) -> dict[str, object]:
    return {
        "id": v.pk,
        "node_id": v.node_id,
        "node_name": v.node.name,
        "parent_id": v.parent_id,
        "code": v.code,
        "title": v.title,
        "status": v.status,
        "citation": v.citation,
        "created_at": v.created_at,
        "comment_until": v.comment_until,
        "adopted_at": v.adopted_at,
        "effective_from": v.effective_from,
        "superseded_on": v.superseded_on,
        "superseded_by_id": v.superseded_by_id,
    }


def version_out(v: CatalogueVersion) -> VersionOut:
    return VersionOut.model_validate(_version_fields(v))


def version_detail(v: CatalogueVersion) -> VersionDetailOut:
    count = getattr(v, "n_comments", None)
    return VersionDetailOut.model_validate(
        {
            **_version_fields(v),
            "items": [item_out(i) for i in v.items.all()],
            "comment_count": count if count is not None else v.comments.count(),
        }
    )


def comments_for(actor: Actor, version: CatalogueVersion) -> list[CommentOut]:
    """Comments with who sent them: for the operators who must weigh them (R2.2), not for the portal."""
    require_login(actor)
    if not (actor.is_system or operates(actor, version.node)):
        raise PermissionDenied(
            "catalogue_comments_private",
            "征求意见的提交人信息仅供交易中心处理意见使用",
            "Who commented is seen only by the operators who handle the comments",
        )
    rows = Comment.objects.filter(version=version).select_related("user")
    return [
        CommentOut(id=c.pk, text=c.text, user=c.user.username if c.user else None, created_at=c.created_at)
        for c in rows
    ]
