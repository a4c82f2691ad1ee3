"""Statistics pages: tables with ECharts charts (echarts from npm, served as static) and CSV downloads."""

import csv
import io

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ggzy.analytics.queries import tables


def index(request: HttpRequest) -> HttpResponse:
    all_tables = tables()
    return render(
        request,
        "analytics/index.html",
        {
            "tables": list(all_tables.values()),
            "charts": {name: t.as_json() for name, t in all_tables.items()},
        },
    )


def table_csv(request: HttpRequest, name: str) -> HttpResponse:
    table = tables().get(name)
    if table is None:
        raise Http404(name)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="statistics-{name}.csv"'
    return response
