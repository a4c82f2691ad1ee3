"""Staff act within their node and their department's competence (issue 11 §3). Each finding of the review,
reproduced: another city's operator, another department's regulator, a signed-in user without an entity."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.bidding.actions import record_bond_payment
from ggzy.bidding.models import Bond
from ggzy.evaluation.tests.conftest import Opened, opened
from ggzy.kernel.errors import GgzyError
from ggzy.kernel.roles import Actor
from ggzy.registry.actions import create_department, create_staff_account, register_public_user
from ggzy.registry.schemas import DepartmentIn, StaffAccountIn
from ggzy.testing import PASSWORD, account_form, actor_of
from ggzy.trading.models import Project
from ggzy.trading.tests.conftest import tender

__all__ = ["opened", "tender"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsiders(opened: Opened, network: dict) -> dict[str, Client]:  # type: ignore[type-arg]
    system = Actor.system("test")
    finance = create_department(
        system, DepartmentIn(name="财政厅", node_id=network["province"].pk, sectors=["procurement"])
    )
    staff = [
        ("wz_op", "operator", network["wuzhong"].pk, None),  # another city's centre
        ("cz_reg", "regulator", network["province"].pk, finance.pk),  # another department
    ]
    for username, kind, node, department in staff:
        create_staff_account(
            system,
            StaffAccountIn(
                username=username,
                password=PASSWORD,
                name="外部",
                mobile="13900000009",
                kind=kind,
                node_id=node,
                department_id=department,
            ),
        )
    register_public_user(Actor.anonymous(), account_form("citizen1"))
    clients = {}
    for username in ("wz_op", "cz_reg", "citizen1", opened.experts[0], "op", "reg"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        clients[username] = client
    return clients


def test_the_project_is_yinchuans_construction(opened: Opened, network: dict) -> None:  # type: ignore[type-arg]
    project = Project.objects.get(pk=opened.tender.lot.project_id)
    assert project.node_id in {network["yinchuan"].pk, network["yongning"].pk}
    assert project.category == "engineering"


def test_another_citys_operator_cannot_mark_a_bond_paid(opened: Opened, outsiders: dict[str, Client]) -> None:
    bond = Bond.objects.filter(lot=opened.tender.lot).first()
    assert bond is not None
    Bond.objects.filter(pk=bond.pk).update(status=Bond.Status.AWAITING, paid_at=None)
    with pytest.raises(GgzyError) as refused:
        record_bond_payment(actor_of("wz_op"), bond.virtual_account or "", bond.amount, "6222", "某公司")
    assert refused.value.code == "bond_account_unknown"
    assert Bond.objects.get(pk=bond.pk).status == Bond.Status.AWAITING  # nothing changed
    record_bond_payment(actor_of("op"), bond.virtual_account or "", bond.amount, "6222", "某公司")
    assert Bond.objects.get(pk=bond.pk).status == Bond.Status.PAID  # the province's own centre may


@pytest.mark.parametrize(
    "path",
    [
        "/api/bids/{lot}/opening",
        "/api/bids/{lot}/bidders",
        "/api/trading/notices/{notice}/downloads",
    ],
)
def test_staff_outside_the_lot_read_nothing_of_it(
    opened: Opened, outsiders: dict[str, Client], path: str
) -> None:
    url = path.format(lot=opened.lot_code, notice=opened.tender.notice.pk)
    for outsider in ("wz_op", "cz_reg", "citizen1"):
        answer = outsiders[outsider].get(url)
        assert answer.status_code == 403, (outsider, url, answer.content[:200])
        assert answer.json()["code"] and "message" in answer.json()
    for insider in ("op", "reg"):  # the province's centre and the construction department
        assert outsiders[insider].get(url).status_code == 200, (insider, url)


def test_a_user_without_an_entity_never_matches_a_project_without_an_agent(
    opened: Opened, outsiders: dict[str, Client]
) -> None:
    assert Project.objects.get(pk=opened.tender.lot.project_id).agent_id is None
    url = f"/api/trading/notices/{opened.tender.notice.pk}/downloads"
    for nobody in ("citizen1", opened.experts[0]):
        assert outsiders[nobody].get(url).status_code == 403


def test_another_citys_operator_reads_no_trail_and_acts_on_nothing_of_the_lot(
    opened: Opened, outsiders: dict[str, Client]
) -> None:
    """Found by the object-level matrix: 吴忠's operator read a 银川 lot's trail and audit events, recorded
    a decryption fault on it and rated its experts; each now refused, nothing written."""
    from ggzy.bidding.actions import record_decrypt_fault
    from ggzy.experts.actions import assess
    from ggzy.experts.models import DrawnExpert
    from ggzy.experts.schemas import AssessmentIn
    from ggzy.kernel.models import AuditEvent

    lot = opened.tender.lot
    trail = f"/api/supervision/lots/{lot.code}/trail"
    events = f"/api/audit/events?object_type=trading.project&object_id={lot.project_id}"
    assert outsiders["wz_op"].get(trail).status_code == 403
    assert outsiders["wz_op"].get(events).status_code == 404  # as if there were no such object
    assert outsiders["cz_reg"].get(events).status_code == 404
    for insider in ("op", "reg"):
        assert outsiders[insider].get(trail).status_code == 200
        assert outsiders[insider].get(events).json()  # the project's own overseers read its events
    before = AuditEvent.objects.count()
    bidder = lot.bids.select_related("bidder").first()
    assert bidder is not None
    call = DrawnExpert.objects.filter(draw__lot=lot).first()
    assert call is not None
    for attempt in (
        lambda: record_decrypt_fault(actor_of("wz_op"), lot.code, bidder.bidder.uscc, "bidder", "测试"),
        lambda: assess(
            actor_of("wz_op"),
            call.pk,
            AssessmentIn(attitude=9, discipline=9, professional=9, confidentiality=9),
        ),
    ):
        with pytest.raises(GgzyError) as refused:
            attempt()
        assert refused.value.status in (403, 404), refused.value.code
    assert AuditEvent.objects.count() == before


def test_the_admin_lists_the_whole_database_for_the_provinces_centre_only(
    opened: Opened, outsiders: dict[str, Client]
) -> None:
    for url in ("/admin/kernel/auditevent/", "/admin/kernel/notification/", "/admin/registry/entity/"):
        assert outsiders["wz_op"].get(url).status_code in (302, 403), url  # to the admin's sign-in
        assert outsiders["op"].get(url).status_code == 200, url
