"""Must this project enter the platform, and why? (R2.3 "应进必进", 16号令)

`must_enter(facts, version)` is a pure function: it reads the catalogue version's items and the facts of a
project, writes nothing, and returns a `Decision` whose reasons say which test passed or failed, with the
numbers compared and the rule cited. `ProjectFacts` is decoupled from any project model, so the trading
package, the public API and the tests all ask the same question the same way.

Two questions are answered separately:
- must_tender: the law (招标投标法 第3条, 16号令 第2–5条), for engineering projects only; the catalogue can
  neither widen nor narrow it, so its numbers come from `rules`, not from catalogue items.
- must_enter: what the law requires plus whatever the catalogue in force lists (a city may list more).
A project bound by neither may choose (may_choose): private projects by 国办发〔2015〕63号 三(三), others
because no platform may force a project in that no rule requires (六(十二)).
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from ggzy.catalogue import rules
from ggzy.catalogue.models import CatalogueItem, CatalogueVersion, TradeCategory
from ggzy.kernel.errors import InvalidInput, LegalRule

CENT = Decimal("0.01")
SUBJECT = re.compile(r"^(?P<kind>[A-E])(?P<cls>\d{2})?$")
KIND_SHORT = {rules.WORKS: "施工", rules.GOODS: "货物", rules.SERVICES: "服务"}
KIND_EN = {rules.WORKS: "Works", rules.GOODS: "Goods", rules.SERVICES: "Services"}


def _money(value: Any, zh: str, en: str) -> Decimal:
    """An amount in yuan as a Decimal with at most 2 decimals (floats are refused: money is never binary)."""
    if isinstance(value, bool | float):
        raise InvalidInput(
            "facts_amount", f"{zh}应以元为单位的十进制数给出", f"{en} must be a decimal amount in yuan"
        )
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError as exc:
        raise InvalidInput("facts_amount", f"{zh}不是有效金额", f"{en} is not an amount") from exc
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
        raise InvalidInput(
            "facts_amount",
            f"{zh}应为不小于0、精确到分的金额（元）",
            f"{en} must be a non-negative amount in yuan with at most 2 decimals",
            details={"field": en.replace(" ", "_"), "value": str(value)},
        )
    return amount


@dataclass(frozen=True)
class ContractEstimate:
    """One contract of the project (16号令 第5条): its kind, estimated price, and whether it can be combined
    with the project's other contracts of the same kind (第5条第2款: those are summed)."""

    kind: str
    amount: Decimal
    combinable: bool = True
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in rules.THRESHOLDS:
            raise InvalidInput(
                "facts_contract_kind",
                f"合同类型“{self.kind}”应为 works（施工）、goods（货物）或 services（服务）",
                f"Contract kind '{self.kind}' must be works, goods or services",
                rule=rules.THRESHOLDS[rules.WORKS].legal,
            )
        object.__setattr__(self, "amount", _money(self.amount, "合同估算价", "contract estimate"))


@dataclass(frozen=True)
class ProjectFacts:
    """What decides whether a project must enter: category, subject, funding and contract estimates."""

    category: str
    subject: str = ""  # D6 标段分类代码 prefix: "A08", "B", "E" ...
    state_budget_amount: Decimal = Decimal(0)  # 预算资金
    total_investment: Decimal | None = None  # 总投资
    state_owned_controlled: bool = False  # 国有企业事业单位资金占控股或者主导地位
    foreign_loan_or_aid: bool = False  # 国际组织或者外国政府贷款、援助资金
    private_only: bool = False  # 全部为民间投资
    public_interest_infrastructure: bool = False  # 大型基础设施、公用事业 (16号令 第4条, 843号)
    contracts: tuple[ContractEstimate, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "contracts", tuple(self.contracts))
        object.__setattr__(
            self, "state_budget_amount", _money(self.state_budget_amount, "预算资金", "state budget amount")
        )
        if self.total_investment is not None:
            object.__setattr__(
                self, "total_investment", _money(self.total_investment, "总投资", "total investment")
            )

    @property
    def subject_kind(self) -> str:
        return self.subject[:1]

    @property
    def subject_class(self) -> str:
        return self.subject[1:3]


@dataclass(frozen=True)
class Reason:
    test: str  # stable id of the test, e.g. "law.threshold.works", "catalogue.item.3"
    passed: bool
    zh: str
    en: str
    citation: str

    def as_json(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "passed": self.passed,
            "zh": self.zh,
            "en": self.en,
            "citation": self.citation,
        }


@dataclass(frozen=True)
class Decision:
    must_enter: bool
    must_tender: bool
    may_choose: bool
    reasons: list[Reason]
    catalogue_version: str = ""
    items: list[int] = field(default_factory=list)  # seq of the catalogue items that bind the project

    def as_json(self) -> dict[str, Any]:
        return {
            "must_enter": self.must_enter,
            "must_tender": self.must_tender,
            "may_choose": self.may_choose,
            "catalogue_version": self.catalogue_version,
            "items": list(self.items),
            "reasons": [r.as_json() for r in self.reasons],
        }


def yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def limit(amount: Decimal) -> str:
    """A threshold as the rule states it: 4,000,000 rather than 4,000,000.00."""
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"


def _percent(share: Decimal) -> str:
    return f"{(share * 100).quantize(CENT, rounding=ROUND_DOWN)}"


def _cite(*legal: LegalRule) -> str:
    return "；".join(r.citation for r in legal)


# --- validation ------------------------------------------------------------------------------------------


def validate_subject(subject: str) -> tuple[str, str]:
    match = SUBJECT.match(subject or "")
    if not subject:
        return "", ""
    if (
        match is None
        or (match["cls"] and match["kind"] != "A")
        or (match["cls"] and match["cls"] not in rules.ENGINEERING_CLASSES)
    ):
        raise InvalidInput(
            "facts_subject",
            f"标的分类“{subject}”应为 A–E 之一，工程类（A）可加两位工程类别 01–10，如 A08",
            f"Subject '{subject}' must be one of A–E; works (A) may add a class 01–10, e.g. A08",
            rule=rules.SUBJECT_KIND_RULE,
        )
    return match["kind"], match["cls"] or ""


def validate(facts: ProjectFacts) -> None:
    if facts.category not in TradeCategory.values:
        raise InvalidInput(
            "facts_category",
            f"交易类别“{facts.category}”不在交易目录的类别之中",
            f"Unknown trade category '{facts.category}'",
            details={"categories": list(TradeCategory.values)},
        )
    validate_subject(facts.subject)
    budget, total = facts.state_budget_amount, facts.total_investment
    if total is not None and total == 0:
        raise InvalidInput("facts_amount", "总投资应大于0", "Total investment must be above zero")
    if total is not None and budget > total:
        raise InvalidInput(
            "facts_budget_exceeds_investment",
            f"预算资金 {yuan(budget)} 元不能超过总投资 {yuan(total)} 元",
            f"Budget funds {yuan(budget)} cannot exceed the total investment {yuan(total)}",
        )
    if facts.private_only and (budget > 0 or facts.state_owned_controlled or facts.foreign_loan_or_aid):
        raise InvalidInput(
            "facts_private_inconsistent",
            "纯民间投资项目不能同时使用预算资金、国有企业事业单位控股资金或者国际组织、外国政府资金",
            "A purely private project cannot also use budget, state-controlled or foreign official funds",
        )
    if facts.category == "engineering":
        if not facts.contracts:
            raise InvalidInput(
                "facts_contracts_required",
                "工程建设项目应列明施工、货物、服务合同的估算价，才能判断是否达到16号令第5条标准",
                "An engineering project needs its contract estimates (works, goods, services) to be judged",
                rule=rules.COMBINED_CONTRACTS,
            )
        if budget >= rules.BUDGET_FUNDS.value and total is None:
            raise InvalidInput(
                "facts_total_investment_required",
                "使用预算资金200万元以上的，须给出总投资，才能判断预算资金是否占投资额10%以上",
                "Budget funds of 2 million or more: give the total investment to test the 10% share",
                rule=rules.BUDGET_FUNDS.legal,
            )


# --- the law: 16号令 -------------------------------------------------------------------------------------


def _budget_reason(facts: ProjectFacts) -> Reason:
    budget, total = facts.state_budget_amount, facts.total_investment
    floor, share_min = rules.BUDGET_FUNDS.value, rules.BUDGET_SHARE.value
    cite = _cite(rules.BUDGET_FUNDS.legal, rules.BOUNDARY_RULE)
    share_text = f"{limit(share_min * 100)}%"
    if budget == 0:
        return Reason(
            "law.scope.budget",
            False,
            "未使用预算资金",
            "No budget funds are used",
            rules.BUDGET_FUNDS.legal.citation,
        )
    if budget < floor:
        return Reason(
            "law.scope.budget",
            False,
            f"预算资金 {yuan(budget)} 元 < {limit(floor)} 元",
            f"Budget funds {yuan(budget)} yuan < {limit(floor)} yuan",
            cite,
        )
    assert total is not None  # validate() requires it from here on
    share = budget / total
    ok = budget >= total * share_min
    sign = "≥" if ok else "<"
    zh = (
        f"预算资金 {yuan(budget)} 元 ≥ {limit(floor)} 元，"
        f"{'且' if ok else '但'}占总投资 {yuan(total)} 元的 {_percent(share)}% {sign} {share_text}"
    )
    en = (
        f"Budget funds {yuan(budget)} yuan ≥ {limit(floor)} yuan, {'and' if ok else 'but'} "
        f"{_percent(share)}% of the total investment {yuan(total)} yuan {sign} {share_text}"
    )
    return Reason("law.scope.budget", ok, zh, en, cite)


def _scope_reasons(facts: ProjectFacts) -> tuple[bool, list[Reason]]:
    reasons = [
        _budget_reason(facts),
        Reason(
            "law.scope.state_owned",
            facts.state_owned_controlled,
            "使用国有企业事业单位资金，且该资金占控股或者主导地位"
            if facts.state_owned_controlled
            else "未使用占控股或者主导地位的国有企业事业单位资金",
            "State-owned enterprise or institution funds hold a controlling or leading position"
            if facts.state_owned_controlled
            else "No controlling or leading state-owned enterprise or institution funds",
            rules.STATE_OWNED_CONTROL.citation,
        ),
        Reason(
            "law.scope.foreign",
            facts.foreign_loan_or_aid,
            "使用国际组织或者外国政府贷款、援助资金（不论预算资金占比）"
            if facts.foreign_loan_or_aid
            else "未使用国际组织或者外国政府贷款、援助资金",
            "Loans or aid from international organisations or foreign governments (whatever the budget share)"
            if facts.foreign_loan_or_aid
            else "No loans or aid from international organisations or foreign governments",
            rules.FOREIGN_FUNDS.citation,
        ),
        Reason(
            "law.scope.public_interest",
            facts.public_interest_infrastructure,
            "属于大型基础设施、公用事业等关系社会公共利益、公众安全的项目（不论资金来源）"
            if facts.public_interest_infrastructure
            else "不属于必须招标的大型基础设施、公用事业项目",
            "Large infrastructure or public utility project of public interest (whatever the funding)"
            if facts.public_interest_infrastructure
            else "Not a large infrastructure or public utility project that must be tendered",
            rules.PUBLIC_INTEREST.legal.citation,
        ),
    ]
    return any(r.passed for r in reasons), reasons


@dataclass(frozen=True)
class KindTotal:
    """The estimates of one contract kind: the combinable ones summed, the others one by one."""

    kind: str
    combined: Decimal
    combined_count: int
    singles: tuple[Decimal, ...]

    @property
    def largest(self) -> Decimal:
        """The figure a threshold is compared with: the combined total or the largest single contract."""
        return max((self.combined, *self.singles))


def kind_totals(contracts: Iterable[ContractEstimate]) -> dict[str, KindTotal]:
    out: dict[str, KindTotal] = {}
    for kind in rules.THRESHOLDS:
        mine = [c for c in contracts if c.kind == kind]
        if not mine:
            continue
        combined = [c.amount for c in mine if c.combinable]
        singles = tuple(c.amount for c in mine if not c.combinable)
        out[kind] = KindTotal(kind, sum(combined, Decimal(0)), len(combined), singles)
    return out


def _compare(total: KindTotal, floor: Decimal, label_zh: str, label_en: str) -> tuple[bool, str, str]:
    """Compare one kind's estimates with `floor`; the text shows the figures that decided."""
    if total.combined_count and total.combined >= floor:
        word_zh, word_en = ("合计", " in total") if total.combined_count > 1 else ("", "")
        return (
            True,
            f"{label_zh}合同估算价{word_zh} {yuan(total.combined)} 元 ≥ {limit(floor)} 元",
            f"{label_en} contract estimate{word_en} {yuan(total.combined)} yuan ≥ {limit(floor)} yuan",
        )
    big_single = max(total.singles, default=None)
    if big_single is not None and big_single >= floor:
        return (
            True,
            f"{label_zh}单项合同估算价 {yuan(big_single)} 元 ≥ {limit(floor)} 元",
            f"{label_en} single contract estimate {yuan(big_single)} yuan ≥ {limit(floor)} yuan",
        )
    parts_zh, parts_en = [], []
    if total.combined_count:
        word_zh, word_en = ("合计", " in total") if total.combined_count > 1 else ("", "")
        parts_zh.append(f"{label_zh}合同估算价{word_zh} {yuan(total.combined)} 元 < {limit(floor)} 元")
        parts_en.append(
            f"{label_en} contract estimate{word_en} {yuan(total.combined)} yuan < {limit(floor)} yuan"
        )
    if big_single is not None:
        parts_zh.append(f"不可合并的{label_zh}单项合同估算价最高 {yuan(big_single)} 元 < {limit(floor)} 元")
        parts_en.append(
            f"largest separate {label_en} contract estimate {yuan(big_single)} yuan < {limit(floor)} yuan"
        )
    return False, "；".join(parts_zh), "; ".join(parts_en)


def _threshold_reasons(totals: dict[str, KindTotal]) -> list[Reason]:
    reasons = []
    for kind, total in totals.items():
        threshold = rules.THRESHOLDS[kind]
        ok, zh, en = _compare(total, threshold.amount, KIND_SHORT[kind], KIND_EN[kind])
        legal = [threshold.legal, rules.BOUNDARY_RULE]
        if total.combined_count > 1:
            legal.insert(1, rules.COMBINED_CONTRACTS)
        reasons.append(Reason(f"law.threshold.{kind}", ok, zh, en, _cite(*legal)))
    return reasons


# --- the catalogue ---------------------------------------------------------------------------------------


def _item_relevant(item: CatalogueItem, facts: ProjectFacts, totals: dict[str, KindTotal]) -> bool:
    """Does the item's subject concern this project? With estimates: a contract of its kind exists; without
    estimates: the project's subject matches (or is not given)."""
    if not item.subject_kind:
        return True
    kind = item.contract_kind
    if facts.contracts and kind is not None:
        return kind in totals
    if not facts.subject:
        return True
    if facts.subject_kind != item.subject_kind:
        return False
    return not (facts.subject_class and item.subject_class and facts.subject_class != item.subject_class)


def _funding_applies(item: CatalogueItem, facts: ProjectFacts, in_law_scope: bool) -> bool:
    if item.funding_scope == "public":
        return in_law_scope
    if item.funding_scope == "non_private":
        return not facts.private_only
    return True


FUNDING_EN = {
    "public": "projects within 16号令 articles 2–4",
    "non_private": "projects other than purely private ones",
    "all": "every project, whatever the funding",
}
FUNDING_ZH = {
    "public": "依法必须招标范围（16号令第2–4条）的项目",
    "non_private": "除纯民间投资外的项目",
    "all": "所有项目（不论资金来源）",
}


def _item_reason(
    item: CatalogueItem, facts: ProjectFacts, totals: dict[str, KindTotal], in_law_scope: bool
) -> Reason | None:
    if not _item_relevant(item, facts, totals):
        return None
    test = f"catalogue.item.{item.seq}"
    label = f"目录第{item.seq}项“{item.name}”"
    label_en = f"Catalogue item {item.seq} ({item.name})"
    cite = item.citation
    if not _funding_applies(item, facts, in_law_scope):
        return Reason(
            test,
            False,
            f"{label}仅适用于{FUNDING_ZH[item.funding_scope]}，本项目不属于",
            f"{label_en} covers {FUNDING_EN[item.funding_scope]} only; this project is not one",
            cite,
        )
    if item.threshold is None:
        return Reason(
            test,
            True,
            f"{label}：不设金额限额，{FUNDING_ZH[item.funding_scope]}一律进场",
            f"{label_en}: no amount limit; {FUNDING_EN[item.funding_scope]} always enter",
            cite,
        )
    kind = item.contract_kind
    if kind is not None:
        total = totals.get(kind)
        label_zh, label_e = KIND_SHORT[kind], KIND_EN[kind]
    else:  # land, property rights: the threshold applies to the whole of the estimates
        amounts = [c.amount for c in facts.contracts]
        total = KindTotal("all", sum(amounts, Decimal(0)), len(amounts), ()) if amounts else None
        label_zh, label_e = "标的", "Transaction"
    if total is None:
        return Reason(
            test,
            False,
            f"{label}限额 {limit(item.threshold)} 元，本项目未提供相应估算价",
            f"{label_en} has a limit of {limit(item.threshold)} yuan; no estimate was given for it",
            cite,
        )
    ok, zh, en = _compare(total, item.threshold, label_zh, label_e)
    return Reason(test, ok, f"{label}：{zh}", f"{label_en}: {en}", cite)


# --- the decision ----------------------------------------------------------------------------------------


def decide(facts: ProjectFacts, items: Sequence[CatalogueItem], version_code: str = "") -> Decision:
    """`must_enter` over an explicit list of items (also usable with unsaved items in tests)."""
    validate(facts)
    category = TradeCategory(facts.category).label
    reasons: list[Reason] = []
    totals = kind_totals(facts.contracts)

    in_law_scope, scope_reasons = _scope_reasons(facts)
    must_tender = False
    if facts.category == "engineering":
        reasons.extend(scope_reasons)
        if in_law_scope:
            threshold_reasons = _threshold_reasons(totals)
            reasons.extend(threshold_reasons)
            must_tender = any(r.passed for r in threshold_reasons)
        else:
            reasons.append(
                Reason(
                    "law.thresholds",
                    False,
                    "不属于16号令第2–4条规定的项目范围，不论合同估算价多少，均非依法必须招标",
                    "Outside the scope of 16号令 articles 2–4: not bound to tender whatever the estimates",
                    rules.TENDER_SCOPE_RULE.citation,
                )
            )
    else:
        reasons.append(
            Reason(
                "law.not_engineering",
                False,
                f"{category}不适用招标投标法第3条和16号令的必须招标标准，是否进场由交易目录决定",
                "Tendering law article 3 and 16号令 cover engineering projects only; the catalogue decides",
                rules.TENDER_SCOPE_RULE.citation,
            )
        )

    mine = [i for i in items if i.category == facts.category]
    bound: list[int] = []
    for item in mine:
        reason = _item_reason(item, facts, totals, in_law_scope)
        if reason is not None:
            reasons.append(reason)
            if reason.passed:
                bound.append(item.seq)
    if not mine:
        reasons.append(
            Reason(
                "catalogue.category",
                False,
                f"交易目录{version_code}未列入{category}",
                f"Catalogue {version_code} does not list this category",
                rules.CATALOGUE_RULE.citation,
            )
        )

    must_enter = must_tender or bool(bound)
    if must_tender:
        reasons.append(
            Reason(
                "enter.law",
                True,
                "依法必须招标的工程建设项目，应当进入统一的公共资源交易平台交易",
                "An engineering project that must be tendered by law is traded on the unified platform",
                rules.PRIVATE_CHOICE_RULE.citation,
            )
        )
    if bound:
        reasons.append(
            Reason(
                "enter.catalogue",
                True,
                f"列入交易目录{version_code}第{'、'.join(map(str, bound))}项：应进必进，平台之外无交易",
                f"Listed in catalogue {version_code} (item {', '.join(map(str, bound))}): must enter",
                rules.ENTER_RULE.citation,
            )
        )
    if not must_enter:
        if facts.private_only:
            reasons.append(
                Reason(
                    "enter.choice",
                    True,
                    "民间投资且不属于依法必须招标的项目，由建设单位自主决定是否进入统一平台",
                    "A private project not bound to tender by law: the owner decides whether to use the platform",
                    rules.PRIVATE_CHOICE_RULE.citation,
                )
            )
        else:
            reasons.append(
                Reason(
                    "enter.choice",
                    True,
                    "既非依法必须招标，也未达到交易目录的进场标准：不得强制进场，可自主选择进入平台交易",
                    "Neither bound by law nor listed in the catalogue: it may not be forced in, it may choose",
                    rules.NO_FORCED_ENTRY_RULE.citation,
                )
            )
    return Decision(
        must_enter=must_enter,
        must_tender=must_tender,
        may_choose=not must_enter,
        reasons=reasons,
        catalogue_version=version_code,
        items=bound,
    )


def must_enter(facts: ProjectFacts, version: CatalogueVersion) -> Decision:
    """Whether and why the project must enter the platform under `version` (see the module docstring)."""
    return decide(facts, list(version.items.all()), version.code)
