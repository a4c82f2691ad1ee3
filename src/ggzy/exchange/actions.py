"""Actions on the node network."""

import re

from ggzy.exchange.models import Node
from ggzy.exchange.queries import require_operator_of
from ggzy.exchange.rules import NETWORK_RULE, PLATFORM_CODE_RULE
from ggzy.kernel import audit, clock
from ggzy.kernel.actions import action, require_role
from ggzy.kernel.errors import Conflict, InvalidInput
from ggzy.kernel.regions import get_region
from ggzy.kernel.roles import Actor, Role

PLATFORM_CODE = re.compile(r"^E\d{10}$")

# What each level must sit under, and the region level it serves.
PARENT_LEVEL = {
    Node.Level.PROVINCE: None,
    Node.Level.CITY: Node.Level.PROVINCE,
    Node.Level.BRANCH: Node.Level.CITY,
}
REGION_LEVEL = {Node.Level.PROVINCE: "province", Node.Level.CITY: "city", Node.Level.BRANCH: "county"}


def _network_error(code: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(code, zh, en, rule=NETWORK_RULE)


def _next_platform_code(region_code: str) -> str:
    used = Node.objects.filter(platform_code__startswith=f"E{region_code}").values_list(
        "platform_code", flat=True
    )
    serial = 1 + max((int(c[7:]) for c in used if c), default=0)
    return f"E{region_code}{serial:04d}"


@action("exchange.create_node")
def create_node(
    actor: Actor,
    *,
    name: str,
    level: str,
    region_code: str,
    parent_id: int | None = None,
    platform_code: str | None = None,
) -> Node:
    role = require_role(actor, Role.OPERATOR)
    if level not in Node.Level.values:
        raise _network_error(
            "node_level", "节点层级应为 province、city 或 branch", "level must be province, city or branch"
        )
    node_level = Node.Level(level)
    name = (name or "").strip()
    if not name:
        raise InvalidInput("node_name_required", "请填写节点名称", "A node needs a name")
    region = get_region(region_code)
    if region.level != REGION_LEVEL[node_level]:
        raise _network_error(
            "node_region_level",
            f"{node_level.label}应对应{REGION_LEVEL[node_level]}级行政区划，{region.name}不是",
            f"A {node_level.value} node needs a {REGION_LEVEL[node_level]}-level region, not {region.code}",
        )
    if Node.objects.filter(region=region).exists():
        raise Conflict(
            "node_exists",
            f"{region.name}已设有交易平台节点，一地只设一个",
            f"{region.code} already has a node: one per region",
            rule=NETWORK_RULE,
        )
    parent = None
    if node_level == Node.Level.PROVINCE:
        if Node.objects.filter(level=Node.Level.PROVINCE).exists():
            raise _network_error(
                "node_province_exists",
                "全省一张网：已有省级平台",
                "One network per province: it already exists",
            )
        if parent_id is not None:
            raise _network_error(
                "node_parent", "省级平台没有上级节点", "A province platform has no parent node"
            )
    else:
        parent_level = PARENT_LEVEL[node_level]
        assert parent_level is not None  # only the province has no parent level
        parent = Node.objects.filter(pk=parent_id or 0).select_related("region").first()
        if parent is None or parent.level != parent_level:
            raise _network_error(
                "node_parent",
                f"{node_level.label}的上级必须是{parent_level.label}",
                f"A {node_level.value} node must sit under a {parent_level.value} node",
            )
        require_operator_of(actor, parent)
        if not region.is_within(parent.region):
            raise _network_error(
                "node_region_outside_parent",
                f"{region.name}不在上级节点{parent.name}的行政区域内",
                f"{region.code} lies outside the parent node's region {parent.region_id}",
            )
    if node_level == Node.Level.BRANCH:
        if platform_code:
            raise _network_error(
                "node_branch_platform_code",
                "县级分中心是市级平台的分支机构，不单独设交易平台标识代码",
                "A county branch is part of its city platform and has no platform code of its own",
            )
        code = None
    else:
        code = (platform_code or "").strip().upper() or _next_platform_code(region.code)
        if not PLATFORM_CODE.match(code) or code[1:7] != region.code:
            raise InvalidInput(
                "platform_code_format",
                f"交易平台标识代码“{code}”应为E+{region.code}+4位顺序号",
                f"Platform code '{code}' must be E + {region.code} + a 4-digit serial",
                rule=PLATFORM_CODE_RULE,
            )
        if Node.objects.filter(platform_code=code).exists():
            raise Conflict(
                "platform_code_taken", f"交易平台标识代码{code}已被使用", f"{code} is already used"
            )
    node = Node.objects.create(
        name=name, level=node_level, region=region, parent=parent, platform_code=code, created_at=clock.now()
    )
    audit.record(
        node,
        {
            "name": name,
            "level": node_level.value,
            "region": region.code,
            "parent": parent_id,
            "platform_code": code,
        },
        role=role,
    )
    return node
