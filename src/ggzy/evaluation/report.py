"""The evaluation report (评标报告): one HTML page for the screen and one PDF that the members sign.

The PDF uses the Adobe CID font STSong-Light (no embedding needed for Chinese) and is written with
`invariant=1`, so the same records always give the same bytes and the same SM3.
"""

import io
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ggzy.bidding.models import Bid
from ggzy.evaluation import scoring
from ggzy.evaluation.models import Clarification, CommitteeMember, Evaluation
from ggzy.evaluation.rules import REJECTION_GROUNDS
from ggzy.evaluation.schemas import PlanIn
from ggzy.trading.models import Lot, Project

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
BODY = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=15)
TITLE = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=1)
HEAD = ParagraphStyle("head", fontName=FONT, fontSize=12, leading=18, spaceBefore=8)


@dataclass(frozen=True)
class ReportData:
    lot: Lot
    project: Project
    method: str
    members: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    candidates: list[dict[str, Any]]
    clarifications: list[Clarification]


def member_name(member: CommitteeMember) -> str:
    """An expert by the name in the expert library; a representative by the account's name."""
    expert = getattr(member.user, "expert", None)
    return expert.name if expert is not None else (member.user.first_name or member.user.username)


def report_data(evaluation: Evaluation, plan: PlanIn, ranked: list[scoring.Ranked]) -> ReportData:
    lot = evaluation.lot
    rank_of = {r.bid_id: r for r in ranked}
    rows = []
    for bid in lot.bids.select_related("bidder").order_by("submitted_at", "pk"):
        if bid.status in {Bid.Status.SUPERSEDED, Bid.Status.WITHDRAWN}:
            continue
        rejection = getattr(bid, "rejection", None)
        r = rank_of.get(bid.pk)
        rows.append(
            {
                "bidder": bid.bidder.name,
                "price": (bid.bid_form or {}).get("price", "—"),
                "status": bid.get_status_display(),
                "rejected": f"{REJECTION_GROUNDS[rejection.ground]}：{rejection.reason}" if rejection else "",
                "rank": r.rank if r else "",
                "score": r.score if r and r.score is not None else "",
            }
        )
    return ReportData(
        lot=lot,
        project=lot.project,
        method="综合评估法" if plan.method == "comprehensive" else "经评审的最低投标价法",
        members=[
            {"name": member_name(m), "kind": m.get_kind_display(), "chair": m.is_chair}
            for m in evaluation.members.select_related("user__expert").order_by("-is_chair", "id")
        ],
        rows=rows,
        candidates=[
            {"rank": c.rank, "bidder": c.bid.bidder.name, "price": c.price, "score": c.score}
            for c in evaluation.candidates.select_related("bid__bidder")
        ],
        clarifications=list(evaluation.clarifications.select_related("bid__bidder")),
    )


def _pdf(data: ReportData) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title="评标报告", invariant=1)
    members = "；".join(f"{m['name']}（{m['kind']}{'，组长' if m['chair'] else ''}）" for m in data.members)
    story: list[Any] = [
        Paragraph("评 标 报 告", TITLE),
        Spacer(1, 8),
        Paragraph(f"项目：{data.project.name}（{data.project.code}）", BODY),
        Paragraph(f"标段：{data.lot.name}（{data.lot.code}）；评标办法：{data.method}", BODY),
        Paragraph("一、评标委员会", HEAD),
        Paragraph(members, BODY),
        Paragraph("二、投标及评审情况", HEAD),
    ]
    table: list[list[Any]] = [["投标人", "投标报价（元）", "状态", "得分", "排序", "否决理由"]]
    for row in data.rows:
        table.append(
            [
                Paragraph(str(row["bidder"]), BODY),
                str(row["price"]),
                row["status"],
                str(row["score"]),
                str(row["rank"]),
                Paragraph(row["rejected"], BODY),
            ]
        )
    grid = Table(table, colWidths=[120, 80, 70, 45, 35, 130])
    grid.setStyle(
        TableStyle([("FONT", (0, 0), (-1, -1), FONT, 9), ("GRID", (0, 0), (-1, -1), 0.5, colors.grey)])
    )
    story += [grid, Paragraph("三、推荐的中标候选人", HEAD)]
    for c in data.candidates:
        score = f"，综合得分{c['score']}" if c["score"] is not None else ""
        story.append(Paragraph(f"第{c['rank']}名：{c['bidder']}，投标报价{c['price']}元{score}", BODY))
    story.append(Paragraph("四、评标委员会成员签名（SM2电子签名，见平台签名记录）", HEAD))
    doc.build(story)
    return buffer.getvalue()


def render_report(evaluation: Evaluation, plan: PlanIn, ranked: list[scoring.Ranked]) -> tuple[str, bytes]:
    data = report_data(evaluation, plan, ranked)
    return render_to_string("evaluation/report.html", vars(data)), _pdf(data)
