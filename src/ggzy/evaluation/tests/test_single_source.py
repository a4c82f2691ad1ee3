"""单一来源 (sole source; 政府采购法 第31、39条, 条例 第38条, 74号令 第38–43条, G150–G152, SM-GP-SS): the
publicity of ≥ 5 working days is the notice, an objection during it holds the purchase until answered, one
supplier only, no bond, the panel agrees the price, a price above the budget ends the purchase."""

from decimal import Decimal

import pytest

from ggzy.bidding.actions import complete_upload, decrypt_bid, start_upload, write_chunk
from ggzy.evaluation import actions, award
from ggzy.evaluation.schemas import CommitteeIn
from ggzy.experts.actions import respond
from ggzy.experts.tests.conftest import make_expert, run_draw
from ggzy.kernel import chronograph, clock
from ggzy.kernel.errors import GgzyError, InvalidInput
from ggzy.registry.actions import add_entity_user
from ggzy.testing import account_form, actor_of, local, procurement_bid_form, seal_bid
from ggzy.trading.actions import (
    answer_objection,
    create_project,
    publish_notice,
    raise_objection,
)
from ggzy.trading.models import Lot, Notice
from ggzy.trading.schemas import LotIn, ProjectIn
from ggzy.trading.specs import PROCUREMENT_SINGLE_SOURCE_SPEC
from ggzy.trading.tests.conftest import procurement, purchase_notice_form
from ggzy_guomi import Sm2PrivateKey, sm3_hex, unwrap_file_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def sole(vclock, network, system):  # type: ignore[no-untyped-def]
    """A sole-source purchase of a maintenance service from its only supplier (tb0), not yet published;
    publicity Wed 4 → Wed 11 March (5 working days), the response afterwards."""
    purchase = procurement(
        system,
        network,
        "原厂设备维保单一来源采购",
        LotIn(
            name="维保服务", contract_kind="services", classify_code="C01", estimated_value=Decimal("900000")
        ),
        "单一来源采购文件",
        purchase_notice_form(
            "", method="invited", docs_until=local(2026, 3, 11, 17), bid_deadline=local(2026, 3, 12, 9)
        ),
        procedure="procurement_single_source",
        suppliers=2,
    )
    purchase.notice.invitees.set([purchase.bidders[0][0]])  # the one supplier the publicity names
    return purchase.lot, purchase.notice, purchase.bidders


def respond_and_open(lot: Lot, supplier, price: str) -> str:  # type: ignore[no-untyped-def]
    entity, key = supplier
    envelope = seal_bid(lot.code, entity, key, price, form=procurement_bid_form(price))
    job, _ = start_upload(actor_of("tb0"), lot.code, len(envelope), sm3_hex(envelope))
    write_chunk(actor_of("tb0"), job.public_id, 0, len(envelope), envelope)
    complete_upload(actor_of("tb0"), job.public_id)
    clock.freeze(local(2026, 3, 12, 9))
    chronograph.sweep()
    keys = {n: k.hex() for n, k in unwrap_file_keys(envelope, key).items()}
    return decrypt_bid(actor_of("tb0"), lot.code, sm3_hex(envelope), keys).receipt_no


def seat_panel(lot: Lot) -> tuple[list[str], dict[str, Sm2PrivateKey]]:
    from datetime import timedelta

    for _ in range(6):
        make_expert()
    draw = run_draw(lot.code, rows=[("A08", 2)], representatives=1, evaluation_at=local(2026, 3, 12, 9, 30))
    experts = []
    for call in draw.calls.select_related("expert__user"):
        respond(actor_of(call.expert.user.username), call.pk, True, "")
        experts.append(call.expert.user.username)
    clock.advance(timedelta(minutes=30))
    chronograph.sweep()
    add_entity_user(actor_of("zb"), lot.project.principal.uscc, account_form("zbdb"))
    actions.start_evaluation(
        actor_of("op"), lot.code, CommitteeIn(experts=experts, representatives=["zbdb"], chair=experts[0])
    )
    keys = {u: Sm2PrivateKey.generate() for u in [*experts, "zbdb"]}
    for username, key in keys.items():
        actions.sign_in(actor_of(username), lot.code, key.public_key.to_pem(), True)
    return [*experts, "zbdb"], keys


def test_one_supplier_no_bond_a_publicity_of_five_working_days(sole) -> None:  # type: ignore[no-untyped-def]
    lot, notice, suppliers = sole
    assert lot.procedure == PROCUREMENT_SINGLE_SOURCE_SPEC.key and lot.bond_amount == 0
    notice.invitees.add(suppliers[1][0])
    with pytest.raises(InvalidInput) as two:
        publish_notice(actor_of("zb"), notice.pk)
    assert two.value.code == "too_many_invitees" and "第31" in two.value.rule.citation  # type: ignore[union-attr]
    notice.invitees.remove(suppliers[1][0])
    publish_notice(actor_of("zb"), notice.pk)
    with pytest.raises(InvalidInput) as bond:
        create_project(
            actor_of("zb"),
            ProjectIn(
                name="x",
                category="procurement",
                procedure="procurement_single_source",
                total_investment=Decimal("100000"),
                lots=[
                    LotIn(
                        name="x",
                        contract_kind="goods",
                        classify_code="B01",
                        estimated_value=Decimal("100000"),
                        bond_amount=Decimal("1"),
                    )
                ],
            ),
        )
    assert bond.value.code == "bond_too_high"
    from datetime import date

    from ggzy.trading.rules import PROCUREMENT_SINGLE_SOURCE

    publicity = PROCUREMENT_SINGLE_SOURCE.doc_sale_days
    assert publicity.end(date(2026, 4, 1)) == date(2026, 4, 9)  # 2, 3, (清明), 7, 8, 9: 5 working days
    assert publicity.text == "5个工作日" and "第38条" in publicity.legal.citation


def test_an_objection_during_the_publicity_holds_the_purchase(sole) -> None:  # type: ignore[no-untyped-def]
    lot, notice, _ = sole
    publish_notice(actor_of("zb"), notice.pk)
    clock.freeze(local(2026, 3, 10, 10))
    objection = raise_objection(actor_of("tb1"), notice.pk, "本单位同样能够提供原厂维保服务")  # anyone may
    clock.freeze(local(2026, 3, 12, 9))
    chronograph.sweep()
    assert Lot.objects.get(pk=lot.pk).state == Lot.State.BIDDING  # held until the review answers
    answer_objection(actor_of("zb"), objection.pk, "经补充论证，异议不成立：该设备维保须使用原厂专用软件。")
    clock.freeze(local(2026, 3, 12, 10))
    with pytest.raises(GgzyError) as late:
        raise_objection(actor_of("tb1"), notice.pk, "公示期后的异议")
    assert late.value.code == "objection_too_late"


def test_the_agreed_price_within_the_budget_and_above_it_ends_the_purchase(sole) -> None:  # type: ignore[no-untyped-def]
    lot, notice, suppliers = sole
    publish_notice(actor_of("zb"), notice.pk)
    receipt = respond_and_open(lot, suppliers[0], "950000.00")  # above the 900,000 budget
    members, keys = seat_panel(lot)
    with pytest.raises(InvalidInput) as above:
        actions.finish_scoring(actor_of(members[0]), lot.code)
    assert above.value.code == "price_above_budget" and "第43条" in above.value.rule.citation  # type: ignore[union-attr]
    actions.reject_bid(actor_of(members[0]), lot.code, receipt, "price_out_of_range", "报价超过采购预算")
    failed = actions.fail_evaluation(actor_of("zb"), lot.code, "供应商报价超过采购预算，终止采购")
    assert failed.state == Lot.State.FAILED and "第43条" in failed.outcome_reason
    assert Notice.objects.get(pk=notice.pk).lots.get().state == Lot.State.FAILED
    _ = keys, award


def test_the_publicity_binds_from_the_open_tender_threshold(sole) -> None:  # type: ignore[no-untyped-def]
    """条例 第38条: the 5 working days of publicity are required when the purchase reaches the 公开招标数额标准
    (200万 [U]); below it the purchase needs no publicity, only times in order."""
    from ggzy.kernel.errors import InvalidInput as Refused
    from ggzy.testing import local
    from ggzy.trading.actions import check_periods
    from ggzy.trading.rules import PROCUREMENT_SINGLE_SOURCE
    from ggzy.trading.tests.conftest import purchase_notice_form

    # From Wednesday 4 March 2026: the 5th working day is Wednesday 11 March.
    short = purchase_notice_form("x", docs_until=local(2026, 3, 10, 17), bid_deadline=local(2026, 3, 10, 17))
    today = local(2026, 3, 4).date()
    with pytest.raises(Refused) as above:
        check_periods(short, today, PROCUREMENT_SINGLE_SOURCE, Decimal("2000000"))
    assert above.value.rule is not None and "第38条" in above.value.rule.citation
    check_periods(short, today, PROCUREMENT_SINGLE_SOURCE, Decimal("1999999.99"))
    enough = purchase_notice_form("x", docs_until=local(2026, 3, 11, 9), bid_deadline=local(2026, 3, 11, 9))
    check_periods(enough, today, PROCUREMENT_SINGLE_SOURCE, Decimal("2000000"))
    with pytest.raises(Refused):  # below the threshold the times must still be in order
        check_periods(
            purchase_notice_form("x", docs_until=local(2026, 3, 12, 9), bid_deadline=local(2026, 3, 11, 9)),
            today,
            PROCUREMENT_SINGLE_SOURCE,
            Decimal("100000"),
        )
