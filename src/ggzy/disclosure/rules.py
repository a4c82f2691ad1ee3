"""What is public, and from when: ONE table for the portal, the change feed, search, OCDS, the national
data-spec output and the bulk downloads (R6.1, R6.3; DESIGN rules 7 and 9).

Every field any public output carries is declared here with the stage of the lot from which it is public
(or `None`: never), and the rule that says so. `public()` builds an output record from a dict of values and
keeps only the fields public at the given stage; a field that is not declared raises `UndeclaredField`, so
nothing reaches the public without a line in this table.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from ggzy.kernel.errors import LegalRule


class Stage(IntEnum):
    """How far a lot (or the record shown with it) has gone, as far as disclosure is concerned."""

    UNPUBLISHED = 0  # a draft: nothing is public
    PUBLISHED = 1  # the notice is out: the tender itself
    OPENED = 2  # the bid deadline passed and the opening started: who bid
    OPENING_CLOSED = 3  # decryption closed, the opening record is published: prices
    CANDIDATES = 4  # the candidates' publicity started
    RESULT = 5  # the award: the winner, and the committee's names
    CONTRACTED = 6  # the contract is signed

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    Stage.UNPUBLISHED: "未发布",
    Stage.PUBLISHED: "已发布公告",
    Stage.OPENED: "已开标",
    Stage.OPENING_CLOSED: "开标记录已公布",
    Stage.CANDIDATES: "中标候选人公示",
    Stage.RESULT: "已定标",
    Stage.CONTRACTED: "已签订合同",
}

ALWAYS = Stage.UNPUBLISHED  # public data of the registry: shown whatever the stage of any trade
NEVER = None

E41 = LegalRule(
    "电子招标投标办法 第41条",
    "交易平台应当依法及时公开：招标人名称、项目概况（范围、规模、资金来源）、招标代理机构、投标人资格要求和项目负责人、"
    "中标人名称、中标金额、签约时间、合同期限等信息。",
)
E21 = LegalRule(
    "电子招标投标办法 第21条；招标投标法 第22条",
    "在投标截止时间前，不得向他人透露已获取招标文件的潜在投标人的名称、数量以及可能影响公平竞争的其他情况。",
)
E30 = LegalRule(
    "电子招标投标办法 第30、32条；招标投标法 第36条",
    "开标时，电子招标投标交易平台自动提取所有投标文件，公布投标人名称、投标价格和招标文件规定的其他内容；开标记录向社会公开。",
)
GP11 = LegalRule(
    "中华人民共和国政府采购法 第11条",
    "政府采购的信息应当在政府采购监督管理部门指定的媒体上及时向社会公开发布，但涉及商业秘密的除外。",
)
FA35 = LegalRule(
    "政府采购框架协议采购方式管理暂行办法（财政部令第110号） 第35条",
    "采用二次竞价、顺序轮候方式确定成交供应商的，征集人应当在确定成交供应商之日起2个工作日内逐笔发布成交结果公告；"
    "框架协议期满后10个工作日内发布成交结果汇总公告。",
)
T21 = LegalRule(
    "招标投标法实施条例 第54条；国家发展改革委令第10号",
    "依法必须进行招标的项目，招标人应当自收到评标报告之日起3日内公示中标候选人（排序、名称、投标报价、质量、工期、项目负责人等）。",
)
X1 = LegalRule(
    "评标委员会和评标方法暂行规定（12号令）第8条",
    "评标委员会成员的名单在中标结果确定前应当保密。",
)
G11 = LegalRule(
    "政府采购法实施条例 第50条；电子招标投标办法 第41条",
    "合同签订后应当公告，公开中标人、合同金额、签约时间与合同期限。",
)
G69 = LegalRule(
    "政府采购货物和服务招标投标管理办法（财政部令第87号）第69条；财库〔2017〕86号",
    "采购人确定中标人后2个工作日内发出中标通知书并公告中标结果（中标人名称、中标金额、公告期限、评审专家名单等），"
    "公告期限为1个工作日；政府采购不公示中标候选人，评审得分与排序只告知未中标的投标人本人。",
)
R63 = LegalRule(
    "个人信息保护法 第28条；江苏省意见（2020）第(十)条；R6.3",
    "身份证件号码、手机号码、联系人、银行账户等个人敏感信息和商业秘密不得公开，不得用于商业用途。",
)
R11 = LegalRule(
    "国办发〔2015〕63号 第(十一)条；R3.1",
    "市场主体登记信息在全省共享：名称、统一社会信用代码、法定代表人、住所、资质等主体公开信息向社会公开。",
)
R52 = LegalRule(
    "国办发〔2015〕63号 第(十)条；R5.2",
    "规则清理结果在交易平台公布，接受社会监督。",
)


@dataclass(frozen=True)
class FieldRule:
    dataset: str
    field: str
    public_from: Stage | None
    rule: LegalRule
    label: str

    @property
    def never(self) -> bool:
        return self.public_from is None


def _rows(
    dataset: str, public_from: Stage | None, rule: LegalRule, fields: dict[str, str]
) -> list[FieldRule]:
    return [FieldRule(dataset, name, public_from, rule, label) for name, label in fields.items()]


TABLE: list[FieldRule] = [
    # --- the project and its notice: public from publication (E41) ---
    *_rows(
        "project",
        Stage.PUBLISHED,
        E41,
        {
            "code": "项目编号",
            "unified_deal_code": "统一交易标识码",
            "name": "项目名称",
            "category": "交易类别",
            "principal_name": "招标人",
            "principal_uscc": "招标人统一社会信用代码",
            "agent_name": "招标代理机构",
            "agent_uscc": "招标代理机构统一社会信用代码",
            "total_investment": "总投资（元）",
            "state_budget_amount": "预算资金（元）",
            "funding": "资金来源",
            "node": "交易平台",
            "platform_code": "交易平台标识代码",
            "region_code": "行政区划代码",
            "region_name": "行政区划",
            "must_enter": "应进平台交易",
            "created_at": "登记时间",
        },
    ),
    *_rows(
        "notice",
        Stage.PUBLISHED,
        E41,
        {
            "id": "公告编号",
            "title": "标题",
            "body": "公告正文",
            "method": "招标方式",
            "status": "状态",
            "published_at": "发布时间",
            "docs_from": "招标文件获取开始时间",
            "docs_until": "招标文件获取截止时间",
            "bid_deadline": "投标截止时间",
            "opening_at": "开标时间",
            "validity_days": "投标有效期（日）",
            "terminated_at": "终止时间",
            "termination_reason": "终止原因",
        },
    ),
    *_rows(
        "lot",
        Stage.PUBLISHED,
        E41,
        {
            "code": "标段编号",
            "name": "标段名称",
            "contract_kind": "合同类型",
            "classify_code": "标段分类代码",
            "estimated_value": "估算价（元）",
            "control_price": "最高投标限价（元）",
            "bond_amount": "投标保证金（元）",
            "state": "状态",
            "stage": "公开阶段",
            "outcome_reason": "流标/终止原因",
        },
    ),
    *_rows(
        "document",
        Stage.PUBLISHED,
        LegalRule(
            "电子招标投标办法 第20、40条",
            "招标文件及其澄清、修改通过交易平台向潜在投标人公开提供，并使用可靠的电子签名。",
        ),
        {
            "id": "文件编号",
            "kind": "类型",
            "title": "标题",
            "filename": "文件名",
            "size": "大小",
            "sm3": "SM3摘要",
            "signer": "签名单位",
            "published_at": "发布时间",
            "new_bid_deadline": "顺延后的投标截止时间",
            "text": "文件文本（检索用）",
        },
    ),
    # --- who took the documents: never (before the deadline by law; afterwards only to the parties) ---
    *_rows(
        "download",
        NEVER,
        E21,
        {
            "entity": "获取招标文件的单位",
            "downloaded_by": "下载人",
            "ip": "网络地址",
            "downloaded_at": "下载时间",
        },
    ),
    # --- bids: who bid from the opening, what they offered once the opening record closes ---
    *_rows(
        "opening_row",
        Stage.OPENED,
        E30,
        {"bidder": "投标人", "uscc": "投标人统一社会信用代码"},
    ),
    *_rows(
        "opening_row",
        Stage.OPENING_CLOSED,
        E30,
        {
            "status": "解密状态",
            "price": "投标报价（元）",
            "duration_days": "工期（日）",
            "quality": "质量",
            "project_manager": "项目负责人",
            "delivery_days": "交货期或服务期限（日）",
            "brand": "核心产品品牌",
            "bond": "保证金",
            "decrypted_at": "解密时间",
            "fault": "未解密原因",
        },
    ),
    *_rows(
        "opening",
        Stage.OPENED,
        E30,
        {"started_at": "开标时间", "bidders": "投标人数量"},
    ),
    *_rows("opening", Stage.OPENING_CLOSED, E30, {"closed_at": "开标记录公布时间"}),
    *_rows(
        "bid",
        NEVER,
        R63,
        {
            "receipt_no": "回执编号",
            "fingerprint": "编制机器特征码",
            "upload_ip": "上传地址",
            "decrypt_ip": "解密地址",
            "bid_form": "投标函原文",
            "envelope": "投标文件密文",
        },
    ),
    *_rows(
        "bond",
        NEVER,
        R63,
        {
            "payer_account": "付款账号",
            "payer_name": "付款户名",
            "virtual_account": "虚拟子账户",
            "guarantee_no": "保函编号",
        },
    ),
    # --- evaluation and award ---
    *_rows(
        "candidate",
        Stage.CANDIDATES,
        T21,
        {
            "rank": "排序",
            "bidder": "中标候选人",
            "uscc": "统一社会信用代码",
            "price": "投标报价（元）",
            "score": "评标得分",
            "project_manager": "项目负责人",
            "publicity_from": "公示开始",
            "publicity_until": "公示截止",
        },
    ),
    *_rows(
        "award",
        Stage.RESULT,
        E41,
        {
            "winner": "中标人",
            "winner_uscc": "中标人统一社会信用代码",
            "price": "中标金额（元）",
            "awarded_at": "定标时间",
        },
    ),
    # Government procurement: the result notice with its notice period, instead of a candidates' publicity;
    # a winner deemed chosen (rank 1 after the purchaser let the decision period pass) or a lawful reason
    # for passing over the first-ranked is part of the decision published (87号令 第68条).
    *_rows(
        "result_notice",
        Stage.RESULT,
        G69,
        {
            "notice_from": "中标结果公告发布时间",
            "notice_until": "公告期截止",
            "notice_period": "公告期限",
            "deemed": "视同确定排名第一的中标候选人",
            "decision_reason": "未确定排名第一的理由",
        },
    ),
    *_rows(
        "contract",
        Stage.CONTRACTED,
        G11,
        {
            "amount": "合同金额（元）",
            "signed_at": "签约时间",
            "performance_bond": "履约保证金（元）",
            "sm3": "合同文本SM3",
        },
    ),
    # 框架协议采购: the admitted suppliers at their agreement prices from the admission, the agreement and the
    # purchases under it once signed (政府采购法 第11条; 110号令 第35条: each result of a rotation or second
    # bid within 2 working days — direct selections are published with them, more open than the minimum).
    *_rows(
        "framework", Stage.RESULT, GP11, {"admitted_at": "入围结果确定时间", "sign_due": "框架协议签订期限"}
    ),
    *_rows(
        "framework",
        Stage.CONTRACTED,
        GP11,
        {
            "signed_at": "框架协议签订时间",
            "term_from": "协议期限起",
            "term_until": "协议期限止",
            "sm3": "框架协议文本SM3",
        },
    ),
    *_rows(
        "framework_member",
        Stage.RESULT,
        GP11,
        {
            "order": "轮候顺序",
            "supplier": "入围供应商",
            "uscc": "入围供应商统一社会信用代码",
            "price": "协议价格（元）",
        },
    ),
    *_rows(
        "call_off",
        Stage.CONTRACTED,
        FA35,
        {
            "method": "确定成交供应商的方式",
            "purchaser": "采购人",
            "supplier": "成交供应商",
            "uscc": "成交供应商统一社会信用代码",
            "quantity": "数量",
            "unit_price": "成交单价（元）",
            "amount": "成交金额（元）",
            "awarded_at": "成交时间",
        },
    ),
    *_rows("expert", Stage.RESULT, X1, {"name": "评标委员会成员", "kind": "身份", "chair": "组长"}),
    *_rows(
        "expert",
        NEVER,
        R63,
        {"mobile": "手机号码", "id_number": "身份证号码", "username": "账户", "employer": "工作单位"},
    ),
    *_rows("score", NEVER, X1, {"points": "各专家评分明细"}),
    # --- market entities (registry public data) and what never leaves the platform ---
    *_rows(
        "entity",
        ALWAYS,
        R11,
        {
            "uscc": "统一社会信用代码",
            "name": "名称",
            "kinds": "主体类型",
            "legal_representative": "法定代表人",
            "address": "住所",
            "region_code": "行政区划代码",
            "region_name": "行政区划",
            "node": "注册节点",
            "status": "状态",
            "registered_at": "注册时间",
            "qualifications": "资质",
        },
    ),
    *_rows(
        "contact",
        NEVER,
        R63,
        {"name": "联系人", "mobile": "手机号码", "email": "电子邮箱", "phone": "电话"},
    ),
    *_rows(
        "account", NEVER, R63, {"username": "账户", "mobile": "手机号码", "email": "电子邮箱", "name": "姓名"}
    ),
    *_rows("person", NEVER, R63, {"id_number": "身份证号码", "mobile": "手机号码"}),
    *_rows("objection", NEVER, E21, {"raised_by": "异议人", "text": "异议内容"}),
    # --- published penalties (credit app): public decisions on entities; nothing of persons' identity ---
    *_rows(
        "penalty",
        ALWAYS,
        LegalRule(
            "发改法规〔2022〕1117号 第(二十)条",
            "行政处罚信息依法公开，推送至全国信用信息共享平台并在信用中国公示。",
        ),
        {
            "uscc": "统一社会信用代码",
            "subject_name": "名称",
            "kind": "类别",
            "severity": "严重程度",
            "ban": "市场禁入",
            "basis_citation": "依据",
            "decision_no": "决定文书号",
            "authority": "作出决定机关",
            "facts": "事实",
            "valid_from": "有效期起",
            "valid_until": "有效期至",
        },
    ),
    *_rows("penalty", NEVER, R63, {"id_digest": "身份证号摘要", "recorded_by": "记录人"}),
    # --- the platform's own public records ---
    *_rows(
        "cleanup",
        ALWAYS,
        R52,
        {
            "id": "编号",
            "title": "标题",
            "document_no": "文号",
            "body": "清理结果",
            "result": "处理结果",
            "node": "发布平台",
            "published_at": "发布时间",
        },
    ),
]

RULES: dict[tuple[str, str], FieldRule] = {(r.dataset, r.field): r for r in TABLE}


class UndeclaredField(KeyError):
    """A public output tried to carry a field the disclosure table does not declare."""


def rule_for(dataset: str, field: str) -> FieldRule:
    try:
        return RULES[(dataset, field)]
    except KeyError:
        raise UndeclaredField(f"{dataset}.{field} is not declared in ggzy.disclosure.rules.TABLE") from None


def is_public(dataset: str, field: str, stage: Stage) -> bool:
    rule = rule_for(dataset, field)
    return rule.public_from is not None and stage >= rule.public_from


def public(dataset: str, stage: Stage, values: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of `values` that are public at `stage` (undeclared fields raise)."""
    return {key: value for key, value in values.items() if is_public(dataset, key, stage)}


def private_fields() -> list[FieldRule]:
    return [r for r in TABLE if r.never]


def datasets() -> list[str]:
    return list(dict.fromkeys(r.dataset for r in TABLE))
