"""Inviting suppliers by written recommendation (采购人和评审专家分别书面推荐: 74号令 第12条; 214号 第6条).

The third lawful way to invite suppliers to 竞争性谈判, 询价 and 竞争性磋商, besides a notice and a random
draw from the supplier library: the purchaser (or its agent) and evaluation experts each recommend
suppliers in writing with their reasons. The recommended suppliers become the notice's invitees; the
notice is published only if at least 3 are recommended and the purchaser recommended no more than half
of them. The recommenders' opinions are kept for the result notice (74号令 第18条).
"""

from decimal import Decimal

from django.contrib.auth.models import User

from ggzy.catalogue.models import TradeCategory
from ggzy.credit import enforcement
from ggzy.kernel import audit, clock
from ggzy.kernel.actions import action
from ggzy.kernel.errors import Conflict, InvalidInput, LegalRule, NotFound, PermissionDenied
from ggzy.kernel.roles import Actor, Role
from ggzy.kernel.rules import Rule
from ggzy.registry.models import Entity, EntityKind
from ggzy.trading.actions import notice_spec
from ggzy.trading.models import InviteeDraw, Notice, Recommendation
from ggzy.trading.rules import InviteeDraw as DrawMode
from ggzy.trading.rules import TenderRules, draw_mode

RECOMMENDATION = LegalRule(
    "政府采购非招标采购方式管理办法（财政部令第74号） 第12条；财库〔2014〕214号 第6条",
    "采用采购人和评审专家书面推荐方式选择供应商的，采购人和评审专家应当各自出具书面推荐意见。采购人推荐供应商的比例不得"
    "高于推荐供应商总数的50%。",
)
# The purchaser's share of the suppliers recommended, at most (74号令 第12条).
PURCHASER_SHARE = Rule(Decimal("0.5"), RECOMMENDATION)


def _notice(notice_id: int) -> Notice:
    notice = (
        Notice.objects.select_for_update(of=("self",)).select_related("project").filter(pk=notice_id).first()
    )
    if notice is None:
        raise NotFound("notice_not_found", "未找到公告", "No such notice")
    return notice


def _allowed(notice: Notice) -> TenderRules:
    rules = notice_spec(notice).rules
    if notice.method != Notice.Method.INVITED or draw_mode(rules) is not DrawMode.ALLOWED:
        raise InvalidInput(
            "recommendation_not_applicable",
            "只有竞争性谈判、询价、竞争性磋商以邀请方式选择供应商时，可由采购人和评审专家书面推荐",
            "Written recommendations apply to invitations in negotiation, RFQ and consultation only",
            rule=RECOMMENDATION,
        )
    return rules


def _by_purchaser(actor: Actor, notice: Notice) -> bool:
    """The project's principal or agent recommends as the purchaser; an evaluation expert as an expert."""
    if actor.entity_id is not None and actor.entity_id in {
        notice.project.principal_id,
        notice.project.agent_id,
    }:
        return True
    if actor.has(Role.EXPERT):
        return False
    raise PermissionDenied(
        "recommender_role",
        "书面推荐由采购人（或其代理机构）和评审专家分别出具",
        "Recommendations come from the purchaser (or its agent) and from evaluation experts",
        rule=RECOMMENDATION,
    )


@action("trading.recommend_supplier")
def recommend_supplier(actor: Actor, notice_id: int, supplier_uscc: str, opinion: str) -> Recommendation:
    """A written recommendation of one supplier; the supplier joins the draft notice's invitees."""
    notice = _notice(notice_id)
    by_purchaser = _by_purchaser(actor, notice)
    _allowed(notice)
    if notice.status != Notice.Status.DRAFT:
        raise InvalidInput(
            "notice_not_draft", "公告已发布，不能再推荐供应商", "The notice is published already"
        )
    if InviteeDraw.objects.filter(notice=notice).exists():
        raise Conflict(
            "invitees_by_draw_already",
            "本公告已从供应商库随机抽取，不能再书面推荐",
            "This notice draws its invitees from the library",
        )
    supplier = Entity.objects.filter(uscc=(supplier_uscc or "").strip().upper()).first()
    if supplier is None or not supplier.kinds.filter(kind=EntityKind.BIDDER).exists():
        raise InvalidInput(
            "supplier_unknown", "被推荐的供应商未在平台登记", "The supplier is not registered as a bidder"
        )
    enforcement.check(supplier, "bid", category=TradeCategory.PROCUREMENT)
    if not (opinion or "").strip():
        raise InvalidInput(
            "recommendation_opinion",
            "请写明书面推荐意见",
            "Write the recommendation's reasons",
            rule=RECOMMENDATION,
        )
    username = actor.name
    if Recommendation.objects.filter(notice=notice, supplier=supplier, recommender=username).exists():
        raise Conflict("recommended_already", "您已推荐过该供应商", "You recommended this supplier already")
    recommendation = Recommendation.objects.create(
        notice=notice,
        supplier=supplier,
        by_purchaser=by_purchaser,
        recommender=username,
        recommender_name=User.objects.filter(pk=actor.user_id or 0)
        .values_list("first_name", flat=True)
        .first()
        or username,
        opinion=opinion.strip(),
        made_at=clock.now(),
    )
    notice.invitees.add(supplier)
    audit.record(
        recommendation,
        {"notice": notice.pk, "supplier": supplier.uscc, "by_purchaser": by_purchaser},
        sealed_by=notice,
    )
    return recommendation


def check_recommendations(notice: Notice) -> None:
    """At publication: invited suppliers not drawn from the library must each be recommended in writing,
    and the purchaser may have recommended at most half of the suppliers recommended (74号令 第12条)."""
    if notice.method != Notice.Method.INVITED or draw_mode(notice_spec(notice).rules) is not DrawMode.ALLOWED:
        return
    if InviteeDraw.objects.filter(notice=notice, status=InviteeDraw.Status.DRAWN).exists():
        return
    recommended = set(notice.recommendations.values_list("supplier_id", flat=True))
    named = set(notice.invitees.values_list("pk", flat=True)) - recommended
    if named:
        raise InvalidInput(
            "invitees_not_recommended",
            "被邀请的供应商应通过公告、从供应商库随机抽取或由采购人和评审专家分别书面推荐产生，不得直接指定",
            "Invitees come from a notice, a library draw or written recommendations, not by naming",
            rule=RECOMMENDATION,
            details={"named": len(named)},
        )
    by_purchaser = set(notice.recommendations.filter(by_purchaser=True).values_list("supplier_id", flat=True))
    if recommended and Decimal(len(by_purchaser)) > PURCHASER_SHARE.value * len(recommended):
        raise InvalidInput(
            "purchaser_share",
            f"采购人推荐的供应商（{len(by_purchaser)}家）超过推荐供应商总数（{len(recommended)}家）的50%",
            f"The purchaser recommended {len(by_purchaser)} of {len(recommended)}: more than half",
            rule=PURCHASER_SHARE.legal,
            details={"by_purchaser": len(by_purchaser), "recommended": len(recommended)},
        )
