"""Which department is competent: by the project's trade category, at the project's node or the nearest
node above it (branch → city → province). Departments declare the categories they supervise in
`registry.Department.sectors` (values of `catalogue.models.TradeCategory`)."""

from ggzy.exchange.models import Node
from ggzy.kernel.errors import InvalidInput, LegalRule
from ggzy.kernel.models import Region
from ggzy.registry.models import Department
from ggzy.trading.models import Project

ROUTING = LegalRule(
    "中华人民共和国招标投标法实施条例 第4条；国办发〔2015〕63号 七(十三)",
    "有关行政监督部门按照规定的职责分工，对招标投标活动实施监督，依法查处招标投标活动中的违法行为。",
)


def departments_for(category: str, node: Node | None) -> list[Department]:
    """The departments supervising `category` at `node` or, failing that, at the nearest node above."""
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        found = [
            d for d in Department.objects.filter(node=node).order_by("pk") if category in (d.sectors or [])
        ]
        if found:
            return found
        node = node.parent
    return []


def competent_department(
    project: Project | None, *, category: str = "", node: Node | None = None
) -> Department | None:
    if project is not None:
        category, node = project.category, project.node
    found = departments_for(category, node)
    return found[0] if found else None


def require_competent_department(project: Project) -> Department:
    department = competent_department(project)
    if department is None:
        raise InvalidInput(
            "no_competent_department",
            f"未找到监管“{project.category}”类交易的行政监督部门，请交易中心先设置部门的监管行业",
            f"No department supervises category '{project.category}' at this node or above",
            rule=ROUTING,
        )
    return department


def region_of(project: Project | None) -> Region | None:
    """Where a project is on the risk map: the principal's registered county ([U] projects carry no site
    location yet), else the node's region."""
    if project is None:
        return None
    return project.principal.region if project.principal_id else project.node.region
