"""Read-only questions about the node network, and who operates which node."""

from ggzy.exchange.models import Node
from ggzy.kernel.errors import PermissionDenied
from ggzy.kernel.roles import Actor, Role


def home_node_for(region_code: str) -> Node | None:
    """The most specific node whose region contains `region_code` (branch, else city, else province)."""
    nodes = {n.region_id: n for n in Node.objects.all()}
    for candidate in (region_code, region_code[:4] + "00", region_code[:2] + "0000"):
        if candidate in nodes:
            return nodes[candidate]
    return Node.objects.filter(level=Node.Level.PROVINCE).first()


def node_chain(node: Node) -> list[Node]:
    """The node and the nodes above it: branch → city → province."""
    chain: list[Node] = []
    current: Node | None = node
    while current is not None and len(chain) < 3:
        chain.append(current)
        current = current.parent
    return chain


def operates(actor: Actor, node: Node) -> bool:
    """An operator acts for its own node and the nodes below it: a county branch belongs to its city's
    platform, the city to the province (国办发〔2015〕63号: one network, each level within its own)."""
    if actor.is_system:
        return True
    if not actor.has(Role.OPERATOR) or actor.node_id is None:
        return False
    return any(n.pk == actor.node_id for n in node_chain(node))


def require_operator_of(actor: Actor, node: Node, what: str = "") -> None:
    """Refuse an operator of another node (the caller has already checked the operator role)."""
    if not operates(actor, node):
        subject = f"{what}属于{node.name}，" if what else ""
        raise PermissionDenied(
            "operator_node",
            f"{subject}须由{node.name}或其上级节点的交易中心办理",
            f"{node.name}'s operator, or one above it, handles this",
        )


def operates_province(actor: Actor) -> bool:
    """An operator of the province's own centre (or the system)."""
    if actor.is_system:
        return True
    province = Node.objects.filter(level=Node.Level.PROVINCE).first()
    return province is not None and operates(actor, province)


def require_province_operator(actor: Actor, what: str) -> None:
    """Province-wide data (the working-day calendar, national imports) is kept by the province's centre."""
    if not operates_province(actor):
        raise PermissionDenied(
            "operator_province",
            f"{what}由省级交易中心统一维护",
            f"{what}: kept by the province's trading centre",
        )
