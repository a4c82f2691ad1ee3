"""Read-side questions of the portal: filtered lists and full-text search over the index, monthly batches."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from ggzy.disclosure import search
from ggzy.disclosure.models import SearchDoc
from ggzy.disclosure.public import public_notices
from ggzy.kernel.errors import InvalidInput
from ggzy.trading.models import Project

PAGE_SIZE = 20


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _amount(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


def region_prefix(code: str) -> str:
    """640100 → 6401 (the city and its counties); 640000 → 64; 640121 → 640121."""
    code = (code or "").strip()
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


@dataclass
class Filters:
    q: str = ""
    kind: str = ""
    category: str = ""
    method: str = ""
    region: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    page: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_query(cls, params: QueryDict | dict[str, Any], *, kind: str = "") -> "Filters":
        get = params.get
        page = parse_page(get("page"))
        return cls(
            q=(get("q") or "").strip()[:200],
            kind=(get("kind") or kind or "").strip(),
            category=(get("category") or "").strip(),
            method=(get("method") or "").strip(),
            region=(get("region") or "").strip(),
            status=(get("status") or "").strip(),
            date_from=_date(get("date_from")),
            date_to=_date(get("date_to")),
            amount_min=_amount(get("amount_min")),
            amount_max=_amount(get("amount_max")),
            page=page,
        )


def find(filters: Filters) -> tuple[QuerySet[SearchDoc], search.Query]:
    """Index rows matching the filters and the query, newest first (the same on SQLite and PostgreSQL)."""
    qs = SearchDoc.objects.all()
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.method:
        qs = qs.filter(method=filters.method)
    if filters.region:
        qs = qs.filter(region_code__startswith=region_prefix(filters.region))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.date_from:
        qs = qs.filter(published_at__gte=timezone.make_aware(datetime.combine(filters.date_from, time.min)))
    if filters.date_to:
        end = timezone.make_aware(datetime.combine(filters.date_to + timedelta(days=1), time.min))
        qs = qs.filter(published_at__lt=end)
    if filters.amount_min is not None:
        qs = qs.filter(amount__gte=filters.amount_min)
    if filters.amount_max is not None:
        qs = qs.filter(amount__lte=filters.amount_max)
    query = search.parse(filters.q)
    qs = search.matching(qs, query)
    return qs.order_by("-published_at", "-id"), query


# Counting every match of a broad query over a large index costs seconds; past this many, "10000+" says
# enough (the pages beyond it stay reachable by refining the query).
COUNT_CAP = 10_000


# The last page anyone may ask for: far beyond COUNT_CAP, yet an offset every database holds.
MAX_PAGE = 100_000


def parse_page(raw: object) -> int:
    """The page number of the portal listings and the search API (one parser for all): missing, not a
    number or below 1 is the first page; above MAX_PAGE is refused (an offset beyond 64 bits was a 500)."""
    try:
        page = int(str(raw).strip()) if raw not in (None, "") else 1
    except ValueError:
        return 1
    if page > MAX_PAGE:
        raise InvalidInput(
            "page_out_of_range",
            f"页码超出范围：最大为{MAX_PAGE}（请缩小检索条件）",
            f"Page out of range: at most {MAX_PAGE} (narrow the query)",
            details={"max_page": MAX_PAGE},
        )
    return max(1, page)


def page_of(qs: QuerySet[SearchDoc], page: int) -> tuple[list[SearchDoc], int]:
    """One page of results and the number of matches, counted up to COUNT_CAP + 1."""
    total = qs.order_by().values("pk")[: COUNT_CAP + 1].count()  # no sort needed to count
    start = (page - 1) * PAGE_SIZE
    return list(qs[start : start + PAGE_SIZE]), total


def month_of(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m")


def months() -> list[tuple[str, int]]:
    """Months with projects first published in them, newest first, with the number of projects."""
    first: dict[int, datetime] = {}
    for project_id, published in public_notices().values_list("project_id", "published_at"):
        if published is not None and (project_id not in first or published < first[project_id]):
            first[project_id] = published
    counts = Counter(month_of(m) for m in first.values())
    return sorted(counts.items(), reverse=True)


def projects_of_month(month: str) -> list[Project]:
    first: dict[int, datetime] = {}
    for project_id, published in public_notices().values_list("project_id", "published_at"):
        if published is not None and (project_id not in first or published < first[project_id]):
            first[project_id] = published
    ids = [pid for pid, moment in first.items() if month_of(moment) == month]
    return list(
        Project.objects.filter(pk__in=ids).select_related("node", "principal", "agent").order_by("code")
    )


def valid_month(month: str) -> bool:
    try:
        datetime.strptime(month, "%Y-%m")
    except ValueError:
        return False
    return True
