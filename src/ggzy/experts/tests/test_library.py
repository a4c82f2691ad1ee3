"""The expert library: taxonomy, application, the X1 qualification check, personal data kept minimal."""

from datetime import date

import pytest
from django.test import Client

from ggzy.experts import actions
from ggzy.experts.models import Expert, Specialty
from ggzy.experts.tests.conftest import expert_form, id_number, make_expert, token_for
from ggzy.kernel.errors import GgzyError
from ggzy.kernel.models import AuditEvent
from ggzy.kernel.roles import Actor
from ggzy.registry.actions import create_staff_account, register_entity
from ggzy.registry.schemas import StaffAccountIn
from ggzy.testing import PASSWORD, account_form, actor_of, entity_form

pytestmark = pytest.mark.django_db


def test_taxonomy_is_loaded_as_a_tree() -> None:
    engineering = Specialty.objects.get(code="A")
    assert engineering.level == 1 and engineering.parent is None
    classes = list(engineering.children.values_list("code", flat=True))
    assert classes == [f"A{n:02d}" for n in range(1, 11)]
    construction = Specialty.objects.get(code="A08")
    assert (construction.name, construction.level) == ("施工", 2)
    assert construction.children.filter(code="A0801", level=3, provisional=True).exists()
    assert set(Specialty.objects.filter(level=1).values_list("code", flat=True)) == {"A", "B", "C"}


# X1 评标委员会和评标方法暂行规定（12号令）第11条: 满八年 and a senior title. The clock stands on 2026-03-02.
def test_x1_eight_years_accepted_seven_refused(vclock, network) -> None:  # type: ignore[no-untyped-def]
    eight = make_expert(practice_since=date(2018, 3, 2))
    assert eight.status == Expert.Status.ACTIVE
    short = make_expert(approve=False, practice_since=date(2018, 3, 3))  # one day short of 8 years
    with pytest.raises(GgzyError) as err:
        actions.approve(actor_of("op"), short.code)
    assert err.value.code == "expert_practice_too_short"
    assert err.value.details == {"years": 7, "minimum": 8}
    assert err.value.rule is not None and "第11条" in err.value.rule.citation
    assert Expert.objects.get(pk=short.pk).status == Expert.Status.PENDING  # nothing changed


def test_x1_senior_title_required(vclock, network) -> None:  # type: ignore[no-untyped-def]
    for level in ("senior", "deputy_senior"):  # 正高级 and 副高级 are both 高级职称
        assert make_expert(title_level=level).status == Expert.Status.ACTIVE
    for level in ("intermediate", "junior", "none"):
        pending = make_expert(approve=False, title_level=level)
        with pytest.raises(GgzyError) as err:
            actions.approve(actor_of("op"), pending.code)
        assert err.value.code == "expert_title_not_senior"
        assert err.value.rule is not None and "令第12号" in err.value.rule.citation


def test_rejection_needs_a_reason_and_is_final(vclock, network) -> None:  # type: ignore[no-untyped-def]
    pending = make_expert(approve=False)
    with pytest.raises(GgzyError) as err:
        actions.reject(actor_of("op"), pending.code, " ")
    assert err.value.code == "reason_required"
    rejected = actions.reject(actor_of("op"), pending.code, "职称证书无法核实")
    assert (rejected.status, rejected.status_reason) == ("rejected", "职称证书无法核实")
    with pytest.raises(GgzyError) as err:
        actions.approve(actor_of("op"), pending.code)
    assert err.value.code == "expert_not_pending"


def test_only_operators_review(vclock, network) -> None:  # type: ignore[no-untyped-def]
    pending = make_expert(approve=False)
    with pytest.raises(GgzyError) as err:
        actions.approve(actor_of("reg"), pending.code)
    assert err.value.code == "role_required"


def test_id_number_is_kept_only_as_a_keyed_digest(vclock, network) -> None:  # type: ignore[no-untyped-def]
    expert = make_expert()
    number = id_number(int(expert.name[2:]))
    stored = Expert.objects.filter(pk=expert.pk).values()[0]
    assert number not in str(stored)
    assert expert.id_last4 == number[-4:]
    assert expert.id_masked == "*" * 14 + number[-4:]
    assert len(expert.id_digest) == 64 and actions.id_digest(number) == expert.id_digest
    events = " ".join(str(e.payload) for e in AuditEvent.objects.all())
    assert number not in events and expert.mobile not in events
    # One person, one profile (the digest is deterministic under the platform key).
    with pytest.raises(GgzyError) as err:
        actions.apply(
            Actor.anonymous(), expert_form(999, id_number=number, name="同一人"), account_form("again")
        )
    assert err.value.code == "expert_already_registered"


def test_bad_id_numbers_are_refused(vclock, network) -> None:  # type: ignore[no-untyped-def]
    good = id_number(5)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    for value in (bad_check, good[:17], "640104199913321234"):
        with pytest.raises(GgzyError) as err:
            actions.apply(Actor.anonymous(), expert_form(5, id_number=value), account_form("idtest"))
        assert err.value.code == "id_number_invalid"
        assert err.value.rule is not None and "GB 11643" in err.value.rule.citation


def test_signed_in_expert_account_applies_and_others_cannot(vclock, network) -> None:  # type: ignore[no-untyped-def]
    create_staff_account(
        actor_of("op"),
        StaffAccountIn(
            username="zjstaff",
            password=PASSWORD,
            name="钱专家",
            mobile="13912345678",
            kind="expert",
            node_id=network["province"].pk,
        ),
    )
    expert = actions.apply(actor_of("zjstaff"), expert_form(300))
    assert expert.user.username == "zjstaff" and expert.status == Expert.Status.PENDING
    with pytest.raises(GgzyError) as err:
        actions.apply(actor_of("zjstaff"), expert_form(301))
    assert err.value.code == "expert_already_applied"
    register_entity(Actor.anonymous(), entity_form(kinds=["bidder"]), account_form("bidderuser"))
    with pytest.raises(GgzyError) as err:
        actions.apply(actor_of("bidderuser"), expert_form(302))
    assert err.value.code == "expert_account_required"


def test_employer_is_linked_when_registered(vclock, network) -> None:  # type: ignore[no-untyped-def]
    entity = register_entity(Actor.anonymous(), entity_form(kinds=["bidder"]), account_form("emp"))
    expert = make_expert(employer_uscc=entity.uscc)
    assert expert.employer_entity == entity


def test_api_application_and_masked_listing(vclock, network, client: Client) -> None:  # type: ignore[no-untyped-def]
    form = expert_form(400).dict()
    form["practice_since"] = "2012-05-01"
    body = {"expert": form, "account": account_form("zjapi").dict()}
    response = client.post("/api/experts/applications", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    out = response.json()
    assert out["status"] == "pending" and out["id_number"].startswith("**************")
    assert form["id_number"] not in response.content.decode()
    assert form["mobile"] not in response.content.decode()
    code = out["code"]
    op = {"Authorization": f"Bearer {token_for(client, 'op')}"}
    approved = client.post(f"/api/experts/{code}/approve", headers=op)
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    listing = client.get("/api/experts?specialty=A08", headers=op)
    assert listing.status_code == 200
    assert [e["code"] for e in listing.json()["items"]] == [code]
    assert form["id_number"] not in listing.content.decode()
    assert listing.json()["items"][0]["mobile"] == form["mobile"][:3] + "****" + form["mobile"][-4:]
    # The public and experts do not browse the library.
    assert client.get("/api/experts").status_code == 401
    mine = {"Authorization": f"Bearer {token_for(client, 'zjapi')}"}
    forbidden = client.get("/api/experts", headers=mine)
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "role_required"
    assert client.get("/api/experts/me", headers=mine).json()["code"] == code
    # Errors are the house's JSON with the rule.
    again = client.post("/api/experts/applications", body, content_type="application/json")
    assert again.status_code == 409


def test_x1_refusal_through_the_api_cites_the_rule(vclock, network, client: Client) -> None:  # type: ignore[no-untyped-def]
    pending = make_expert(approve=False, title_level="intermediate")
    op = {"Authorization": f"Bearer {token_for(client, 'op')}"}
    response = client.post(f"/api/experts/{pending.code}/approve", headers=op)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "expert_title_not_senior"
    assert "第11条" in body["rule"]["citation"] and body["message"]["zh"]


def test_specialties_are_public(client: Client, db) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/experts/specialties?parent=A08")
    assert response.status_code == 200
    assert {s["code"] for s in response.json()} >= {"A0801", "A0802"}
