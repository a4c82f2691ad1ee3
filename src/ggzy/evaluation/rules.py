"""Legal numbers of evaluation, award and contract (rules-cn §3a T8–T18, T20), each with its source."""

from dataclasses import dataclass, field, replace
from decimal import Decimal

from ggzy.kernel.errors import LegalRule
from ggzy.kernel.rules import Period, Rule, working_days
from ggzy.trading.models import Lot
from ggzy.trading.rules import BOND_INTEREST, GP_LAW, GP_REG, LAW, ORDER74, ORDER87, ORDER214, REG, RFQ_BOND
from ggzy.trading.specs import BySpec

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
    publicity_within_days: Period | None  # candidates' publicity (tendering); None: the method has none
    publicity_min_days: Period | None
    objection_answer_days: Period
    contract_days: Period
    report_days: Period
    bond_refund_days: Period
    performance_bond_ratio: Rule[Decimal]
    award_before_validity_working_days: Period | None
    # Procurement's road from the report to the result (87号令 第68–69条), None where the method has none:
    decision_days: Period | None = None  # the purchaser confirms the winner, else rank 1 is deemed chosen
    result_notice_days: Period | None = None  # the result's 公告期
    result_challenge_days: Period | None = None  # 质疑 of the result, counted from the end of the 公告期
    report_from_contract: bool = False  # the report (备案) is counted from the contract, not the award
    losers_refund_at_award: bool = False  # unsuccessful bidders' deposits are due back from the award
    # 框架协议: the report leads to the admission of several suppliers (evaluation.framework), no winner.
    admits_several: bool = False


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
)

# ---- government procurement, open and invited tendering (rules-methods-cn.md G107–G110) --------------

GP_CANDIDATES = LegalRule(
    f"{ORDER87} 第64条",
    "评标委员会应当根据全体评标成员签字的原始评标记录和评标结果编写评标报告；中标候选人数量应当根据采购需求确定，"
    "但必须按顺序排列。",
)
GP_DECISION = LegalRule(
    f"{ORDER87} 第68条；{GP_REG} 第43条",
    "采购代理机构应当在评标结束后2个工作日内将评标报告送采购人。采购人应当自收到评标报告之日起5个工作日内，在评标报告确定的"
    "中标候选人名单中按顺序确定中标人。采购人在收到评标报告5个工作日内未按评标报告推荐的中标候选人顺序确定中标人，又不能说明"
    "合法理由的，视同按评标报告推荐的顺序确定排名第一的中标候选人为中标人。",
)
GP_RESULT = LegalRule(
    f"{ORDER87} 第69条",
    "采购人或者采购代理机构应当自中标人确定之日起2个工作日内，在省级以上财政部门指定的媒体上公告中标结果，招标文件应当随中标"
    "结果同时公告。中标结果公告期限为1个工作日。在公告中标结果的同时，采购人或者采购代理机构应当向中标人发出中标通知书。",
)
GP_RESULT_CHALLENGE = LegalRule(
    f"{GP_LAW} 第52条；{GP_REG} 第53条第3项",
    "供应商认为中标结果使自己的权益受到损害的，可以在知道或者应知其权益受到损害之日起七个工作日内以书面形式向采购人提出质疑；"
    "对中标结果提出质疑的，为中标结果公告期限届满之日。",
)
GP_CONTRACT = LegalRule(
    f"{GP_LAW} 第46条；{ORDER87} 第71条",
    "采购人与中标、成交供应商应当在中标、成交通知书发出之日起三十日内，按照采购文件确定的事项签订政府采购合同。",
)
GP_FILING = LegalRule(
    f"{GP_LAW} 第47条；{GP_REG} 第50条",
    "政府采购项目的采购合同自签订之日起七个工作日内，采购人应当将合同副本报同级政府采购监督管理部门和有关部门备案；"
    "采购人应当自政府采购合同签订之日起2个工作日内，将政府采购合同在省级以上人民政府财政部门指定的媒体上公告。",
)
GP_BOND_REFUND = LegalRule(
    f"{ORDER87} 第38条",
    "采购人或者采购代理机构应当自中标通知书发出之日起5个工作日内退还未中标供应商的投标保证金，自政府采购合同签订之日起"
    "5个工作日内退还中标供应商的投标保证金。",
)
GP_PERFORMANCE_BOND = LegalRule(
    f"{GP_REG} 第48条",
    "采购文件要求中标或者成交供应商提交履约保证金的，履约保证金的数额不得超过政府采购合同金额的10%。",
)
GP_ABNORMALLY_LOW = LegalRule(
    f"{ORDER87} 第60条；财库〔2026〕2号",
    "评标委员会认为投标人的报价明显低于其他通过符合性审查投标人的报价，有可能影响产品质量或者不能诚信履约的，应当要求其在评标"
    "现场合理的时间内提供书面说明，必要时提交相关证明材料；投标人不能证明其报价合理性的，评标委员会应当将其作为无效投标处理。",
)

PROCUREMENT_AWARD = AwardRules(
    # 87号令 has no extension rule; the committee's extension follows tendering's one third [U].
    extension_share=Rule(Decimal(1) / Decimal(3), EXTENSION, unconfirmed=True),
    max_candidates=Rule(3, GP_CANDIDATES, unconfirmed=True),  # "according to the need": 3 by default
    publicity_within_days=None,
    publicity_min_days=None,
    objection_answer_days=working_days(7, GP_RESULT_CHALLENGE),
    contract_days=Period(30, GP_CONTRACT),
    report_days=working_days(7, GP_FILING),
    bond_refund_days=working_days(5, GP_BOND_REFUND),
    performance_bond_ratio=Rule(Decimal("0.10"), GP_PERFORMANCE_BOND),
    award_before_validity_working_days=None,
    decision_days=working_days(5, GP_DECISION),
    result_notice_days=working_days(1, GP_RESULT),
    result_challenge_days=working_days(7, GP_RESULT_CHALLENGE),
    report_from_contract=True,
    losers_refund_at_award=True,
)


# ---- 询价 (74号令 第18–20、48–50条) ------------------------------------------------------------------

RFQ_CANDIDATES = LegalRule(
    f"{ORDER74} 第48条",
    "询价小组应当从质量和服务均能满足采购文件实质性响应要求的供应商中，按照报价由低到高的顺序提出3名以上成交候选人，"
    "并编写评审报告。",
)
RFQ_DECISION = LegalRule(
    f"{ORDER74} 第49条",
    "采购代理机构应当在评审结束后2个工作日内将评审报告送采购人确认。采购人应当在收到评审报告后5个工作日内，从评审报告提出的"
    "成交候选人中，根据质量和服务均能满足采购文件实质性响应要求且报价最低的原则确定成交供应商，也可以书面授权询价小组直接确定"
    "成交供应商。采购人逾期未确定成交供应商且不提出异议的，视为确定评审报告提出的最后报价最低的供应商为成交供应商。",
)
RFQ_RESULT = LegalRule(
    f"{ORDER74} 第18条",
    "采购人或者采购代理机构应当在成交供应商确定后2个工作日内，在省级以上财政部门指定的媒体上公告成交结果，同时向成交供应商"
    "发出成交通知书，并将竞争性谈判文件、询价通知书随成交结果同时公告。",
)
RFQ_CONTRACT = LegalRule(
    f"{ORDER74} 第19条；{GP_LAW} 第46条",
    "采购人与成交供应商应当在成交通知书发出之日起30日内，按照采购文件确定的合同文本以及采购标的、规格型号、采购金额、采购数量、"
    "技术和服务要求等事项签订政府采购合同。",
)

PROCUREMENT_RFQ_AWARD = AwardRules(
    extension_share=Rule(Decimal(1) / Decimal(3), EXTENSION, unconfirmed=True),
    # 第48条 asks for "3 or more" candidates: all compliant quotes are ranked, the first 3 named [U].
    max_candidates=Rule(3, RFQ_CANDIDATES, unconfirmed=True),
    publicity_within_days=None,
    publicity_min_days=None,
    objection_answer_days=working_days(7, GP_RESULT_CHALLENGE),
    contract_days=Period(30, RFQ_CONTRACT),
    report_days=working_days(7, GP_FILING),
    bond_refund_days=working_days(5, RFQ_BOND),
    performance_bond_ratio=Rule(Decimal("0.10"), GP_PERFORMANCE_BOND),
    award_before_validity_working_days=None,
    decision_days=working_days(5, RFQ_DECISION),
    result_notice_days=None,  # 74号令 publishes the result without a 公告期 (第18条)
    result_challenge_days=working_days(7, GP_RESULT_CHALLENGE),
    report_from_contract=True,
    losers_refund_at_award=True,
)

# ---- 单一来源 (条例 第43条; 74号令 第41–43条) --------------------------------------------------------

GP_DECISION_ANY = LegalRule(
    f"{GP_REG} 第43条",
    "采购人应当自收到评审报告之日起5个工作日内在评审报告推荐的中标或者成交候选人中按顺序确定中标或者成交供应商。"
    "采购人或者采购代理机构应当自中标、成交供应商确定之日起2个工作日内，发出中标、成交通知书，并在省级以上人民政府财政部门"
    "指定的媒体上公告中标、成交结果。",
)
SS_RECORD = LegalRule(
    f"{ORDER74} 第41、42条",
    "采购人、采购代理机构应当组织具有相关经验的专业人员与供应商商定合理的成交价格并保证采购项目质量。单一来源采购人员应当编写"
    "协商情况记录，由全体协商人员签字认可。",
)

PROCUREMENT_SINGLE_SOURCE_AWARD = AwardRules(
    extension_share=Rule(Decimal(1) / Decimal(3), EXTENSION, unconfirmed=True),
    max_candidates=Rule(1, SS_RECORD),
    publicity_within_days=None,
    publicity_min_days=None,
    objection_answer_days=working_days(7, GP_RESULT_CHALLENGE),
    contract_days=Period(30, GP_CONTRACT),
    report_days=working_days(7, GP_FILING),
    bond_refund_days=working_days(5, GP_BOND_REFUND),
    performance_bond_ratio=Rule(Decimal("0.10"), GP_PERFORMANCE_BOND),
    award_before_validity_working_days=None,
    # The purchaser confirms the agreed supplier under the general rule (条例 第43条), else it is deemed.
    decision_days=working_days(5, GP_DECISION_ANY),
    result_notice_days=None,
    result_challenge_days=working_days(7, GP_RESULT_CHALLENGE),
    report_from_contract=True,
    losers_refund_at_award=True,
)

# ---- 竞争性谈判 (74号令 第35–36条) and 竞争性磋商 (214号 第25–30条) -------------------------------------

CN_CANDIDATES = LegalRule(
    f"{ORDER74} 第35、36条",
    "谈判小组应当从质量和服务均能满足采购文件实质性响应要求的供应商中，按照最后报价由低到高的顺序提出3名以上成交候选人，"
    "并编写评审报告。采购人应当在收到评审报告后5个工作日内，从评审报告提出的成交候选人中，根据质量和服务均能满足采购文件"
    "实质性响应要求且最后报价最低的原则确定成交供应商；逾期未确定成交供应商且不提出异议的，视为确定评审报告提出的最后报价最低"
    "的供应商为成交供应商。",
)
CS_CANDIDATES = LegalRule(
    f"{ORDER214} 第25、28条",
    "磋商小组应当根据综合评分情况，按照评审得分由高到低顺序推荐3名以上成交候选供应商，并编写评审报告。采购人应当在收到评审报告"
    "后5个工作日内，从评审报告提出的成交候选供应商中，按照排序由高到低的原则确定成交供应商；逾期未确定成交供应商且不提出异议的，"
    "视为确定评审报告提出的排序第一的供应商为成交供应商。",
)
CS_CONTRACT = LegalRule(
    f"{ORDER214} 第30条",
    "采购人与成交供应商应当在成交通知书发出之日起30日内，按照磋商文件确定的合同文本以及采购标的、规格型号、采购金额、"
    "采购数量、技术和服务要求等事项签订政府采购合同。",
)

PROCUREMENT_NEGOTIATION_AWARD = replace(
    PROCUREMENT_RFQ_AWARD,
    max_candidates=Rule(3, CN_CANDIDATES, unconfirmed=True),  # "3名以上": the first 3 are named [U]
    decision_days=working_days(5, CN_CANDIDATES),
)
PROCUREMENT_CONSULTATION_AWARD = replace(
    PROCUREMENT_RFQ_AWARD,
    max_candidates=Rule(3, CS_CANDIDATES, unconfirmed=True),
    contract_days=Period(30, CS_CONTRACT),
    decision_days=working_days(5, CS_CANDIDATES),
)

# ---- 框架协议采购 (财政部令第110号 第27–37条) ----------------------------------------------------------------

ORDER110 = "政府采购框架协议采购方式管理暂行办法（财政部令第110号）"

FA_ADMISSION = LegalRule(
    f"{ORDER110} 第27条",
    "确定第一阶段入围供应商时，提交响应文件和符合资格条件、实质性要求的供应商应当均不少于2家，淘汰比例一般不得低于20%，且至少"
    "淘汰一家供应商。采用质量优先法的检测、实验等仪器设备采购，淘汰比例不得低于40%，且至少淘汰一家供应商。",
)
FA_SIGNING = LegalRule(
    f"{ORDER110} 第29、30条",
    "集中采购机构或者主管预算单位应当在入围通知书发出之日起30日内和入围供应商签订框架协议，并在框架协议签订后7个工作日内，"
    "将框架协议副本报本级财政部门备案；框架协议签订后3个工作日内通过电子化采购系统将入围信息告知适用框架协议的所有采购人。",
)
FA_TERM = LegalRule(
    f"{ORDER110} 第15条",
    "框架协议期限：货物项目不得超过1年，服务项目不得超过2年。",
)
# Summarised from 第13条 (rules-methods-cn.md G162): check the wording against the official text [U].
FA_CEILING = LegalRule(
    f"{ORDER110} 第13条",
    "征集人应当在征集文件中确定框架协议采购的最高限制单价；第一阶段供应商的响应报价不得超过最高限制单价，"
    "第二阶段的成交价格不得超过入围时的协议价格。",
)
FA_CALL_OFF = LegalRule(
    f"{ORDER110} 第32、33、34、36条",
    "确定第二阶段成交供应商的方式包括直接选定、二次竞价和顺序轮候。直接选定方式是确定第二阶段成交供应商的主要方式，采购人依据"
    "入围产品价格、质量以及服务便利性、用户评价等因素，从第一阶段入围供应商中自主选择确定成交供应商。顺序轮候方式根据征集文件"
    "中确定的轮候顺序规则，对所有入围供应商依次授予采购合同；每个入围供应商在一个顺序轮候期内，只有一次获得合同授予的机会。"
    "采购人与成交供应商签订的采购合同，应当按照框架协议确定的价格……签订。",
)
FA_RESULT = LegalRule(
    f"{ORDER110} 第35条",
    "采用二次竞价、顺序轮候方式确定成交供应商的，征集人应当在确定成交供应商之日起2个工作日内逐笔发布成交结果公告；"
    "框架协议期满后10个工作日内发布成交结果汇总公告。",
)

PROCUREMENT_FRAMEWORK_AWARD = replace(
    PROCUREMENT_RFQ_AWARD,
    # Every qualified response is ranked and named; the admission then keeps all but the last 20% or more.
    max_candidates=Rule(50, FA_ADMISSION, unconfirmed=True),
    decision_days=None,  # no winner to deem: the call's organiser admits the suppliers
    contract_days=Period(30, FA_SIGNING),  # the framework agreement itself, within 30 日 of the admission
    report_days=working_days(7, FA_SIGNING),
    admits_several=True,
)


@dataclass(frozen=True)
class FrameworkRules:
    """What a framework agreement adds to the call's rules (110号令)."""

    eliminate_share: Rule[Decimal]  # at least this share of the qualified suppliers is not admitted …
    eliminate_at_least: Rule[int]  # … and at least this many
    min_qualified: Rule[int]
    term_months: dict[str, Rule[int]]  # the longest term, by contract kind
    sign_days: Period
    filing_days: Period
    tell_purchasers_days: Period
    result_days: Period  # a call-off's result notice (二次竞价, 顺序轮候)
    summary_days: Period  # the summary after the agreement expires
    call_off: LegalRule  # how stage 2 chooses: direct selection, rotation, at the agreement price
    ceiling: LegalRule  # the 最高限制单价 caps the stage-1 responses


FRAMEWORK = FrameworkRules(
    eliminate_share=Rule(Decimal("0.20"), FA_ADMISSION),
    eliminate_at_least=Rule(1, FA_ADMISSION),
    min_qualified=Rule(2, FA_ADMISSION),
    term_months={Lot.ContractKind.GOODS: Rule(12, FA_TERM), Lot.ContractKind.SERVICES: Rule(24, FA_TERM)},
    sign_days=Period(30, FA_SIGNING),
    filing_days=working_days(7, FA_SIGNING),
    tell_purchasers_days=working_days(3, FA_SIGNING),
    result_days=working_days(2, FA_RESULT),
    summary_days=working_days(10, FA_RESULT),
    call_off=FA_CALL_OFF,
    ceiling=FA_CEILING,
)

# Award rules of each procedure specification, by its id (trading.specs: the engine does not import them).
AWARD_RULES = BySpec(
    "award rules",
    {
        "construction_tender": CONSTRUCTION_AWARD,
        "procurement_tender": PROCUREMENT_AWARD,
        "procurement_rfq": PROCUREMENT_RFQ_AWARD,
        "procurement_single_source": PROCUREMENT_SINGLE_SOURCE_AWARD,
        "procurement_negotiation": PROCUREMENT_NEGOTIATION_AWARD,
        "procurement_consultation": PROCUREMENT_CONSULTATION_AWARD,
        "procurement_framework": PROCUREMENT_FRAMEWORK_AWARD,
    },
)


def award_rules_for(lot: Lot) -> AwardRules:
    return AWARD_RULES.for_lot(lot)


# ---- the evaluation policy of each procedure specification (rules-methods-cn.md G105, G108, G109, G191) ---
# Which methods a procedure allows and what they are called there, the least weight of the price, the
# price deduction for small and micro enterprises, same-brand bids, the fewest qualified bids to evaluate
# and the triggers of an abnormally-low-price review: data, by spec id, so the actions hold no method's law.

SME_POLICY = "财库〔2020〕46号《政府采购促进中小企业发展管理办法》"
SME_RAISED = "财库〔2022〕19号《关于进一步加大政府采购支持中小企业力度的通知》"

TENDER_METHODS = LegalRule(
    f"{ORDER12} 第29条",
    "评标方法包括经评审的最低投标价法、综合评估法或者法律、行政法规允许的其他评标方法。",
)
GP_METHODS = LegalRule(
    f"{ORDER87} 第53条、第54条",
    "评标方法分为最低评标价法和综合评分法。技术、服务等标准统一的货物服务项目，应当采用最低评标价法。采用最低评标价法"
    "评标时，除了算术修正和落实政府采购政策需进行的价格扣除外，不能对投标人的投标报价进行任何调整。",
)
GP_PRICE_WEIGHT = LegalRule(
    f"{ORDER87} 第55条",
    "货物项目的价格分值占总分值的比重不得低于30%；服务项目的价格分值占总分值的比重不得低于10%。价格分应当采用低价优先法"
    "计算，即满足招标文件要求且投标价格最低的投标报价为评标基准价，其价格分为满分。其他投标人的价格分统一按照下列公式计算："
    "投标报价得分=(评标基准价／投标报价)×100。项目评审过程中，不得去掉最低报价、最高报价。",
)
SME_DEDUCTION = LegalRule(
    f"{SME_POLICY} 第9条",
    "对于经主管预算单位统筹后未预留份额专门面向中小企业采购的采购项目，以及预留份额项目中的非预留部分采购包，采购人、"
    "采购代理机构应当对符合本办法规定的小微企业报价给予6%—10%（工程项目为3%—5%）的扣除，用扣除后的价格参加评审。",
)
SME_DEDUCTION_RAISED = LegalRule(
    f"{SME_RAISED} 二；{SME_POLICY} 第9条",
    "货物服务采购项目给予小微企业的价格扣除优惠，由财库〔2020〕46号文件规定的6%—10%提高至10%—20%。",
)
GP_SAME_BRAND = LegalRule(
    f"{ORDER87} 第31条",
    "采用最低评标价法的采购项目，提供相同品牌产品的不同投标人参加同一合同项下投标的，以其中通过资格审查、符合性审查且报价最低"
    "的参加评标；使用综合评分法的采购项目，提供相同品牌产品且通过资格审查、符合性审查的不同投标人参加同一合同项下投标的，"
    "按一家投标人计算，评审后得分最高的同品牌投标人获得中标人推荐资格，其他同品牌投标人不作为中标候选人。",
)
GP_TOO_FEW_QUALIFIED = LegalRule(
    f"{ORDER87} 第44条；{GP_LAW} 第36条",
    "公开招标采购项目开标结束后，采购人或者采购代理机构应当依法对投标人的资格进行审查。合格投标人不足3家的，不得评标。"
    "在招标采购中，符合专业条件的供应商或者对招标文件作实质响应的供应商不足三家的，应予废标。废标后，采购人应当将废标理由"
    "通知所有投标人。",
)
GP_LOW_PRICE_TRIGGERS = LegalRule(
    "财库〔2026〕2号《关于推动解决政府采购异常低价问题的通知》",
    "投标（响应）报价低于全部通过符合性审查供应商投标（响应）报价平均值50%的，投标（响应）报价低于通过符合性审查且报价次低"
    "供应商投标（响应）报价50%的，投标（响应）报价低于采购项目最高限价45%的（未设最高限价的按采购预算），评审委员会应当启动"
    "异常低价审查程序，要求供应商在评审现场合理的时间内提供书面说明，必要时提交相关证明材料。",
)


@dataclass(frozen=True)
class EvaluationRules:
    # Method key (EvaluationPlan.Method) → its name in this procedure's legal text.
    methods: Rule[dict[str, str]]
    # 综合评分法/综合评估法: the least price points (of 100) by the lot's contract kind; absent: only > 0.
    min_price_points: dict[str, Rule[Decimal]]
    # The price deduction for small and micro enterprises allowed, by contract kind, as (lowest, highest)
    # ratio; 0 (a reserved project, or none) is always allowed. Absent: the deduction must be 0.
    sme_deduction: dict[str, Rule[tuple[Decimal, Decimal]]]
    same_brand_counts_once: Rule[bool] | None  # None: bids carry no brand
    min_qualified: Rule[int] | None  # fewer distinct valid bids: no evaluation, the lot fails
    # Abnormally low prices: a review (clarification, else rejection) when a price is below
    # ratio × the mean of the valid prices / the lowest below ratio × the second-lowest / a price below
    # ratio × the ceiling (control price, else the estimated value = the budget). None: not a trigger.
    low_vs_mean: Rule[Decimal] | None
    low_vs_second_lowest: Rule[Decimal] | None
    low_vs_ceiling: Rule[Decimal] | None
    abnormally_low: LegalRule  # what a bid that is not explained faces (cited when finishing is refused)
    # A price above the lot's budget (estimated value) cannot be a candidate: the committee rejects it first
    # (87号令 第63条; 74号令 第43条). None: no such rule.
    within_budget: Rule[bool] | None = None
    # 综合评分法 where the price may weigh at most so much (磋商: 60 goods, 30 services); absent: no cap.
    max_price_points: dict[str, Rule[Decimal]] = field(default_factory=dict)


CONSTRUCTION_EVALUATION = EvaluationRules(
    methods=Rule({"lowest_price": "经评审的最低投标价法", "comprehensive": "综合评估法"}, TENDER_METHODS),
    min_price_points={},
    sme_deduction={},
    same_brand_counts_once=None,
    min_qualified=None,
    # 明显低于其他报价: no statutory ratio. Flag below 85% of the mean of the valid prices (configuration).
    low_vs_mean=Rule(Decimal("0.85"), ABNORMALLY_LOW, unconfirmed=True),
    low_vs_second_lowest=None,
    low_vs_ceiling=None,
    abnormally_low=ABNORMALLY_LOW,
)

GP_OVER_BUDGET = LegalRule(
    f"{ORDER87} 第63条",
    "投标人存在下列情况之一的，投标无效：……（四）报价超过招标文件中规定的预算金额或者最高限价的。",
)

PROCUREMENT_EVALUATION = EvaluationRules(
    methods=Rule({"lowest_price": "最低评标价法", "comprehensive": "综合评分法"}, GP_METHODS),
    min_price_points={
        Lot.ContractKind.GOODS: Rule(Decimal(30), GP_PRICE_WEIGHT),
        Lot.ContractKind.SERVICES: Rule(Decimal(10), GP_PRICE_WEIGHT),
    },
    sme_deduction={
        # 46号 said 6–10%; 19号 raised goods and services to 10–20% [S]. Works stay at 3–5% [C].
        Lot.ContractKind.GOODS: Rule(
            (Decimal("0.10"), Decimal("0.20")), SME_DEDUCTION_RAISED, unconfirmed=True
        ),
        Lot.ContractKind.SERVICES: Rule(
            (Decimal("0.10"), Decimal("0.20")), SME_DEDUCTION_RAISED, unconfirmed=True
        ),
        Lot.ContractKind.WORKS: Rule((Decimal("0.03"), Decimal("0.05")), SME_DEDUCTION),
    },
    same_brand_counts_once=Rule(True, GP_SAME_BRAND),
    min_qualified=Rule(3, GP_TOO_FEW_QUALIFIED),
    # 财库〔2026〕2号 (in force 2026-02-01) [S]: strict "<"; the purchaser may raise the ratios up to 65%
    # in the documents (not modelled: the plan does not carry them yet).
    low_vs_mean=Rule(Decimal("0.50"), GP_LOW_PRICE_TRIGGERS, unconfirmed=True),
    low_vs_second_lowest=Rule(Decimal("0.50"), GP_LOW_PRICE_TRIGGERS, unconfirmed=True),
    low_vs_ceiling=Rule(Decimal("0.45"), GP_LOW_PRICE_TRIGGERS, unconfirmed=True),
    abnormally_low=GP_ABNORMALLY_LOW,
    within_budget=Rule(True, GP_OVER_BUDGET),
)

RFQ_METHOD = LegalRule(
    f"{ORDER74} 第46–48条；{GP_LAW} 第40条",
    "询价小组不得改变询价通知书所确定的技术和服务等要求、评审程序、评定成交的标准和合同文本等事项；按照报价由低到高的顺序提出"
    "成交候选人。",
)
RFQ_TOO_FEW = LegalRule(
    f"{ORDER74} 第50条",
    "出现下列情形之一的，采购人或者采购代理机构应当终止询价采购活动，发布项目终止公告并说明原因，重新开展采购活动：……"
    "（三）在采购过程中符合竞争要求的供应商或者报价未超过采购预算的供应商不足3家的。",
)

PROCUREMENT_RFQ_EVALUATION = EvaluationRules(
    methods=Rule({"lowest_price": "询价（最低报价）"}, RFQ_METHOD),  # no scoring: the lowest compliant price
    min_price_points={},
    sme_deduction=PROCUREMENT_EVALUATION.sme_deduction,  # 46号 applies to every procurement method
    same_brand_counts_once=None,  # 87号令 第31条 is tendering's
    min_qualified=Rule(3, RFQ_TOO_FEW),
    low_vs_mean=PROCUREMENT_EVALUATION.low_vs_mean,
    low_vs_second_lowest=PROCUREMENT_EVALUATION.low_vs_second_lowest,
    low_vs_ceiling=PROCUREMENT_EVALUATION.low_vs_ceiling,
    abnormally_low=GP_ABNORMALLY_LOW,
    within_budget=Rule(True, RFQ_TOO_FEW),
)

SS_ABOVE_BUDGET = LegalRule(
    f"{ORDER74} 第43条",
    "出现下列情形之一的，采购人或者采购代理机构应当终止采购活动，发布项目终止公告并说明原因，重新开展采购活动：……"
    "（二）采购过程中出现供应商报价超过采购预算的。",
)

PROCUREMENT_SINGLE_SOURCE_EVALUATION = EvaluationRules(
    methods=Rule({"lowest_price": "单一来源协商"}, SS_RECORD),
    min_price_points={},
    sme_deduction={},
    same_brand_counts_once=None,
    min_qualified=Rule(1, SS_ABOVE_BUDGET),  # the one supplier, at a price within the budget
    low_vs_mean=None,
    low_vs_second_lowest=None,
    low_vs_ceiling=None,
    abnormally_low=GP_ABNORMALLY_LOW,
    within_budget=Rule(True, SS_ABOVE_BUDGET),
)

CN_METHOD = LegalRule(
    f"{ORDER74} 第35条",
    "谈判小组应当从质量和服务均能满足采购文件实质性响应要求的供应商中，按照最后报价由低到高的顺序提出3名以上成交候选人。",
)
CN_TOO_FEW = LegalRule(
    f"{ORDER74} 第37条",
    "出现下列情形之一的，采购人或者采购代理机构应当终止竞争性谈判采购活动，发布项目终止公告并说明原因，重新开展采购活动：……"
    "（三）在采购过程中符合竞争要求的供应商或者报价未超过采购预算的供应商不足3家的，但本办法第二十七条第二款规定的情形除外。",
)

PROCUREMENT_NEGOTIATION_EVALUATION = replace(
    PROCUREMENT_RFQ_EVALUATION,
    methods=Rule({"lowest_price": "竞争性谈判（最后报价由低到高）"}, CN_METHOD),
    min_qualified=Rule(3, CN_TOO_FEW),
    within_budget=Rule(True, CN_TOO_FEW),
)

CS_METHOD = LegalRule(
    f"{ORDER214} 第23、24条",
    "经磋商确定最终采购需求和提交最后报价的供应商后，由磋商小组采用综合评分法对提交最后报价的供应商的响应文件和最后报价进行综合"
    "评分。综合评分法货物项目的价格分值占总分值的比重（即权值）为30%至60%，服务项目的价格分值占总分值的比重（即权值）为10%至30%。"
    "采购项目中含不同采购对象的，以占项目资金比例最高的采购对象确定其项目属性。",
)
CS_TOO_FEW = LegalRule(
    f"{ORDER214} 第34条",
    "出现下列情形之一的，采购人或者采购代理机构应当终止竞争性磋商采购活动，发布项目终止公告并说明原因，重新开展采购活动：……"
    "（三）除本办法第二十一条第三款规定的情形外，在采购过程中符合要求的供应商或者报价未超过采购预算的供应商不足3家的。",
)

PROCUREMENT_CONSULTATION_EVALUATION = replace(
    PROCUREMENT_RFQ_EVALUATION,
    methods=Rule({"comprehensive": "综合评分法（竞争性磋商）"}, CS_METHOD),
    min_price_points={
        Lot.ContractKind.GOODS: Rule(Decimal(30), CS_METHOD),
        Lot.ContractKind.SERVICES: Rule(Decimal(10), CS_METHOD),
    },
    max_price_points={
        Lot.ContractKind.GOODS: Rule(Decimal(60), CS_METHOD),
        Lot.ContractKind.SERVICES: Rule(Decimal(30), CS_METHOD),
    },
    min_qualified=Rule(3, CS_TOO_FEW),
    within_budget=Rule(True, CS_TOO_FEW),
)

FA_PRICE_PRIORITY = LegalRule(
    f"{ORDER110} 第25条",
    "确定第一阶段入围供应商的评审方法包括价格优先法和质量优先法。价格优先法是指对满足采购需求且响应报价不超过最高限制单价的"
    "货物、服务，按照响应报价从低到高排序，根据征集文件规定的淘汰率或者入围供应商数量上限，确定入围供应商的评审方法。",
)

# 价格优先法 (第25条); 质量优先法 (government-priced items, testing instruments) is not hosted yet.
PROCUREMENT_FRAMEWORK_EVALUATION = replace(
    PROCUREMENT_RFQ_EVALUATION,
    methods=Rule({"lowest_price": "价格优先法"}, FA_PRICE_PRIORITY),
    min_qualified=Rule(2, FA_ADMISSION),
    within_budget=None,  # the cap is the 最高限制单价 (the lot's ceiling), not its budget (第13条)
)

# Evaluation rules of each procedure specification, by its id.
EVALUATION_RULES = BySpec(
    "evaluation rules",
    {
        "construction_tender": CONSTRUCTION_EVALUATION,
        "procurement_tender": PROCUREMENT_EVALUATION,
        "procurement_rfq": PROCUREMENT_RFQ_EVALUATION,
        "procurement_single_source": PROCUREMENT_SINGLE_SOURCE_EVALUATION,
        "procurement_negotiation": PROCUREMENT_NEGOTIATION_EVALUATION,
        "procurement_consultation": PROCUREMENT_CONSULTATION_EVALUATION,
        "procurement_framework": PROCUREMENT_FRAMEWORK_EVALUATION,
    },
)


def evaluation_rules_for(lot: Lot) -> EvaluationRules:
    return EVALUATION_RULES.for_lot(lot)
