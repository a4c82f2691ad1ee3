"""The national data-spec output (《公共资源交易平台系统数据规范》) as JSON: the 工程建设 board (GCJS) and the
政府采购 board (ZFCG), chosen by the procedure of each project's lots.

GCJS data sets in process order (rules-cn D2): project, tender project, lot (标段), notice, bidder list,
opening record, candidates, result, contract. Field names follow D3 where it names them (TENDER_PROJECT_CODE,
BID_SECTION_CODE, UNIFIED_DEAL_CODE, CONTRACT_RECKON_PRICE, MARGIN_AMOUNT, CONTROL_PRICE, BID_OPEN_TIME,
WIN_BIDDER_CODE, PLATFORM_CODE, PUB_SERVICE_PLAT_CODE, DATA_TIMESTAMP); the others are our reading of the
same naming scheme, since the V2.0 field tables are unconfirmed ([U] in rules-cn D1).

ZFCG data sets (rules-cn D2 names the board, not its tables): the procurement project with its packages
(采购项目, PURCHASE_PROJECT), the procurement notice (采购公告, PURCHASE_QUALI_INQUERY_ANN), the suppliers
who bid with their prices (PURCHASE_TENDER_LIST), the award/deal result notice (中标/成交结果公告,
BID_DEAL_ANNOUNCE) and the contract (PURCHASE_CONTRACT). Table and field names are those a provincial public
service platform's exchange entities carry for the same spec ([S], one implementation; the official field
tables are [U]); we prefix them ZFCG_ as the GCJS sets are prefixed. There is no candidates' data set: the
method publishes none (87号令 第69条).

Every record carries PLATFORM_CODE, PUB_SERVICE_PLAT_CODE and DATA_TIMESTAMP. Content comes from
`public.project_view` only.
"""

from datetime import datetime
from typing import Any

from django.utils import timezone

from ggzy.disclosure.public import project_spec, project_view
from ggzy.disclosure.rules import Stage
from ggzy.exchange.models import Node
from ggzy.kernel import clock
from ggzy.trading.models import Project
from ggzy.trading.specs import spec

GCJS_DATASETS = (
    "GCJS_PROJECT",
    "GCJS_TENDER_PROJECT",
    "GCJS_BID_SECTION",
    "GCJS_TENDER_BULLETIN",
    "GCJS_BIDDER_LIST",
    "GCJS_BID_OPEN_RECORD",
    "GCJS_WIN_CANDIDATE",
    "GCJS_WIN_RESULT",
    "GCJS_CONTRACT",
)
ZFCG_DATASETS = (
    "ZFCG_PURCHASE_PROJECT",
    "ZFCG_PURCHASE_QUALI_INQUERY_ANN",
    "ZFCG_PURCHASE_TENDER_LIST",
    "ZFCG_BID_DEAL_ANNOUNCE",
    "ZFCG_PURCHASE_CONTRACT",
)
DATASETS = GCJS_DATASETS + ZFCG_DATASETS
# The board of each trade category; a category without its own board here goes out as before, in GCJS.
BOARDS = {"engineering": "GCJS", "procurement": "ZFCG"}
TENDER_MODE = {"open": "1", "invited": "2"}  # 招标方式代码: 1 公开招标, 2 邀请招标 (E15, [U] code table)
CODE_TYPE_USCC = "1"  # 主体代码类型: 统一社会信用代码 (E15 3.19, [U] code table)
CURRENCY_CNY = "156"  # 币种代码: 人民币 (GB/T 12406)
PRICE_UNIT_YUAN = "0"  # 金额单位: 元 ([U] code table)


def stamp(moment: datetime | None) -> str | None:
    """YYYYMMDDhhmmss in Beijing time (E15 version format)."""
    if moment is None:
        return None
    return timezone.localtime(moment).strftime("%Y%m%d%H%M%S")


def _money(value: Any) -> str | None:
    return None if value is None or value == "" else f"{value}"


def pub_service_plat_code() -> str:
    province = Node.objects.filter(level=Node.Level.PROVINCE).first()
    return (province.platform_code if province else "") or ""


def board_of(project: Project) -> str:
    """The board a project's data sets go to, by the category of its lots' procedure."""
    return BOARDS.get(project_spec(project).category, "GCJS")


def datasets(project: Project) -> dict[str, list[dict[str, Any]]]:
    view = project_view(project)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in DATASETS}
    if view["stage"] < Stage.PUBLISHED:
        return out
    common = {
        "PLATFORM_CODE": view["platform_code"],
        "PUB_SERVICE_PLAT_CODE": pub_service_plat_code(),
        "DATA_TIMESTAMP": stamp(clock.now()),
        "UNIFIED_DEAL_CODE": view["unified_deal_code"],
    }
    if board_of(project) == "ZFCG":
        _zfcg(view, common, out)
    else:
        _gcjs(view, common, out)
    return out


def _gcjs(view: dict[str, Any], common: dict[str, Any], out: dict[str, list[dict[str, Any]]]) -> None:
    code = view["code"]
    out["GCJS_PROJECT"].append(
        {
            **common,
            "PROJECT_CODE": code,
            "PROJECT_NAME": view["name"],
            "REGION_CODE": view["region_code"],
            "TOTAL_INVESTMENT": _money(view["total_investment"]),
            "FUND_SOURCE": view["funding"],
            "CREATE_TIME": stamp(view["created_at"]),
        }
    )
    first = view["notices"][0] if view["notices"] else None
    out["GCJS_TENDER_PROJECT"].append(
        {
            **common,
            "PROJECT_CODE": code,
            "TENDER_PROJECT_CODE": code,
            "TENDER_PROJECT_NAME": view["name"],
            "TENDER_PROJECT_TYPE": view["category"],
            "TENDERER_NAME": view["principal_name"],
            "TENDERER_CODE": view["principal_uscc"],
            "TENDERER_CODE_TYPE": CODE_TYPE_USCC,
            "TENDER_AGENCY_NAME": view.get("agent_name"),
            "TENDER_AGENCY_CODE": view.get("agent_uscc"),
            "TENDER_MODE": TENDER_MODE.get(first["method"], "") if first else None,
            "REGION_CODE": view["region_code"],
        }
    )
    for notice in view["notices"]:
        lots = [lot["code"] for lot in view["lots"] if lot["notice_id"] == notice["id"]]
        out["GCJS_TENDER_BULLETIN"].append(
            {
                **common,
                "TENDER_PROJECT_CODE": code,
                "BID_SECTION_CODES": ",".join(lots),
                "BULLETIN_NAME": notice["title"],
                "BULLETIN_CONTENT": notice["body"],
                "BULLETIN_TYPE": "1" if notice["method"] == "open" else "2",
                "BULLETIN_ISSUE_TIME": stamp(notice["published_at"]),
                "DOC_GET_START_TIME": stamp(notice["docs_from"]),
                "DOC_GET_END_TIME": stamp(notice["docs_until"]),
                "BID_DOC_REFER_END_TIME": stamp(notice["bid_deadline"]),
                "BID_OPEN_TIME": stamp(notice["opening_at"]),
                "URL": f"/portal/notices/{notice['id']}/",
            }
        )
    for lot in view["lots"]:
        if lot["stage"] < Stage.PUBLISHED:
            continue
        section = {**common, "TENDER_PROJECT_CODE": code, "BID_SECTION_CODE": lot["code"]}
        out["GCJS_BID_SECTION"].append(
            {
                **section,
                "BID_SECTION_NAME": lot["name"],
                "BID_SECTION_CLASSIFY_CODE": lot["classify_code"],
                "CONTRACT_RECKON_PRICE": _money(lot["estimated_value"]),
                "CONTROL_PRICE": _money(lot["control_price"]),
                "MARGIN_AMOUNT": _money(lot["bond_amount"]),
                "BID_SECTION_STATUS": lot["state"],
            }
        )
        opening = lot.get("opening")
        if opening:
            for row in opening["rows"]:
                out["GCJS_BIDDER_LIST"].append(
                    {
                        **section,
                        "BIDDER_NAME": row["bidder"],
                        "BIDDER_CODE": row["uscc"],
                        "BIDDER_CODE_TYPE": CODE_TYPE_USCC,
                    }
                )
            if opening.get("closed_at"):
                for row in opening["rows"]:
                    out["GCJS_BID_OPEN_RECORD"].append(
                        {
                            **section,
                            "BIDDER_NAME": row["bidder"],
                            "BIDDER_CODE": row["uscc"],
                            "BID_PRICE": _money(row.get("price")),
                            "TIME_LIMIT": row.get("duration_days"),
                            "QUALITY": row.get("quality"),
                            "PROJECT_MANAGER_NAME": row.get("project_manager"),
                            "DECRYPT_STATUS": row.get("status"),
                            "BID_OPEN_TIME": stamp(opening["started_at"]),
                            "BID_OPEN_RECORD_TIME": stamp(opening["closed_at"]),
                        }
                    )
        publicity = lot.get("publicity") or {}
        for c in lot["candidates"]:
            out["GCJS_WIN_CANDIDATE"].append(
                {
                    **section,
                    "WIN_CANDIDATE_ORDER": c["rank"],
                    "WIN_CANDIDATE_NAME": c["bidder"],
                    "WIN_CANDIDATE_CODE": c["uscc"],
                    "BID_PRICE": _money(c.get("price")),
                    "EVALUATION_SCORE": _money(c.get("score")),
                    "PROJECT_MANAGER_NAME": c.get("project_manager"),
                    "PUBLICITY_START_TIME": stamp(publicity.get("from")),
                    "PUBLICITY_END_TIME": stamp(publicity.get("until")),
                }
            )
        if lot["award"]:
            out["GCJS_WIN_RESULT"].append(
                {
                    **section,
                    "WIN_BIDDER_NAME": lot["award"]["winner"],
                    "WIN_BIDDER_CODE": lot["award"]["winner_uscc"],
                    "WIN_BIDDER_CODE_TYPE": CODE_TYPE_USCC,
                    "WIN_PRICE": _money(lot["award"]["price"]),
                    "WIN_NOTICE_TIME": stamp(lot["award"]["awarded_at"]),
                    "EVALUATION_COMMITTEE": "、".join(m["name"] for m in lot["committee"]),
                }
            )
        if lot["contract"]:
            out["GCJS_CONTRACT"].append(
                {
                    **section,
                    "CONTRACT_NAME": f"{view['name']} {lot['name']} 合同",
                    "WIN_BIDDER_CODE": lot["award"]["winner_uscc"] if lot["award"] else None,
                    "CONTRACT_PRICE": _money(lot["contract"]["amount"]),
                    "SIGN_TIME": stamp(lot["contract"]["signed_at"]),
                    "PERFORMANCE_BOND": _money(lot["contract"]["performance_bond"]),
                }
            )


def _zfcg(view: dict[str, Any], common: dict[str, Any], out: dict[str, list[dict[str, Any]]]) -> None:
    """Government procurement: the project by package, the notices, the suppliers who bid, the result notice
    (no candidates' publicity) and the contract."""
    code = view["code"]
    project = {**common, "PURCHASE_PROJECT_CODE": code, "PURCHASE_PROJECT_NAME": view["name"]}
    method = {notice["id"]: notice["method"] for notice in view["notices"]}
    for lot in view["lots"]:
        if lot["stage"] < Stage.PUBLISHED:
            continue
        section = {**project, "PURCHASE_SECTION_CODE": lot["code"]}
        out["ZFCG_PURCHASE_PROJECT"].append(
            {
                **section,
                "PURCHASE_SECTION_NAME": lot["name"],
                "PURCHASE_SECTION_CLASSIFY_CODE": lot["classify_code"],
                "TENDER_PROJECT_TYPE": view["category"],
                "PURCHASER_NAME": view["principal_name"],
                "PURCHASER_CODE": view["principal_uscc"],
                "PURCHASER_CODE_TYPE": CODE_TYPE_USCC,
                "PURCHASER_AGENCY_NAME": view.get("agent_name"),
                "PURCHASER_AGENCY_CODE": view.get("agent_uscc"),
                # 采购方式: the lot's method (询价, 谈判, …), not only open or invited tendering.
                "PURCHASER_MODE": spec(lot["procedure"]).national_modes.get(
                    method.get(lot["notice_id"], ""), ""
                ),
                "PROGRAM_BUDGET": _money(lot["estimated_value"]),
                "MAX_PRICE": _money(lot["control_price"]),
                "MARGIN_AMOUNT": _money(lot["bond_amount"]),
                "BUDGET_CURRENCY": CURRENCY_CNY,
                "UNIT_BUDGET": PRICE_UNIT_YUAN,
                "FUND_SOURCE": view["funding"],
                "REGION_CODE": view["region_code"],
                "CREATE_TIME": stamp(view["created_at"]),
                "SECTION_STATUS": lot["state"],
            }
        )
        opening = lot.get("opening")
        if opening and opening.get("closed_at"):
            for row in opening["rows"]:
                out["ZFCG_PURCHASE_TENDER_LIST"].append(
                    {
                        **section,
                        "BIDDER_NAME": row["bidder"],
                        "BIDDER_ORG_CODE": row["uscc"],
                        "BIDDER_CODE_TYPE": CODE_TYPE_USCC,
                        "BID_PRICE": _money(row.get("price")),
                        "PRICE_CURRENCY": CURRENCY_CNY,
                        "PRICE_UNIT": PRICE_UNIT_YUAN,
                        "DELIVERY_PERIOD": row.get("delivery_days"),
                        "BRAND": row.get("brand"),
                        "DECRYPT_STATUS": row.get("status"),
                        "BID_OPEN_TIME": stamp(opening["started_at"]),
                    }
                )
        award, result = lot.get("award"), lot.get("result")
        if award:
            out["ZFCG_BID_DEAL_ANNOUNCE"].append(
                {
                    **section,
                    "WIN_BID_BULLETIN_TITLE": f"{view['name']} {lot['name']} 中标结果公告",
                    "WIN_BID_BULLETIN_CONTENT": (
                        f"中标供应商：{award['winner']}；中标金额：{award['price']}元"
                        + (f"；公告期至{_local(result['notice_until'])}" if result else "")
                    ),
                    "WIN_BID_BULLETIN_START_TIME": stamp(
                        result["notice_from"] if result else award["awarded_at"]
                    ),
                    "WIN_BID_BULLETIN_END_TIME": stamp(result["notice_until"]) if result else None,
                    "WINNINGBIDDER_NAME": award["winner"],
                    "WINNINGBIDDER_CODE": award["winner_uscc"],
                    "WINNINGBIDDER_CODE_TYPE": CODE_TYPE_USCC,
                    "WIN_BID_PRICE": _money(award["price"]),
                    "CURRENCY_CODE": CURRENCY_CNY,
                    "PRICE_UNIT": PRICE_UNIT_YUAN,
                    "EXPERT_NAMES": "、".join(m["name"] for m in lot["committee"]),
                    "URL": f"/portal/projects/{code}/#lot-{lot['code']}",
                }
            )
        if lot["contract"]:
            out["ZFCG_PURCHASE_CONTRACT"].append(
                {
                    **section,
                    "CONTRACT_NAME": f"{view['name']} {lot['name']} 合同",
                    "PURCHASER_NAME": view["principal_name"],
                    "PURCHASER_CODE": view["principal_uscc"],
                    "SUPPLIER_NAME": award["winner"] if award else None,
                    "SUPPLIER_CODE": award["winner_uscc"] if award else None,
                    "CONTRACT_AMOUNT": _money(lot["contract"]["amount"]),
                    "CURRENCY_CODE": CURRENCY_CNY,
                    "PRICE_UNIT": PRICE_UNIT_YUAN,
                    "SIGNING_TIME": stamp(lot["contract"]["signed_at"]),
                    "PERFORMANCE_BOND": _money(lot["contract"]["performance_bond"]),
                    "URL": f"/portal/projects/{code}/#lot-{lot['code']}",
                }
            )
    for notice in view["notices"]:
        lots = [lot["code"] for lot in view["lots"] if lot["notice_id"] == notice["id"]]
        out["ZFCG_PURCHASE_QUALI_INQUERY_ANN"].append(
            {
                **project,
                "PURCHASE_SECTION_CODE": ",".join(lots),
                "BULLETIN_TITLE": notice["title"],
                "BULLETIN_CONTENT": notice["body"],
                "BULLETIN_TYPE": TENDER_MODE.get(notice["method"], ""),
                "BULLETIN_START_TIME": stamp(notice["published_at"]),
                "DOC_GET_START_TIME": stamp(notice["docs_from"]),
                "DOC_GET_END_TIME": stamp(notice["docs_until"]),
                "BID_CLOSING_TIME": stamp(notice["bid_deadline"]),
                "BID_OPEN_TIME": stamp(notice["opening_at"]),
                "URL": f"/portal/notices/{notice['id']}/",
            }
        )


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def document(projects: list[Project]) -> dict[str, Any]:
    """The data sets of several projects in one JSON document."""
    merged: dict[str, list[dict[str, Any]]] = {name: [] for name in DATASETS}
    for project in projects:
        for name, rows in datasets(project).items():
            merged[name].extend(rows)
    return {
        "PUB_SERVICE_PLAT_CODE": pub_service_plat_code(),
        "DATA_TIMESTAMP": stamp(clock.now()),
        "DATASETS": merged,
    }
