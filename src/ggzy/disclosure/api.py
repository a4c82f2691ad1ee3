"""Open data endpoints (R6.2, R1.4): the change feed, search, OCDS 1.1, the national data-spec output,
monthly bulk downloads and the disclosure table itself. No login: everything here is public by law.

Mounted on the main API as `api.add_router("/disclosure", router)`.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from ggzy.disclosure import feed, gcjs, ocds, queries
from ggzy.disclosure.public import is_public_project
from ggzy.disclosure.rules import TABLE, Stage
from ggzy.kernel.checkpoints import latest_checkpoint_document
from ggzy.kernel.errors import InvalidInput, NotFound
from ggzy.kernel.limits import Code, Reason
from ggzy.trading.models import Project

router = Router(tags=["disclosure"], auth=None)


class FeedItemOut(Schema):
    seq: int
    at: str
    change: str
    project: str | None = None
    category: str | None = None  # the trade category (engineering, procurement, ...)
    ocid: str | None = None
    lot: str | None = None
    notice_id: int | None = None
    document_id: int | None = None
    links: dict[str, str] = {}


class FeedPageOut(Schema):
    items: list[FeedItemOut]
    next_after: int
    has_more: bool
    # The newest signed audit checkpoint (kernel.checkpoints): feed readers keep them; all of them are
    # at /api/audit/checkpoints?since=SEQ.
    checkpoint: dict[str, object] | None = None


class SearchFilters(Schema):
    q: Reason = ""
    kind: Code = ""
    category: Code = ""
    method: Code = ""
    region: Code = ""
    status: Code = ""
    date_from: Code = ""
    date_to: Code = ""
    amount_min: Code = ""
    amount_max: Code = ""
    page: int = 1


@router.get("/feed", response=FeedPageOut, summary="变更订阅：按审计链序号（即提交顺序）游标分页，不漏不乱")
def change_feed(request: HttpRequest, after: int = 0, limit: int = feed.DEFAULT_LIMIT) -> dict[str, Any]:
    if after < 0:
        raise InvalidInput("feed_after", "after 不能为负数", "after must not be negative")
    page = feed.page(after, limit)
    items = [{**item, "at": item["at"].isoformat()} for item in page.items]
    return {
        "items": items,
        "next_after": page.next_after,
        "has_more": page.has_more,
        "checkpoint": latest_checkpoint_document(),
    }


@router.get("/search", summary='全文检索（中文分词；"短语"、甲 NEAR/3 乙）与筛选')
def search_api(request: HttpRequest, filters: Query[SearchFilters]) -> dict[str, Any]:
    found = queries.Filters.from_query(filters.dict())
    qs, query = queries.find(found)
    rows, total = queries.page_of(qs, found.page)
    return {
        "total": min(total, queries.COUNT_CAP),
        "total_is_lower_bound": total > queries.COUNT_CAP,
        "page": found.page,
        "page_size": queries.PAGE_SIZE,
        "tokens": query.terms,
        "results": [
            {
                "kind": d.kind,
                "title": d.title,
                "url": d.url,
                "project": d.project_code or None,
                "category": d.category,
                "method": d.method,
                "region_code": d.region_code,
                "status": d.status,
                "amount": str(d.amount) if d.amount is not None else None,
                "published_at": d.published_at.isoformat(),
                "snippet": str(queries.search.snippet(d.body or d.title, query)),
            }
            for d in rows
        ],
    }


def _project(code: str) -> Project:
    project = Project.objects.select_related("node", "principal", "agent").filter(code=code).first()
    if project is None or not is_public_project(project):
        raise NotFound("project_not_found", f"未找到已公开的项目{code}", f"No public project {code}")
    return project


@router.get("/ocds/{code}/releases", summary="OCDS 1.1 发布包（release package）")
def ocds_releases(request: HttpRequest, code: str) -> dict[str, Any]:
    return ocds.release_package(_project(code))


@router.get("/ocds/{code}/record", summary="OCDS 1.1 记录包（record package，含 compiledRelease）")
def ocds_record(request: HttpRequest, code: str) -> dict[str, Any]:
    project = _project(code)
    return ocds.record_package([project], uri=f"{ocds.base_url()}/api/disclosure/ocds/{code}/record")


@router.get("/gcjs/{code}", summary="国家数据规范（工程建设GCJS、政府采购ZFCG数据集）")
def gcjs_project(request: HttpRequest, code: str) -> dict[str, Any]:
    return gcjs.document([_project(code)])


@router.get("/bulk", summary="按月批量下载：月份与项目数")
def bulk_index(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "month": month,
            "projects": count,
            "ocds": f"/api/disclosure/bulk/{month}/ocds",
            "gcjs": f"/api/disclosure/bulk/{month}/gcjs",
        }
        for month, count in queries.months()
    ]


def _month(month: str) -> str:
    if not queries.valid_month(month):
        raise InvalidInput("bulk_month", "月份格式应为 YYYY-MM", "month must be YYYY-MM")
    return month


@router.get("/bulk/{month}/ocds", summary="某月首次发布的项目：OCDS 记录包")
def bulk_ocds(request: HttpRequest, month: str) -> dict[str, Any]:
    projects = queries.projects_of_month(_month(month))
    return ocds.record_package(projects, uri=f"{ocds.base_url()}/api/disclosure/bulk/{month}/ocds")


@router.get("/bulk/{month}/gcjs", summary="某月首次发布的项目：国家数据规范数据集")
def bulk_gcjs(request: HttpRequest, month: str) -> dict[str, Any]:
    return gcjs.document(queries.projects_of_month(_month(month)))


@router.get("/rules", summary="信息公开规则表：每个字段何时公开、依据")
def disclosure_rules(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "dataset": r.dataset,
            "field": r.field,
            "label": r.label,
            "public_from": "never"
            if r.public_from is None
            else ("always" if r.public_from == Stage.UNPUBLISHED else r.public_from.name.lower()),
            "citation": r.rule.citation,
        }
        for r in TABLE
    ]
