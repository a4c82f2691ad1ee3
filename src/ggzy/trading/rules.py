"""Legal rules of construction tendering (招标投标), each value with its source.

Procedures read their numbers from a `TenderRules` object, never from literals in code paths, so a
procurement or auction method can bring its own object (DESIGN rule 2, 3). Values tagged unconfirmed=True
are [U] in rules-cn.md: configuration to be checked against the official text before production.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from ggzy.kernel.errors import LegalRule
from ggzy.kernel.rules import Period, Rule, working_days

LAW = "中华人民共和国招标投标法"
REG = "中华人民共和国招标投标法实施条例"
ETB = "电子招标投标办法（国家发展改革委等八部委令第20号）"


class InviteeDraw(StrEnum):
    """Whether invited suppliers are drawn at random: never (the principal invites), always (87号令 第14条),
    or at the principal's choice among the lawful ways (74号令 第12条: notice, library draw, recommendation)."""

    NONE = "none"
    REQUIRED = "required"
    ALLOWED = "allowed"


class ObjectionWindow(StrEnum):
    """How the time to object to the documents is counted."""

    BEFORE_DEADLINE = "before_deadline"  # at least N days before the bid deadline (条例 第22条)
    DURING_PERIOD = "during_period"  # while the documents (a publicity) are out (74号令 第39条)
    AFTER_KNOWING = "after_knowing"  # within N days of obtaining the documents or the end of their period (政府采购法 第52条)


@dataclass(frozen=True)
class FewerSuppliers:
    """A ground on which a negotiation may go on with fewer suppliers: `minimum` final offers (and qualified
    suppliers), and from the start (invitations, first responses) too where `from_start`."""

    minimum: Rule[int]
    from_start: bool = False


@dataclass(frozen=True)
class TenderRules:
    method: str
    bid_period_days: Period
    doc_sale_days: Period
    clarification_days: Period
    objection_to_documents_days: Period
    objection_answer_days: Period
    min_bidders: Rule[int]
    min_invited: Rule[int]
    bond_ratio: Rule[Decimal]
    bond_cap: Rule[Decimal] | None  # an absolute cap on the bond, where the method has one
    decrypt_minutes_default: Rule[int]
    bid_validity_days_default: Period
    bond_refund_after_withdrawal_days: Period
    deposit_interest_rate: Rule[Decimal]
    objection_window: Rule[ObjectionWindow]
    objection_pauses: Rule[bool]  # an objection to the documents holds the deadline until answered
    late_refund_rate: Rule[Decimal] | None = None  # a yearly rate owed for each day a refund is late
    invitee_draw: Rule[InviteeDraw] | None = None  # None: InviteeDraw.NONE
    invited_pool_ratio: Rule[int] | None = None  # invitees drawn at random from a pool this many times larger
    witnesses: Rule[int] | None = None  # the principal's staff who witness that draw
    # Whether the periods bind only projects that must be tendered by law (法 第24条 "依法必须进行招标的项目")
    # or every tender of the method (政府采购法 第35条: every goods and services tender).
    periods_bind_must_tender_only: bool = True
    max_invited: Rule[int] | None = None  # a method that invites exactly one (单一来源)
    # A failed lot may be re-run by another method of its category once the competent department approves.
    method_change: Rule[bool] | None = None
    # The periods bind only lots whose budget reaches this amount (单一来源: the publicity is required above
    # the 公开招标数额标准 only, 条例 第38条); None: every lot of the method.
    periods_bind_from: Rule[Decimal] | None = None
    # A non-tendering method at or above this budget needs the finance department's approval before the
    # purchase starts (74号令 第4条; 214号 第4条); None: no approval of the method itself.
    approval_from: Rule[Decimal] | None = None
    # Negotiation (竞争性谈判, 竞争性磋商): after the first responses the panel negotiates with each supplier
    # in rounds of sealed revised responses, ending with sealed final offers (74号令 第31–34条).
    negotiation: Rule[bool] | None = None
    min_final_offers: Rule[int] | None = None  # fewer final offers end the purchase
    # Grounds on which the documents may allow 2 final offers (74号令 第27条第2款; 214号 第21条; 124号), and
    # that minimum, by ground key (Notice.TwoSupplierGround).
    two_supplier_grounds: Mapping[str, FewerSuppliers] = field(default_factory=dict)


BID_PERIOD = LegalRule(
    f"{LAW} 第24条",
    "依法必须进行招标的项目，自招标文件开始发出之日起至投标人提交投标文件截止之日止，最短不得少于二十日。",
)
DOC_SALE = LegalRule(f"{REG} 第16条", "资格预审文件或者招标文件的发售期不得少于5日。")
CLARIFICATION = LegalRule(
    f"{LAW} 第23条；{REG} 第21条",
    "澄清或者修改的内容可能影响投标文件编制的，招标人应当在投标截止时间至少15日前，以书面形式通知所有获取招标文件的"
    "潜在投标人；不足15日的，招标人应当顺延提交投标文件的截止时间。",
)
OBJECTION = LegalRule(
    f"{REG} 第22条",
    "潜在投标人或者其他利害关系人对招标文件有异议的，应当在投标截止时间10日前提出。招标人应当自收到异议之日起3日内"
    "作出答复；作出答复前，应当暂停招标投标活动。",
)
MIN_BIDDERS = LegalRule(f"{LAW} 第28条；{REG} 第44条", "投标人少于3个的，不得开标；招标人应当重新招标。")
MIN_INVITED = LegalRule(
    f"{LAW} 第17条",
    "招标人采用邀请招标方式的，应当向三个以上具备承担招标项目的能力、资信良好的特定的法人或者其他组织发出投标邀请书。",
)
BOND_RATIO = LegalRule(f"{REG} 第26条", "投标保证金不得超过招标项目估算价的2%。")
BOND_CAP = LegalRule(
    "工程建设项目施工招标投标办法（七部委30号令）第37条",
    "投标保证金一般不得超过投标总价的百分之二，但最高不得超过八十万元人民币。",
)
DECRYPT_WINDOW = LegalRule(
    f"{ETB} 第29、31条",
    "电子开标应当按照招标文件确定的时间，在电子招标投标交易平台上公开进行；投标人在招标文件规定的时间内在线解密。",
)
BID_VALIDITY = LegalRule(
    f"{REG} 第25条", "招标人应当在招标文件中载明投标有效期。投标有效期从提交投标文件的截止之日起算。"
)

BOND_REFUND_ON_WITHDRAWAL = LegalRule(
    f"{REG} 第35条",
    "投标人撤回已提交的投标文件，应当在投标截止时间前书面通知招标人。招标人已收取投标保证金的，应当自收到投标人书面撤回通知之日起5日内退还。",
)

BOND_INTEREST = LegalRule(
    f"{REG} 第57条",
    "招标人最迟应当在书面合同签订后5日内向中标人和未中标的投标人退还投标保证金及银行同期存款利息。",
)

CONSTRUCTION_TENDER = TenderRules(
    method="construction_tender",
    bid_period_days=Period(20, BID_PERIOD),
    doc_sale_days=Period(5, DOC_SALE),
    clarification_days=Period(15, CLARIFICATION),
    objection_to_documents_days=Period(10, OBJECTION),
    objection_answer_days=Period(3, OBJECTION),
    min_bidders=Rule(3, MIN_BIDDERS),
    min_invited=Rule(3, MIN_INVITED),
    bond_ratio=Rule(Decimal("0.02"), BOND_RATIO),
    bond_cap=Rule(Decimal("800000"), BOND_CAP, unconfirmed=True),
    # The window is set per notice; 30 minutes is the platform default (issue 3), not a statutory number.
    decrypt_minutes_default=Rule(30, DECRYPT_WINDOW, unconfirmed=True),
    bid_validity_days_default=Period(90, BID_VALIDITY, unconfirmed=True),
    bond_refund_after_withdrawal_days=Period(5, BOND_REFUND_ON_WITHDRAWAL),
    # 银行同期存款利息 (条例 第57条): the PBOC demand-deposit benchmark, 0.35% a year — check the bank's rate.
    deposit_interest_rate=Rule(Decimal("0.0035"), BOND_INTEREST, unconfirmed=True),
    objection_window=Rule(ObjectionWindow.BEFORE_DEADLINE, OBJECTION),
    objection_pauses=Rule(True, OBJECTION),
)

# Rules other than periods.
UNENCRYPTED_REFUSED = LegalRule(
    f"{ETB} 第26条",
    "投标人应当在投标截止时间前完成投标文件的传输递交；未按规定加密的投标文件，电子招标投标交易平台应当拒收并提示。",
)
SUBMISSION = LegalRule(
    f"{ETB} 第27条",
    "投标截止时间前，投标人可以补充、修改或者撤回投标文件；投标截止时间前未完成投标文件传输的，视为撤回投标文件；"
    "投标截止时间后送达的投标文件，电子招标投标交易平台应当拒收。电子招标投标交易平台收到投标人送达的投标文件，"
    "应当即时向投标人发出确认回执通知，并妥善保存投标文件。在投标截止时间前，除投标人补充、修改或者撤回投标文件外，"
    "任何单位和个人不得解密、提取投标文件。",
)
DOWNLOADERS_SECRET = LegalRule(
    f"{ETB} 第21条；{LAW} 第22条",
    "在投标截止时间前，不得泄露已获取招标文件的潜在投标人的名称、数量以及可能影响公平竞争的有关招标投标的其他情况。",
)
NO_PREREGISTRATION = LegalRule(
    f"{ETB} 第20条；发改法规〔2022〕1117号",
    "除本办法和招标文件另有规定外，投标人下载招标文件不得以报名、登记等为前提。",
)
DECRYPT_FAILURE = LegalRule(
    f"{ETB} 第31条",
    "因投标人原因造成投标文件未解密的，视为撤销其投标文件；因投标人之外的原因造成投标文件未解密的，视为撤回其投标文件，"
    "投标人有权要求责任方赔偿因此遭受的直接损失。部分投标文件未解密的，其他投标文件的开标可以继续进行。",
)
OPENING_RECORD = LegalRule(
    f"{ETB} 第30、32条；{LAW} 第36条",
    "开标时，电子招标投标交易平台自动提取所有投标文件，提示招标人和投标人按招标文件规定方式按时在线解密；"
    "解密全部完成后，应当向所有投标人公布投标人名称、投标价格和招标文件规定的其他内容。",
)
OPENING_OBJECTION = LegalRule(
    f"{REG} 第44条", "投标人对开标有异议的，应当在开标现场提出，招标人应当当场作出答复，并制作记录。"
)
SIMULTANEOUS_OPENING = LegalRule(
    f"{LAW} 第34条", "开标应当在招标文件确定的提交投标文件截止时间的同一时间公开进行。"
)
SUPERVISION_BINDS = LegalRule(
    f"{ETB} 第51、52条",
    "行政监督部门依法处理投诉、作出处理决定和监督指令，电子招标投标交易平台应当执行；暂停期间不得继续招标投标活动。",
)


# ---- government procurement, open and invited tendering (rules-methods-cn.md G101–G111) --------------

GP_LAW = "中华人民共和国政府采购法"
GP_REG = "中华人民共和国政府采购法实施条例"
ORDER87 = "政府采购货物和服务招标投标管理办法（财政部令第87号）"

GP_BID_PERIOD = LegalRule(
    f"{GP_LAW} 第35条",
    "货物和服务项目实行招标方式采购的，自招标文件开始发出之日起至投标人提交投标文件截止之日止，不得少于二十日。",
)
GP_DOC_SALE = LegalRule(
    f"{ORDER87} 第18条；{GP_REG} 第31条",
    "招标文件的提供期限自招标公告、资格预审公告发布之日起计算不得少于5个工作日。提供期限届满后，获取招标文件的潜在投标人"
    "不足3家的，可以顺延提供期限，并予公告。",
)
GP_CLARIFICATION = LegalRule(
    f"{ORDER87} 第27条；{GP_REG} 第31条",
    "澄清或者修改的内容可能影响投标文件编制的，采购人或者采购代理机构应当在投标截止时间至少15日前，以书面形式通知所有获取"
    "招标文件的潜在投标人；不足15日的，采购人或者采购代理机构应当顺延提交投标文件的截止时间。",
)
GP_CHALLENGE = LegalRule(
    f"{GP_LAW} 第52条；{GP_REG} 第53条",
    "供应商认为采购文件、采购过程和中标、成交结果使自己的权益受到损害的，可以在知道或者应知其权益受到损害之日起七个工作日内，"
    "以书面形式向采购人提出质疑。对可以质疑的采购文件提出质疑的，为收到采购文件之日或者采购文件公告期限届满之日。",
)
GP_CHALLENGE_ANSWER = LegalRule(
    f"{GP_LAW} 第53条；{GP_REG} 第54条",
    "采购人应当在收到供应商的书面质疑后七个工作日内作出答复。质疑内容可能影响中标、成交结果的，采购人应当暂停签订合同，"
    "已经签订合同的，应当中止履行合同。",
)
GP_MIN_BIDDERS = LegalRule(
    f"{ORDER87} 第41、44条；{GP_LAW} 第36条",
    "投标截止时间后，投标人不足3家的，不得开标。合格投标人不足3家的，不得评标。",
)
GP_INVITED = LegalRule(
    f"{ORDER87} 第14条；{GP_LAW} 第34条",
    "采用邀请招标方式的，采购人或者采购代理机构应当从符合相应资格条件的供应商中，随机抽取3家以上供应商，并以投标邀请书"
    "的方式邀请其参加投标。备选的符合资格条件供应商总数不得少于拟随机抽取供应商总数的两倍。随机抽取供应商时，应当有不少于两名"
    "采购人工作人员在场监督，并形成书面记录，随采购文件一并存档。",
)
GP_BOND = LegalRule(
    f"{GP_REG} 第33条",
    "招标文件要求投标人提交投标保证金的，投标保证金不得超过采购项目预算金额的2%。投标保证金应当以支票、汇票、本票或者金融机构、"
    "担保机构出具的保函等非现金形式提交。",
)
GP_BOND_REFUND = LegalRule(
    f"{ORDER87} 第38条",
    "投标人在投标截止时间前撤回已提交的投标文件的，采购人或者采购代理机构应当自收到投标人书面撤回通知之日起5个工作日内，"
    "退还已收取的投标保证金。逾期退还投标保证金的，除应当退还投标保证金本金外，还应当按中国人民银行同期贷款基准利率上浮20%"
    "后的利率支付超期资金占用费，但因投标人自身原因导致无法及时退还的除外。",
)
GP_BID_VALIDITY = LegalRule(f"{ORDER87} 第20条", "招标文件应当包括投标有效期。")

GP_METHOD_CHANGE = LegalRule(
    f"{ORDER87} 第43条；{GP_LAW} 第36、37条",
    "公开招标数额标准以上的采购项目，投标截止后投标人不足3家或者通过资格审查或符合性审查的投标人不足3家的，除采购任务取消情形外，"
    "按照以下方式处理：（一）招标文件存在不合理条款或者招标程序不符合规定的，采购人、采购代理机构改正后依法重新招标；"
    "（二）招标文件没有不合理条款、招标程序符合规定，需要采用其他采购方式采购的，采购人应当依法报财政部门批准。",
)

PROCUREMENT_TENDER = TenderRules(
    method="procurement_tender",
    bid_period_days=Period(20, GP_BID_PERIOD),
    doc_sale_days=working_days(5, GP_DOC_SALE),
    clarification_days=Period(15, GP_CLARIFICATION),
    objection_to_documents_days=working_days(7, GP_CHALLENGE),
    objection_answer_days=working_days(7, GP_CHALLENGE_ANSWER),
    min_bidders=Rule(3, GP_MIN_BIDDERS),
    min_invited=Rule(3, GP_INVITED),
    bond_ratio=Rule(Decimal("0.02"), GP_BOND),
    bond_cap=None,
    decrypt_minutes_default=Rule(30, DECRYPT_WINDOW, unconfirmed=True),
    bid_validity_days_default=Period(90, GP_BID_VALIDITY, unconfirmed=True),
    bond_refund_after_withdrawal_days=working_days(5, GP_BOND_REFUND),
    # No interest on a deposit refunded in time; a late one owes the PBOC one-year lending benchmark (4.35%,
    # unchanged since 2015 and since replaced by the LPR in practice) plus 20%: 5.22% a year [U].
    deposit_interest_rate=Rule(Decimal(0), GP_BOND_REFUND),
    late_refund_rate=Rule(Decimal("0.0522"), GP_BOND_REFUND, unconfirmed=True),
    objection_window=Rule(ObjectionWindow.AFTER_KNOWING, GP_CHALLENGE),
    # A 质疑 does not stop the procedure by itself; the purchaser suspends it when the result may change.
    objection_pauses=Rule(False, GP_CHALLENGE_ANSWER),
    invitee_draw=Rule(InviteeDraw.REQUIRED, GP_INVITED),
    invited_pool_ratio=Rule(2, GP_INVITED),
    witnesses=Rule(2, GP_INVITED),
    periods_bind_must_tender_only=False,
    method_change=Rule(True, GP_METHOD_CHANGE),
)


# The 公开招标数额标准 of goods and services (GP_OPEN_TENDER_THRESHOLD below, with its basis) [U].
GP_OPEN_TENDER_THRESHOLD_AMOUNT = Decimal("2000000")

NON_TENDER_APPROVAL = LegalRule(
    "政府采购非招标采购方式管理办法（财政部令第74号） 第4条；财库〔2014〕214号 第4条",
    "达到公开招标数额标准的货物、服务采购项目，拟采用非招标采购方式的，采购人应当在采购活动开始前，报经主管预算单位同意后，"
    "向设区的市、自治州以上人民政府财政部门申请批准。",
)


# ---- government procurement, 询价 (request for quotations; rules-methods-cn.md G130–G131) ------------------

ORDER74 = "政府采购非招标采购方式管理办法（财政部令第74号）"

RFQ_PERIOD = LegalRule(
    f"{ORDER74} 第45条",
    "从询价通知书发出之日起至供应商提交响应文件截止之日止不得少于3个工作日。",
)
RFQ_CLARIFICATION = LegalRule(
    f"{ORDER74} 第45条",
    "提交响应文件截止之日前，采购人、采购代理机构或者询价小组可以对已发出的询价通知书进行必要的澄清或者修改，澄清或者修改的"
    "内容作为询价通知书的组成部分。澄清或者修改的内容可能影响响应文件编制的，采购人、采购代理机构或者询价小组应当在提交响应"
    "文件截止之日3个工作日前，以书面形式通知所有接收询价通知书的供应商，不足3个工作日的，应当顺延提交响应文件截止之日。",
)
RFQ_SUPPLIERS = LegalRule(
    f"{ORDER74} 第12、50条",
    "采购人、采购代理机构应当通过发布公告、从省级以上财政部门建立的供应商库中随机抽取或者采购人和评审专家分别书面推荐的方式"
    "邀请不少于3家符合相应资格条件的供应商参与询价采购活动。符合采购需求、质量和服务相等且报价未超过采购预算的供应商不足3家的，"
    "应当终止询价采购活动。",
)
RFQ_BOND = LegalRule(
    f"{ORDER74} 第14、20条",
    "采购人、采购代理机构可以要求供应商在提交响应文件截止时间之前交纳保证金。保证金数额应当不超过采购项目预算的2%。"
    "采购人、采购代理机构应当自成交通知书发出之日起5个工作日内退还未成交供应商的保证金，自政府采购合同签订之日起5个工作日内"
    "退还成交供应商的保证金。",
)
RFQ_ONE_PRICE = LegalRule(
    f"{ORDER74} 第47条；{GP_LAW} 第40条",
    "参加询价采购活动的供应商，应当按照询价通知书的规定一次报出不得更改的价格。",
)

PROCUREMENT_RFQ = TenderRules(
    method="procurement_rfq",
    bid_period_days=working_days(3, RFQ_PERIOD),
    # The 询价通知书 is available from its issue to the response deadline: the same 3 working days.
    doc_sale_days=working_days(3, RFQ_PERIOD),
    clarification_days=working_days(3, RFQ_CLARIFICATION),
    objection_to_documents_days=working_days(7, GP_CHALLENGE),
    objection_answer_days=working_days(7, GP_CHALLENGE_ANSWER),
    # 74号令 sets no opening minimum; fewer than 3 responses can never give the 3 compliant suppliers
    # 第50条 requires, so the responses are not opened (the activity is terminated) [U].
    min_bidders=Rule(3, RFQ_SUPPLIERS, unconfirmed=True),
    min_invited=Rule(3, RFQ_SUPPLIERS),
    bond_ratio=Rule(Decimal("0.02"), RFQ_BOND),
    bond_cap=None,
    decrypt_minutes_default=Rule(30, DECRYPT_WINDOW, unconfirmed=True),
    bid_validity_days_default=Period(60, RFQ_ONE_PRICE, unconfirmed=True),
    bond_refund_after_withdrawal_days=working_days(5, RFQ_BOND),
    deposit_interest_rate=Rule(Decimal(0), RFQ_BOND),
    # 74号令 has no late-refund charge of its own (87号令 第38条 is for tendering) [U].
    late_refund_rate=None,
    objection_window=Rule(ObjectionWindow.AFTER_KNOWING, GP_CHALLENGE),
    objection_pauses=Rule(False, GP_CHALLENGE_ANSWER),
    invitee_draw=Rule(InviteeDraw.ALLOWED, RFQ_SUPPLIERS),
    invited_pool_ratio=None,  # invitees by notice, a library draw or written recommendations, ≥ 3
    witnesses=None,
    periods_bind_must_tender_only=False,
    approval_from=Rule(GP_OPEN_TENDER_THRESHOLD_AMOUNT, NON_TENDER_APPROVAL, unconfirmed=True),
)


def draw_mode(rules: TenderRules) -> InviteeDraw:
    return rules.invitee_draw.value if rules.invitee_draw is not None else InviteeDraw.NONE


# The 公开招标数额标准 of goods and services: each province sets its own (政府采购法 第27条); 200万 is the
# central budget units' figure (国办发〔2019〕55号 四) — one platform-wide value for now, per region later [U].
GP_OPEN_TENDER_THRESHOLD = Rule(
    GP_OPEN_TENDER_THRESHOLD_AMOUNT,
    LegalRule(
        "国务院办公厅关于印发中央预算单位政府集中采购目录及标准（2020年版）的通知（国办发〔2019〕55号） 四；政府采购法 第27条",
        "政府采购货物或服务项目，单项采购金额达到200万元以上的，必须采用公开招标方式。",
    ),
    unconfirmed=True,
)


def periods_apply(rules: TenderRules, budget: Decimal | None) -> bool:
    """Whether the method's periods bind a notice of lots with this (largest) budget."""
    return rules.periods_bind_from is None or budget is None or budget >= rules.periods_bind_from.value


# ---- government procurement, 单一来源 (sole source; rules-methods-cn.md G150–G152, SM-GP-SS) ---------------

SS_PUBLICITY = LegalRule(
    f"{GP_REG} 第38条；{ORDER74} 第38条",
    "达到公开招标数额标准，符合政府采购法第三十一条第一项规定情形，只能从唯一供应商处采购的，采购人应当将采购项目信息和唯一"
    "供应商名称在省级以上人民政府财政部门指定的媒体上公示，公示期不得少于5个工作日。",
)
SS_OBJECTION = LegalRule(
    f"{ORDER74} 第39、40条",
    "任何供应商、单位或者个人对采用单一来源采购方式公示有异议的，可以在公示期内将书面意见反馈给采购人、采购代理机构，并同时抄送"
    "相关财政部门。采购人、采购代理机构收到对采用单一来源采购方式公示的异议后，应当在公示期满后5个工作日内，组织补充论证；"
    "论证后认为异议成立的，应当依法采取其他采购方式。",
)
SS_ONE_SUPPLIER = LegalRule(
    f"{GP_LAW} 第31、39条",
    "只能从唯一供应商处采购的，可以采用单一来源方式采购。采取单一来源方式采购的，采购人与供应商应当遵循本法规定的原则，"
    "在保证采购项目质量和双方商定合理价格的基础上进行采购。",
)

PROCUREMENT_SINGLE_SOURCE = TenderRules(
    method="procurement_single_source",
    # The publicity (公示) is the notice; the supplier's response follows once it has run its course.
    bid_period_days=working_days(5, SS_PUBLICITY),
    doc_sale_days=working_days(5, SS_PUBLICITY),
    # No clarification period of its own [U]: the one supplier negotiates the terms with the purchaser.
    clarification_days=working_days(0, SS_ONE_SUPPLIER, unconfirmed=True),
    objection_to_documents_days=working_days(5, SS_OBJECTION),
    # 第40条 counts the 5 working days of the supplementary review from the end of the publicity; the
    # platform counts them from the objection, which never ends later [U].
    objection_answer_days=working_days(5, SS_OBJECTION, unconfirmed=True),
    min_bidders=Rule(1, SS_ONE_SUPPLIER),
    min_invited=Rule(1, SS_ONE_SUPPLIER),
    # 74号令 第14条 (bonds) governs 谈判 and 询价; single source takes none [U].
    bond_ratio=Rule(Decimal(0), SS_ONE_SUPPLIER, unconfirmed=True),
    bond_cap=None,
    decrypt_minutes_default=Rule(30, DECRYPT_WINDOW, unconfirmed=True),
    bid_validity_days_default=Period(60, SS_ONE_SUPPLIER, unconfirmed=True),
    bond_refund_after_withdrawal_days=working_days(5, GP_BOND_REFUND),
    deposit_interest_rate=Rule(Decimal(0), SS_ONE_SUPPLIER),
    objection_window=Rule(ObjectionWindow.DURING_PERIOD, SS_OBJECTION),
    # An objection stops the purchase until the supplementary review answers it (第40条).
    objection_pauses=Rule(True, SS_OBJECTION),
    invitee_draw=None,
    periods_bind_must_tender_only=False,
    periods_bind_from=Rule(GP_OPEN_TENDER_THRESHOLD.value, SS_PUBLICITY, unconfirmed=True),
    max_invited=Rule(1, SS_ONE_SUPPLIER),
)


# ---- government procurement, 竞争性谈判 (rules-methods-cn.md G120–G127, SM-GP-CN) --------------------------

CN_PERIOD = LegalRule(
    f"{ORDER74} 第29条",
    "从谈判文件发出之日起至供应商提交首次响应文件截止之日止不得少于3个工作日。提交首次响应文件截止之日前，澄清或者修改的内容"
    "可能影响响应文件编制的，应当在提交首次响应文件截止之日3个工作日前，以书面形式通知所有接收谈判文件的供应商，不足3个工作日的，"
    "应当顺延提交首次响应文件截止之日。",
)
CN_SUPPLIERS = LegalRule(
    f"{ORDER74} 第12条",
    "采购人、采购代理机构应当通过发布公告、从省级以上财政部门建立的供应商库中随机抽取或者采购人和评审专家分别书面推荐的方式"
    "邀请不少于3家符合相应资格条件的供应商参与竞争性谈判或者询价采购活动。采用采购人和评审专家书面推荐方式选择供应商的，"
    "采购人和评审专家应当各自出具书面推荐意见。采购人推荐供应商的比例不得高于推荐供应商总数的50%。",
)
CN_BOND = LegalRule(
    f"{ORDER74} 第14、20条",
    "保证金数额应当不超过采购项目预算的2%。采购人、采购代理机构应当自成交通知书发出之日起5个工作日内退还未成交供应商的保证金。",
)
CN_ROUNDS = LegalRule(
    f"{ORDER74} 第31、32、34条",
    "谈判小组所有成员应当集中与单一供应商分别进行谈判，并给予所有参加谈判的供应商平等的谈判机会。在谈判过程中，谈判小组可以"
    "根据谈判文件和谈判情况实质性变动采购需求中的技术、服务要求以及合同草案条款，但不得变动谈判文件中的其他内容。实质性变动的"
    "内容，须经采购人代表确认。对谈判文件作出的实质性变动是谈判文件的有效组成部分，谈判小组应当及时以书面形式同时通知所有参加"
    "谈判的供应商。供应商应当按照谈判文件的变动情况和谈判小组的要求重新提交响应文件。供应商在谈判小组规定的最后报价前，可以"
    "根据谈判情况退出谈判。",
)
CN_FINAL_OFFERS = LegalRule(
    f"{ORDER74} 第33、37条",
    "谈判文件能够详细列明采购标的的技术、服务要求的，谈判结束后，谈判小组应当要求所有继续参加谈判的供应商在规定时间内提交最后"
    "报价，提交最后报价的供应商不得少于3家。在采购过程中符合竞争要求的供应商或者报价未超过采购预算的供应商不足3家的，应当终止"
    "竞争性谈判采购活动。",
)
CN_TWO_AFTER_TENDER = LegalRule(
    f"{ORDER74} 第27条第2款",
    "公开招标的货物、服务采购项目，招标过程中提交投标文件或者经评审实质性响应招标文件要求的供应商只有两家时，采购人、采购代理"
    "机构按照本办法第四条经本级财政部门批准后可以与该两家供应商进行竞争性谈判采购，采购人、采购代理机构应当根据招标过程中"
    "评审委员会的评审意见，重新制作谈判文件。",
)

PROCUREMENT_NEGOTIATION = TenderRules(
    method="procurement_negotiation",
    bid_period_days=working_days(3, CN_PERIOD),
    doc_sale_days=working_days(3, CN_PERIOD),  # the 谈判文件 is out from its issue to the first deadline [U]
    clarification_days=working_days(3, CN_PERIOD),
    objection_to_documents_days=working_days(7, GP_CHALLENGE),
    objection_answer_days=working_days(7, GP_CHALLENGE_ANSWER),
    # Fewer than 3 first responses can never give the 3 final offers of 第33条: not opened, terminated [U].
    min_bidders=Rule(3, CN_FINAL_OFFERS, unconfirmed=True),
    min_invited=Rule(3, CN_SUPPLIERS),
    bond_ratio=Rule(Decimal("0.02"), CN_BOND),
    bond_cap=None,
    decrypt_minutes_default=Rule(30, DECRYPT_WINDOW, unconfirmed=True),
    bid_validity_days_default=Period(60, CN_FINAL_OFFERS, unconfirmed=True),
    bond_refund_after_withdrawal_days=working_days(5, CN_BOND),
    deposit_interest_rate=Rule(Decimal(0), CN_BOND),
    objection_window=Rule(ObjectionWindow.AFTER_KNOWING, GP_CHALLENGE),
    objection_pauses=Rule(False, GP_CHALLENGE_ANSWER),
    invitee_draw=Rule(InviteeDraw.ALLOWED, CN_SUPPLIERS),
    periods_bind_must_tender_only=False,
    approval_from=Rule(GP_OPEN_TENDER_THRESHOLD_AMOUNT, NON_TENDER_APPROVAL, unconfirmed=True),
    negotiation=Rule(True, CN_ROUNDS),
    min_final_offers=Rule(3, CN_FINAL_OFFERS),
    # The two suppliers of the failed tender are the ones invited (第27条第2款): 2 from the start.
    two_supplier_grounds={"failed_tender": FewerSuppliers(Rule(2, CN_TWO_AFTER_TENDER), from_start=True)},
)


# ---- government procurement, 竞争性磋商 (rules-methods-cn.md G140–G145, SM-GP-CS) -------------------------

ORDER214 = "政府采购竞争性磋商采购方式管理暂行办法（财库〔2014〕214号）"

CS_PERIOD = LegalRule(
    f"{ORDER214} 第10条",
    "从磋商文件发出之日起至供应商提交首次响应文件截止之日止不得少于10日。磋商文件的发售期限自开始之日起不得少于5个工作日。"
    "提交首次响应文件截止之日前，澄清或者修改的内容可能影响响应文件编制的，应当在提交首次响应文件截止时间至少5日前，以书面"
    "形式通知所有获取磋商文件的供应商；不足5日的，应当顺延提交首次响应文件截止时间。",
)
CS_SUPPLIERS = LegalRule(
    f"{ORDER214} 第6条",
    "采购人、采购代理机构应当通过发布公告、从省级以上财政部门建立的供应商库中随机抽取或者采购人和评审专家分别书面推荐的方式"
    "邀请不少于3家符合相应资格条件的供应商参与竞争性磋商采购活动。采购人推荐供应商的比例不得高于推荐供应商总数的50%。",
)
CS_BOND = LegalRule(
    f"{ORDER214} 第12、31条",
    "磋商保证金数额应当不超过采购项目预算的2%。未按照磋商文件要求提交磋商保证金的响应文件无效。采购人或者采购代理机构应当在"
    "采购活动结束后及时退还供应商的磋商保证金。",
)
CS_ROUNDS = LegalRule(
    f"{ORDER214} 第18、19、20条",
    "磋商小组所有成员应当集中与单一供应商分别进行磋商，并给予所有参加磋商的供应商平等的磋商机会。在磋商过程中，磋商小组可以"
    "根据磋商文件和磋商情况实质性变动采购需求中的技术、服务要求以及合同草案条款，实质性变动的内容须经采购人代表确认，并以书面"
    "形式同时通知所有参加磋商的供应商；供应商应当按照磋商文件的变动情况和磋商小组的要求重新提交响应文件。",
)
CS_FINAL_OFFERS = LegalRule(
    f"{ORDER214} 第21、34条",
    "磋商结束后，磋商小组应当要求所有实质性响应的供应商在规定时间内提交最后报价，提交最后报价的供应商不得少于3家。"
    "在采购过程中符合要求的供应商（社会资本）或者报价未超过采购预算的供应商不足3家的，应当终止竞争性磋商采购活动。",
)
CS_TWO_RESEARCH = LegalRule(
    f"{ORDER214} 第21条",
    "市场竞争不充分的科研项目，以及需要扶持的科技成果转化项目，提交最后报价的供应商可以为2家。",
)
CS_TWO_SERVICES = LegalRule(
    "财库〔2015〕124号《关于政府采购竞争性磋商采购方式管理暂行办法有关问题的补充通知》",
    "采用竞争性磋商采购方式采购的政府购买服务项目（含政府和社会资本合作项目），在采购过程中符合要求的供应商（社会资本）只有2家"
    "的，竞争性磋商采购活动可以继续进行。",
)

PROCUREMENT_CONSULTATION = TenderRules(
    method="procurement_consultation",
    bid_period_days=Period(10, CS_PERIOD),
    doc_sale_days=working_days(5, CS_PERIOD),
    clarification_days=Period(5, CS_PERIOD),
    objection_to_documents_days=working_days(7, GP_CHALLENGE),
    objection_answer_days=working_days(7, GP_CHALLENGE_ANSWER),
    min_bidders=Rule(3, CS_FINAL_OFFERS, unconfirmed=True),
    min_invited=Rule(3, CS_SUPPLIERS),
    bond_ratio=Rule(Decimal("0.02"), CS_BOND),
    bond_cap=None,
    decrypt_minutes_default=Rule(30, DECRYPT_WINDOW, unconfirmed=True),
    bid_validity_days_default=Period(60, CS_FINAL_OFFERS, unconfirmed=True),
    # 第31条 says only "及时"; the 5 working days of 74号令 are the platform's reading [U].
    bond_refund_after_withdrawal_days=working_days(5, CS_BOND, unconfirmed=True),
    deposit_interest_rate=Rule(Decimal(0), CS_BOND),
    objection_window=Rule(ObjectionWindow.AFTER_KNOWING, GP_CHALLENGE),
    objection_pauses=Rule(False, GP_CHALLENGE_ANSWER),
    invitee_draw=Rule(InviteeDraw.ALLOWED, CS_SUPPLIERS),
    periods_bind_must_tender_only=False,
    approval_from=Rule(GP_OPEN_TENDER_THRESHOLD_AMOUNT, NON_TENDER_APPROVAL, unconfirmed=True),
    negotiation=Rule(True, CS_ROUNDS),
    min_final_offers=Rule(3, CS_FINAL_OFFERS),
    # 3 are invited and respond first; 2 may remain for the final offers (MOF's reading of 124号 [S]).
    two_supplier_grounds={
        "research": FewerSuppliers(Rule(2, CS_TWO_RESEARCH)),
        "government_services": FewerSuppliers(Rule(2, CS_TWO_SERVICES, unconfirmed=True)),
    },
)


# ---- government procurement, 框架协议采购 (财政部令第110号; rules-methods-cn.md G160–G166, SM-GP-FA) --------

ORDER110 = "政府采购框架协议采购方式管理暂行办法（财政部令第110号）"

FA_CALL = LegalRule(
    f"{ORDER110} 第9、27条",
    "封闭式框架协议的公开征集程序，按照政府采购公开招标的规定执行。确定第一阶段入围供应商时，提交响应文件和符合资格条件、实质性"
    "要求的供应商应当均不少于2家，淘汰比例一般不得低于20%，且至少淘汰一家供应商。",
)

# A closed framework agreement's call follows 公开招标 (第9条): its periods, bond and challenges; at least
# 2 responses to open (第27条). Open framework agreements (第10、39条: anyone may join) are not hosted yet.
PROCUREMENT_FRAMEWORK = replace(
    PROCUREMENT_TENDER,
    method="procurement_framework",
    min_bidders=Rule(2, FA_CALL),
    invitee_draw=None,
    invited_pool_ratio=None,
    witnesses=None,
    method_change=None,
)
