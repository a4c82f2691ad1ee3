"""Legal rules and configured thresholds of supervision, each value with its source (DESIGN rule 2).

Alert rules are listed here as data (id, Chinese name, legal basis, severity); their checks live in
`checks/`. Thresholds that no statute sets are marked `unconfirmed=True`: [U] configuration a
province sets (and documents) before production.
"""

from dataclasses import dataclass

from ggzy.kernel.errors import LegalRule
from ggzy.kernel.rules import Period, Rule, working_days

LAW = "中华人民共和国招标投标法"
REG = "中华人民共和国招标投标法实施条例"
ETB = "电子招标投标办法（国家发展改革委等八部委令第20号）"
ORDER12 = "评标委员会和评标方法暂行规定（七部委令第12号）"
ORDER16 = "必须招标的工程项目规定（国家发展改革委令第16号）"
GPL = "中华人民共和国政府采购法"
GPR = "中华人民共和国政府采购法实施条例"
ORDER94 = "政府采购质疑和投诉办法（财政部令第94号）"
ORDER74 = "政府采购非招标采购方式管理办法（财政部令第74号）"
ORDER214 = "政府采购竞争性磋商采购方式管理暂行办法（财库〔2014〕214号）"
NDRC1117 = "国家发展改革委等部门关于严格执行招标投标法规制度进一步规范招标投标主体行为的若干意见（发改法规规〔2022〕1117号）"
JIANGSU = "关于深化公共资源交易平台整合共享的实施意见（苏政办发〔2020〕）"


@dataclass(frozen=True)
class AlertRule:
    id: str
    code: str
    name: str
    legal: LegalRule
    severity: str  # low / medium / high / critical
    cardinal: str = ""  # the closest OCP Cardinal red flag, when there is one


SUPERVISION = LegalRule(
    f"{LAW} 第7条；{REG} 第4条",
    "招标投标活动及其当事人应当接受依法实施的监督。有关行政监督部门依法对招标投标活动实施监督，依法查处招标投标活动中"
    "的违法行为。",
)
BIG_DATA = LegalRule(
    f"{JIANGSU} (十五)；国办发〔2015〕63号 七(十四)",
    "运用大数据手段实施电子化、动态化监管，对交易全过程自动预警；对围标串标、弄虚作假等行为进行比对分析。",
)

BID_PERIOD = LegalRule(
    f"{LAW} 第24条",
    "依法必须进行招标的项目，自招标文件开始发出之日起至投标人提交投标文件截止之日止，最短不得少于二十日。",
)
DOC_SALE = LegalRule(f"{REG} 第16条", "资格预审文件或者招标文件的发售期不得少于5日。")
CLARIFICATION = LegalRule(
    f"{LAW} 第23条；{REG} 第21条",
    "澄清或者修改的内容可能影响投标文件编制的，招标人应当在投标截止时间至少15日前通知所有获取招标文件的潜在投标人；"
    "不足15日的，招标人应当顺延提交投标文件的截止时间。",
)
SPLITTING = LegalRule(
    f"{LAW} 第4条；{ORDER16} 第5条；{GPR} 第28条",
    "任何单位和个人不得将依法必须进行招标的项目化整为零或者以其他任何方式规避招标。同一项目中可以合并进行的勘察、设计、"
    "施工、监理以及与工程建设有关的重要设备、材料等的采购，合同估算价合计达到规定标准的，必须招标。在一个财政年度内，"
    "采购人将一个预算项目下的同一品目或者类别的货物、服务采用公开招标以外的方式多次采购，累计资金数额超过公开招标数额"
    "标准的，属于以化整为零方式规避公开招标。",
)
SINGLE_SOURCE_REPEAT = LegalRule(
    "中华人民共和国政府采购法 第31条；政府采购法实施条例 第28条",
    "只能从唯一供应商处采购、发生不可预见的紧急情况或者必须保证原有采购项目一致性或者服务配套的要求的，可以采用单一来源方式采购；"
    "添购资金总额不超过原合同采购金额百分之十。同一采购人反复以单一来源方式向同一供应商采购，应当关注是否规避公开招标。",
)
LATE_REQUIREMENT_CHANGE = LegalRule(
    f"{ORDER74} 第31、32、33条；{ORDER214} 第18、19、21条；{GPR} 第20条",
    "谈判（磋商）小组应当给予所有参加谈判（磋商）的供应商平等的谈判（磋商）机会。实质性变动采购需求中的技术、服务要求以及"
    "合同草案条款的，须经采购人代表确认，并以书面形式同时通知所有参加谈判（磋商）的供应商；供应商应当按照变动情况重新提交"
    "响应文件。谈判（磋商）结束后，应当要求所有继续参加的供应商在规定时间内提交最后报价。就同一采购项目向供应商提供有差别的"
    "项目信息，或者采购需求中的技术、服务等要求指向特定供应商、特定产品的，属于以不合理的条件对供应商实行差别待遇或者歧视"
    "待遇。（实质性变动经采购人代表确认后，距最后报价截止不足规定小时数的，为平台的预警口径［U］。）",
)
REPEAT_WINNER = LegalRule(
    f"{NDRC1117} (十一)",
    "招标人、行政监督部门应当关注投标人中标率异常高（“标王”）、与招标人长期合作等风险信号，加强对招标投标活动的监督。"
    "（“同一招标人处中标超过3次”为第三方监管系统的预警口径）",
)
LATE_BID = LegalRule(
    f"{ETB} 第27条",
    "投标截止时间前未完成投标文件传输的，视为撤回投标文件；投标截止时间后送达的投标文件，电子招标投标交易平台应当拒收。",
)
DECRYPT_FAILURE = LegalRule(
    f"{ETB} 第31条、第54条",
    "因投标人原因造成投标文件未解密的，视为撤销其投标文件；因投标人之外的原因造成投标文件未解密的，视为撤回其投标文件。"
    "故意阻挠投标人提交或者解密投标文件的，属于以不合理条件限制或者排斥潜在投标人。",
)
SINGLE_BIDDER = LegalRule(
    f"{LAW} 第28条；{REG} 第44条；{ORDER12} 第27条",
    "投标人少于3个的，不得开标；招标人应当重新招标。有效投标不足三个使得投标明显缺乏竞争的，评标委员会可以否决全部投标。",
)
ALL_BUT_WINNER = LegalRule(
    f"{REG} 第51条；{ORDER12} 第27条",
    "否决投标只能依据条例第五十一条所列情形；因有效投标不足三个使得投标明显缺乏竞争的，评标委员会可以否决全部投标。",
)
LOWEST_REJECTED = LegalRule(
    f"{REG} 第51条；{ORDER12} 第21条",
    "评标委员会发现投标人的报价明显低于其他投标报价，使得其投标报价可能低于其个别成本的，应当要求该投标人作出书面说明并"
    "提供相关证明材料；投标人不能合理说明或者不能提供相关证明材料的，方可否决其投标。",
)
CONTRACT_LATE = LegalRule(
    f"{LAW} 第46条",
    "招标人和中标人应当自中标通知书发出之日起三十日内，按照招标文件和中标人的投标文件订立书面合同。",
)
REPORT_LATE = LegalRule(
    f"{LAW} 第47条",
    "依法必须进行招标的项目，招标人应当自确定中标人之日起十五日内，向有关行政监督部门提交招标投标情况的书面报告。",
)
BOND_REFUND = LegalRule(
    f"{REG} 第35条、第57条",
    "投标人撤回投标文件的，招标人应当自收到书面撤回通知之日起5日内退还投标保证金；招标人最迟应当在书面合同签订后5日内"
    "向中标人和未中标的投标人退还投标保证金及银行同期存款利息。",
)
EXPERT_REPEAT = LegalRule(
    f"{REG} 第46条；{NDRC1117} (十)",
    "依法必须进行招标的项目的评标专家应当从评标专家库内相关专业的专家名单中以随机抽取方式确定；任何单位和个人不得以"
    "明示、暗示等任何方式指定或者变相指定参加评标委员会的专家成员。",
)
EXPERT_REDRAW = LegalRule(
    f"{REG} 第46条；{ORDER12} 第8条",
    "评标委员会的专家成员应当从评标专家库内相关专业的专家名单中以随机抽取方式确定；任何单位和个人不得以明示、暗示等"
    "任何方式指定或者变相指定。同一标段多次抽取、由他人代为拒绝后依次补抽，可能构成变相指定，应接受行政监督。",
)
OBJECTION_OVERDUE = LegalRule(
    f"{REG} 第22条、第54条",
    "招标人应当自收到异议之日起3日内作出答复；作出答复前，应当暂停招标投标活动。",
)
COLLUSION = LegalRule(
    f"{REG} 第39条、第40条；{LAW} 第32条",
    "投标人不得相互串通投标。有下列情形之一的，视为投标人相互串通投标：（一）不同投标人的投标文件由同一单位或者个人编制；"
    "（二）不同投标人委托同一单位或者个人办理投标事宜；（三）不同投标人的投标文件载明的项目管理成员为同一人；（四）不同"
    "投标人的投标文件异常一致或者投标报价呈规律性差异；（五）不同投标人的投标文件相互混装；（六）不同投标人的投标保证金"
    "从同一单位或者个人的账户转出。",
)
COLLUSION_EVIDENCE = LegalRule(
    f"{REG} 第40条；{ORDER12} 第20条",
    "评标委员会发现投标人以他人名义投标、串通投标、以行贿手段谋取中标或者以其他弄虚作假方式投标的，应当否决该投标人的投标。",
)
COMPLAINT = LegalRule(
    f"{REG} 第60条",
    "投标人或者其他利害关系人认为招标投标活动不符合法律、行政法规规定的，可以自知道或者应当知道之日起10日内向有关行政"
    "监督部门投诉。投诉应当有明确的请求和必要的证明材料。就本条例第二十二条、第四十四条、第五十四条规定事项投诉的，应当"
    "先向招标人提出异议，异议答复期间不计算在前款规定的期限内。",
)
COMPLAINT_HANDLING = LegalRule(
    f"{REG} 第61条",
    "行政监督部门应当自收到投诉之日起3个工作日内决定是否受理投诉，并自受理投诉之日起30个工作日内作出书面处理决定；"
    "需要检验、检测、鉴定、专家评审的，所需时间不计算在内。",
)
PROCUREMENT_COMPLAINT = LegalRule(
    f"{GPL} 第55–56条；{ORDER94} 第17、21、26条",
    "质疑供应商对答复不满意或者采购人未在规定时间内答复的，可以在答复期满后十五个工作日内向同级政府采购监督管理部门投诉。"
    "政府采购监督管理部门应当在收到投诉后三十个工作日内，对投诉事项作出处理决定。",
)
REPORT = LegalRule(
    f"{JIANGSU} (十二)；{LAW} 第65条",
    "建立投诉举报受理、转办、限时办结和结果反馈机制；任何单位和个人发现违法行为的，可以向有关行政监督部门举报。",
)
DECISION_PUBLIC = LegalRule(
    f"{REG} 第79条",
    "有关行政监督部门应当依法公告对招标人、招标代理机构、投标人、评标委员会成员等当事人违法行为的行政处理决定。",
)
SUSPEND = LegalRule(
    f"{REG} 第62条；{ETB} 第52条",
    "行政监督部门处理投诉，有权查阅、复制有关文件、资料，调查有关情况，相关单位和人员应当予以配合。必要时，行政监督部门"
    "可以责令暂停招标投标活动。行政监督部门通过电子招标投标交易平台发出的指令具有约束力。",
)
PROCUREMENT_SUSPEND = LegalRule(
    f"{GPL} 第57条",
    "政府采购监督管理部门在处理投诉事项期间，可以视具体情况书面通知采购人暂停采购活动，但暂停时间最长不得超过三十日。",
)
TERMINATE = LegalRule(
    f"{REG} 第81条",
    "依法必须进行招标的项目的招标投标活动违反招标投标法和本条例的规定，对中标结果造成实质性影响，且不能采取补救措施予以"
    "纠正的，招标、投标、中标无效，应当依法重新招标或者评标。",
)
CORRECT = LegalRule(
    f"{LAW} 第7条；{REG} 第62条", "有关行政监督部门依法查处招标投标活动中的违法行为，责令改正。"
)
INSTRUCTION_OVERDUE = LegalRule(
    f"{ETB} 第52条", "行政监督部门发出的指令，招标人、交易平台应当执行并反馈执行结果。"
)


def _rule(id_: str, code: str, name: str, legal: LegalRule, severity: str, cardinal: str = "") -> AlertRule:
    return AlertRule(id_, code, name, legal, severity, cardinal)


ALERT_RULES: dict[str, AlertRule] = {
    r.id: r
    for r in (
        _rule("S01", "bid_period_short", "投标期限短于法定最短期限", BID_PERIOD, "high", "R003"),
        _rule("S02", "doc_period_short", "招标文件发售期短于5日", DOC_SALE, "medium"),
        _rule("S03", "clarification_late", "澄清修改距投标截止不足15日且未顺延", CLARIFICATION, "medium"),
        _rule("S04", "split_project", "化整为零规避招标", SPLITTING, "high"),
        _rule("S05", "repeat_winner", "同一招标人处12个月内中标超过3次", REPEAT_WINNER, "medium"),
        _rule("S06", "late_bid", "投标截止后递交或上传投标文件", LATE_BID, "high", "R030"),
        _rule("S07", "decrypt_failure_cluster", "投标文件解密失败集中", DECRYPT_FAILURE, "high"),
        _rule("S08", "single_bidder", "仅一家投标或仅一家有效报价", SINGLE_BIDDER, "medium", "R018"),
        _rule(
            "S09", "all_but_winner_rejected", "除中标候选人外其余投标均被否决", ALL_BUT_WINNER, "high", "R035"
        ),
        _rule("S10", "lowest_rejected", "最低价投标被否决", LOWEST_REJECTED, "medium", "R036"),
        _rule("S11", "contract_late", "中标合同逾期签订", CONTRACT_LATE, "medium"),
        _rule("S12", "bond_refund_late", "投标保证金逾期未退还", BOND_REFUND, "medium"),
        _rule("S13", "expert_repeat", "同一专家反复被抽中参加同一招标人的评标", EXPERT_REPEAT, "medium"),
        _rule("S14", "banned_participant", "被取消资格（禁入）的主体参与交易", SUPERVISION, "critical"),
        _rule("S15", "case_overdue", "投诉举报处理超过法定时限", COMPLAINT_HANDLING, "high"),
        _rule("S16", "collusion_risk", "围标串标风险", COLLUSION, "high", "R024/R028/R058"),
        _rule("S17", "objection_overdue", "异议逾期未答复", OBJECTION_OVERDUE, "medium"),
        _rule("S18", "report_late", "未按期提交招标投标情况书面报告", REPORT_LATE, "low"),
        _rule("S19", "instruction_overdue", "监管指令逾期未执行", INSTRUCTION_OVERDUE, "high"),
        _rule("S20", "expert_draw_repeated", "同一标段再次发起专家抽取", EXPERT_REDRAW, "high"),
        _rule(
            "S21", "expert_declines_by_operator", "交易中心代专家拒绝抽取通知次数异常", EXPERT_REDRAW, "high"
        ),
        _rule(
            "S22",
            "single_source_repeat",
            "同一采购人12个月内多次以单一来源方式向同一供应商采购",
            SINGLE_SOURCE_REPEAT,
            "medium",
        ),
        _rule(
            "S23",
            "late_requirement_change",
            "竞争性谈判（磋商）临近最后报价实质性变动采购需求",
            LATE_REQUIREMENT_CHANGE,
            "medium",
        ),
    )
}


def alert_rule(rule_id: str) -> AlertRule:
    return ALERT_RULES[rule_id]


# ---- thresholds -----------------------------------------------------------------------------------------

# S04: the look-back window for splitting (T19/G13). 政府采购法实施条例 第28条 judges per fiscal year; for
# engineering no statute sets a window: 12 months is the brief's configuration.
SPLIT_WINDOW_DAYS = Rule(365, SPLITTING, unconfirmed=True)
# S05: "more than 3 times" under one principal within 12 months ([S] lishanling/GGZY flag).
REPEAT_WINNER_MAX = Rule(3, REPEAT_WINNER, unconfirmed=True)
REPEAT_WINNER_WINDOW_DAYS = Rule(365, REPEAT_WINNER, unconfirmed=True)
# S22: a second single-source award to the same supplier by one purchaser within 12 months raises it [U].
SINGLE_SOURCE_REPEAT_MAX = Rule(1, SINGLE_SOURCE_REPEAT, unconfirmed=True)
# S23: a substantive change of the requirements (74号令 第32条; 214号 第19条) confirmed less than this many
# hours before the deadline of the final offers that answer it: the suppliers had too little time to respond
# to a change that may favour one of them. The law sets no time ("在规定时间内", 74号令 第33条): 24 hours is
# the platform's configuration [U] (settings SUPERVISION_LATE_CHANGE_HOURS overrides it).
LATE_CHANGE_HOURS = Rule(24, LATE_REQUIREMENT_CHANGE, unconfirmed=True)
# S07: at least this many undecrypted bids in one lot.
DECRYPT_CLUSTER_MIN = Rule(2, DECRYPT_FAILURE, unconfirmed=True)
# S07: platform faults on one day across the platform that make a cluster.
PLATFORM_FAULT_CLUSTER_MIN = Rule(2, DECRYPT_FAILURE, unconfirmed=True)
# S13: the same expert on this many committees of one principal within 12 months.
EXPERT_REPEAT_MIN = Rule(3, EXPERT_REPEAT, unconfirmed=True)
EXPERT_REPEAT_WINDOW_DAYS = Rule(365, EXPERT_REPEAT, unconfirmed=True)
# S21: declines one operator recorded "by phone" for experts within the window (settings
# SUPERVISION_OPERATOR_DECLINES_MAX / _DAYS override them).
OPERATOR_DECLINES_MAX = Rule(3, EXPERT_REDRAW, unconfirmed=True)
OPERATOR_DECLINES_WINDOW_DAYS = Rule(30, EXPERT_REDRAW, unconfirmed=True)
# S16: lot risk score (0–100) from which a collusion alert is raised; presumptions of 条例 第40条
# (same project manager, same bond account, same preparing machine/certificate) raise one regardless.
COLLUSION_ALERT_SCORE = Rule(60.0, COLLUSION, unconfirmed=True)
# Screens are compared with the platform's own history once it has this many screened lots in the window.
SCREEN_REFERENCE_MIN_LOTS = Rule(200, BIG_DATA, unconfirmed=True)
SCREEN_HISTORY_DAYS = Rule(365, BIG_DATA, unconfirmed=True)

# Complaints (条例 第60–61条 [C]); procurement complaints (94号令 [S]); reports (举报) [U].
COMPLAINT_WITHIN_DAYS = Period(10, COMPLAINT)
ACCEPT_WORKING_DAYS = working_days(3, COMPLAINT_HANDLING)
DECIDE_WORKING_DAYS = working_days(30, COMPLAINT_HANDLING)
PROCUREMENT_COMPLAINT_WORKING_DAYS = working_days(15, PROCUREMENT_COMPLAINT, unconfirmed=True)
PROCUREMENT_DECIDE_WORKING_DAYS = working_days(30, PROCUREMENT_COMPLAINT, unconfirmed=True)
REPORT_ACCEPT_WORKING_DAYS = working_days(3, REPORT, unconfirmed=True)
REPORT_DECIDE_WORKING_DAYS = working_days(30, REPORT, unconfirmed=True)
# Matters on which the party must object to the principal first (条例 第60条 second paragraph).
OBJECTION_FIRST = {"documents": "documents", "opening": "opening", "result": "result"}

# Instructions: a procurement suspension lasts at most 30 days (政府采购法 第57条 [C]); [U] how long a
# principal has to carry out an order to correct when the regulator names no date.
PROCUREMENT_SUSPENSION_DAYS = Rule(30, PROCUREMENT_SUSPEND)
CORRECTION_DEFAULT_DAYS = Rule(10, CORRECT, unconfirmed=True)

# The nightly sweep runs at this local hour ([U] operations choice).
SWEEP_HOUR = Rule(2, BIG_DATA, unconfirmed=True)
