"""R4.4: ratings after the evaluation, the running score, automatic suspension, blacklist and
reinstatement; sanctioned experts are never drawn."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from ggzy.experts import actions, queries
from ggzy.experts.models import DrawnExpert, Expert, StatusChange
from ggzy.experts.schemas import AssessmentIn
from ggzy.experts.tests.conftest import (
    Opened,
    draw_form,
    expert_actor,
    make_expert,
    run_draw,
    start_evaluation,
    token_for,
)
from ggzy.kernel import chronograph, clock
from ggzy.kernel.errors import GgzyError
from ggzy.kernel.models import AuditEvent
from ggzy.testing import actor_of
from ggzy.trading import procedure
from ggzy.trading.models import Lot

pytestmark = pytest.mark.django_db

GOOD = AssessmentIn(attitude=9, discipline=10, professional=8, confidentiality=10)
POOR = AssessmentIn(attitude=3, discipline=2, professional=5, confidentiality=4, comment="评标期间多次离席")


def finish_evaluation(lot: Lot) -> None:
    """The evaluation package would do this; here the engine moves the lot on directly."""
    lot = Lot.objects.get(pk=lot.pk)
    procedure.move(lot, Lot.State.PUBLICITY, clock.now())
    lot.save()


@pytest.fixture
def sat(opened: Opened) -> list[DrawnExpert]:
    """Five experts accepted, evaluated, and the lot went to publicity."""
    for _ in range(5):
        make_expert()
    draw = run_draw(opened.lot.code, rows=[("A08", 5)])
    for call in draw.calls.all():
        actions.respond(expert_actor(call.expert), call.pk, accept=True)
    start_evaluation()
    return list(DrawnExpert.objects.filter(draw=draw).select_related("expert").order_by("seq"))


def test_ratings_wait_for_the_end_of_the_evaluation(sat: list[DrawnExpert]) -> None:
    with pytest.raises(GgzyError) as err:
        actions.assess(actor_of("op"), sat[0].pk, GOOD)
    assert err.value.code == "evaluation_not_finished"
    assert err.value.rule is not None


def test_operator_and_principal_rate_and_the_score_runs(sat: list[DrawnExpert], opened: Opened) -> None:
    finish_evaluation(opened.lot)
    call = sat[0]
    actions.assess(actor_of("op"), call.pk, GOOD)  # 37/40 → 92.50
    actions.assess(
        opened.tender.manager,
        call.pk,
        AssessmentIn(attitude=8, discipline=8, professional=8, confidentiality=8),
    )
    expert = Expert.objects.get(pk=call.expert_id)
    assert expert.score == Decimal("86.25") and expert.score_count == 2
    assert expert.status == Expert.Status.ACTIVE
    with pytest.raises(GgzyError) as err:
        actions.assess(actor_of("op"), call.pk, GOOD)
    assert err.value.code == "already_assessed"
    with pytest.raises(GgzyError) as err:  # a bidder may not rate
        actions.assess(opened.tender.bidder_actor(0), call.pk, GOOD)
    assert err.value.code == "role_required"


def test_low_score_suspends_automatically_and_suspended_experts_are_not_drawn(
    sat: list[DrawnExpert], opened: Opened
) -> None:
    # Another committee is being drawn for this lot meanwhile (a supplementary draw).
    others = [make_expert() for _ in range(5)]
    draw = actions.create_draw(
        actor_of("op"),
        draw_form(
            opened.lot.code,
            rows=[("A08", 5)],
            evaluation_at=clock.now() + timedelta(hours=1),
            another_reason="补充抽取（测试）",
        ),
    )
    finish_evaluation(opened.lot)
    call = sat[1]
    actions.assess(actor_of("op"), call.pk, POOR)  # 14/40 → 35.00 < 60
    expert = Expert.objects.get(pk=call.expert_id)
    assert expert.status == Expert.Status.SUSPENDED
    assert "35.00" in expert.status_reason and "60" in expert.status_reason
    change = StatusChange.objects.filter(expert=expert).last()
    assert change is not None and (change.from_status, change.to_status) == ("active", "suspended")
    event = AuditEvent.objects.get(action="experts.assess")
    assert event.payload["suspended"] is True and event.payload["score"] == "35.00"
    # The suspended expert is never drawn.
    screening = queries.screening(draw)
    assert expert.code not in screening.rows[0].pool
    assert "suspended" in screening.excluded[expert.code]
    assert set(screening.rows[0].pool) == {e.code for e in others}  # the first five already sat here


def test_blacklist_with_period_reinstatement_and_expiry(vclock, network, client: Client) -> None:  # type: ignore[no-untyped-def]
    expert = make_expert()
    with pytest.raises(GgzyError) as err:  # the expert cannot blacklist, nor the public
        actions.blacklist(expert_actor(expert), expert.code, "x", date(2026, 6, 30))
    assert err.value.code == "role_required"
    reg = {"Authorization": f"Bearer {token_for(client, 'reg')}"}
    response = client.post(
        f"/api/experts/{expert.code}/blacklist",
        {"reason": "评标中收受投标人财物", "until": "2026-06-30"},
        content_type="application/json",
        headers=reg,
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "blacklisted" and response.json()["status_until"] == "2026-06-30"
    op = {"Authorization": f"Bearer {token_for(client, 'op')}"}
    restored = client.post(
        f"/api/experts/{expert.code}/reinstate",
        {"reason": "复核撤销"},
        content_type="application/json",
        headers=op,
    )
    assert restored.json()["status"] == "active"
    again = client.post(
        f"/api/experts/{expert.code}/reinstate",
        {"reason": "再次"},
        content_type="application/json",
        headers=op,
    )
    assert again.status_code == 409 and again.json()["code"] == "expert_not_sanctioned"
    # A period ends by itself: the chronograph lifts the blacklisting the day after its last day.
    actions.blacklist(actor_of("reg"), expert.code, "迟到早退", date(2026, 3, 5))
    clock.freeze(clock.now() + timedelta(days=3))
    chronograph.sweep()
    assert Expert.objects.get(pk=expert.pk).status == Expert.Status.BLACKLISTED  # 2026-03-05 is still in it
    clock.advance(timedelta(days=1))
    chronograph.sweep()
    lifted = Expert.objects.get(pk=expert.pk)
    assert (lifted.status, lifted.status_until, lifted.next_check) == ("active", None, None)
    history = list(StatusChange.objects.filter(expert=expert).values_list("to_status", flat=True))
    assert history == ["active", "blacklisted", "active", "blacklisted", "active"]


def test_assessment_api(sat: list[DrawnExpert], opened: Opened, client: Client) -> None:
    finish_evaluation(opened.lot)
    principal = {"Authorization": f"Bearer {token_for(client, 'zb')}"}
    response = client.post(
        f"/api/experts/calls/{sat[2].pk}/assessments",
        {"attitude": 10, "discipline": 10, "professional": 10, "confidentiality": 11},
        content_type="application/json",
        headers=principal,
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid_input"
    response = client.post(
        f"/api/experts/calls/{sat[2].pk}/assessments",
        {"attitude": 10, "discipline": 10, "professional": 10, "confidentiality": 10},
        content_type="application/json",
        headers=principal,
    )
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "expert": sat[2].expert.code,
        "rater_role": "principal",
        "total": "100.00",
        "expert_score": "100.00",
        "expert_status": "active",
    }
