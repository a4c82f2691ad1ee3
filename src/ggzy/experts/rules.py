"""Legal rules of the expert library, the random draw and the evaluation committee, each with its source.

Code paths read these objects, never literals (DESIGN rule 2). `CommitteeRules` is per procedure:
construction tendering now, government procurement already plugged in (87号令 第47条: 7 or more members
when the budget is 10,000,000 yuan or more). Platform configuration that no law fixes (repeat limit,
response window, score threshold) is read from settings with a default and marked unconfirmed ([U]).
"""

from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal

from django.conf import settings

from ggzy.kernel.errors import InvalidInput, LegalRule
from ggzy.kernel.rules import Rule
from ggzy.trading.rules import GP_OPEN_TENDER_THRESHOLD, LAW, REG
from ggzy.trading.specs import BySpec

ORDER12 = "评标委员会和评标方法暂行规定（七部委令第12号）"
ORDER87 = "政府采购货物和服务招标投标管理办法（财政部令第87号）"
CITY_PLAN = "公共资源交易平台整合实施方案（市级）"  # seeds/001
PLAN63 = "国务院办公厅关于印发整合建立统一的公共资源交易平台工作方案的通知（国办发〔2015〕63号）"
ID_STANDARD = "GB 11643-1999《公民身份号码》"

# ---- the expert library (R4.1, X1) ---------------------------------------------------------------

EXPERT_QUALIFICATION = LegalRule(
    f"{ORDER12} 第11条；{LAW} 第37条第2款",
    "评标专家应符合下列条件：（一）从事相关专业领域工作满八年并具有高级职称或者同等专业水平；"
    "（二）熟悉有关招标投标的法律法规，并具有与招标项目相关的实践经验；（三）能够认真、公正、诚实、廉洁地履行职责。",
)
MIN_PRACTICE_YEARS: Rule[int] = Rule(8, EXPERT_QUALIFICATION)
# 高级职称 covers both 正高级 and 副高级 (e.g. 高级工程师 is 副高级). "同等专业水平" is not modelled: an
# equivalent level would need a recognised basis (e.g. a registered-practitioner certificate) — [U].
SENIOR_TITLE_LEVELS: Rule[frozenset[str]] = Rule(frozenset({"senior", "deputy_senior"}), EXPERT_QUALIFICATION)

ID_NUMBER = LegalRule(
    ID_STANDARD,
    "公民身份号码为18位：6位地址码、8位出生日期码、3位顺序码和1位校验码（ISO 7064 MOD 11-2）。",
)
PERSONAL_DATA = LegalRule(
    "中华人民共和国个人信息保护法 第6、51条；苏政办发〔2020〕 (十)",
    "处理个人信息应当限于实现处理目的的最小范围；应当采取加密、去标识化等安全技术措施；"
    "交易中心不得将重要敏感数据擅自公开及用于商业用途。",
)
ONE_EXPERT_PROFILE = LegalRule(
    f"{PLAN63} 四(八)",
    "按照全国统一的专业分类标准整合本地区专家资源，专家资源及专家信用信息互联共享：一名专家在省专家库中登记一次。",
)

# ---- the draw (R4.2, T9) ---------------------------------------------------------------------------

RANDOM_DRAW = LegalRule(
    f"{REG} 第46条；{CITY_PLAN} 二",
    "依法必须进行招标的项目，其评标委员会的专家成员应当从评标专家库内相关专业的专家名单中以随机抽取方式确定。"
    "任何单位和个人不得以明示、暗示等任何方式指定或者变相指定参加评标委员会的专家成员。"
    "评标（评审）的专家应采取计算机随机抽取、语音通知、密封打印。",
)
NAMES_SECRET = LegalRule(
    f"{ORDER12} 第8条；{LAW} 第37条第5款；{REG} 第46条",
    "评标委员会成员名单在中标结果确定前应当保密；专家以随机抽取方式确定，任何单位和个人不得指定或者变相指定。"
    "本平台在评标开始前不向任何人（交易中心工作人员在内）显示抽取结果中的专家姓名，评标开始时由交易中心密封打印。",
)
RECUSAL = LegalRule(
    f"{LAW} 第37条第4款；{REG} 第46条第4款；{ORDER12} 第12条",
    "与投标人有利害关系的人不得进入相关项目的评标委员会；已经进入的应当更换。"
    "有下列情形之一的，不得担任评标委员会成员：（一）投标人或者投标人主要负责人的近亲属；"
    "（二）项目主管部门或者行政监督部门的人员；（三）与投标人有经济利益关系，可能影响对投标公正评审的；"
    "（四）曾因在招标、评标以及其他与招标投标有关活动中从事违法行为而受过行政处罚或刑事处罚的。",
)
DRAW_AFTER_DEADLINE = LegalRule(
    f"{LAW} 第22条；电子招标投标办法 第21条；{ORDER12} 第12条",
    "投标截止前不得泄露潜在投标人的名称和数量；回避须以全部投标人名单为准，"
    "故专家抽取（确定候选名单并承诺随机种子）在投标截止时间之后进行。",
)
REMOTE_EVALUATION = LegalRule(
    f"{PLAN63} 四(八)；发改法规〔2022〕1117号",
    "有条件的地方要积极推广专家远程异地评标、评审；专家资源跨地区共享。",
)

# ---- the committee (T8) ----------------------------------------------------------------------------

TENDER_COMMITTEE = LegalRule(
    f"{LAW} 第37条；{ORDER12} 第9条",
    "依法必须进行招标的项目，其评标委员会由招标人的代表和有关技术、经济等方面的专家组成，成员人数为五人以上单数，"
    "其中技术、经济等方面的专家不得少于成员总数的三分之二。",
)
PROCUREMENT_COMMITTEE = LegalRule(
    f"{ORDER87} 第47条",
    "评标委员会由采购人代表和评审专家组成，成员人数应当为5人以上单数，其中评审专家不得少于成员总数的三分之二。",
)
PROCUREMENT_LARGE_COMMITTEE = LegalRule(
    f"{ORDER87} 第47条第2款",
    "采购预算金额在1000万元以上、技术复杂或者社会影响较大的，评标委员会成员人数应当为7人以上单数。",
)
PROCUREMENT_RANDOM = LegalRule(
    f"{ORDER87} 第48条",
    "采购人或者采购代理机构应当从省级以上财政部门设立的政府采购评审专家库中，通过随机方式抽取评审专家。",
)


@dataclass(frozen=True)
class CommitteeRules:
    """Size and composition of an evaluation committee for one procedure."""

    procedure: str
    min_members: Rule[int]
    odd_members: Rule[bool]
    expert_share: Rule[tuple[int, int]]  # experts ≥ numerator/denominator of all members
    large_budget: Rule[Decimal] | None = None  # at or above this budget …
    large_min_members: Rule[int] | None = None  # … at least this many members

    def minimum(self, budget: Decimal | None) -> Rule[int]:
        if (
            self.large_budget is not None
            and self.large_min_members is not None
            and budget is not None
            and budget >= self.large_budget.value
        ):
            return self.large_min_members
        return self.min_members

    def check(self, experts: int, representatives: int, budget: Decimal | None = None) -> None:
        """Refuse a committee of `experts` drawn experts and `representatives` principal's representatives."""
        total = experts + representatives
        minimum = self.minimum(budget)
        details = {"experts": experts, "representatives": representatives, "members": total}
        if total < minimum.value:
            raise InvalidInput(
                "committee_too_small",
                f"评标委员会成员{total}人，少于{minimum.value}人",
                f"A committee of {total} is smaller than {minimum.value}",
                rule=minimum.legal,
                details={**details, "minimum": minimum.value},
            )
        if self.odd_members.value and total % 2 == 0:
            raise InvalidInput(
                "committee_not_odd",
                f"评标委员会成员人数应为单数，现为{total}人",
                f"The committee must have an odd number of members, not {total}",
                rule=self.odd_members.legal,
                details=details,
            )
        num, den = self.expert_share.value
        if experts * den < total * num:
            raise InvalidInput(
                "committee_expert_share",
                f"专家{experts}人不足成员总数{total}人的{num}/{den}",
                f"{experts} experts are fewer than {num}/{den} of {total} members",
                rule=self.expert_share.legal,
                details=details,
            )


CONSTRUCTION_COMMITTEE = CommitteeRules(
    procedure="construction_tender",
    min_members=Rule(5, TENDER_COMMITTEE),
    odd_members=Rule(True, TENDER_COMMITTEE),
    expert_share=Rule((2, 3), TENDER_COMMITTEE),
)
# [U] The budget compared is the lot's estimated value (the 采购包's budget); 87号令 第47条 says
# "采购预算金额" without saying whether per project or per package.
PROCUREMENT_COMMITTEE_RULES = CommitteeRules(
    procedure="procurement_tender",
    min_members=Rule(5, PROCUREMENT_COMMITTEE),
    odd_members=Rule(True, PROCUREMENT_COMMITTEE),
    expert_share=Rule((2, 3), PROCUREMENT_COMMITTEE),
    large_budget=Rule(Decimal("10000000"), PROCUREMENT_LARGE_COMMITTEE, unconfirmed=True),
    large_min_members=Rule(7, PROCUREMENT_LARGE_COMMITTEE),
)

RFQ_PANEL = LegalRule(
    "政府采购非招标采购方式管理办法（财政部令第74号） 第7条",
    "竞争性谈判小组或者询价小组由采购人代表和评审专家共3人以上单数组成，其中评审专家人数不得少于竞争性谈判小组或者询价小组成员"
    "总数的2/3。达到公开招标数额标准的货物或者服务采购项目，或者达到招标规模标准的政府采购工程，竞争性谈判小组或者询价小组应当由"
    "5人以上单数组成。",
)
# The 公开招标数额标准 is set by each province (政府采购法 第27条); 200万 is the central units' figure for
# goods and services (国办发〔2019〕55号) — configuration per region [U].
RFQ_COMMITTEE_RULES = CommitteeRules(
    procedure="procurement_rfq",
    min_members=Rule(3, RFQ_PANEL),
    odd_members=Rule(True, RFQ_PANEL),
    expert_share=Rule((2, 3), RFQ_PANEL),
    large_budget=Rule(GP_OPEN_TENDER_THRESHOLD.value, RFQ_PANEL, unconfirmed=True),
    large_min_members=Rule(5, RFQ_PANEL),
)

SS_NEGOTIATORS = LegalRule(
    "政府采购非招标采购方式管理办法（财政部令第74号） 第41、42条",
    "采购人、采购代理机构应当组织具有相关经验的专业人员与供应商商定合理的成交价格；协商情况记录由全体协商人员签字认可。",
)
# No number of negotiators is fixed by 74号令; the platform asks for a panel of 3 or more, odd, two thirds
# of them experts, like the other non-tendering panels [U].
SINGLE_SOURCE_COMMITTEE_RULES = CommitteeRules(
    procedure="procurement_single_source",
    min_members=Rule(3, SS_NEGOTIATORS, unconfirmed=True),
    odd_members=Rule(True, SS_NEGOTIATORS, unconfirmed=True),
    expert_share=Rule((2, 3), SS_NEGOTIATORS, unconfirmed=True),
)

# 竞争性谈判: the same panel rule as 询价 (74号令 第7条), the ≥ 5 at the open-tender threshold included.
NEGOTIATION_COMMITTEE_RULES = replace(RFQ_COMMITTEE_RULES, procedure="procurement_negotiation")

CONSULTATION_PANEL = LegalRule(
    "政府采购竞争性磋商采购方式管理暂行办法（财库〔2014〕214号） 第14条",
    "磋商小组由采购人代表和评审专家共3人以上单数组成，其中评审专家人数不得少于磋商小组成员总数的2/3。采购人代表不得以评审"
    "专家身份参加本部门或本单位采购项目的评审。",
)
# 214号 has no ≥ 5 rule for projects above the threshold (unlike 74号令 第7条).
CONSULTATION_COMMITTEE_RULES = CommitteeRules(
    procedure="procurement_consultation",
    min_members=Rule(3, CONSULTATION_PANEL),
    odd_members=Rule(True, CONSULTATION_PANEL),
    expert_share=Rule((2, 3), CONSULTATION_PANEL),
)

# The framework agreement's call follows 公开招标 (110号令 第9条): its evaluation committee too.
FRAMEWORK_COMMITTEE_RULES = replace(PROCUREMENT_COMMITTEE_RULES, procedure="procurement_framework")

COMMITTEE_RULES = BySpec(
    "committee rules",
    {
        r.procedure: r
        for r in (
            CONSTRUCTION_COMMITTEE,
            PROCUREMENT_COMMITTEE_RULES,
            RFQ_COMMITTEE_RULES,
            SINGLE_SOURCE_COMMITTEE_RULES,
            NEGOTIATION_COMMITTEE_RULES,
            CONSULTATION_COMMITTEE_RULES,
            FRAMEWORK_COMMITTEE_RULES,
        )
    },
)


def committee_rules(procedure: str) -> CommitteeRules:
    return COMMITTEE_RULES.for_id(procedure)


# ---- assessment and exit (R4.4) ----------------------------------------------------------------------

ASSESSMENT = LegalRule(
    f"{CITY_PLAN} 二；{PLAN63} 七(十四)",
    "对专家的工作态度、评标纪律、专业水平、保密情况等予以记录并进行定期考评，建立健全激励约束和退出机制，"
    "建立专家黑名单制度，强化专家责任追究。",
)
ASSESSMENT_AFTER_EVALUATION = LegalRule(
    f"{CITY_PLAN} 二",
    "每次评标（评审）结束后，对参加评标的专家的工作态度、评标纪律、专业水平、保密情况予以记录。",
)
BLACKLIST = LegalRule(
    f"{PLAN63} 七(十四)；{CITY_PLAN} 二",
    "健全专家选聘与退出机制，建立专家黑名单制度；列入黑名单或暂停资格的专家不得被抽取参加评标。",
)
SCORE_MAX_PER_ITEM = 10  # each of the four items is rated 0–10 (platform scale)


# ---- configuration ([U]: no statute fixes these numbers) ---------------------------------------------

REPEAT_LIMIT = LegalRule(
    f"{REG} 第46条；{CITY_PLAN} 二（平台配置）",
    "为防止专家与招标人形成固定关系，同一专家在一定期间内为同一招标人评标的次数受平台配置的上限限制。",
)
RESPONSE_WINDOW = LegalRule(
    f"{CITY_PLAN} 二（平台配置）",
    "专家应在通知规定的时限内确认是否参加评标；拒绝或逾期未确认的，从同一随机序列中依次补抽。",
)
SUSPENSION_THRESHOLD = LegalRule(
    f"{CITY_PLAN} 二；{PLAN63} 七(十四)（平台配置）",
    "专家综合评价分低于平台规定的分数线的，自动暂停其评标资格，经复核后方可恢复。",
)


def _setting(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    return int(value) if value is not None else default


def repeat_limit() -> tuple[Rule[int], Rule[int]]:
    """(max draws, within months) for the same principal: settings EXPERT_REPEAT_MAX / _MONTHS. [U]"""
    return (
        Rule(_setting("EXPERT_REPEAT_MAX", 3), REPEAT_LIMIT, unconfirmed=True),
        Rule(_setting("EXPERT_REPEAT_MONTHS", 12), REPEAT_LIMIT, unconfirmed=True),
    )


def response_window() -> Rule[timedelta]:
    """How long a drawn expert has to answer: settings EXPERT_RESPONSE_MINUTES (default 30). [U]"""
    return Rule(timedelta(minutes=_setting("EXPERT_RESPONSE_MINUTES", 30)), RESPONSE_WINDOW, unconfirmed=True)


def score_window() -> int:
    """The running score is the mean of the last N assessments: settings EXPERT_SCORE_WINDOW (10). [U]"""
    return max(1, _setting("EXPERT_SCORE_WINDOW", 10))


def suspension_threshold() -> Rule[Decimal]:
    """Running score (0–100) below which an expert is suspended: settings EXPERT_SUSPEND_BELOW (60). [U]"""
    return Rule(Decimal(_setting("EXPERT_SUSPEND_BELOW", 60)), SUSPENSION_THRESHOLD, unconfirmed=True)
