"""Legal numbers of evaluation, award and contract (rules-cn §3a T8–T18, T20), each with its source."""

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ggzy.kernel.errors import LegalRule
from ggzy.kernel.rules import Period, Rule, working_days
from ggzy.trading.rules import BOND_INTEREST, LAW, REG

if TYPE_CHECKING:
    from ggzy.trading.models import Lot

ORDER12 = "评标委员会和评标方法暂行规定（七部委12号令）"

EXTENSION = LegalRule(
    f"{REG} 第48条",
    "超过三分之一的评标委员会成员认为评标时间不够的，招标人应当适当延长。",
)
MANDATORY_REJECTION = LegalRule(
    f"{REG} 第51条",
    "有下列情形之一的，评标委员会应当否决其投标：（一）投标文件未经投标单位盖章和单位负责人签字；（二）投标联合体没有提交共同投标协议；"
    "（三）投标人不符合国家或者招标文件规定的资格条件；（四）同一投标人提交两个以上不同的投标文件或者投标报价，但招标文件要求提交备选投标的除外；"
    "（五）投标报价低于成本或者高于招标文件设定的最高投标限价；（六）投标文件没有对招标文件的实质性要求和条件作出响应；"
    "（七）投标人有串通投标、弄虚作假、行贿等违法行为。",
)
REJECTION_GROUNDS: dict[str, str] = {
    "unsigned": "投标文件未经投标单位盖章和单位负责人签字",
    "consortium_agreement": "投标联合体没有提交共同投标协议",
    "unqualified": "投标人不符合国家或者招标文件规定的资格条件",
    "multiple_offers": "同一投标人提交两个以上不同的投标文件或者投标报价",
    "price_out_of_range": "投标报价低于成本或者高于招标文件设定的最高投标限价",
    "not_responsive": "投标文件没有对招标文件的实质性要求和条件作出响应",
    "collusion_fraud": "投标人有串通投标、弄虚作假、行贿等违法行为",
}
ABNORMALLY_LOW = LegalRule(
    f"{ORDER12} 第21条",
    "投标人的报价明显低于其他投标报价或者在设有标底时明显低于标底，使得其投标报价可能低于其个别成本的，应当要求该投标人作出书面说明并提供相关证明材料。",
)
CANDIDATES = LegalRule(f"{REG} 第53条", "评标委员会推荐的中标候选人应当不超过3个，并标明排序。")
PUBLICITY = LegalRule(
    f"{REG} 第54条",
    "依法必须进行招标的项目，招标人应当自收到评标报告之日起3日内公示中标候选人，公示期不得少于3日。投标人或者其他利害关系人对评标结果有异议的，"
    "应当在中标候选人公示期间提出。招标人应当自收到异议之日起3日内作出答复；作出答复前，应当暂停招标投标活动。",
)
FIRST_RANKED = LegalRule(
    f"{REG} 第55条",
    "国有资金占控股或者主导地位的依法必须进行招标的项目，招标人应当确定排名第一的中标候选人为中标人。",
)
CONTRACT_PERIOD = LegalRule(
    f"{LAW} 第46条",
    "招标人和中标人应当自中标通知书发出之日起三十日内，按照招标文件和中标人的投标文件订立书面合同。",
)
REPORT_PERIOD = LegalRule(
    f"{LAW} 第47条",
    "依法必须进行招标的项目，招标人应当自确定中标人之日起十五日内，向有关行政监督部门提交招标投标情况的书面报告。",
)
PERFORMANCE_BOND = LegalRule(
    f"{REG} 第58条",
    "招标文件要求中标人提交履约保证金的，中标人应当按照招标文件的要求提交。履约保证金不得超过中标合同金额的10%。",
)
AWARD_BEFORE_VALIDITY_ENDS = LegalRule(
    f"{ORDER12} 第40条",
    "评标和定标应当在投标有效期结束日30个工作日前完成。不能在投标有效期结束日30个工作日前完成评标和定标的，招标人应当通知所有投标人延长投标有效期。",
)


@dataclass(frozen=True)
class AwardRules:
    extension_share: Rule[Decimal]
    max_candidates: Rule[int]
    publicity_within_days: Period
    publicity_min_days: Period
    objection_answer_days: Period
    contract_days: Period
    report_days: Period
    bond_refund_days: Period
    performance_bond_ratio: Rule[Decimal]
    award_before_validity_working_days: Period
    abnormally_low_ratio: Rule[Decimal]


CONSTRUCTION_AWARD = AwardRules(
    extension_share=Rule(Decimal(1) / Decimal(3), EXTENSION),
    max_candidates=Rule(3, CANDIDATES),
    publicity_within_days=Period(3, PUBLICITY),
    publicity_min_days=Period(3, PUBLICITY),
    objection_answer_days=Period(3, PUBLICITY),
    contract_days=Period(30, CONTRACT_PERIOD),
    report_days=Period(15, REPORT_PERIOD),
    bond_refund_days=Period(5, BOND_INTEREST),
    performance_bond_ratio=Rule(Decimal("0.10"), PERFORMANCE_BOND),
    award_before_validity_working_days=working_days(30, AWARD_BEFORE_VALIDITY_ENDS),
    # 明显低于其他报价: no statutory ratio. Flag below 85% of the mean of the valid prices (configuration).
    abnormally_low_ratio=Rule(Decimal("0.85"), ABNORMALLY_LOW, unconfirmed=True),
)


# Award rules of each procedure specification, by its id (trading.specs: the engine does not import them).
AWARD_RULES: dict[str, AwardRules] = {"construction_tender": CONSTRUCTION_AWARD}


def award_rules_for(lot: "Lot") -> AwardRules:
    from ggzy.trading.specs import spec_for

    return AWARD_RULES[spec_for(lot).id]
