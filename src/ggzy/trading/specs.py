"""Procedure specifications: a trading method as data (issue 12).

Every lot carries the key of its procedure specification (`Lot.procedure`, e.g.
"construction_tender@2019-03-02": the method and the date of the legal text its numbers come from, since
those texts change by date). A specification declares what the engine needs to run the method: its states
and allowed transitions, its rules (periods with their unit, thresholds, deposits), the form of a bid and
which of its fields are read out at the opening, the words its people and documents go by, and the trade
category whose departments supervise it. Behaviour that truly differs between methods is code registered
as a phase; everything else lives here, once.

Packages above the engine key their own rule sets by the specification's id (e.g. evaluation's award
rules): the engine does not import them.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import ClassVar

from ggzy.kernel import clock
from ggzy.kernel.errors import InvalidInput
from ggzy.trading.models import Lot, Project
from ggzy.trading.rules import (
    CONSTRUCTION_TENDER,
    PROCUREMENT_CONSULTATION,
    PROCUREMENT_FRAMEWORK,
    PROCUREMENT_NEGOTIATION,
    PROCUREMENT_RFQ,
    PROCUREMENT_SINGLE_SOURCE,
    PROCUREMENT_TENDER,
    TenderRules,
)

S = Lot.State


@dataclass(frozen=True)
class Wording:
    """What a method calls its people and papers (招标人/采购人/出让方, 投标/响应/竞买, 中标/成交)."""

    principal: str
    bid: str
    bidder: str
    award: str
    notice: str
    documents: str
    agent: str = "招标代理机构"
    winner: str = "中标人"
    regulator: str = "行政监督部门"
    estimate: str = "估算价"  # what a lot's value is: the estimate, or the purchase's budget
    investment: str = "总投资"  # what a project's total is
    ceiling: str = "最高投标限价"
    failed: str = "流标"  # a lot that ends without a winner (政府采购法 第36条: 废标)
    expert: str = "评标专家"


@dataclass(frozen=True)
class BidField:
    """One field of the bid form (投标函/开标一览表) inside the sealed envelope."""

    name: str
    label: str
    kind: str  # "amount" (yuan, two decimals, positive), "integer", "text" or "boolean"
    read_at_opening: bool = True  # published in the opening record (电子招标投标办法 第32条)
    required: bool = True  # a field the bidder may leave out (e.g. the brand of a service bid)


@dataclass(frozen=True)
class ProcedureSpec:
    id: str
    version: str  # the date (ISO) from which the legal texts behind its numbers apply
    name: str
    category: str  # the catalogue's trade category: which departments supervise it
    methods: frozenset[str]  # the notice methods it hosts (open, invited)
    contract_kinds: frozenset[str]  # the kinds of contract its lots may be (works, goods, services)
    rules: TenderRules
    transitions: Mapping[str, frozenset[str]]
    wording: Wording
    bid_form: tuple[BidField, ...]
    default_for_category: bool = True  # what a new project of its category follows unless it names another
    # The notice methods as the portal names them, and in full with their board (OCDS
    # procurementMethodDetails, search): 公开招标 / 工程建设项目公开招标, 政府采购公开招标, 询价.
    method_names: Mapping[str, str] = field(
        default_factory=lambda: {"open": "公开招标", "invited": "邀请招标"}
    )
    method_details: Mapping[str, str] = field(default_factory=dict)
    # OCDS procurementMethod of each notice method (open / selective / limited / direct).
    ocds_methods: Mapping[str, str] = field(default_factory=lambda: {"open": "open", "invited": "selective"})
    # The method's code in the national data specification's 采购方式/招标方式 field, by notice method [U]:
    # 1 公开招标, 2 邀请招标, then in the order of 政府采购法 第26条 — 3 竞争性谈判, 4 单一来源, 5 询价 — and
    # 6 竞争性磋商 (财库〔2014〕214号) as the national platform's code tables are read here; to be checked.
    national_modes: Mapping[str, str] = field(default_factory=lambda: {"open": "1", "invited": "2"})

    def method_name(self, method: str) -> str:
        return self.method_names.get(method, method)

    def method_detail(self, method: str) -> str:
        return self.method_details.get(method) or self.method_name(method)

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def candidate_publicity(self) -> bool:
        """Whether the method publishes its candidates before the award (tendering) or not (procurement)."""
        return any(S.PUBLICITY in targets for targets in self.transitions.values())

    @property
    def price_field(self) -> BidField:
        return next(f for f in self.bid_form if f.name == "price")


# ---- construction tendering (招标投标法, 实施条例 as amended 2019-03-02, 电子招标投标办法) ----------------

TENDER_TRANSITIONS: Mapping[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.BIDDING, S.TERMINATED}),
    S.BIDDING: frozenset({S.OPENING, S.FAILED, S.TERMINATED, S.SUSPENDED}),
    S.OPENING: frozenset({S.EVALUATION, S.FAILED, S.TERMINATED, S.SUSPENDED}),
    S.EVALUATION: frozenset({S.PUBLICITY, S.FAILED, S.TERMINATED, S.SUSPENDED}),
    S.PUBLICITY: frozenset({S.AWARDED, S.EVALUATION, S.FAILED, S.TERMINATED, S.SUSPENDED}),
    S.AWARDED: frozenset({S.CONTRACTED, S.TERMINATED, S.SUSPENDED}),
    S.CONTRACTED: frozenset({S.ARCHIVED}),
    S.SUSPENDED: frozenset({S.BIDDING, S.OPENING, S.EVALUATION, S.PUBLICITY, S.AWARDED, S.TERMINATED}),
    S.FAILED: frozenset({S.ARCHIVED}),
    S.TERMINATED: frozenset({S.ARCHIVED}),
    S.ARCHIVED: frozenset(),
}

CONSTRUCTION_TENDER_SPEC = ProcedureSpec(
    id="construction_tender",
    version="2019-03-02",
    name="工程建设项目招标投标",
    category="engineering",
    methods=frozenset({"open", "invited"}),
    # Works and the goods and services bound up with them (招标投标法实施条例 第2条).
    contract_kinds=frozenset({"works", "goods", "services"}),
    rules=CONSTRUCTION_TENDER,
    transitions=TENDER_TRANSITIONS,
    wording=Wording(
        principal="招标人", bid="投标", bidder="投标人", award="中标", notice="招标公告", documents="招标文件"
    ),
    method_details={"open": "工程建设项目公开招标", "invited": "工程建设项目邀请招标"},
    bid_form=(
        BidField("price", "投标报价（元）", "amount"),
        BidField("duration_days", "工期（日历天）", "integer"),
        BidField("quality", "质量标准", "text"),
        BidField("project_manager", "项目经理", "text"),
    ),
)

# ---- government procurement, open and invited tendering (政府采购法, 条例, 财政部令第87号) ---------------
# SM-GP-OT / SM-GP-IT of rules-methods-cn.md: no candidate publicity — the purchaser confirms the winner
# from the report (or rank 1 is deemed chosen) and the result is published at once (87号令 第68–69条).
# The version date is that of 财库〔2026〕2号 (abnormally low prices), the latest text behind its numbers.

PROCUREMENT_TRANSITIONS: Mapping[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.BIDDING, S.TERMINATED}),
    S.BIDDING: frozenset({S.OPENING, S.FAILED, S.TERMINATED, S.SUSPENDED}),
    S.OPENING: frozenset({S.EVALUATION, S.FAILED, S.TERMINATED, S.SUSPENDED}),
    S.EVALUATION: frozenset({S.AWARDED, S.FAILED, S.TERMINATED, S.SUSPENDED}),
    S.PUBLICITY: frozenset(),  # never entered: the method has no candidates' publicity
    S.AWARDED: frozenset({S.CONTRACTED, S.TERMINATED, S.SUSPENDED}),
    S.CONTRACTED: frozenset({S.ARCHIVED}),
    S.SUSPENDED: frozenset({S.BIDDING, S.OPENING, S.EVALUATION, S.AWARDED, S.TERMINATED}),
    S.FAILED: frozenset({S.ARCHIVED}),
    S.TERMINATED: frozenset({S.ARCHIVED}),
    S.ARCHIVED: frozenset(),
}

PROCUREMENT_TENDER_SPEC = ProcedureSpec(
    id="procurement_tender",
    version="2026-02-01",
    name="政府采购公开招标、邀请招标",
    category="procurement",
    methods=frozenset({"open", "invited"}),
    # 87号令 第2条 governs goods and services; government works follow the tendering law (政府采购法 第4条).
    contract_kinds=frozenset({"goods", "services"}),
    rules=PROCUREMENT_TENDER,
    transitions=PROCUREMENT_TRANSITIONS,
    wording=Wording(
        principal="采购人",
        bid="投标",
        bidder="投标供应商",
        award="中标",
        notice="招标公告",
        documents="招标文件",
        agent="采购代理机构",
        winner="中标供应商",
        regulator="财政部门",
        estimate="采购预算",
        investment="项目预算",
        ceiling="最高限价",
        failed="废标",
        expert="评审专家",
    ),
    method_names={"open": "政府采购公开招标", "invited": "政府采购邀请招标"},
    bid_form=(
        BidField("price", "投标报价（元）", "amount"),
        BidField("delivery_days", "交货期或服务期限（日）", "integer"),
        # 87号令 第31条: bids of the same brand count as one; the brand of the core product is read out.
        BidField("brand", "核心产品品牌", "text", required=False),
        # 财库〔2020〕46号 第9条: a small or micro enterprise's declaration earns the price deduction.
        BidField("sme", "小微企业声明", "boolean", read_at_opening=False, required=False),
    ),
)

# ---- government procurement, 询价 (政府采购法 第32、40条; 财政部令第74号 第44–50条) ----------------------
# SM-GP-RFQ: one sealed quote per supplier that cannot be changed, the lowest compliant price wins; the
# engine's states as procurement tendering's (the quotes are opened together like bids).

PROCUREMENT_RFQ_SPEC = ProcedureSpec(
    id="procurement_rfq",
    version="2014-02-01",
    name="政府采购询价",
    category="procurement",
    methods=frozenset({"open", "invited"}),  # by 询价公告, or invitations (library draw, recommendations)
    contract_kinds=frozenset({"goods"}),  # 法 第32条: goods of uniform specifications, ample supply
    rules=PROCUREMENT_RFQ,
    transitions=PROCUREMENT_TRANSITIONS,
    wording=Wording(
        principal="采购人",
        bid="报价",
        bidder="供应商",
        award="成交",
        notice="询价公告",
        documents="询价通知书",
        agent="采购代理机构",
        winner="成交供应商",
        regulator="财政部门",
        estimate="采购预算",
        investment="项目预算",
        ceiling="最高限价",
        failed="终止",  # 74号令 第50条: the activity is terminated
        expert="评审专家",
    ),
    method_names={"open": "询价（公告邀请供应商）", "invited": "询价（定向邀请供应商）"},
    national_modes={"open": "5", "invited": "5"},
    method_details={"open": "政府采购询价", "invited": "政府采购询价"},
    bid_form=(
        BidField("price", "报价（元）", "amount"),
        BidField("delivery_days", "交货期（日）", "integer"),
        BidField("brand", "品牌型号", "text", required=False),
        BidField("sme", "小微企业声明", "boolean", read_at_opening=False, required=False),
    ),
    default_for_category=False,
)

# ---- government procurement, 单一来源 (政府采购法 第31、39条; 条例 第38条; 74号令 第38–43条) -------------
# SM-GP-SS: the publicity (公示, ≥ 5 working days) is the notice, objections during it hold the purchase until
# the supplementary review answers them; the one supplier's sealed response is opened, the panel agrees the
# price and signs the record (the report), a price above the budget ends the purchase.

PROCUREMENT_SINGLE_SOURCE_SPEC = ProcedureSpec(
    id="procurement_single_source",
    version="2015-03-01",
    name="政府采购单一来源采购",
    category="procurement",
    methods=frozenset({"invited"}),  # the one supplier, named in the publicity
    contract_kinds=frozenset({"goods", "services"}),
    rules=PROCUREMENT_SINGLE_SOURCE,
    transitions=PROCUREMENT_TRANSITIONS,
    wording=Wording(
        principal="采购人",
        bid="响应",
        bidder="供应商",
        award="成交",
        notice="单一来源采购公示",
        documents="单一来源采购文件",
        agent="采购代理机构",
        winner="成交供应商",
        regulator="财政部门",
        estimate="采购预算",
        investment="项目预算",
        ceiling="最高限价",
        failed="终止",
        expert="协商人员",
    ),
    method_names={"invited": "单一来源采购"},
    national_modes={"invited": "4"},
    ocds_methods={"invited": "limited"},  # one supplier, no competition (OCDS codelist: limited)
    method_details={"invited": "政府采购单一来源采购"},
    bid_form=(
        BidField("price", "报价（元）", "amount"),
        BidField("delivery_days", "交货期或服务期限（日）", "integer"),
    ),
    default_for_category=False,
)

# ---- government procurement, 竞争性谈判 and 竞争性磋商 (74号令 第26–37条; 财库〔2014〕214号) ---------------
# SM-GP-CN / SM-GP-CS: the first responses are sealed and opened like bids; the panel then negotiates with
# each supplier in its own recorded channel, changes to the requirements are confirmed by the purchaser's
# representative and sent to every supplier, and each round ends with sealed revised responses opened
# together — the last round's are the final offers, ranked by price (谈判) or by comprehensive score (磋商).
# Both run in the engine's EVALUATION state: negotiation is the panel's work between opening and report.

NEGOTIATION_WORDING = Wording(
    principal="采购人",
    bid="响应",
    bidder="供应商",
    award="成交",
    notice="竞争性谈判公告",
    documents="谈判文件",
    agent="采购代理机构",
    winner="成交供应商",
    regulator="财政部门",
    estimate="采购预算",
    investment="项目预算",
    ceiling="最高限价",
    failed="终止",
    expert="评审专家",
)

PROCUREMENT_NEGOTIATION_SPEC = ProcedureSpec(
    id="procurement_negotiation",
    version="2014-02-01",
    name="政府采购竞争性谈判",
    category="procurement",
    methods=frozenset({"open", "invited"}),  # by notice, or invitations (library draw, recommendations)
    # 74号令 第2条 also covers government works; they are not hosted yet (their panel follows the 招标规模).
    contract_kinds=frozenset({"goods", "services"}),
    rules=PROCUREMENT_NEGOTIATION,
    transitions=PROCUREMENT_TRANSITIONS,
    wording=NEGOTIATION_WORDING,
    method_names={"open": "竞争性谈判（公告邀请供应商）", "invited": "竞争性谈判（定向邀请供应商）"},
    national_modes={"open": "3", "invited": "3"},
    method_details={"open": "政府采购竞争性谈判", "invited": "政府采购竞争性谈判"},
    # OCDS: a negotiation among the suppliers admitted (codelist "selective", details say which).
    ocds_methods={"open": "selective", "invited": "selective"},
    bid_form=(
        BidField("price", "报价（元）", "amount"),
        BidField("delivery_days", "交货期或服务期限（日）", "integer"),
        BidField("brand", "品牌型号", "text", required=False),
        BidField("sme", "小微企业声明", "boolean", read_at_opening=False, required=False),
    ),
    default_for_category=False,
)

PROCUREMENT_CONSULTATION_SPEC = ProcedureSpec(
    id="procurement_consultation",
    version="2014-12-31",
    name="政府采购竞争性磋商",
    category="procurement",
    methods=frozenset({"open", "invited"}),
    contract_kinds=frozenset({"goods", "services"}),  # 214号 第3条（五）works: not hosted yet
    rules=PROCUREMENT_CONSULTATION,
    transitions=PROCUREMENT_TRANSITIONS,
    wording=replace(NEGOTIATION_WORDING, notice="竞争性磋商公告", documents="磋商文件"),
    method_names={"open": "竞争性磋商（公告邀请供应商）", "invited": "竞争性磋商（定向邀请供应商）"},
    national_modes={"open": "6", "invited": "6"},
    method_details={"open": "政府采购竞争性磋商", "invited": "政府采购竞争性磋商"},
    ocds_methods={"open": "selective", "invited": "selective"},
    bid_form=PROCUREMENT_NEGOTIATION_SPEC.bid_form,
    default_for_category=False,
)

# ---- government procurement, 框架协议采购 (财政部令第110号, in force 2022-03-01) -----------------------------
# SM-GP-FA, closed agreements: the call (征集) runs as an open tender with sealed responses, a panel and a
# price-priority ranking; instead of one winner it admits several (入围, eliminating at least 20% and at least
# one), who sign the agreement; each purchase under it is a call-off (evaluation.framework).

PROCUREMENT_FRAMEWORK_SPEC = ProcedureSpec(
    id="procurement_framework",
    version="2022-03-01",
    name="政府采购框架协议采购",
    category="procurement",
    methods=frozenset({"open"}),  # the closed agreement's public call (第9条)
    contract_kinds=frozenset({"goods", "services"}),
    rules=PROCUREMENT_FRAMEWORK,
    transitions=PROCUREMENT_TRANSITIONS,
    wording=replace(
        NEGOTIATION_WORDING,
        award="入围",
        winner="入围供应商",
        notice="框架协议采购征集公告",
        documents="征集文件",
        ceiling="最高限制单价",
    ),
    method_names={"open": "框架协议采购（公开征集）"},
    method_details={"open": "政府采购框架协议采购"},
    national_modes={"open": "7"},  # [U] as the other codes
    bid_form=(
        BidField("price", "响应单价（元）", "amount"),
        BidField("delivery_days", "交货期或服务响应时间（日）", "integer"),
        BidField("brand", "品牌型号", "text", required=False),
        BidField("sme", "小微企业声明", "boolean", read_at_opening=False, required=False),
    ),
    default_for_category=False,
)

SPECS: dict[str, ProcedureSpec] = {
    s.key: s
    for s in (
        CONSTRUCTION_TENDER_SPEC,
        PROCUREMENT_TENDER_SPEC,
        PROCUREMENT_RFQ_SPEC,
        PROCUREMENT_SINGLE_SOURCE_SPEC,
        PROCUREMENT_NEGOTIATION_SPEC,
        PROCUREMENT_CONSULTATION_SPEC,
        PROCUREMENT_FRAMEWORK_SPEC,
    )
}


def spec(key: str) -> ProcedureSpec:
    found = SPECS.get(key)
    if found is None:
        raise InvalidInput(
            "procedure_unknown",
            f"未知的交易程序规范“{key}”",
            f"Unknown procedure specification '{key}'",
            details={"known": sorted(SPECS)},
        )
    return found


def spec_for(lot: Lot) -> ProcedureSpec:
    return spec(lot.procedure)


def current_spec(spec_id: str, on: date) -> ProcedureSpec:
    """The version of the method in force on `on`: the latest whose texts apply by then."""
    versions = [s for s in SPECS.values() if s.id == spec_id and date.fromisoformat(s.version) <= on]
    if not versions:
        raise InvalidInput(
            "procedure_unknown",
            f"{on.isoformat()}没有适用的交易程序规范“{spec_id}”",
            f"No version of procedure '{spec_id}' applies on {on.isoformat()}",
        )
    return max(versions, key=lambda s: s.version)


def spec_for_category(category: str, on: date) -> ProcedureSpec:
    """The procedure a new lot of this trade category follows (one tendering method per category for now).

    Until a category has its own specification its lots follow construction tendering, as every lot did
    before specifications existed."""
    ids = sorted({s.id for s in SPECS.values() if s.category == category and s.default_for_category})
    return current_spec((ids or [CONSTRUCTION_TENDER_SPEC.id])[0], on)


def spec_for_project(category: str, procedure: str | None, on: date) -> ProcedureSpec:
    """The method a new project's lots follow: the one it names (of its category), else the default."""
    if not procedure:
        return spec_for_category(category, on)
    chosen = current_spec(procedure, on)
    if chosen.category != category:
        raise InvalidInput(
            "procedure_category",
            f"交易方式“{chosen.name}”不适用于该交易类别",
            f"The procedure {procedure} is not one of category {category}",
            details={"category": chosen.category},
        )
    return chosen


def project_spec(project: Project) -> ProcedureSpec:
    """The method of the project's lots (a project's lots share one); its category's default before any."""
    key = project.lots.order_by("seq").values_list("procedure", flat=True).first()
    return spec(key) if key else spec_for_category(project.category, clock.today())


def methods() -> list[ProcedureSpec]:
    """One specification per method (the latest version), by id: what a form offers to choose from."""
    latest: dict[str, ProcedureSpec] = {}
    for s in SPECS.values():
        if s.id not in latest or s.version > latest[s.id].version:
            latest[s.id] = s
    return [latest[i] for i in sorted(latest)]


class BySpec[T](Mapping[str, T]):
    """Rules a package above the engine keeps for each specification, by the specification's id (award
    rules in evaluation, committee rules in experts, …): the engine does not import them, and
    `BySpec.kept` lets one test check that every specification has every package's rules."""

    kept: ClassVar[list["BySpec[object]"]] = []

    def __init__(self, what: str, rules: Mapping[str, T]) -> None:
        self.what = what
        self._rules = dict(rules)
        BySpec.kept.append(self)  # type: ignore[arg-type]

    def __getitem__(self, spec_id: str) -> T:
        return self._rules[spec_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def for_id(self, spec_id: str) -> T:
        found = self._rules.get(spec_id)
        if found is None:
            raise InvalidInput(
                "procedure_unknown",
                f"未知的交易程序“{spec_id}”（{self.what}），应为：{'、'.join(self._rules)}",
                f"Unknown procedure '{spec_id}' ({self.what}); one of {', '.join(self._rules)}",
                details={"known": sorted(self._rules)},
            )
        return found

    def for_lot(self, lot: Lot) -> T:
        return self.for_id(spec_for(lot).id)
