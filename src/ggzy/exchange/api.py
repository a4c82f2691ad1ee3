"""Node network endpoints."""

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from ggzy.exchange import actions
from ggzy.exchange.models import Node
from ggzy.kernel.limits import Code
from ggzy.registry.auth import actor_from_request

router = Router(tags=["nodes"])


class NodeOut(Schema):
    id: int
    name: str
    level: str
    region_code: str
    parent_id: int | None
    platform_code: str | None


class NodeIn(Schema):
    name: str = Field(max_length=200)
    level: Code
    region_code: Code
    parent_id: int | None = None
    platform_code: Code | None = None


def node_out(n: Node) -> NodeOut:
    return NodeOut(
        id=n.pk,
        name=n.name,
        level=n.level,
        region_code=n.region_id,
        parent_id=n.parent_id,
        platform_code=n.effective_platform_code,
    )


@router.get("", response=list[NodeOut], auth=None, summary="平台节点（省、市、县分中心）")
def list_nodes(request: HttpRequest) -> list[NodeOut]:
    return [node_out(n) for n in Node.objects.select_related("parent")]


@router.post("", response={201: NodeOut}, summary="新建平台节点（交易中心）")
def create_node(request: HttpRequest, payload: NodeIn) -> Status[NodeOut]:
    node = actions.create_node(actor_from_request(request), **payload.dict())
    return Status(201, node_out(node))
