"""Statistics as JSON (R11). Mounted on the main API as `api.add_router("/analytics", router)`."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from ggzy.analytics.queries import tables
from ggzy.kernel.errors import NotFound

router = Router(tags=["analytics"], auth=None)


@router.get("/tables", summary="全部统计表")
def all_tables(request: HttpRequest) -> list[dict[str, Any]]:
    return [t.as_json() for t in tables().values()]


@router.get("/tables/{name}", summary="一张统计表：category、method、region、month、bidders、savings")
def one_table(request: HttpRequest, name: str) -> dict[str, Any]:
    table = tables().get(name)
    if table is None:
        raise NotFound("table_not_found", f"没有统计表{name}", f"No table {name}")
    return table.as_json()
