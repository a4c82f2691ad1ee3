"""Legal rules of construction tendering (招标投标), each value with its source.

Procedures read their numbers from a `TenderRules` object, never from literals in code paths, so a
procurement or auction method can bring its own object (DESIGN rule 2, 3). Values tagged unconfirmed=True
are [U] in rules-cn.md: configuration to be checked against the official text before production.
"""

from dataclasses import dataclass
from decimal import Decimal

from ggzy.kernel.errors import LegalRule
from ggzy.kernel.rules import Period, Rule

LAW = "中华人民共和国招标投标法"
REG = "中华人民共和国招标投标法实施条例"
ETB = "电子招标投标办法（国家发展改革委等八部委令第20号）"


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
    bond_cap: Rule[Decimal]
    decrypt_minutes_default: Rule[int]
    bid_validity_days_default: Period
    bond_refund_after_withdrawal_days: Period
    deposit_interest_rate: Rule[Decimal]


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
