"""Invited tendering of government procurement (87号令 第14条, G111): invitees drawn at random from a pool
at least twice their number, witnessed by two of the purchaser's staff, verifiable, sealed until the deadline."""

from decimal import Decimal

import pytest

from ggzy.kernel.errors import GgzyError
from ggzy.registry.actions import add_entity_user
from ggzy.registry.models import Entity
from ggzy.testing import account_form, actor_of, entity_with_key
from ggzy.trading import invitations
from ggzy.trading.actions import create_notice, create_project, publish_notice
from ggzy.trading.models import InviteeDraw, Notice
from ggzy.trading.schemas import InviteeDrawIn, LotIn, ProjectIn
from ggzy.trading.tests.conftest import PURCHASE_DOCUMENTS, Tender, purchase, purchase_notice_form

__all__ = ["purchase"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(purchase: Tender) -> tuple[Notice, list[Entity]]:
    """An invited procurement notice (draft, documents attached), eight suppliers, two witnesses."""
    from ggzy.trading.actions import attach_document
    from ggzy.trading.schemas import DocumentMeta

    suppliers = [e for e, _ in purchase.bidders] + [
        entity_with_key("bidder", f"gys{i}", region="640121")[0] for i in range(4)
    ]
    for name in ("zbjd1", "zbjd2"):
        add_entity_user(purchase.manager, purchase.principal.uscc, account_form(name))
    project = create_project(
        purchase.manager,
        ProjectIn(
            name="实验室仪器采购",
            category="procurement",
            state_budget_amount=Decimal("3000000"),
            total_investment=Decimal("3000000"),
            lots=[
                LotIn(
                    name="仪器",
                    contract_kind="goods",
                    classify_code="B01",
                    estimated_value=Decimal("3000000"),
                    bond_amount=Decimal("0"),
                )
            ],
        ),
    )
    lot = project.lots.get()
    notice = create_notice(purchase.manager, project.code, purchase_notice_form(lot.code, method="invited"))
    attach_document(
        purchase.manager,
        notice.pk,
        DocumentMeta(title="招标文件", signature=purchase.principal_key.sign(PURCHASE_DOCUMENTS).hex()),
        "招标文件.pdf",
        PURCHASE_DOCUMENTS,
    )
    return notice, suppliers


def form(
    suppliers: list[Entity], count: int = 4, witnesses: tuple[str, ...] = ("zbjd1", "zbjd2")
) -> InviteeDrawIn:
    return InviteeDrawIn(pool=[s.uscc for s in suppliers], count=count, witnesses=list(witnesses))


def test_invitees_are_drawn_verifiably_and_become_the_notices_invitations(
    purchase: Tender, invited: tuple[Notice, list[Entity]]
) -> None:
    notice, suppliers = invited
    with pytest.raises(GgzyError) as refused:
        publish_notice(purchase.manager, notice.pk)
    assert refused.value.code == "invitees_not_drawn"
    draw = invitations.commit_invitee_draw(purchase.manager, notice.pk, form(suppliers))
    assert draw.status == InviteeDraw.Status.COMMITTED and not draw.drawn and draw.secret_sealed
    draw = invitations.execute_invitee_draw(purchase.manager, notice.pk)
    assert len(draw.drawn) == 4 and set(draw.drawn) <= {s.uscc for s in suppliers}
    assert invitations.verify(draw)
    assert set(Notice.objects.get(pk=notice.pk).invitees.values_list("uscc", flat=True)) == set(draw.drawn)
    publish_notice(purchase.manager, notice.pk)
    # A tampered record no longer verifies: another drawn list, or another pool.
    draw.drawn = list(reversed(draw.drawn))
    assert not invitations.verify(draw)
    with pytest.raises(GgzyError) as twice:
        invitations.execute_invitee_draw(purchase.manager, notice.pk)
    assert twice.value.code == "invitee_draw_not_committed"


@pytest.mark.parametrize(("pool", "count", "code"), [(7, 4, "pool_too_small"), (8, 2, "too_few_invitees")])
def test_the_pool_is_at_least_twice_the_draw_of_three_or_more(
    invited: tuple[Notice, list[Entity]], purchase: Tender, pool: int, count: int, code: str
) -> None:
    notice, suppliers = invited
    with pytest.raises(GgzyError) as refused:
        invitations.commit_invitee_draw(purchase.manager, notice.pk, form(suppliers[:pool], count=count))
    assert refused.value.code == code and refused.value.rule and "第14条" in refused.value.rule.citation
    assert not InviteeDraw.objects.exists()


def test_two_of_the_purchasers_staff_witness(invited: tuple[Notice, list[Entity]], purchase: Tender) -> None:
    notice, suppliers = invited
    for witnesses in (
        ("zbjd1",),
        ("zbjd1", "tb0"),
    ):  # one witness; a bidder's user is not the purchaser's staff
        with pytest.raises(GgzyError) as refused:
            invitations.commit_invitee_draw(purchase.manager, notice.pk, form(suppliers, witnesses=witnesses))
        assert refused.value.code == "witnesses_required"
    with pytest.raises(GgzyError):
        invitations.commit_invitee_draw(actor_of("tb0"), notice.pk, form(suppliers))  # not the purchaser


def test_invitees_cannot_be_named_directly(invited: tuple[Notice, list[Entity]], purchase: Tender) -> None:
    _, suppliers = invited
    project = create_project(
        purchase.manager,
        ProjectIn(
            name="另一采购",
            category="procurement",
            state_budget_amount=Decimal("3000000"),
            total_investment=Decimal("3000000"),
            lots=[
                LotIn(
                    name="仪器",
                    contract_kind="goods",
                    classify_code="B01",
                    estimated_value=Decimal("3000000"),
                )
            ],
        ),
    )
    with pytest.raises(GgzyError) as refused:
        create_notice(
            purchase.manager,
            project.code,
            purchase_notice_form(
                project.lots.get().code, method="invited", invitees=[s.uscc for s in suppliers[:4]]
            ),
        )
    assert refused.value.code == "invitees_by_draw"


def test_who_was_drawn_is_sealed_until_the_deadline(
    client, purchase: Tender, invited: tuple[Notice, list[Entity]]
) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import User

    from ggzy.kernel import clock

    notice, suppliers = invited
    invitations.commit_invitee_draw(purchase.manager, notice.pk, form(suppliers))
    invitations.execute_invitee_draw(purchase.manager, notice.pk)
    publish_notice(purchase.manager, notice.pk)
    client.force_login(User.objects.get(username="gys0"))
    response = client.get(f"/api/trading/notices/{notice.pk}/invitee-draw")
    assert response.status_code == 200, response.json()
    shown = response.json()
    assert shown["drawn"] == [] and shown["pool_size"] == 8 and len(shown["seed_commitment"]) == 64
    clock.freeze(notice.bid_deadline)
    assert len(client.get(f"/api/trading/notices/{notice.pk}/invitee-draw").json()["drawn"]) == 4
