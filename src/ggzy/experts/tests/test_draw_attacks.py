"""Issue 10 §4, "the expert draw can be identified and steered": one attacker's test per finding.

1. names counted as unsealed when the opening closed, days before the evaluation;
2. a regulator of another department read the seed, the codes and the names;
3. the seed was in the database (plaintext) from the commitment on;
4. two draws could be committed for one lot, and an operator of another city executed one;
5. an operator could decline any call "by phone" without evidence and call the next expert.
Each test runs the attack and asserts that it now fails and changes nothing."""

import base64
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from ggzy.experts import actions, queries
from ggzy.experts import draw as pure
from ggzy.experts.models import DrawnExpert, DrawRequest
from ggzy.experts.tests.conftest import (
    Opened,
    draw_form,
    expert_actor,
    make_expert,
    run_draw,
    start_evaluation,
    token_for,
)
from ggzy.kernel import checkpoints, clock
from ggzy.kernel.errors import Conflict, InvalidInput, PermissionDenied
from ggzy.kernel.models import AuditCheckpoint, AuditEvent
from ggzy.kernel.platform_key import platform_key, platform_public_key
from ggzy.kernel.roles import Actor
from ggzy.registry.actions import create_department, create_staff_account
from ggzy.registry.schemas import DepartmentIn, StaffAccountIn
from ggzy.supervision.models import Alert
from ggzy.testing import PASSWORD, actor_of, local
from ggzy_guomi import sm3_digest, sm3_hex
from ggzy_guomi.checkpoint import verify_checkpoint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def hooks_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    from ggzy.kernel import events

    monkeypatch.setattr(events, "RAISE_ERRORS", True)


def staff(network: dict[str, Any], username: str, kind: str, node: str, department: Any = None) -> None:
    create_staff_account(
        Actor.system("test"),
        StaffAccountIn(
            username=username,
            password=PASSWORD,
            name=f"{username}用户",
            mobile="13900000099",
            kind=kind,
            node_id=network[node].pk,
            department_id=department.pk if department is not None else None,
        ),
    )


def headers(client: Client, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(client, username)}"}


def evidence(call: DrawnExpert, note: bytes = "电话录音摘要：专家表示当日出差，不能参加。".encode()) -> Any:
    from ggzy.experts.schemas import PhoneEvidenceIn

    return PhoneEvidenceIn(
        call_record_id=f"VOICE-{call.pk:06d}",
        called_at=clock.now(),
        note_name="通话记录.txt",
        note_base64=base64.b64encode(note).decode(),
    )


# ---- 1. names sealed until the evaluation starts, not when the opening closes ---------------------------


def test_names_stay_sealed_until_the_evaluation_time_not_the_close_of_the_opening(
    opened: Opened, client: Client
) -> None:
    experts = [make_expert() for _ in range(5)]
    evaluation_at = local(2026, 3, 26, 9)  # two days after the opening
    draw = run_draw(opened.lot.code, rows=[("A08", 5)], evaluation_at=evaluation_at)
    for call in draw.calls.all():
        actions.respond(expert_actor(call.expert), call.pk, accept=True)
    start_evaluation()  # the decryption window closes: the lot moves to EVALUATION at 09:30
    op = headers(client, "op")
    summary = client.get(f"/api/experts/draws/{draw.pk}", headers=op).json()
    assert summary["names_sealed"] is True
    printed = client.post(f"/api/experts/draws/{draw.pk}/sealed-list", headers=op)
    assert printed.status_code == 403 and printed.json()["code"] == "draw_sealed"
    verify = client.get(f"/api/experts/draws/{draw.pk}/verify", headers=op)
    assert verify.json()["seed"] is None and verify.json()["calls"] is None
    for response in (printed, verify):
        assert not any(
            e.code in response.content.decode() or e.name in response.content.decode() for e in experts
        )
    with pytest.raises(PermissionDenied):
        queries.committee(draw)
    assert not AuditEvent.objects.filter(action="experts.print_sealed_list").exists()
    # The audit listings keep the draw's events sealed too.
    from ggzy.kernel.audit import visible_events

    assert not visible_events().filter(action="experts.execute_draw").exists()
    # At the evaluation time the seal lifts.
    clock.freeze(evaluation_at)
    assert client.get(f"/api/experts/draws/{draw.pk}", headers=op).json()["names_sealed"] is False
    assert client.post(f"/api/experts/draws/{draw.pk}/sealed-list", headers=op).status_code == 200


# ---- 2. read only by the supervising department and the lot's node ----------------------------------------


def test_a_regulator_of_another_department_or_an_operator_of_another_city_reads_nothing(
    opened: Opened, network: dict[str, Any], client: Client
) -> None:
    finance = create_department(
        Actor.system("test"),
        DepartmentIn(name="财政厅", node_id=network["province"].pk, sectors=["procurement"]),
    )
    staff(network, "czt", "regulator", "province", finance)
    staff(network, "wzop", "operator", "wuzhong")
    experts = [make_expert() for _ in range(5)]
    draw = run_draw(opened.lot.code, rows=[("A08", 5)])
    for call in draw.calls.all():
        actions.respond(expert_actor(call.expert), call.pk, accept=True)
    start_evaluation()
    draw.refresh_from_db()
    for outsider in ("czt", "wzop"):
        who = headers(client, outsider)
        for response in (
            client.get(f"/api/experts/draws/{draw.pk}/verify", headers=who),
            client.get(f"/api/experts/draws/{draw.pk}", headers=who),
            client.post(f"/api/experts/draws/{draw.pk}/sealed-list", headers=who),
        ):
            assert response.status_code == 403, (outsider, response.json())
            assert response.json()["code"] in {"draw_forbidden", "draw_other_node", "role_required"}
            text = response.content.decode()
            assert draw.seed not in text
            assert not any(e.code in text or e.name in text for e in experts)
        with pytest.raises(PermissionDenied):
            queries.require_draw_reader(actor_of(outsider), draw)
    # The lot's own supervisor and the lot's centre do read it.
    reg = client.get(f"/api/experts/draws/{draw.pk}/verify", headers=headers(client, "reg")).json()
    assert reg["ok"] is True and reg["seed"] == draw.seed
    assert sorted(c["code"] for c in reg["calls"]) == sorted(e.code for e in experts)
    assert (
        client.post(f"/api/experts/draws/{draw.pk}/sealed-list", headers=headers(client, "op")).status_code
        == 200
    )
    assert not AuditEvent.objects.filter(
        action="experts.print_sealed_list", actor__in=["czt", "wzop"]
    ).exists()


# ---- 3. no seed in the database before the execution; seed from the commitment and a checkpoint ---------


def _hex_values(row: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for value in row.values():
        if isinstance(value, str):
            found.update(re.findall(r"[0-9a-f]{64}", value))
    return found


def test_the_database_at_commitment_does_not_give_the_draw(opened: Opened) -> None:
    for _ in range(8):
        make_expert()
    op = actor_of("op")
    draw = actions.create_draw(op, draw_form(opened.lot.code, rows=[("A08", 5)]))
    actions.commit_draw(op, draw.pk)
    # The attacker copies the database right after the commitment ...
    row = DrawRequest.objects.filter(pk=draw.pk).values().get()
    events = list(AuditEvent.objects.values("payload", "hash", "prev_hash", "payload_digest"))
    candidates = _hex_values(row) | {
        h for e in events for h in _hex_values({k: str(v) for k, v in e.items()})
    }
    checkpoints_then = set(AuditCheckpoint.objects.values_list("root", flat=True))
    specs = queries.row_specs(DrawRequest.objects.get(pk=draw.pk))
    assert row["seed"] == ""
    # ... and nothing in it decrypts without the platform key (the secret is SM2-encrypted to it).
    assert row["secret_sealed"] and row["secret"] == ""
    executed = actions.execute_draw(op, draw.pk)
    executed.refresh_from_db()
    drawn = [
        (c.row.index, c.position, c.expert.code)
        for c in executed.calls.order_by("seq")
        if c.replaces_id is None
    ]
    guesses = [
        [(p.row, p.position, p.code) for p in pure.select(bytes.fromhex(c), specs)]
        for c in sorted(candidates)
    ]
    assert drawn not in guesses  # no value of the copy reproduces the draw
    # The seed came from randomness that did not exist at the commitment: the first signed checkpoint
    # covering the commitment event ...
    commit_event = AuditEvent.objects.get(action="experts.commit_draw", object_id=str(draw.pk))
    assert executed.commit_event_seq == commit_event.seq
    cp = AuditCheckpoint.objects.get(seq=executed.beacon_seq)
    assert cp.root not in checkpoints_then and cp.tree_size >= commit_event.seq
    assert checkpoints.covering_checkpoint(commit_event.seq) == cp
    # ... and anyone recomputes it from public data: the revealed secret matches the commitment published
    # before the draw, and seed = SM3(secret ‖ checkpoint root) of a checkpoint signed by the platform.
    document = checkpoints.checkpoint_document(cp)
    verified = verify_checkpoint(document, platform_public_key())
    secret = bytes.fromhex(executed.secret)
    assert sm3_hex(secret) == commit_event.payload["seed_commitment"] == executed.seed_commitment
    assert sm3_digest(secret + bytes.fromhex(verified.root)).hex() == executed.seed
    assert pure.derive_seed(secret, bytes.fromhex(verified.root)).hex() == executed.seed
    assert platform_key().decrypt(bytes.fromhex(row["secret_sealed"])) == secret
    assert executed.secret_sealed == ""  # revealed: the sealed copy is no longer kept
    assert queries.verify_draw(draw.pk).ok
    # Swapping the checkpoint for another one (choosing among outcomes) fails the verification.
    later = checkpoints.issue_checkpoint("draw", executed)
    DrawRequest.objects.filter(pk=draw.pk).update(beacon_seq=later.seq, beacon_root=later.root)
    DrawRequest.objects.filter(pk=draw.pk).update(
        seed=pure.derive_seed(secret, bytes.fromhex(later.root)).hex()
    )
    result = queries.verify_draw(draw.pk)
    assert not result.ok and not result.checks["beacon"]


# ---- 4. one active draw per lot; draws scoped to the lot's node ------------------------------------------


def test_a_second_draw_needs_a_reason_and_alerts_and_another_city_cannot_run_it(
    opened: Opened, network: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    staff(network, "wzop", "operator", "wuzhong")
    for _ in range(12):
        make_expert()
    op = actor_of("op")
    first = actions.create_draw(op, draw_form(opened.lot.code, rows=[("A08", 5)]))
    actions.commit_draw(op, first.pk)
    with pytest.raises(Conflict) as err:
        actions.create_draw(op, draw_form(opened.lot.code, rows=[("A08", 5)]))
    assert err.value.code == "draw_exists"
    assert DrawRequest.objects.filter(lot=opened.lot).count() == 1
    # An operator of another city may neither create, commit, execute nor decline.
    outsider = actor_of("wzop")
    with pytest.raises(PermissionDenied) as err:
        actions.execute_draw(outsider, first.pk)
    assert err.value.code == "draw_other_node"
    with pytest.raises(PermissionDenied):
        actions.create_draw(outsider, draw_form(opened.lot.code, rows=[("A08", 5)], another_reason="补抽"))
    first.refresh_from_db()
    assert first.status == DrawRequest.Status.COMMITTED and not first.calls.exists()
    assert not AuditEvent.objects.filter(actor="wzop").exists()
    actions.execute_draw(op, first.pk)
    call = first.calls.order_by("seq").first()
    assert call is not None
    with pytest.raises(PermissionDenied):
        actions.respond(outsider, call.pk, accept=False, evidence=evidence(call))
    assert DrawnExpert.objects.get(pk=call.pk).status == DrawnExpert.Status.NOTIFIED
    # A second draw with a recorded reason: allowed, visible to the supervising department, alerted.
    with capture(execute=True):
        second = actions.create_draw(
            op,
            draw_form(opened.lot.code, rows=[("A08", 5)], another_reason="第一次抽取专业不符，重新抽取"),
        )
    assert second.another_reason == "第一次抽取专业不符，重新抽取"
    alert = Alert.objects.get(rule_id="S20")
    assert alert.department == network["housing"] and alert.lot_id == opened.lot.pk
    assert alert.evidence["reason"] == second.another_reason
    assert alert.evidence["draws"] == [first.number, second.number]
    event = AuditEvent.objects.get(action="experts.create_draw", object_id=str(second.pk))
    assert event.payload["another_reason"] == second.another_reason
    assert event.payload["other_draws"] == [first.number]


# ---- 5. declines by the expert, or by the operator only with evidence; unusual declines alert ----------


def test_an_operator_cannot_decline_a_call_without_evidence(
    opened: Opened, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    settings.SUPERVISION_OPERATOR_DECLINES_MAX = 2
    for _ in range(10):
        make_expert()
    draw = run_draw(opened.lot.code, rows=[("A08", 5)])
    op = actor_of("op")
    calls = list(draw.calls.order_by("seq"))
    with pytest.raises(InvalidInput) as err:
        actions.respond(op, calls[0].pk, accept=False, reason="电话中表示不参加")
    assert err.value.code == "call_evidence_required"
    assert DrawnExpert.objects.get(pk=calls[0].pk).status == DrawnExpert.Status.NOTIFIED
    assert draw.calls.count() == 5
    empty = evidence(calls[0], note=b"")
    with pytest.raises(InvalidInput):
        actions.respond(op, calls[0].pk, accept=False, evidence=empty)
    future = evidence(calls[0]).model_copy(update={"called_at": clock.now() + timedelta(hours=1)})
    with pytest.raises(InvalidInput):
        actions.respond(op, calls[0].pk, accept=False, evidence=future)
    assert draw.calls.count() == 5
    # The expert declines by their own action: no evidence needed.
    actions.respond(expert_actor(calls[1].expert), calls[1].pk, accept=False, reason="出差")
    assert draw.calls.count() == 6
    # With the call record and an uploaded note, the operator records the answer; the note is kept.
    proof = evidence(calls[0])
    answered = actions.respond(op, calls[0].pk, accept=False, reason="电话中表示不参加", evidence=proof)
    assert answered.response_via == "operator" and answered.responded_by == "op"
    assert answered.call_record_id == proof.call_record_id
    note = base64.b64decode(proof.note_base64)
    assert answered.call_note_sm3 == sm3_hex(note)
    with answered.call_note.open("rb") as f:
        assert f.read() == note
    event = AuditEvent.objects.filter(action="experts.respond").order_by("-seq").first()
    assert event is not None and event.payload["evidence"]["note_sm3"] == sm3_hex(note)
    assert not Alert.objects.filter(rule_id="S21").exists()
    # A second operator decline reaches the configured threshold: the supervising department is alerted.
    with capture(execute=True):
        actions.respond(op, calls[2].pk, accept=False, evidence=evidence(calls[2]))
    alert = Alert.objects.get(rule_id="S21")
    assert alert.evidence["operator"] == "op" and alert.evidence["declines"] == 2
    assert alert.evidence["threshold"] == 2
    text = str(alert.evidence) + alert.title
    assert not any(c.expert.code in text or c.expert.name in text for c in draw.calls.all())


def test_the_draw_page_records_a_phone_answer_only_with_the_call_evidence(
    opened: Opened, client: Client
) -> None:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile

    for _ in range(7):
        make_expert()
    draw = run_draw(opened.lot.code, rows=[("A08", 5)])
    client.force_login(User.objects.get(username="op"))
    page = client.get(f"/experts/draws/{draw.pk}/")
    assert "代记录电话答复" in page.content.decode()
    url = f"/experts/draws/{draw.pk}/phone-answer/"
    moment = timezone_local(clock.now())
    bare = {
        "seq": 2,
        "decision": "decline",
        "reason": "电话中拒绝",
        "call_record_id": "",
        "called_at": moment,
    }
    refused = client.post(url, bare)
    assert refused.status_code == 422
    assert DrawnExpert.objects.get(draw=draw, seq=2).status == DrawnExpert.Status.NOTIFIED
    assert draw.calls.count() == 5
    note = SimpleUploadedFile("通话记录.txt", "专家电话表示不能参加。".encode(), content_type="text/plain")
    posted = client.post(url, {**bare, "call_record_id": "IVR-20260324-0002", "note": note})
    assert posted.status_code == 302, posted.content.decode()[:500]
    call = DrawnExpert.objects.get(draw=draw, seq=2)
    assert call.status == DrawnExpert.Status.DECLINED and call.call_record_id == "IVR-20260324-0002"
    assert call.call_note_sm3 == sm3_hex("专家电话表示不能参加。".encode())
    assert draw.calls.count() == 6  # the next candidate of the same row was called
    # The page, sealed, still names nobody.
    text = client.get(f"/experts/draws/{draw.pk}/").content.decode()
    assert not any(c.expert.code in text or c.expert.name in text for c in draw.calls.all())


def timezone_local(moment: Any) -> str:
    from django.utils import timezone

    return str(timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M"))
