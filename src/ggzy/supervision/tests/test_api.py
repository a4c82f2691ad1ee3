"""The department's workspace over HTTP: dashboard and risk map, the alert queue, handling an alert
(new → reviewing → confirmed → transferred), its evidence shown verbatim, the trail of a trade."""

from datetime import date
from typing import Any

import pytest
from django.test import Client

from ggzy.kernel import clock, events
from ggzy.kernel.errors import GgzyError, PermissionDenied
from ggzy.kernel.models import AuditEvent
from ggzy.supervision.alerts import move_alert
from ggzy.supervision.cases import file_complaint
from ggzy.supervision.models import Alert, AlertMove
from ggzy.supervision.schemas import ComplaintIn
from ggzy.supervision.tests.conftest import BidSpec, fingerprint, open_lot
from ggzy.testing import PASSWORD, actor_of, local
from ggzy.trading.tests.conftest import Tender

pytestmark = pytest.mark.django_db


def headers(client: Client, username: str) -> dict[str, str]:
    response = client.post(
        "/api/auth/token", {"username": username, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def rigged(tender: Tender) -> Any:
    machine = fingerprint(0)
    opened = open_lot(
        tender,
        [
            BidSpec(0, "23000000.00", fingerprint=machine),
            BidSpec(1, "23050000.00", fingerprint=machine),
            BidSpec(2, "23100000.00"),
        ],
    )
    events.on_lot_advanced(opened.lot)
    return opened


def test_alert_handling_with_evidence_and_basis(rigged: Any, regulator: Any, finance: Any) -> None:
    client = Client()
    reg = headers(client, "reg")
    queue = client.get("/api/supervision/alerts?status=new", headers=reg).json()
    s16 = next(a for a in queue if a["rule_id"] == "S16")
    detail = client.get(f"/api/supervision/alerts/{s16['id']}", headers=reg).json()
    stored = Alert.objects.get(pk=s16["id"])
    assert detail["evidence"] == stored.evidence  # shown verbatim
    assert "第40条(一)" in detail["basis_citation"] and detail["basis_text"]
    # handling: each move by a regulator of the department, audited
    bad = client.post(
        f"/api/supervision/alerts/{s16['id']}/move",
        {"to": "confirmed", "note": "x"},
        content_type="application/json",
        headers=reg,
    )
    assert bad.status_code == 422 and bad.json()["code"] == "alert_transition"
    for to, extra in (
        ("reviewing", {}),
        ("confirmed", {"note": "两家投标文件由同一台电脑编制"}),
        ("transferred", {"transferred_to": "市公安局经侦支队"}),
    ):
        response = client.post(
            f"/api/supervision/alerts/{s16['id']}/move",
            {"to": to, **extra},
            content_type="application/json",
            headers=reg,
        )
        assert response.status_code == 200, response.json()
    final = client.get(f"/api/supervision/alerts/{s16['id']}", headers=reg).json()
    assert final["status"] == "transferred" and final["transferred_to"] == "市公安局经侦支队"
    assert [m["to_status"] for m in final["moves"]] == ["reviewing", "confirmed", "transferred"]
    assert AuditEvent.objects.filter(action="supervision.move_alert", object_id=str(s16["id"])).count() == 3
    # another department can neither see nor move it
    assert (
        client.get(f"/api/supervision/alerts/{s16['id']}", headers=headers(client, "czt")).status_code == 404
    )
    with pytest.raises(PermissionDenied):
        move_alert(finance, s16["id"], "dismissed", "x")
    with pytest.raises(GgzyError):
        move_alert(regulator, s16["id"], "reviewing")
    assert AlertMove.objects.count() == 3


def test_dashboard_and_risk_map(rigged: Any, tender: Tender) -> None:
    clock.freeze(local(2026, 3, 25, 10))
    file_complaint(
        actor_of("tb3"),
        ComplaintIn(
            lot_code=tender.lot.code, request="请求调查", text="疑似串标", known_on=date(2026, 3, 24)
        ),
    )
    client = Client()
    body = client.get("/api/supervision/dashboard", headers=headers(client, "reg")).json()
    assert body["department"] == "住房和城乡建设厅"
    assert body["alerts_by_rule"]["S16"] == 1 and body["alerts_by_status"]["new"] >= 1
    assert body["cases_by_status"] == {"received": 1}
    assert body["overdue"]["cases_accept"] == 0
    row = next(r for r in body["risk_map"] if r["region"] == tender.principal.region_id)
    assert row["screened_lots"] == 1 and row["max_risk"] >= 60 and row["alerts_open"] >= 1
    assert client.get("/api/supervision/dashboard", headers=headers(client, "tb0")).status_code == 403


def test_trail_of_a_trade(rigged: Any, tender: Tender) -> None:
    client = Client()
    trail = client.get(
        f"/api/supervision/lots/{tender.lot.code}/trail", headers=headers(client, "reg")
    ).json()
    actions = [e["action"] for e in trail]
    assert actions[0] == "trading.create_project"
    assert {
        "trading.publish_notice",
        "bidding.complete_upload",
        "bidding.decrypt_bid",
        "trading.advance_lot",
        "supervision.raise_alert",
    } <= set(actions)
    assert [e["position"] for e in trail] == list(range(1, len(trail) + 1))  # no global seq (第21条)
    assert (
        client.get(
            f"/api/supervision/lots/{tender.lot.code}/trail", headers=headers(client, "tb0")
        ).status_code
        == 403
    )


def test_rules_are_public_with_their_basis() -> None:
    rules = Client().get("/api/supervision/rules").json()
    assert [r["id"] for r in rules] == [f"S{n:02d}" for n in range(1, 24)]
    assert all(r["basis"]["citation"] and r["name"] for r in rules)
