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
from ggzy.evaluation.rules import REJECTION_GROUNDS, evaluation_rules_for
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


def _price(offered: object, evaluated: object) -> str:
    """The offered price, and the evaluated one after the SME deduction when it differs."""
    return f"{offered}（评审价{evaluated}）" if evaluated is not None else str(offered)


def _method(lot: Lot, plan: PlanIn) -> str:
    name = evaluation_rules_for(lot).methods.value.get(plan.method, plan.method)
    if plan.sme_deduction:
        name += f"（小微企业报价扣除{plan.sme_deduction:.0%}后参与评审）"
    return name


def report_data(
    evaluation: Evaluation,
    plan: PlanIn,
    ranked: list[scoring.Ranked],
    set_aside: list[scoring.SetAside] | tuple[scoring.SetAside, ...] = (),
) -> ReportData:
    lot = evaluation.lot
    rank_of = {r.bid_id: r for r in ranked}
    aside_of = {a.bid_id: a for a in set_aside}
    bids = list(lot.bids.select_related("bidder").order_by("submitted_at", "pk"))
    name_of = {b.pk: b.bidder.name for b in bids}
    rows = []
    for bid in bids:
        if bid.status in {Bid.Status.SUPERSEDED, Bid.Status.WITHDRAWN}:
            continue
        rejection = getattr(bid, "rejection", None)
        r = rank_of.get(bid.pk)
        aside = aside_of.get(bid.pk)
        score = r.score if r else aside.score if aside else None
        note = ""
        if rejection:
            note = f"{REJECTION_GROUNDS[rejection.ground]}：{rejection.reason}"
        elif aside:
            better = "得分较高" if plan.method == "comprehensive" else "报价较低"
            note = (
                f"与{name_of.get(aside.kept_bid_id, '')}为同品牌投标，按一家计算，由{better}者参与排序，"
                "本投标不作为中标候选人（政府采购货物和服务招标投标管理办法 第31条）"
            )
        rows.append(
            {
                "bidder": bid.bidder.name,
                "price": _price((bid.bid_form or {}).get("price", "—"), r.evaluated_price if r else None),
                "status": bid.get_status_display(),
                "rejected": note,
                "rank": r.rank if r else "",
                "score": score if score is not None else "",
            }
        )
    return ReportData(
        lot=lot,
        project=lot.project,
        method=_method(lot, plan),
        members=[
            {"name": member_name(m), "kind": m.get_kind_display(), "chair": m.is_chair}
            for m in evaluation.members.select_related("user__expert").order_by("-is_chair", "id")
        ],
        rows=rows,
        candidates=[
            {
                "rank": c.rank,
                "bidder": c.bid.bidder.name,
                "price": _price(c.price, rank_of[c.bid_id].evaluated_price if c.bid_id in rank_of else None),
                "score": c.score,
            }
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
    table: list[list[Any]] = [["投标人", "投标报价（元）", "状态", "得分", "排序", "否决理由/备注"]]
    for row in data.rows:
        table.append(
            [
                Paragraph(str(row["bidder"]), BODY),
                Paragraph(str(row["price"]), BODY),
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


def render_report(
    evaluation: Evaluation,
    plan: PlanIn,
    ranked: list[scoring.Ranked],
    set_aside: list[scoring.SetAside] | tuple[scoring.SetAside, ...] = (),
) -> tuple[str, bytes]:
    data = report_data(evaluation, plan, ranked, set_aside)
    return render_to_string("evaluation/report.html", vars(data)), _pdf(data)
