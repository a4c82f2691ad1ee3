"""Legal rules of credit (R8, rules-cn §4 K4, §5 R2–R3): which kinds of record exist, which of them ban an
entity from the market and for how long, and how the red and black lists are derived.

Every period is data with its citation (DESIGN rule 2). A ban's length is decided by the regulator within
the statutory range; `actions.record_entry` refuses a ban outside it and quotes the rule. Values marked
`unconfirmed=True` are [U] configuration to be checked against the official texts before production.
"""

from dataclasses import dataclass
from enum import StrEnum

from ggzy.catalogue.models import TradeCategory
from ggzy.kernel.errors import LegalRule
from ggzy.kernel.rules import Rule

LAW = "中华人民共和国招标投标法"
REG = "中华人民共和国招标投标法实施条例"
GPL = "中华人民共和国政府采购法"
GPR = "中华人民共和国政府采购法实施条例"
PLAN63 = "国务院办公厅关于印发整合建立统一的公共资源交易平台工作方案的通知（国办发〔2015〕63号）"
NDRC1117 = "国家发展改革委等部门关于严格执行招标投标法规制度进一步规范招标投标主体行为的若干意见（发改法规规〔2022〕1117号）"


class Stage(StrEnum):
    """Where other packages ask for enforcement."""

    DOWNLOAD = "download"  # 获取招标文件
    BID = "bid"  # 递交投标文件、缴纳保证金、解密
    CONTRACT = "contract"  # 定标、签订合同

    @property
    def label(self) -> str:
        return {"download": "获取招标文件", "bid": "投标", "contract": "中标及签订合同"}[self.value]


class Source(StrEnum):
    REGULATOR = "regulator"  # 行政监督部门的行政处罚/处理决定
    COURT = "court"  # 人民法院（失信被执行人等）
    PLATFORM = "platform"  # 交易平台发现并认定
    NATIONAL = "national"  # 从全国信用信息共享平台/信用中国导入


SOURCE_LABELS = {
    Source.REGULATOR: "行政监督部门",
    Source.COURT: "人民法院",
    Source.PLATFORM: "交易平台",
    Source.NATIONAL: "全国信用信息共享平台",
}


class Severity(StrEnum):
    MINOR = "minor"  # 轻微
    GENERAL = "general"  # 一般
    SERIOUS = "serious"  # 严重


@dataclass(frozen=True)
class BanPeriod:
    """A market ban (市场禁入) the law allows for this kind of record: its range in years and its scope."""

    min_years: int
    max_years: int
    legal: LegalRule
    categories: tuple[str, ...]  # trade categories the ban covers; () = every category


@dataclass(frozen=True)
class CreditKind:
    code: str
    name: str
    positive: bool
    legal: LegalRule
    ban: BanPeriod | None = None
    counts_as_collusion: bool = False
    unconfirmed: bool = False


# --- the statutory bans (rules-cn K4 [C]) ----------------------------------------------------------------

LAW_53 = LegalRule(
    f"{LAW} 第53条",
    "投标人相互串通投标或者与招标人串通投标的，投标人以向招标人或者评标委员会成员行贿的手段谋取中标的，中标无效，"
    "处中标项目金额千分之五以上千分之十以下的罚款……；情节严重的，取消其一年至二年内参加依法必须进行招标的项目的"
    "投标资格并予以公告，直至由工商行政管理机关吊销营业执照。",
)
REG_67 = LegalRule(
    f"{REG} 第67条",
    "投标人有下列行为之一的，属于招标投标法第五十三条规定的情节严重行为，由有关行政监督部门取消其1年至2年内参加依法"
    "必须进行招标的项目的投标资格：（一）以行贿谋取中标；（二）3年内2次以上串通投标；（三）串通投标行为损害招标人、"
    "其他投标人或者国家、集体、公民的合法利益，造成直接经济损失30万元以上；（四）其他串通投标情节严重的行为。"
    "投标人自本条第二款规定的处罚执行期限届满之日起3年内又有该款所列违法行为之一的，或者串通投标、以行贿谋取中标情节"
    "特别严重的，由工商行政管理机关吊销营业执照。",
)
REG_68 = LegalRule(
    f"{REG} 第68条；{LAW} 第54条",
    "投标人以他人名义投标或者以其他方式弄虚作假骗取中标的……投标人有下列行为之一的，属于招标投标法第五十四条规定的"
    "情节严重行为，由有关行政监督部门取消其1年至3年内参加依法必须进行招标的项目的投标资格：（一）伪造、变造资格、"
    "资质证书或者其他许可证件骗取中标；（二）3年内2次以上使用他人名义投标；（三）弄虚作假骗取中标给招标人造成直接"
    "经济损失30万元以上；（四）其他弄虚作假骗取中标情节严重的行为。",
)
GPL_77 = LegalRule(
    f"{GPL} 第77条",
    "供应商有下列情形之一的，处以采购金额千分之五以上千分之十以下的罚款，列入不良行为记录名单，在一至三年内禁止参加"
    "政府采购活动……：（一）提供虚假材料谋取中标、成交的；（二）采取不正当手段诋毁、排挤其他供应商的；（三）与采购人、"
    "其他供应商或者采购代理机构恶意串通的；（四）向采购人、采购代理机构行贿或者提供其他不正当利益的；（五）在招标"
    "采购过程中与采购人进行协商谈判的；（六）拒绝有关部门监督检查或者提供虚假情况的。",
)
REG_79 = LegalRule(
    f"{REG} 第79条",
    "国家建立招标投标信用制度。有关行政监督部门应当依法公告对招标人、招标代理机构、投标人、评标委员会成员等当事人"
    "违法行为的行政处理决定。",
)
PLAN63_CREDIT = LegalRule(
    f"{PLAN63} 七(十四)",
    "建立市场主体信用信息库……对违法违规、失信的市场主体实施联合惩戒，对严重违法失信的市场主体依法实施市场禁入。",
)
COURT_DISHONEST = LegalRule(
    "最高人民法院关于公布失信被执行人名单信息的若干规定 第1条、第8条",
    "被执行人具有履行能力而不履行生效法律文书确定的义务的，人民法院应当将其纳入失信被执行人名单，依法对其进行信用惩戒；"
    "人民法院应当将失信信息向政府相关部门通报，供其在政府采购、招标投标等方面对失信被执行人予以信用惩戒。",
)
INCENTIVE = LegalRule(
    f"{PLAN63} 七(十四)；{NDRC1117} (二十)",
    "褒扬诚信、惩戒失信：对守信主体在交易服务中给予便利等激励措施；行政处理决定依法公开并推送至全国信用信息共享平台。",
)
ENGINEERING = ("engineering",)
PROCUREMENT = (TradeCategory.PROCUREMENT.value,)

KINDS: dict[str, CreditKind] = {
    k.code: k
    for k in (
        CreditKind(
            "collusion",
            "串通投标（情节严重，取消投标资格）",
            False,
            LAW_53,
            BanPeriod(1, 2, LAW_53, ENGINEERING),
            counts_as_collusion=True,
        ),
        CreditKind(
            "collusion_serious",
            "串通投标或行贿谋取中标情节严重",
            False,
            REG_67,
            BanPeriod(1, 2, REG_67, ENGINEERING),
            counts_as_collusion=True,
        ),
        CreditKind(
            "fraud", "弄虚作假骗取中标（情节严重）", False, REG_68, BanPeriod(1, 3, REG_68, ENGINEERING)
        ),
        CreditKind(
            "procurement_violation",
            "政府采购严重违法失信（不良行为记录）",
            False,
            GPL_77,
            BanPeriod(1, 3, GPL_77, PROCUREMENT),
        ),
        CreditKind(
            "collusion_penalty",
            "串通投标（罚款等行政处罚，未取消资格）",
            False,
            LAW_53,
            counts_as_collusion=True,
        ),
        CreditKind("administrative_penalty", "其他行政处罚", False, REG_79),
        CreditKind("court_dishonest", "失信被执行人", False, COURT_DISHONEST),
        CreditKind("platform_finding", "交易平台认定的失信行为", False, PLAN63_CREDIT),
        # [U] the red-list criteria are set by each province's credit office; "honour" stands for them.
        CreditKind("honour", "守信激励（表彰、信用评价优良等）", True, INCENTIVE, unconfirmed=True),
    )
}

# A ban with no categories applies everywhere; a ban of 法 第53条 covers 依法必须进行招标的项目 (the
# engineering board here) and 政府采购法 第77条 government procurement. [U] whether a province's joint
# punishment (联合惩戒) memorandum extends a ban to other boards is configuration.
JOINT_PUNISHMENT_ALL_BOARDS = Rule(
    False,
    LegalRule(
        f"{PLAN63} 七(十四)",
        "对严重违法失信的市场主体依法实施市场禁入；联合惩戒的具体范围以各地联合惩戒备忘录为准。",
    ),
    unconfirmed=True,
)

# 条例 第67条 第1款 第（二）项: two collusions within 3 years make a serious case.
REPEAT_COLLUSION_YEARS = Rule(3, REG_67)
REPEAT_COLLUSION_COUNT = Rule(2, REG_67)

# [U] How long a record stays on the public credit file when the decision names no period. The
# national practice (国家发展改革委令第58号《失信行为纠正后的信用信息修复管理办法》) keeps ordinary penalty
# information public for 3 years and minor ones for 3 months; verify before production.
DEFAULT_PUBLICATION_YEARS = Rule(
    3,
    LegalRule(
        "失信行为纠正后的信用信息修复管理办法（国家发展改革委令第58号）第7条",
        "涉及一般失信行为的行政处罚信息最短公示期为三个月，最长公示期为一年；涉及严重失信行为的行政处罚信息最短公示期"
        "为一年，最长公示期为三年。",
    ),
    unconfirmed=True,
)
# [U] The red list keeps an honour for this long when the record names no end.
RED_LIST_YEARS = Rule(2, INCENTIVE, unconfirmed=True)

BAN_ENFORCED = LegalRule(
    f"{LAW} 第53、54条；{GPL} 第77条；{PLAN63} 七(十四)",
    "被取消投标资格或者禁止参加政府采购活动的市场主体，在禁入期限内不得参加相应的交易活动。",
)
PUBLICATION = REG_79


def kind(code: str) -> CreditKind | None:
    return KINDS.get(code)
