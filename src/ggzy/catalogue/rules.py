"""Rules of the trading catalogue (交易目录, R2) and of "must this project enter the platform?".

Every number the code compares against lives here with its source (DESIGN rule 2): the 16号令 thresholds
and funding tests, the D6 subject-code table, the comment period. Code paths read these objects; they never
hold a literal threshold. Values marked `unconfirmed=True` are [U]: configuration to be checked against the
official text before production (rules-cn.md §0 tags).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from ggzy.kernel.errors import LegalRule
from ggzy.kernel.rules import Rule

ORDER16 = "必须招标的工程项目规定（国家发展改革委令第16号）"
TENDER_LAW = "中华人民共和国招标投标法"
PLAN63 = "国务院办公厅关于印发整合建立统一的公共资源交易平台工作方案的通知（国办发〔2015〕63号）"
CITY_PLAN = "公共资源交易平台整合实施方案（市级）"  # seeds/001, "a city implementation plan"
JIANGSU = "关于深化公共资源交易平台整合共享的实施意见（苏政办发〔2020〕）"  # seeds/004


# --- the catalogue itself (R2) ---------------------------------------------------------------------------

CATALOGUE_RULE = LegalRule(
    f"{CITY_PLAN} 三.1；{JIANGSU} (四)",
    "定期编制统一的公共资源交易目录，列出必须在统一平台上交易的公共资源项目范围；目录编制包括进场交易的范围、标准和"
    "规模。各设区市可以根据省交易目录，结合当地实际，制定和发布本地区交易目录。",
)
CONSULTATION_RULE = LegalRule(
    f"{CITY_PLAN} 三.1",
    "公共资源交易目录实行动态管理；目录的制定和调整前，公开征求意见并组织论证或者听证。",
)
ENTER_RULE = LegalRule(
    f"{CITY_PLAN} 三.1；{PLAN63} 三(三)",
    "列入公共资源交易目录的项目，全过程在公共资源交易平台交易，禁止任何形式的场外交易，实现所有项目应进必进。",
)
PRIVATE_CHOICE_RULE = LegalRule(
    f"{PLAN63} 三(三)",
    "民间投资的不属于依法必须招标的项目，由建设单位自主决定是否进入统一平台。",
)
NO_FORCED_ENTRY_RULE = LegalRule(
    f"{PLAN63} 六(十二)",
    "各级公共资源交易平台不得强制非公共资源交易项目在平台交易。",
)
BRANCH_RULE = LegalRule(
    f"{PLAN63} 四(五)",
    "县级政府不再新设公共资源交易平台，已经设立的应整合为市级公共资源交易平台的分支机构。",
)

# The comment period (R2.2). The seeds require public comment but name no length. [U] The default and
# minimum follow 重大行政决策程序暂行条例（国务院令第713号）第14条 "公开征求意见的期限一般不少于30日";
# settings.CATALOGUE_COMMENT_DAYS overrides it (configuration, not law).
COMMENT_PERIOD = Rule(
    30,
    LegalRule(
        f"{CITY_PLAN} 三.1；重大行政决策程序暂行条例（国务院令第713号）第14条",
        "目录的制定和调整前，公开征求意见；公开征求意见的期限一般不少于30日。",
    ),
    unconfirmed=True,
)
COMMENT_MAX_CHARS = 2000


def comment_days() -> int:
    """The comment period in calendar days: settings.CATALOGUE_COMMENT_DAYS, else COMMENT_PERIOD."""
    configured = getattr(settings, "CATALOGUE_COMMENT_DAYS", None)
    return int(configured) if configured is not None else COMMENT_PERIOD.value


def comment_rule() -> LegalRule:
    days = comment_days()
    if days == COMMENT_PERIOD.value:
        return COMMENT_PERIOD.legal
    return LegalRule(
        COMMENT_PERIOD.legal.citation, f"目录的制定和调整前，公开征求意见；本平台配置的征求意见期为{days}日。"
    )


# --- D6: 标段(包)分类代码 (rules-cn D6 [S]) -------------------------------------------------------------

SUBJECT_KIND_RULE = LegalRule(
    "公共资源交易平台系统数据规范 §9.8.7 标段(包)分类代码（rules-cn D6 [S]）",
    "标段(包)分类代码第1位：A 工程，B 货物，C 服务，D 产权，E 土地；工程类第2–3位为工程类别代码01–10。",
)
ENGINEERING_CLASS_RULE = LegalRule(
    "评标专家专业分类标准（试行）（发改法规〔2010〕1538号）（rules-cn D6 [S]）",
    "01 规划，02 投资策划，03 勘察，04 设计，05 监理，06 造价，07 项目管理，08 施工，09 其他，10 工程总承包。",
)

# What kind of contract (16号令 第5条: 施工 / 货物 / 服务) a subject stands for. D (产权) and E (土地) are not
# contracts of 第5条: a threshold on them is compared with the total of every estimate given.
WORKS, GOODS, SERVICES = "works", "goods", "services"


@dataclass(frozen=True)
class SubjectKindRow:
    name: str
    en: str
    contract_kind: str | None


SUBJECT_KINDS: dict[str, SubjectKindRow] = {
    "A": SubjectKindRow("工程", "works", WORKS),
    "B": SubjectKindRow("货物", "goods", GOODS),
    "C": SubjectKindRow("服务", "services", SERVICES),
    "D": SubjectKindRow("产权", "property rights", None),
    "E": SubjectKindRow("土地", "land", None),
}


@dataclass(frozen=True)
class EngineeringClass:
    name: str
    en: str
    contract_kind: str


# 16号令 第5条 names 施工 (works) and 勘察、设计、监理等服务 (services). [U] 10 工程总承包 is counted as works
# and 01/02/06/07/09 as services ("等服务"); the order itself does not classify them.
ENGINEERING_CLASSES: dict[str, EngineeringClass] = {
    "01": EngineeringClass("规划", "planning", SERVICES),
    "02": EngineeringClass("投资策划", "investment planning", SERVICES),
    "03": EngineeringClass("勘察", "survey", SERVICES),
    "04": EngineeringClass("设计", "design", SERVICES),
    "05": EngineeringClass("监理", "supervision", SERVICES),
    "06": EngineeringClass("造价", "cost consulting", SERVICES),
    "07": EngineeringClass("项目管理", "project management", SERVICES),
    "08": EngineeringClass("施工", "construction", WORKS),
    "09": EngineeringClass("其他", "other", SERVICES),
    "10": EngineeringClass("工程总承包", "EPC", WORKS),
}


def contract_kind_of(subject_kind: str, subject_class: str = "") -> str | None:
    """The 16号令 contract kind a D6 subject stands for (None: no contract kind, e.g. land)."""
    if not subject_kind:
        return None
    if subject_kind == "A" and subject_class:
        return ENGINEERING_CLASSES[subject_class].contract_kind
    return SUBJECT_KINDS[subject_kind].contract_kind


def subject_label(subject_kind: str, subject_class: str = "") -> str:
    if not subject_kind:
        return ""
    label = SUBJECT_KINDS[subject_kind].name
    if subject_class:
        label += f"·{ENGINEERING_CLASSES[subject_class].name}"
    return f"{subject_kind}{subject_class} {label}"


# --- 16号令: which engineering projects must be tendered (rules-cn T19 [C]) --------------------------------

BOUNDARY_RULE = LegalRule(
    "中华人民共和国民法典 第1259条",
    "民法所称的“以上”、“以下”、“以内”、“届满”，包括本数；所称的“不满”、“超过”、“以外”，不包括本数。",
)
TENDER_SCOPE_RULE = LegalRule(
    f"{TENDER_LAW} 第3条",
    "在中华人民共和国境内进行下列工程建设项目包括项目的勘察、设计、施工、监理以及与工程建设有关的重要设备、材料等的"
    "采购，必须进行招标：（一）大型基础设施、公用事业等关系社会公共利益、公众安全的项目；（二）全部或者部分使用国有"
    "资金投资或者国家融资的项目；（三）使用国际组织或者外国政府贷款、援助资金的项目。",
)
BUDGET_FUNDS = Rule(
    Decimal("2000000"),
    LegalRule(
        f"{ORDER16} 第2条第1项",
        "全部或者部分使用国有资金投资或者国家融资的项目包括：使用预算资金200万元人民币以上，并且该资金占投资额10%以上的"
        "项目。",
    ),
)
BUDGET_SHARE = Rule(Decimal("0.10"), BUDGET_FUNDS.legal)
STATE_OWNED_CONTROL = LegalRule(
    f"{ORDER16} 第2条第2项",
    "全部或者部分使用国有资金投资或者国家融资的项目包括：使用国有企业事业单位资金，并且该资金占控股或者主导地位的项目。",
)
FOREIGN_FUNDS = LegalRule(
    f"{ORDER16} 第3条",
    "使用国际组织或者外国政府贷款、援助资金的项目包括：（一）使用世界银行、亚洲开发银行等国际组织贷款、援助资金的项目；"
    "（二）使用外国政府及其机构贷款、援助资金的项目。",
)
# [U] the 843号 list is quoted from memory of the published text; verify before production.
PUBLIC_INTEREST = Rule(
    True,
    LegalRule(
        f"{ORDER16} 第4条；必须招标的基础设施和公用事业项目范围规定（发改法规规〔2018〕843号）第2条",
        "不属于第二条、第三条规定情形的大型基础设施、公用事业等关系社会公共利益、公众安全的项目（能源、交通运输、通信、"
        "水利、城市轨道交通等城建基础设施项目），必须招标的具体范围由国务院发展改革部门会同国务院有关部门制订。",
    ),
    unconfirmed=True,
)
COMBINED_CONTRACTS = LegalRule(
    f"{ORDER16} 第5条第2款",
    "同一项目中可以合并进行的勘察、设计、施工、监理以及与工程建设有关的重要设备、材料等的采购，合同估算价合计达到前款"
    "规定标准的，必须招标。",
)


@dataclass(frozen=True)
class ContractThreshold:
    kind: str
    zh: str
    en: str
    amount: Decimal
    legal: LegalRule


# 16号令 第5条第1款: "以上" includes the boundary (BOUNDARY_RULE), so amount >= threshold must be tendered.
THRESHOLDS: dict[str, ContractThreshold] = {
    WORKS: ContractThreshold(
        WORKS,
        "施工",
        "works",
        Decimal("4000000"),
        LegalRule(f"{ORDER16} 第5条第1款第1项", "施工单项合同估算价在400万元人民币以上的，必须招标。"),
    ),
    GOODS: ContractThreshold(
        GOODS,
        "重要设备、材料等货物",
        "goods (important equipment and materials)",
        Decimal("2000000"),
        LegalRule(
            f"{ORDER16} 第5条第1款第2项",
            "重要设备、材料等货物的采购，单项合同估算价在200万元人民币以上的，必须招标。",
        ),
    ),
    SERVICES: ContractThreshold(
        SERVICES,
        "勘察、设计、监理等服务",
        "services (survey, design, supervision and the like)",
        Decimal("1000000"),
        LegalRule(
            f"{ORDER16} 第5条第1款第3项",
            "勘察、设计、监理等服务的采购，单项合同估算价在100万元人民币以上的，必须招标。",
        ),
    ),
}

LOOSENING_RULE = LegalRule(
    f"{ORDER16} 第5条；{TENDER_LAW} 第3条",
    "依法必须招标的标准由国家规定；交易目录可以在此之外增列进场项目，不得以“法定”名义放宽法定标准。",
)


# --- the demo national catalogue (load_national_catalogue) -----------------------------------------------


@dataclass(frozen=True)
class NationalItem:
    category: str
    subject_kind: str
    subject_class: str
    name: str
    threshold: Decimal | None
    statutory_threshold: bool
    funding_scope: str
    basis: str
    scope: str
    citation: str
    unconfirmed: bool = False


NATIONAL_CATALOGUE_CODE = "GJ-16"
NATIONAL_CATALOGUE_TITLE = "公共资源交易目录（国家规定汇编，演示）"
NATIONAL_CATALOGUE_CITATION = (
    f"{ORDER16}；{TENDER_LAW} 第3条；{PLAN63} 三(三)。仅汇编国家已有规定，演示用；"
    "地方交易目录须经征求意见后由本平台另行发布。"
)
_ENGINEERING_SCOPE = (
    "全部或者部分使用国有资金投资或者国家融资、使用国际组织或者外国政府贷款援助资金，以及大型基础设施、公用事业等"
    "项目（16号令第2–4条）"
)
_NO_THRESHOLD = "【无法定金额限额】"
_PROCUREMENT_LIMIT = (
    "【限额为配置值，非法定统一标准】使用财政性资金采购集中采购目录以内或者采购限额标准以上的{what}；演示限额取分散"
    "采购限额标准100万元（中央预算单位标准，各省由省级人民政府确定）。"
)
_PROCUREMENT_CITATION = (
    "中华人民共和国政府采购法 第2条；中央预算单位政府集中采购目录及标准（2020年版）（rules-cn G14 [U]）"
)
_NINGBO = "宁波市公共资源交易管理条例 第12条（rules-cn A4 [C]）"


def _engineering(subject_kind: str, subject_class: str, name: str, kind: str, what: str) -> NationalItem:
    """An engineering item carrying the statutory 16号令 第5条 threshold of its contract kind."""
    threshold = THRESHOLDS[kind]
    return NationalItem(
        category="engineering",
        subject_kind=subject_kind,
        subject_class=subject_class,
        name=name,
        threshold=threshold.amount,
        statutory_threshold=True,
        funding_scope="public",
        basis="law",
        scope=f"{_ENGINEERING_SCOPE}中，{what}单项合同估算价（可合并的合计）{threshold.amount / 10000:.0f}万元以上。",
        citation=threshold.legal.citation,
    )


def _always(
    category: str, subject_kind: str, name: str, funding: str, basis: str, scope: str, citation: str
) -> NationalItem:
    """An item without any amount limit: every such trade enters (no statutory threshold exists)."""
    return NationalItem(
        category=category,
        subject_kind=subject_kind,
        subject_class="",
        name=name,
        threshold=None,
        statutory_threshold=False,
        funding_scope=funding,
        basis=basis,
        scope=f"{_NO_THRESHOLD}{scope}",
        citation=citation,
    )


NATIONAL_ITEMS: tuple[NationalItem, ...] = (
    _engineering("A", "08", "工程施工", WORKS, "施工"),
    _engineering("B", "", "与工程建设有关的重要设备、材料等货物", GOODS, "重要设备、材料等货物"),
    _engineering("A", "03", "工程勘察", SERVICES, "勘察、设计、监理等服务"),
    _engineering("A", "04", "工程设计", SERVICES, "勘察、设计、监理等服务"),
    _engineering("A", "05", "工程监理", SERVICES, "勘察、设计、监理等服务"),
    NationalItem(
        category="procurement",
        subject_kind="B",
        subject_class="",
        name="政府采购货物",
        threshold=Decimal("1000000"),
        statutory_threshold=False,
        funding_scope="non_private",
        basis="law",
        scope=_PROCUREMENT_LIMIT.format(what="货物"),
        citation=_PROCUREMENT_CITATION,
        unconfirmed=True,
    ),
    NationalItem(
        category="procurement",
        subject_kind="C",
        subject_class="",
        name="政府采购服务",
        threshold=Decimal("1000000"),
        statutory_threshold=False,
        funding_scope="non_private",
        basis="law",
        scope=_PROCUREMENT_LIMIT.format(what="服务"),
        citation=_PROCUREMENT_CITATION,
        unconfirmed=True,
    ),
    _always(
        "land",
        "E",
        "国有建设用地使用权招标、拍卖、挂牌出让",
        "all",
        "law",
        "以招标、拍卖、挂牌方式出让国有土地使用权的，一律在统一的公共资源交易平台交易。",
        "中华人民共和国土地管理法实施条例 第18条（rules-cn L1 [C]）",
    ),
    _always(
        "mining",
        "D",
        "探矿权、采矿权竞争性出让",
        "all",
        "law",
        "矿业权以招标、拍卖、挂牌等竞争性方式出让。",
        "中华人民共和国矿产资源法（2024修订）第17条（rules-cn L1 [C]）",
    ),
    _always(
        "state_assets",
        "D",
        "企业国有资产（产权）转让",
        "all",
        "law",
        "国有资产转让应当在依法设立的产权交易场所公开进行；征集产生的受让方为两个以上的，采取公开竞价方式。",
        "中华人民共和国企业国有资产法 第54条（rules-cn L1 [C]）",
    ),
    _always(
        "medical",
        "B",
        "药品和医用耗材集中采购",
        "non_private",
        "catalogue",
        "公立医疗机构药品和医用耗材集中带量采购，依政策纳入统一平台体系。",
        f"{PLAN63} 三(三)；{JIANGSU} (三)",
    ),
    _always(
        "natural_resources",
        "D",
        "其他自然资源（林权、水权、海域使用权等）出让转让",
        "all",
        "catalogue",
        "适合以市场化方式配置的自然资源出让转让，按目录纳入统一平台。",
        f"{PLAN63} 三(三)；{JIANGSU} (四)",
    ),
    _always(
        "concession",
        "D",
        "特许经营权出让",
        "all",
        "catalogue",
        "基础设施和公用事业特许经营权等以市场化方式出让的，按目录进场。",
        f"{PLAN63} 三(三)；{_NINGBO}",
    ),
    _always(
        "rural_collective",
        "D",
        "农村集体产权（资产股权）交易",
        "all",
        "catalogue",
        "农村集体资产、资源等产权交易，按目录进场。",
        f"{PLAN63} 三(三)；{_NINGBO}",
    ),
    _always(
        "environmental_rights",
        "D",
        "排污权、碳排放权、用能权交易",
        "all",
        "catalogue",
        "环境权益的出让转让，按目录进场。",
        f"{JIANGSU} (四)；{_NINGBO}",
    ),
)
