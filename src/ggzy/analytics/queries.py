"""Statistics over public trading data (R11): counts and values by category, trading method, region and
month, average bidders per lot and the savings rate (budget vs award). Only what is public is counted:
published projects, bidders of lots whose opening started, award prices of lots already awarded, contract
amounts of contracts signed (the disclosure table's stages).

A lot's trading method is its procedure specification (`Lot.procedure`) with the notice's method, named as
the portal names it in full (`ProcedureSpec.method_detail`: 工程建设项目公开招标, 政府采购邀请招标, 政府采购竞争性
谈判 …); the methods are listed in the order of the specifications (`trading.specs.SPECS`).

Each lot counts under its project's trade category (construction tendering under 工程建设项目招标投标,
government procurement under 政府采购). The budget of the savings rate is what the method budgets against:
construction's 最高投标限价 (else the estimate); procurement's 采购预算, the lot's budgeted amount, whatever its
最高限价 (procurement savings are counted as 预算金额 − 中标金额).
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ggzy.disclosure.public import category_label, evaluation_installed, public_notices
from ggzy.trading.models import Lot
from ggzy.trading.specs import SPECS, ProcedureSpec, spec_for

# The trade categories whose savings are counted against the budget itself (采购预算) rather than the price
# ceiling: every government procurement method (公开招标, 询价, 单一来源, 竞争性谈判, 竞争性磋商 …).
BUDGET_IS_ESTIMATE = frozenset({"procurement"})


def savings_budget(lot: Lot, procedure: ProcedureSpec) -> Decimal:
    if procedure.category in BUDGET_IS_ESTIMATE:
        return lot.estimated_value
    return lot.control_price or lot.estimated_value


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "columns": self.columns,
            "rows": [[_plain(c) for c in r] for r in self.rows],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def _yuan(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part / whole * 100).quantize(Decimal("0.01")) if whole else None


NOTICE_METHODS = ("open", "invited")


def method_of(lot: Lot, procedure: ProcedureSpec) -> tuple[tuple[int, int], str]:
    """The lot's trading method: its sort key (specification, then notice method) and its full name."""
    assert lot.notice is not None
    method = lot.notice.method
    order = list(SPECS).index(procedure.key) if procedure.key in SPECS else len(SPECS)
    rank = NOTICE_METHODS.index(method) if method in NOTICE_METHODS else len(NOTICE_METHODS)
    return (order, rank), procedure.method_detail(method)


@dataclass
class LotFacts:
    category: str
    region: str
    month: str
    estimated: Decimal
    budget: Decimal
    bidders: int | None
    award: Decimal | None
    method: str = ""  # the method's full name (政府采购竞争性谈判 …)
    method_order: tuple[int, int] = (0, 0)
    contract: Decimal | None = None  # the amount of the signed contract


def lot_facts() -> list[LotFacts]:
    """One row per published lot with its public figures."""
    from ggzy.bidding.models import OpeningRecord

    notices = public_notices()
    lots = list(
        Lot.objects.filter(notice__in=notices)
        .select_related("project__node__parent", "notice")
        .order_by("id")
    )
    openings = {r.lot_id: r for r in OpeningRecord.objects.filter(lot__in=lots)}
    awards: dict[int, Decimal] = {}
    contracts: dict[int, Decimal] = {}
    if evaluation_installed():
        from ggzy.evaluation.models import Award, Candidate

        for award in Award.objects.filter(lot__in=lots, awarded_at__isnull=False, winner__isnull=False):
            if award.winner_id is None:
                continue
            price = Candidate.objects.filter(bid_id=award.winner_id).values_list("price", flat=True).first()
            if price is not None:
                awards[award.lot_id] = price
            if award.contract_signed_at is not None and award.contract_amount is not None:
                contracts[award.lot_id] = award.contract_amount
    out = []
    for lot in lots:
        node = lot.project.node
        platform = node.parent if node.level == "branch" and node.parent else node
        assert lot.notice is not None
        assert lot.notice.published_at is not None
        record = openings.get(lot.pk)
        bidders = None
        if record is not None:
            bidders = (
                len(record.rows)
                if record.closed_at
                else lot.bids.exclude(status__in=["superseded", "withdrawn"]).count()
            )
        procedure = spec_for(lot)
        order, method = method_of(lot, procedure)
        out.append(
            LotFacts(
                category=lot.project.category,
                region=platform.name,
                month=timezone.localtime(lot.notice.published_at).strftime("%Y-%m"),
                estimated=lot.estimated_value,
                budget=savings_budget(lot, procedure),
                bidders=bidders,
                award=awards.get(lot.pk),
                method=method,
                method_order=order,
                contract=contracts.get(lot.pk),
            )
        )
    return out


def _grouped(facts: list[LotFacts], key: str, label: Any = None) -> list[list[Any]]:
    groups: dict[str, list[LotFacts]] = defaultdict(list)
    for f in facts:
        groups[getattr(f, key)].append(f)
    rows = []
    for name in sorted(groups):
        items = groups[name]
        awarded = [f for f in items if f.award is not None]
        rows.append(
            [
                label(name) if label else name,
                len(items),
                _yuan(sum((f.estimated for f in items), Decimal(0))),
                len(awarded),
                _yuan(sum((f.award or Decimal(0) for f in awarded), Decimal(0))),
            ]
        )
    return rows


VALUE_COLUMNS = ["标段数", "估算价合计（元）", "已定标标段数", "中标金额合计（元）"]

METHOD_COLUMNS = [
    "交易方式",
    "标段数",
    "估算价（采购预算）合计（元）",
    "已定标标段数",
    "定标标段预算合计（元）",
    "中标（成交）金额合计（元）",
    "节资率（%）",
    "已签合同标段数",
    "合同金额合计（元）",
]


def _method_row(name: str, items: list[LotFacts]) -> list[Any]:
    awarded = [f for f in items if f.award is not None]
    contracted = [f for f in items if f.contract is not None]
    budget = sum((f.budget for f in awarded), Decimal(0))
    award = sum((f.award or Decimal(0) for f in awarded), Decimal(0))
    return [
        name,
        len(items),
        _yuan(sum((f.estimated for f in items), Decimal(0))),
        len(awarded),
        _yuan(budget),
        _yuan(award),
        _ratio(budget - award, budget),
        len(contracted),
        _yuan(sum((f.contract or Decimal(0) for f in contracted), Decimal(0))),
    ]


def by_method(facts: list[LotFacts]) -> Table:
    """Counts and amounts per trading method, with the savings rate against what each method budgets (as
    the savings table) and the amounts of the contracts signed; a total row."""
    groups: dict[tuple[tuple[int, int], str], list[LotFacts]] = defaultdict(list)
    for f in facts:
        groups[(f.method_order, f.method)].append(f)
    rows = [_method_row(name, groups[(order, name)]) for order, name in sorted(groups)]
    if facts:
        rows.append(_method_row("合计", facts))
    return Table(
        "method",
        "按交易方式（节资率：定标标段的预算 vs 中标或成交金额）",
        METHOD_COLUMNS,
        rows,
    )


def tables() -> dict[str, Table]:
    facts = lot_facts()
    by_category = Table(
        "category", "按交易类别", ["交易类别", *VALUE_COLUMNS], _grouped(facts, "category", category_label)
    )
    method = by_method(facts)
    by_region = Table("region", "按地区（交易平台）", ["地区", *VALUE_COLUMNS], _grouped(facts, "region"))
    by_month = Table("month", "按月份（公告发布月）", ["月份", *VALUE_COLUMNS], _grouped(facts, "month"))
    bidders_rows = []
    groups: dict[str, list[LotFacts]] = defaultdict(list)
    for f in facts:
        if f.bidders is not None:
            groups[f.category].append(f)
    for name in sorted(groups):
        items = groups[name]
        total = sum(f.bidders or 0 for f in items)
        bidders_rows.append(
            [category_label(name), len(items), total, (Decimal(total) / len(items)).quantize(Decimal("0.01"))]
        )
    opened = [f for f in facts if f.bidders is not None]
    if opened:
        total = sum(f.bidders or 0 for f in opened)
        bidders_rows.append(
            ["合计", len(opened), total, (Decimal(total) / len(opened)).quantize(Decimal("0.01"))]
        )
    bidders = Table(
        "bidders",
        "每标段平均投标人数",
        ["交易类别", "已开标标段数", "投标人次", "平均投标人数"],
        bidders_rows,
    )
    savings_rows = []
    awarded_groups: dict[str, list[LotFacts]] = defaultdict(list)
    for f in facts:
        if f.award is not None:
            awarded_groups[f.category].append(f)
    everything = [f for f in facts if f.award is not None]
    for name, items in [*sorted(awarded_groups.items()), ("", everything)]:
        if not items:
            continue
        budget = sum((f.budget for f in items), Decimal(0))
        award = sum((f.award or Decimal(0) for f in items), Decimal(0))
        savings_rows.append(
            [
                category_label(name) if name else "合计",
                len(items),
                _yuan(budget),
                _yuan(award),
                _ratio(budget - award, budget),
            ]
        )
    savings = Table(
        "savings",
        "节资率（预算 vs 中标金额：工程建设按最高投标限价或估算价，政府采购按采购预算）",
        ["交易类别", "已定标标段数", "预算合计（元）", "中标金额合计（元）", "节资率（%）"],
        savings_rows,
    )
    return {t.name: t for t in (by_category, method, by_region, by_month, bidders, savings)}
