"""A failed government procurement re-run by another method with the finance department's approval
(政府采购法 第36–37条; 87号令 第43条): the purchaser asks, only the competent department decides, the new lot
follows the approved method and points back to the failed one."""

from datetime import timedelta

import pytest

from ggzy.kernel import chronograph, clock
from ggzy.kernel.errors import GgzyError
from ggzy.supervision.tests.conftest import finance
from ggzy.testing import actor_of, local
from ggzy.trading.actions import decide_method_change, publish_notice, request_method_change, retender
from ggzy.trading.models import Lot, MethodChange
from ggzy.trading.specs import PROCUREMENT_SINGLE_SOURCE_SPEC
from ggzy.trading.tests.conftest import Tender, purchase

__all__ = ["finance", "purchase"]
pytestmark = pytest.mark.django_db


def failed(purchase: Tender) -> Lot:
    """Nobody bids: at the deadline the lot fails (87号令 第41条)."""
    publish_notice(purchase.manager, purchase.notice.pk)
    clock.freeze(local(2026, 3, 24, 9))
    chronograph.sweep()
    clock.advance(timedelta(hours=1))
    lot = Lot.objects.get(pk=purchase.lot.pk)
    assert lot.state == Lot.State.FAILED
    return lot


def test_another_method_only_with_the_finance_departments_approval(purchase: Tender, finance) -> None:  # type: ignore[no-untyped-def]
    lot = failed(purchase)
    with pytest.raises(GgzyError) as unapproved:
        retender(purchase.manager, lot.code, "procurement_single_source")
    assert (
        unapproved.value.code == "method_change_not_approved" and "第43条" in unapproved.value.rule.citation
    )  # type: ignore[union-attr]
    with pytest.raises(GgzyError) as wrong:
        request_method_change(purchase.manager, lot.code, "construction_tender", "改为工程招标")
    assert wrong.value.code == "method_change_not_allowed"
    change = request_method_change(
        purchase.manager,
        lot.code,
        "procurement_single_source",
        "招标过程合规，仅一家供应商能够提供，申请单一来源",
    )
    assert change.status == MethodChange.Status.REQUESTED
    with pytest.raises(GgzyError) as housing:
        decide_method_change(
            actor_of("reg"), lot.code, True, "宁建复〔2026〕1号"
        )  # not the competent department
    assert housing.value.code == "not_competent_department"
    with pytest.raises(GgzyError):
        decide_method_change(actor_of("zb"), lot.code, True, "自批")  # the purchaser cannot approve itself
    decided = decide_method_change(finance, lot.code, True, "宁财采复〔2026〕12号")
    assert decided.status == MethodChange.Status.APPROVED
    new = retender(purchase.manager, lot.code, "procurement_single_source")
    assert new.procedure == PROCUREMENT_SINGLE_SOURCE_SPEC.key and new.previous_id == lot.pk
    assert new.bond_amount == 0  # single source takes no bond
    with pytest.raises(GgzyError):
        retender(purchase.manager, lot.code)  # one re-run per failed lot


def test_the_change_in_the_browser(purchase: Tender, finance) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import User
    from django.test import Client

    lot = failed(purchase)
    zb, czt = Client(), Client()
    zb.force_login(User.objects.get(username="zb"))
    czt.force_login(User.objects.get(username="czt"))
    project_page = f"/trading/projects/{purchase.project.code}/"
    page = zb.get(project_page).content.decode()
    assert "废标后的处理" in page and "报财政部门批准" in page and "政府采购单一来源采购" in page
    asked = zb.post(
        f"{project_page}lots/{lot.code}/method-change/",
        {"procedure": "procurement_single_source", "reason": "仅一家供应商能够提供"},
    )
    assert asked.status_code == 302
    supervision = czt.get(f"/supervision/lots/{lot.code}/").content.decode()
    assert (
        "变更采购方式的申请" in supervision
        and "政府采购单一来源采购" in supervision
        and "第43条" in supervision
    )
    refused = czt.post(
        f"/supervision/lots/{lot.code}/method-change/", {"do": "refuse", "decision_no": "宁财复1号"}
    )
    assert refused.status_code == 422  # a refusal states its reason
    approved = czt.post(
        f"/supervision/lots/{lot.code}/method-change/", {"do": "approve", "decision_no": "宁财复1号"}
    )
    assert approved.status_code == 302
    page = zb.get(project_page).content.decode()
    assert "按批准的方式重新采购" in page and "宁财复1号" in page
    rerun = zb.post(f"{project_page}lots/{lot.code}/rerun/", {"procedure": "procurement_single_source"})
    assert rerun.status_code == 302
    assert Lot.objects.get(previous=lot).procedure == PROCUREMENT_SINGLE_SOURCE_SPEC.key
    portal = Client().get(f"/portal/projects/{purchase.project.code}/").content.decode()
    assert "已重新采购" in portal  # the public sees the chain


def test_a_failed_tender_becomes_a_negotiation_with_its_two_suppliers(purchase: Tender, finance) -> None:  # type: ignore[no-untyped-def]
    """74号令 第27条第2款: an open tender of goods that got only two suppliers may, with the finance
    department's approval, go on as 竞争性谈判 with those two — invited, 2 the minimum throughout."""
    from ggzy.trading.actions import attach_document, create_notice
    from ggzy.trading.recommendations import recommend_supplier
    from ggzy.trading.schemas import DocumentMeta
    from ggzy.trading.specs import PROCUREMENT_NEGOTIATION_SPEC
    from ggzy.trading.tests.conftest import PURCHASE_DOCUMENTS, purchase_notice_form

    lot = failed(purchase)
    request_method_change(
        purchase.manager, lot.code, "procurement_negotiation", "仅两家供应商投标，招标文件和程序合规"
    )
    decide_method_change(finance, lot.code, True, "宁财采复〔2026〕13号")
    new = retender(purchase.manager, lot.code, "procurement_negotiation")
    assert new.procedure == PROCUREMENT_NEGOTIATION_SPEC.key and new.previous_id == lot.pk
    clock.freeze(local(2026, 3, 25, 9))
    form = purchase_notice_form(
        new.code,
        method="invited",
        docs_from=local(2026, 3, 25, 9),
        docs_until=local(2026, 3, 30, 17),
        bid_deadline=local(2026, 3, 31, 9),
        two_supplier_ground="failed_tender",
    )
    notice = create_notice(purchase.manager, purchase.project.code, form)
    attach_document(
        purchase.manager,
        notice.pk,
        DocumentMeta(title="谈判文件", signature=purchase.principal_key.sign(PURCHASE_DOCUMENTS).hex()),
        "谈判文件.pdf",
        PURCHASE_DOCUMENTS,
    )
    # The two suppliers of the tender, recommended in writing: one by the purchaser, one by an expert.
    from ggzy.experts.tests.conftest import make_expert

    recommend_supplier(purchase.manager, notice.pk, purchase.bidders[0][0].uscc, "原招标投标供应商")
    recommend_supplier(
        actor_of(make_expert().user.username), notice.pk, purchase.bidders[1][0].uscc, "原招标投标供应商"
    )
    published = publish_notice(purchase.manager, notice.pk)  # 2 invitees suffice on this ground
    assert published.invitees.count() == 2


def test_a_non_tendering_method_at_the_threshold_needs_prior_approval(
    vclock, network, system, finance
) -> None:  # type: ignore[no-untyped-def]
    """74号令 第4条; 214号 第4条: at or above the 公开招标数额标准 (200万 [U]), 询价, 谈判 and 磋商 start only
    with the finance department's approval; below it they need none."""
    from decimal import Decimal

    from ggzy.kernel.errors import InvalidInput
    from ggzy.trading.actions import request_method_approval
    from ggzy.trading.schemas import LotIn
    from ggzy.trading.tests.conftest import procurement

    def negotiation_of(value: str, name: str) -> Tender:
        return procurement(
            system,
            network,
            name,
            LotIn(
                name="物业服务", contract_kind="services", classify_code="C21", estimated_value=Decimal(value)
            ),
            "谈判文件",
            procedure="procurement_negotiation",
        )

    above = negotiation_of("2000000", "校园物业管理服务采购")
    with pytest.raises(InvalidInput) as unapproved:
        publish_notice(above.manager, above.notice.pk)
    assert unapproved.value.code == "method_not_approved" and "第4条" in unapproved.value.rule.citation  # type: ignore[union-attr]
    request_method_approval(above.manager, above.lot.code, "需求无法事先精确确定，拟采用竞争性谈判")
    decide_method_change(finance, above.lot.code, True, "宁财采复〔2026〕21号")
    assert publish_notice(above.manager, above.notice.pk).status == "published"
