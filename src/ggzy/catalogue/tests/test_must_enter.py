"""must_enter at the legal boundaries of 16号令 (第2、3、5条) and for the catalogue's other categories (R2.3)."""

from decimal import Decimal

import pytest

from ggzy.catalogue import rules
from ggzy.catalogue.entry import ContractEstimate, Decision, ProjectFacts, decide, must_enter
from ggzy.catalogue.models import CatalogueItem
from ggzy.kernel.errors import InvalidInput

D = Decimal


def national_items() -> list[CatalogueItem]:
    """The demo national catalogue as unsaved items: must_enter needs no database."""
    return [
        CatalogueItem(
            seq=seq,
            category=n.category,
            subject_kind=n.subject_kind,
            subject_class=n.subject_class,
            name=n.name,
            threshold=n.threshold,
            statutory_threshold=n.statutory_threshold,
            funding_scope=n.funding_scope,
            basis=n.basis,
            scope=n.scope,
            citation=n.citation,
        )
        for seq, n in enumerate(rules.NATIONAL_ITEMS, start=1)
    ]


def works(amount: str, *, combinable: bool = True) -> ContractEstimate:
    return ContractEstimate("works", D(amount), combinable)


def goods(amount: str) -> ContractEstimate:
    return ContractEstimate("goods", D(amount))


def services(amount: str) -> ContractEstimate:
    return ContractEstimate("services", D(amount))


def engineering(*contracts: ContractEstimate, **funding: object) -> ProjectFacts:
    funding.setdefault("state_owned_controlled", True)  # in scope of 第2条 unless a test says otherwise
    return ProjectFacts(category="engineering", subject="A08", contracts=contracts, **funding)  # type: ignore[arg-type]


def run(facts: ProjectFacts) -> Decision:
    return decide(facts, national_items(), "GJ-16")


def reason(decision: Decision, test: str) -> tuple[bool, str]:
    found = [r for r in decision.reasons if r.test == test]
    assert len(found) == 1, [r.test for r in decision.reasons]
    return found[0].passed, found[0].zh


# --- 第5条 thresholds, boundary included ("以上") ---------------------------------------------------------


@pytest.mark.parametrize(
    ("contract", "test", "expected", "text"),
    [
        (works("3999999.99"), "law.threshold.works", False, "施工合同估算价 3,999,999.99 元 < 4,000,000 元"),
        (works("4000000.00"), "law.threshold.works", True, "施工合同估算价 4,000,000.00 元 ≥ 4,000,000 元"),
        (goods("1999999.99"), "law.threshold.goods", False, "货物合同估算价 1,999,999.99 元 < 2,000,000 元"),
        (goods("2000000"), "law.threshold.goods", True, "货物合同估算价 2,000,000.00 元 ≥ 2,000,000 元"),
        (
            services("999999.99"),
            "law.threshold.services",
            False,
            "服务合同估算价 999,999.99 元 < 1,000,000 元",
        ),
        (
            services("1000000"),
            "law.threshold.services",
            True,
            "服务合同估算价 1,000,000.00 元 ≥ 1,000,000 元",
        ),
    ],
)
def test_contract_thresholds_at_the_boundary(
    contract: ContractEstimate, test: str, expected: bool, text: str
) -> None:
    decision = run(engineering(contract))
    assert reason(decision, test) == (expected, text)
    assert decision.must_tender is expected
    assert decision.must_enter is expected
    assert decision.may_choose is not expected
    cited = next(r.citation for r in decision.reasons if r.test == test)
    assert "必须招标的工程项目规定（国家发展改革委令第16号） 第5条第1款" in cited
    assert "民法典 第1259条" in cited  # "以上" includes the boundary


def test_combinable_contracts_are_summed_per_kind() -> None:
    decision = run(engineering(works("1500000"), works("2500000"), services("600000"), services("399999.99")))
    assert reason(decision, "law.threshold.works") == (
        True,
        "施工合同估算价合计 4,000,000.00 元 ≥ 4,000,000 元",
    )
    assert reason(decision, "law.threshold.services") == (
        False,
        "服务合同估算价合计 999,999.99 元 < 1,000,000 元",
    )
    assert decision.must_tender
    works_reason = next(r for r in decision.reasons if r.test == "law.threshold.works")
    assert "第5条第2款" in works_reason.citation


def test_separate_contracts_are_not_summed() -> None:
    decision = run(engineering(works("2000000", combinable=False), works("2000000", combinable=False)))
    passed, text = reason(decision, "law.threshold.works")
    assert not passed
    assert text == "不可合并的施工单项合同估算价最高 2,000,000.00 元 < 4,000,000 元"
    assert not decision.must_tender

    decision = run(engineering(works("4000000", combinable=False), works("10")))
    assert reason(decision, "law.threshold.works") == (
        True,
        "施工单项合同估算价 4,000,000.00 元 ≥ 4,000,000 元",
    )


# --- 第2条 funding tests -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "total", "expected", "text"),
    [
        (
            "2000000",
            "20000000",
            True,
            "预算资金 2,000,000.00 元 ≥ 2,000,000 元，且占总投资 20,000,000.00 元的 10.00% ≥ 10%",
        ),
        (
            "2000000",
            "20000000.01",
            False,
            "预算资金 2,000,000.00 元 ≥ 2,000,000 元，但占总投资 20,000,000.01 元的 9.99% < 10%",
        ),
        (
            "2000000",
            "20020020.02",
            False,
            "预算资金 2,000,000.00 元 ≥ 2,000,000 元，但占总投资 20,020,020.02 元的 9.99% < 10%",
        ),
        ("1999999.99", "1999999.99", False, "预算资金 1,999,999.99 元 < 2,000,000 元"),
    ],
)
def test_budget_funds_amount_and_share(budget: str, total: str, expected: bool, text: str) -> None:
    facts = engineering(
        works("5000000"),
        state_owned_controlled=False,
        state_budget_amount=D(budget),
        total_investment=D(total),
    )
    decision = run(facts)
    assert reason(decision, "law.scope.budget") == (expected, text)
    assert decision.must_tender is expected
    if not expected:
        assert reason(decision, "law.thresholds")[0] is False  # out of scope: 第5条 is not even reached
        assert decision.may_choose


def test_state_owned_control_brings_the_project_in_scope() -> None:
    decision = run(engineering(works("4000000")))
    assert reason(decision, "law.scope.state_owned")[0]
    assert reason(decision, "law.scope.budget") == (False, "未使用预算资金")
    assert decision.must_tender and decision.must_enter
    assert [r.test for r in decision.reasons if r.test.startswith("enter.")] == [
        "enter.law",
        "enter.catalogue",
    ]


def test_foreign_loan_must_tender_whatever_the_budget_share() -> None:
    facts = engineering(
        works("4000000"),
        state_owned_controlled=False,
        foreign_loan_or_aid=True,
        state_budget_amount=D("100000"),
        total_investment=D("90000000"),
    )
    decision = run(facts)
    assert reason(decision, "law.scope.budget")[0] is False
    assert reason(decision, "law.scope.foreign")[0] is True
    assert decision.must_tender
    cited = next(r.citation for r in decision.reasons if r.test == "law.scope.foreign")
    assert cited == f"{rules.ORDER16} 第3条"
    # The thresholds of 第5条 still apply to a foreign-funded project.
    below = engineering(works("3999999.99"), state_owned_controlled=False, foreign_loan_or_aid=True)
    assert not run(below).must_tender


def test_private_project_may_choose() -> None:
    decision = run(engineering(works("50000000"), state_owned_controlled=False, private_only=True))
    assert (decision.must_enter, decision.must_tender, decision.may_choose) == (False, False, True)
    choice = next(r for r in decision.reasons if r.test == "enter.choice")
    assert choice.zh == "民间投资且不属于依法必须招标的项目，由建设单位自主决定是否进入统一平台"
    assert "国办发〔2015〕63号" in choice.citation and "三(三)" in choice.citation


def test_private_public_utility_must_still_tender() -> None:
    facts = engineering(
        works("4000000"), state_owned_controlled=False, private_only=True, public_interest_infrastructure=True
    )
    decision = run(facts)
    assert reason(decision, "law.scope.public_interest")[0]
    assert (decision.must_enter, decision.must_tender, decision.may_choose) == (True, True, False)


def test_not_bound_but_not_private_may_choose_without_being_forced() -> None:
    facts = engineering(works("3000000"), state_owned_controlled=False, state_budget_amount=D("100000"))
    facts = ProjectFacts(**{**facts.__dict__, "total_investment": D("3000000")})
    decision = run(facts)
    assert (decision.must_enter, decision.may_choose) == (False, True)
    choice = next(r for r in decision.reasons if r.test == "enter.choice")
    assert "六(十二)" in choice.citation


# --- the catalogue decides the other categories -----------------------------------------------------------


def test_land_always_enters_without_threshold() -> None:
    decision = run(ProjectFacts(category="land", subject="E"))
    assert (decision.must_enter, decision.must_tender, decision.may_choose) == (True, False, False)
    passed, text = next((r.passed, r.zh) for r in decision.reasons if r.test.startswith("catalogue.item."))
    assert passed and "不设金额限额" in text
    assert reason(decision, "law.not_engineering")[0] is False


@pytest.mark.parametrize(("amount", "expected"), [("999999.99", False), ("1000000", True)])
def test_procurement_goods_against_the_catalogue_limit(amount: str, expected: bool) -> None:
    facts = ProjectFacts(category="procurement", subject="B", contracts=(goods(amount),))
    decision = run(facts)
    assert decision.must_enter is expected
    assert decision.must_tender is False
    goods_item = next(r for r in decision.reasons if r.test.startswith("catalogue.item."))
    sign = "≥" if expected else "<"
    assert goods_item.zh.endswith(f"货物合同估算价 {Decimal(amount):,.2f} 元 {sign} 1,000,000 元")
    assert [r.test for r in decision.reasons].count(
        "catalogue.item.7"
    ) == 0  # the services item is not concerned


def test_every_category_has_a_national_item_and_unlisted_ones_are_not_forced() -> None:
    categories = {i.category for i in national_items()}
    assert len(categories) == 10
    no_threshold = [i for i in national_items() if i.threshold is None]
    assert all(i.scope.startswith("【无法定金额限额】") for i in no_threshold)
    decision = decide(ProjectFacts(category="concession"), [], "EMPTY")
    assert (decision.must_enter, decision.may_choose) == (False, True)
    assert reason(decision, "catalogue.category") == (False, "交易目录EMPTY未列入特许经营权")


def test_a_local_item_can_require_more_than_the_law() -> None:
    local = CatalogueItem(
        seq=1,
        category="engineering",
        subject_kind="A",
        subject_class="08",
        name="国有资金参股的施工",
        threshold=D("1000000"),
        funding_scope="non_private",
        basis="catalogue",
        scope="使用国有资金的施工项目100万元以上进场",
        citation="银川市公共资源交易目录 第3条",
    )
    facts = engineering(
        works("1500000"),
        state_owned_controlled=False,
        state_budget_amount=D("100000"),
        total_investment=D("2000000"),
    )
    decision = decide(facts, [local], "YC-1")
    assert (decision.must_enter, decision.must_tender, decision.items) == (True, False, [1])
    assert reason(decision, "catalogue.item.1") == (
        True,
        "目录第1项“国有资金参股的施工”：施工合同估算价 1,500,000.00 元 ≥ 1,000,000 元",
    )


# --- bad facts are refused with a clear error ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"category": "fishing"}, "facts_category"),
        ({"category": "engineering", "subject": "B08", "contracts": (works("1"),)}, "facts_subject"),
        ({"category": "engineering", "subject": "A11", "contracts": (works("1"),)}, "facts_subject"),
        ({"category": "engineering"}, "facts_contracts_required"),
        (
            {"category": "engineering", "state_budget_amount": D("2000000"), "contracts": (works("1"),)},
            "facts_total_investment_required",
        ),
        (
            {"category": "land", "state_budget_amount": D("5"), "total_investment": D("4")},
            "facts_budget_exceeds_investment",
        ),
        (
            {"category": "land", "private_only": True, "state_owned_controlled": True},
            "facts_private_inconsistent",
        ),
        ({"category": "land", "state_budget_amount": D("1.005")}, "facts_amount"),
        ({"category": "land", "state_budget_amount": 1.5}, "facts_amount"),
        ({"category": "land", "state_budget_amount": D("-1")}, "facts_amount"),
    ],
)
def test_bad_facts(kwargs: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        run(ProjectFacts(**kwargs))  # type: ignore[arg-type]
    assert err.value.code == code


def test_bad_contract_kind() -> None:
    with pytest.raises(InvalidInput) as err:
        ContractEstimate("rent", D("1"))
    assert err.value.code == "facts_contract_kind"


@pytest.mark.django_db
def test_must_enter_reads_the_stored_version(network: dict, operator: object) -> None:
    from ggzy.catalogue.actions import load_national_catalogue

    version = load_national_catalogue(operator, network["province"].pk)  # type: ignore[arg-type]
    decision = must_enter(engineering(works("4000000")), version)
    assert decision.must_enter and decision.catalogue_version == "GJ-16"
    assert decision.items == [1]
    assert decision.as_json()["reasons"][0]["test"] == "law.scope.budget"
