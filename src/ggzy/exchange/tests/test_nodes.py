"""The node network: one province, city platforms under it, county branches under their city (R1.3)."""

import pytest

from ggzy.exchange.actions import create_node
from ggzy.exchange.models import Node
from ggzy.kernel.errors import Conflict, GgzyError, InvalidInput, NotAuthenticated, PermissionDenied
from ggzy.kernel.models import AuditEvent
from ggzy.kernel.roles import Actor
from ggzy.testing import actor_of

pytestmark = pytest.mark.django_db


def test_network_shape(network: dict[str, Node]) -> None:
    province, yinchuan, yongning = network["province"], network["yinchuan"], network["yongning"]
    assert province.platform_code == "E6400000001"
    assert yinchuan.platform_code == "E6401000001"
    assert yongning.platform_code is None  # a branch is not a platform of its own
    assert yongning.platform == yinchuan
    assert yongning.effective_platform_code == "E6401000001"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"level": "province", "region_code": "650000"}, "node_province_exists"),
        ({"level": "city", "region_code": "640104", "parent": "province"}, "node_region_level"),
        ({"level": "city", "region_code": "640200", "parent": "yinchuan"}, "node_parent"),
        ({"level": "branch", "region_code": "640122", "parent": "province"}, "node_parent"),
        ({"level": "branch", "region_code": "640324", "parent": "yinchuan"}, "node_region_outside_parent"),
        ({"level": "city", "region_code": "640100", "parent": "province"}, "node_exists"),
        ({"level": "county", "region_code": "640122", "parent": "yinchuan"}, "node_level"),
        (
            {"level": "city", "region_code": "640400", "parent": "province", "platform_code": "E6401000009"},
            "platform_code_format",
        ),
        (
            {
                "level": "branch",
                "region_code": "640122",
                "parent": "yinchuan",
                "platform_code": "E6401220001",
            },
            "node_branch_platform_code",
        ),
        ({"level": "city", "region_code": "999900", "parent": "province"}, "region_unknown"),
    ],
)
def test_network_rules_refuse_and_write_nothing(
    network: dict[str, Node], system: Actor, kwargs: dict[str, str], code: str
) -> None:
    before = (Node.objects.count(), AuditEvent.objects.count())
    parent = kwargs.pop("parent", None)
    parent_id = network[parent].pk if parent else None
    with pytest.raises(GgzyError) as err:
        create_node(system, name="测试节点", parent_id=parent_id, **kwargs)
    assert err.value.code == code
    assert isinstance(err.value, InvalidInput | Conflict)
    assert (Node.objects.count(), AuditEvent.objects.count()) == before


def test_only_operators_build_the_network(network: dict[str, Node]) -> None:
    with pytest.raises(NotAuthenticated):
        create_node(Actor.anonymous("198.51.100.1"), name="x", level="city", region_code="640400")
    with pytest.raises(PermissionDenied):
        create_node(actor_of("reg"), name="x", level="city", region_code="640400")


def test_serial_is_assigned_when_not_given(network: dict[str, Node], operator: Actor) -> None:
    guyuan = create_node(
        operator,
        name="固原市公共资源交易中心",
        level="city",
        region_code="640400",
        parent_id=network["province"].pk,
    )
    assert guyuan.platform_code == "E6404000001"
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    assert (event.action, event.actor, event.role) == ("exchange.create_node", "op", "operator")
