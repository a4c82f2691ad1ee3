"""Disclosure actions: rule clean-up announcements (R5.2), published by the trading centre's operators."""

from ggzy.disclosure.index import on_published
from ggzy.disclosure.models import CleanupAnnouncement
from ggzy.disclosure.rules import R52
from ggzy.exchange.models import Node
from ggzy.exchange.queries import operates
from ggzy.kernel import audit, clock
from ggzy.kernel.actions import action, require_role
from ggzy.kernel.errors import InvalidInput, PermissionDenied
from ggzy.kernel.roles import Actor, Role


def _text(value: str, field: str, zh: str, limit: int, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{field}_required", f"请填写{zh}", f"{field} is required", rule=R52)
    if len(text) > limit:
        raise InvalidInput(
            f"{field}_too_long", f"{zh}不得超过{limit}字", f"{field} exceeds {limit} characters"
        )
    return text


@action("disclosure.publish_cleanup")
def publish_cleanup(
    actor: Actor, node_id: int, title: str, body: str, result: str, document_no: str = ""
) -> CleanupAnnouncement:
    """Announce the result of a rule clean-up on the portal, for public supervision (R5.2)."""
    role = require_role(actor, Role.OPERATOR)
    node = Node.objects.select_related("parent__parent").filter(pk=node_id).first()
    if node is None:
        raise InvalidInput("node_unknown", "平台节点不存在", "Unknown node", details={"node_id": node_id})
    if not operates(actor, node):
        raise PermissionDenied(
            "cleanup_other_node",
            f"只能以本平台或下级分中心的名义发布，{node.name}不在其中",
            f"Operators publish for their own node and the nodes below it, not {node.name}",
        )
    if result not in CleanupAnnouncement.Result.values:
        raise InvalidInput(
            "cleanup_result",
            "处理结果应为 保留(kept)、修订(amended)、废止(repealed) 或 分别处理(mixed)",
            "result: kept, amended, repealed or mixed",
        )
    item = CleanupAnnouncement.objects.create(
        node=node,
        title=_text(title, "cleanup_title", "标题", 200),
        document_no=_text(document_no, "cleanup_document_no", "文号", 100, required=False),
        body=_text(body, "cleanup_body", "清理结果", 20000),
        result=result,
        published_at=clock.now(),
    )
    audit.record(item, {"node": node.pk, "title": item.title, "result": result}, role=role)
    on_published(item)
    return item
