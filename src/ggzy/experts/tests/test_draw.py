"""The random draw: committee rules, recusal, decline and time-out redraws, replay and verification, and
names sealed until the evaluation starts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client, override_settings

from ggzy.experts import actions, queries
from ggzy.experts import draw as pure
from ggzy.experts.models import DrawnExpert, DrawRequest, DrawRow, Expert, Specialty
from ggzy.experts.rules import CONSTRUCTION_COMMITTEE, PROCUREMENT_COMMITTEE_RULES
from ggzy.experts.tests.conftest import (
    EVALUATION_AT,
    Opened,
    draw_form,
    expert_actor,
    make_expert,
    run_draw,
    start_evaluation,
    token_for,
)
from ggzy.kernel import chronograph, clock
from ggzy.kernel.audit import verify_chain, visible_events
from ggzy.kernel.errors import GgzyError, PermissionDenied
from ggzy.kernel.models import AuditEvent, Notification
from ggzy.testing import actor_of, local
from ggzy.trading.actions import create_project
from ggzy.trading.models import Lot
from ggzy.trading.schemas import LotIn, ProjectIn

pytestmark = pytest.mark.django_db


# ---- T8 committee rules (招标投标法 第37条; 87号令 第47条) ------------------------------------------


@pytest.mark.parametrize(
    ("experts", "representatives", "code"),
    [
        (4, 0, "committee_too_small"),
        (5, 0, None),
        (6, 0, "committee_not_odd"),
        (3, 2, "committee_expert_share"),  # 3 < 2/3 of 5
        (4, 1, None),  # 4 ≥ 2/3 of 5
        (4, 2, "committee_not_odd"),
        (5, 2, None),  # 5 ≥ 2/3 of 7 (4.67)
        (4, 3, "committee_expert_share"),
    ],
)
def test_t8_committee_size_odd_and_two_thirds(experts: int, representatives: int, code: str | None) -> None:
    if code is None:
        CONSTRUCTION_COMMITTEE.check(experts, representatives)
        return
    with pytest.raises(GgzyError) as err:
        CONSTRUCTION_COMMITTEE.check(experts, representatives)
    assert err.value.code == code
    assert err.value.rule is not None and "招标投标法 第37条" in err.value.rule.citation


def test_procurement_committee_needs_seven_from_ten_million() -> None:
    PROCUREMENT_COMMITTEE_RULES.check(5, 0, Decimal("9999999.99"))
    with pytest.raises(GgzyError) as err:
        PROCUREMENT_COMMITTEE_RULES.check(5, 0, Decimal("10000000"))
    assert err.value.code == "committee_too_small"
    assert err.value.rule is not None and "第47条" in err.value.rule.citation
    PROCUREMENT_COMMITTEE_RULES.check(6, 1, Decimal("10000000"))


def test_draw_request_is_checked_against_the_committee_rules(opened: Opened, client: Client) -> None:
    op = {"Authorization": f"Bearer {token_for(client, 'op')}"}
    body = {
        "lot_code": opened.lot.code,
        "rows": [{"specialty": "A08", "count": 3}],
        "representatives": 2,
        "evaluation_at": EVALUATION_AT.isoformat(),
    }
    response = client.post("/api/experts/draws", body, content_type="application/json", headers=op)
    assert response.status_code == 422
    assert response.json()["code"] == "committee_expert_share"
    assert "第37条" in response.json()["rule"]["citation"]
    body["rows"] = [{"specialty": "A08", "count": 4}]
    body["representatives"] = 1
    created = client.post("/api/experts/draws", body, content_type="application/json", headers=op)
    assert created.status_code == 201, created.json()
    assert created.json()["allowed_regions"] == ["640000"]  # default: the province
    assert DrawRequest.objects.count() == 1


# ---- recusal --------------------------------------------------------------------------------------


def test_every_recusal_ground_is_applied(opened: Opened, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EXPERT_REPEAT_MAX = 1
    op = actor_of("op")
    eligible = [make_expert() for _ in range(6)]
    cases = {
        "employer_is_bidder": make_expert(employer_uscc=opened.bidder(2).uscc),
        "employer_is_principal": make_expert(employer_uscc=opened.principal.uscc),
        "employer_is_agent": make_expert(employer_uscc=opened.agent.uscc),
        "declared_conflict": make_expert(),
        "blacklisted": make_expert(),
        "suspended": make_expert(),
        "repeat_limit": make_expert(),
        "unavailable": make_expert(),
        "region": make_expert(region_code="610000"),  # 陕西省: outside the default province
        "excluded": make_expert(),
        "busy": make_expert(),
    }
    actions.declare_conflict(expert_actor(cases["declared_conflict"]), opened.bidder(1).uscc, "原单位同事")
    actions.blacklist(actor_of("reg"), cases["blacklisted"].code, "评标中收受财物", date(2027, 12, 31))
    actions.suspend(op, cases["suspended"].code, "无故缺席评标")
    actions.declare_unavailable(
        expert_actor(cases["unavailable"]), date(2026, 3, 23), date(2026, 3, 25), "出差"
    )
    # The repeat limit: one earlier committee for the same principal within the window.
    other = create_project(
        opened.tender.manager,
        ProjectIn(
            name="银川市第一中学附属设施工程",
            total_investment=Decimal("5000000"),
            lots=[
                LotIn(
                    name="施工",
                    contract_kind="works",
                    classify_code="A08",
                    estimated_value=Decimal("5000000"),
                )
            ],
        ),
    )
    earlier = DrawRequest.objects.create(
        number="CQTEST0001",
        lot=other.lots.get(),
        procedure="construction_tender",
        evaluation_at=local(2026, 1, 10, 9),
        respond_minutes=30,
        algorithm=pure.ALGORITHM,
        created_by="test",
        created_at=clock.now(),
        status=DrawRequest.Status.DRAWN,
    )
    row = DrawRow.objects.create(draw=earlier, index=0, specialty=Specialty.objects.get(code="A08"), count=5)
    DrawnExpert.objects.create(
        draw=earlier,
        row=row,
        expert=cases["repeat_limit"],
        seq=1,
        position=0,
        status=DrawnExpert.Status.ACCEPTED,
        called_at=local(2026, 1, 9, 9),
        respond_by=local(2026, 1, 9, 10),
    )
    # Busy: already on another committee the same day (another lot, 09:00 on the evaluation day).
    same_day = DrawRequest.objects.create(
        number="CQTEST0002",
        lot=other.lots.get(),
        procedure="construction_tender",
        evaluation_at=local(2026, 3, 24, 9),
        respond_minutes=30,
        algorithm=pure.ALGORITHM,
        created_by="test",
        created_at=clock.now(),
        status=DrawRequest.Status.DRAWN,
    )
    DrawnExpert.objects.create(
        draw=same_day,
        row=DrawRow.objects.create(
            draw=same_day, index=0, specialty=Specialty.objects.get(code="A08"), count=5
        ),
        expert=cases["busy"],
        seq=1,
        position=0,
        status=DrawnExpert.Status.ACCEPTED,
        called_at=local(2026, 3, 20, 9),
        respond_by=local(2026, 3, 20, 10),
    )
    form = draw_form(
        opened.lot.code,
        rows=[("A08", 5)],
        exclusions=[{"expert_code": cases["excluded"].code, "reason": "该专家为本项目可研报告编制人"}],
    )
    draw = actions.create_draw(op, form)
    screening = queries.screening(draw)
    pool = set(screening.rows[0].pool)
    assert pool == {e.code for e in eligible}
    for reason, expert in cases.items():
        assert expert.code not in pool, reason
        assert reason in screening.excluded[expert.code], (reason, screening.excluded[expert.code])
    actions.commit_draw(op, draw.pk)
    committed = DrawRequest.objects.get(pk=draw.pk)
    assert set(committed.rows.get().pool) == pool
    assert committed.excluded_counts["employer_is_bidder"] == 1
    actions.execute_draw(op, draw.pk)
    drawn = set(DrawnExpert.objects.filter(draw=draw).values_list("expert__code", flat=True))
    assert len(drawn) == 5 and drawn <= pool


def test_remote_experts_join_when_their_region_is_allowed(opened: Opened) -> None:
    remote = [make_expert(region_code="610000") for _ in range(5)]
    draw = actions.create_draw(
        actor_of("op"), draw_form(opened.lot.code, rows=[("A08", 5)], allowed_regions=["640000", "610000"])
    )
    assert set(queries.screening(draw).rows[0].pool) == {e.code for e in remote}


def test_no_commitment_before_the_bid_deadline(tender) -> None:  # type: ignore[no-untyped-def]
    from ggzy.trading.actions import publish_notice

    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 10, 10))
    for _ in range(5):
        make_expert()
    draw = actions.create_draw(actor_of("op"), draw_form(tender.lot.code, rows=[("A08", 5)]))
    with pytest.raises(GgzyError) as err:
        actions.commit_draw(actor_of("op"), draw.pk)
    assert err.value.code == "draw_before_deadline"
    assert err.value.rule is not None and "第22条" in err.value.rule.citation
    assert DrawRequest.objects.get(pk=draw.pk).seed == ""


def test_too_few_eligible_experts_refuse_the_commitment(opened: Opened) -> None:
    for _ in range(4):
        make_expert()
    draw = actions.create_draw(actor_of("op"), draw_form(opened.lot.code, rows=[("A08", 5)]))
    with pytest.raises(GgzyError) as err:
        actions.commit_draw(actor_of("op"), draw.pk)
    assert err.value.code == "experts_insufficient"
    assert err.value.details["rows"] == [{"index": 0, "specialty": "A08", "count": 5, "eligible": 4}]


def test_only_the_operator_excludes_experts(opened: Opened) -> None:
    target = make_expert()
    form = draw_form(opened.lot.code, exclusions=[{"expert_code": target.code, "reason": "不喜欢"}])
    with pytest.raises(PermissionDenied) as err:
        actions.create_draw(opened.tender.manager, form)
    assert err.value.code == "exclusions_operator_only"
    assert err.value.rule is not None and "第46条" in err.value.rule.citation


# ---- decline, time-out, redraw ------------------------------------------------------------------


def test_decline_and_no_answer_draw_the_next_candidate(opened: Opened) -> None:
    experts = {e.code: e for e in [make_expert() for _ in range(7)]}
    draw = run_draw(opened.lot.code, rows=[("A08", 5)])
    calls = list(draw.calls.order_by("seq"))
    assert [c.seq for c in calls] == [1, 2, 3, 4, 5]
    assert all(c.status == DrawnExpert.Status.NOTIFIED for c in calls)
    voice = Notification.objects.filter(channel="voice", subject="评标专家抽取通知")
    assert voice.count() == 5
    # The second expert declines: the next candidate of the same seeded order is called at once.
    declined = calls[1]
    actions.respond(expert_actor(experts[declined.expert.code]), declined.pk, accept=False, reason="身体不适")
    replacement = DrawnExpert.objects.get(replaces=declined)
    assert replacement.seq == 6 and replacement.row_id == declined.row_id
    order = pure.row_order(bytes.fromhex(draw.seed), 0, DrawRow.objects.get(draw=draw).pool)
    assert replacement.expert.code == order[5] and replacement.position == 5
    assert voice.count() == 6
    # Three accept; one never answers: at the deadline the sweep calls the last candidate.
    for call in calls[0], calls[2], calls[3]:
        actions.respond(expert_actor(call.expert), call.pk, accept=True)
    with pytest.raises(GgzyError) as err:
        actions.respond(expert_actor(calls[0].expert), calls[0].pk, accept=False)
    assert err.value.code == "call_answered"
    actions.respond(expert_actor(replacement.expert), replacement.pk, accept=True)
    clock.advance(timedelta(minutes=31))
    chronograph.sweep()
    silent = DrawnExpert.objects.get(pk=calls[4].pk)
    assert silent.status == DrawnExpert.Status.NO_ANSWER
    last = DrawnExpert.objects.get(replaces=silent)
    assert last.expert.code == order[6] and last.seq == 7
    # The pool is now exhausted: the next time-out records a shortfall and tells the operator.
    clock.advance(timedelta(minutes=31))
    chronograph.sweep()
    assert DrawnExpert.objects.get(pk=last.pk).status == DrawnExpert.Status.NO_ANSWER
    assert DrawRow.objects.get(draw=draw).shortfall == 1
    assert Notification.objects.filter(subject="专家补抽不足", recipient__username="op").exists()
    assert queries.verify_draw(draw.pk).ok
    assert verify_chain().intact


def test_a_candidate_who_became_ineligible_is_skipped_at_the_redraw(opened: Opened) -> None:
    for _ in range(7):
        make_expert()
    draw = run_draw(opened.lot.code, rows=[("A08", 5)])
    order = pure.row_order(bytes.fromhex(draw.seed), 0, DrawRow.objects.get(draw=draw).pool)
    next_in_line = Expert.objects.get(code=order[5])
    actions.blacklist(actor_of("reg"), next_in_line.code, "查实弄虚作假", date(2026, 12, 31))
    first = draw.calls.get(seq=1)
    actions.respond(expert_actor(first.expert), first.pk, accept=False, reason="回避")
    skipped = DrawnExpert.objects.get(replaces=first)
    assert (skipped.expert, skipped.status) == (next_in_line, DrawnExpert.Status.SKIPPED)
    assert "blacklisted" in skipped.decline_reason
    called = DrawnExpert.objects.get(replaces=skipped)
    assert called.expert.code == order[6] and called.status == DrawnExpert.Status.NOTIFIED
    assert not Notification.objects.filter(recipient=next_in_line.user, subject="评标专家抽取通知").exists()
    assert queries.verify_draw(draw.pk).ok


# ---- replay and verification ----------------------------------------------------------------------


def test_replay_reproduces_the_draw_and_tampering_fails(opened: Opened) -> None:
    for _ in range(5):
        make_expert()
    for _ in range(3):
        make_expert(specialties=["A0601"])
    draw = run_draw(opened.lot.code, rows=[("A08", 4), ("A06", 1)])
    first = draw.calls.get(seq=1)
    actions.respond(expert_actor(first.expert), first.pk, accept=False)
    for call in draw.calls.filter(status=DrawnExpert.Status.NOTIFIED):
        actions.respond(expert_actor(call.expert), call.pk, accept=True)
    assert queries.verify_draw(draw.pk).ok
    with pytest.raises(PermissionDenied):  # the replay names expert codes: after the seal only
        queries.replay(draw)
    start_evaluation()
    recorded = queries.recorded_calls(draw)
    replayed = [s.pick for s in queries.replay(draw) if s.pick is not None]
    assert [(p.row, p.position, p.code) for p in replayed] == [(c.row, c.position, c.code) for c in recorded]
    # Anyone holding the published values can check it with the pure function.
    draw.refresh_from_db()
    values = {
        "commitment_hex": draw.seed_commitment,
        "checkpoint_root_hex": draw.beacon_root,
        "digest_hex": draw.pool_digest,
        "draw_number": draw.number,
        "rows": queries.row_specs(draw),
        "calls": recorded,
    }
    assert pure.verify(secret_hex=draw.secret, **values).ok  # type: ignore[arg-type]
    other_seed = pure.verify(secret_hex="00" * 32, **values)  # type: ignore[arg-type]
    # (Its calls may even coincide with small pools, 1 in 360 here: the commitment is what fails. That the
    # calls must follow the seed is tested deterministically below.)
    assert not other_seed.ok
    assert not other_seed.checks["commitment"]
    other_root = pure.verify(secret_hex=draw.secret, **{**values, "checkpoint_root_hex": "00" * 32})  # type: ignore[arg-type]
    assert other_root.seed_hex != draw.seed
    # A changed eligible list (one expert swapped in the frozen pool) fails the digest.
    row = DrawRow.objects.get(draw=draw, index=0)
    outsider = make_expert()
    row.pool = sorted([*row.pool[:-1], outsider.code])
    row.save()
    changed = queries.verify_draw(draw.pk)
    assert not changed.ok and not changed.checks["pool_digest"]


def test_recorded_calls_that_do_not_follow_the_seed_fail(opened: Opened) -> None:
    for _ in range(6):
        make_expert()
    draw = run_draw(opened.lot.code, rows=[("A08", 5)])
    assert queries.verify_draw(draw.pk).ok
    uncalled = next(
        c for c in DrawRow.objects.get(draw=draw).pool if not draw.calls.filter(expert__code=c).exists()
    )
    DrawnExpert.objects.filter(draw=draw, seq=3).update(expert=Expert.objects.get(code=uncalled))
    result = queries.verify_draw(draw.pk)
    assert not result.ok and result.checks == {**result.checks, "commitment": True, "calls": False}


# ---- sealed names ---------------------------------------------------------------------------------


def test_names_are_sealed_until_the_evaluation_starts(opened: Opened, client: Client) -> None:
    experts = [make_expert() for _ in range(5)]
    names = [e.name for e in experts]
    draw = run_draw(opened.lot.code, rows=[("A08", 5)])
    for call in draw.calls.all():
        actions.respond(expert_actor(call.expert), call.pk, accept=True)
    assert Lot.objects.get(pk=opened.lot.pk).state == Lot.State.OPENING
    # Query helpers and the action refuse, citing 12号令 第8条 / 条例 第46条.
    for attempt in (
        lambda: queries.committee(draw),
        lambda: actions.print_sealed_list(actor_of("op"), draw.pk),
    ):
        with pytest.raises(PermissionDenied) as err:
            attempt()
        assert err.value.code == "draw_sealed"
        assert err.value.rule is not None and "第8条" in err.value.rule.citation
        assert "第46条" in err.value.rule.citation
    op = {"Authorization": f"Bearer {token_for(client, 'op')}"}
    refused = client.post(f"/api/experts/draws/{draw.pk}/sealed-list", headers=op)
    assert refused.status_code == 403 and refused.json()["code"] == "draw_sealed"
    assert "第8条" in refused.json()["rule"]["citation"]
    summary = client.get(f"/api/experts/draws/{draw.pk}", headers=op)
    assert summary.status_code == 200
    assert summary.json()["names_sealed"] is True
    assert summary.json()["rows"][0]["accepted"] == 5
    assert [e["status"] for e in summary.json()["sealed_list"]] == ["accepted"] * 5
    verify = client.get(f"/api/experts/draws/{draw.pk}/verify", headers=op).json()
    assert verify["ok"] is True and verify["seed"] is None and verify["calls"] is None
    for response in (summary, refused, client.get(f"/api/experts/draws/{draw.pk}/verify", headers=op)):
        text = response.content.decode()
        assert not any(name in text for name in names)
        assert not any(e.code in text for e in experts)
    # Audit listings do not show the draw or the answers (their actors are the experts).
    listed = set(visible_events().values_list("action", flat=True))
    assert not listed & {"experts.execute_draw", "experts.respond"}
    assert "experts.commit_draw" in listed  # the commitment is public
    events = client.get(
        f"/api/audit/events?object_type=experts.drawrequest&object_id={draw.pk}", headers=op
    ).json()
    assert [e["action"] for e in events] == ["experts.create_draw", "experts.commit_draw"]
    # The evaluation starts: the operator prints the sealed list, and that is audited.
    start_evaluation()
    printed = client.post(f"/api/experts/draws/{draw.pk}/sealed-list", headers=op)
    assert printed.status_code == 200, printed.json()
    assert sorted(m["name"] for m in printed.json()["members"]) == sorted(names)
    assert printed.json()["unfilled"] == 0
    assert all(m["id_number"].startswith("*" * 14) for m in printed.json()["members"])
    event = AuditEvent.objects.get(action="experts.print_sealed_list")
    assert event.actor == "op" and event.payload["printed"] == 5
    listed = set(visible_events().values_list("action", flat=True))
    assert {"experts.execute_draw", "experts.respond", "experts.print_sealed_list"} <= listed
    assert [m.expert.name for m in queries.committee(draw)] == [
        c.expert.name for c in draw.calls.order_by("seq")
    ]
    verify = client.get(f"/api/experts/draws/{draw.pk}/verify", headers=op).json()
    assert verify["ok"] is True and verify["seed"] == DrawRequest.objects.get(pk=draw.pk).seed
    # Others may not print.
    principal = {"Authorization": f"Bearer {token_for(client, 'zb')}"}
    assert client.post(f"/api/experts/draws/{draw.pk}/sealed-list", headers=principal).status_code == 403


def test_drawn_expert_sees_own_call_and_answers_through_the_api(opened: Opened, client: Client) -> None:
    for _ in range(5):
        make_expert()
    draw = run_draw(opened.lot.code, rows=[("A08", 5)])
    call = draw.calls.get(seq=1)
    mine = {"Authorization": f"Bearer {token_for(client, call.expert.user.username)}"}
    calls = client.get("/api/experts/me/calls", headers=mine).json()
    assert [c["id"] for c in calls] == [call.pk]
    assert calls[0]["project_name"] == opened.tender.project.name
    other = draw.calls.get(seq=2)
    stolen = client.post(
        f"/api/experts/calls/{other.pk}/respond",
        {"accept": True},
        content_type="application/json",
        headers=mine,
    )
    assert stolen.status_code == 403 and stolen.json()["code"] == "not_your_call"
    answered = client.post(
        f"/api/experts/calls/{call.pk}/respond",
        {"accept": True},
        content_type="application/json",
        headers=mine,
    )
    assert answered.status_code == 200 and answered.json()["status"] == "accepted"


def test_late_answer_is_refused(opened: Opened) -> None:
    for _ in range(5):
        make_expert()
    draw = run_draw(opened.lot.code, rows=[("A08", 5)])
    call = draw.calls.get(seq=1)
    clock.freeze(call.respond_by + timedelta(seconds=1))
    with pytest.raises(GgzyError) as err:
        actions.respond(expert_actor(call.expert), call.pk, accept=True)
    assert err.value.code == "call_expired"


@override_settings(EXPERT_RESPONSE_MINUTES=90)
def test_response_window_is_configuration(opened: Opened) -> None:
    for _ in range(5):
        make_expert()
    draw = run_draw(opened.lot.code, rows=[("A08", 5)])
    call = draw.calls.get(seq=1)
    assert call.respond_by - call.called_at == timedelta(minutes=90)


def test_no_redraw_once_the_lot_no_longer_needs_a_committee(opened: Opened) -> None:
    from ggzy.trading import procedure

    for _ in range(7):
        make_expert()
    draw = run_draw(opened.lot.code, rows=[("A08", 5)])
    lot = Lot.objects.get(pk=opened.lot.pk)
    procedure.move(lot, Lot.State.TERMINATED, clock.now(), "招标人终止招标")
    lot.save()
    clock.advance(timedelta(minutes=31))
    chronograph.sweep()
    assert set(draw.calls.values_list("status", flat=True)) == {DrawnExpert.Status.NO_ANSWER}
    assert draw.calls.count() == 5 and DrawRow.objects.get(draw=draw).shortfall == 0


def test_admin_shows_drawn_experts_only_after_the_seal_and_never_the_seed(
    opened: Opened, client: Client
) -> None:
    from django.contrib.auth.models import User

    experts = [make_expert() for _ in range(5)]
    draw = run_draw(opened.lot.code, rows=[("A08", 5)])
    for call in draw.calls.all():
        actions.respond(expert_actor(call.expert), call.pk, accept=True)
    client.force_login(User.objects.get(username="op"))
    listing = client.get("/admin/experts/drawnexpert/")
    assert listing.status_code == 200
    assert not any(e.code in listing.content.decode() for e in experts)
    detail = client.get(f"/admin/experts/drawrequest/{draw.pk}/change/")
    assert detail.status_code == 200 and draw.seed not in detail.content.decode()
    start_evaluation()
    listing = client.get("/admin/experts/drawnexpert/")
    assert all(e.code in listing.content.decode() for e in experts)
