"""Read-only questions about the node network."""

from ggzy.exchange.models import Node


def home_node_for(region_code: str) -> Node | None:
    """The most specific node whose region contains `region_code` (branch, else city, else province)."""
    nodes = {n.region_id: n for n in Node.objects.all()}
    for candidate in (region_code, region_code[:4] + "00", region_code[:2] + "0000"):
        if candidate in nodes:
            return nodes[candidate]
    return Node.objects.filter(level=Node.Level.PROVINCE).first()
