"""Credit: recording within the statutory ban periods, enforcement citing the record, derived red and black
lists, expiry by the chronograph, revocation, pushing a change to open procedures, the national import."""

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from ggzy.bidding.actions import complete_upload, start_upload, write_chunk
from ggzy.credit import enforcement
from ggzy.credit.actions import id_digest, import_national, record_entry, revoke_entry
from ggzy.credit.models import CreditRecord
from ggzy.credit.schemas import CreditRecordIn, PractitionerIn
from ggzy.kernel import chronograph, clock
from ggzy.kernel.errors import GgzyError, PermissionDenied
from ggzy.kernel.roles import Actor
from ggzy.supervision.checks import run_event
from ggzy.supervision.checks.credit import alert_open_procedures
from ggzy.supervision.models import Alert
from ggzy.supervision.tests.conftest import DEADLINE, BidSpec, bidder_actor, open_lot, sealed
from ggzy.testing import PASSWORD, actor_of, local
from ggzy.trading.actions import download_document, publish_notice
from ggzy.trading.models import Lot
from ggzy.trading.tests.conftest import Tender
from ggzy_guomi import sm3_hex

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "national-import-example.json"


def ban(uscc: str, until: date, kind: str = "collusion", **change: Any) -> CreditRecordIn:
    data: dict[str, Any] = {
        "uscc": uscc,
        "kind": kind,
        "decision_no": "宁建罚〔2026〕8号",
        "facts": "与其他投标人相互串通投标，情节严重。",
        "valid_from": date(2026, 3, 2),
        "valid_until": until,
    }
    data.update(change)
    return CreditRecordIn(**data)


def test_ban_periods_are_the_statutory_range_at_their_boundaries(tender: Tender, regulator: Actor) -> None:
    uscc = tender.bidders[0][0].uscc
    for until in (date(2027, 2, 28), date(2028, 3, 2)):  # one day short of 1 year; one day past 2 years
        with pytest.raises(GgzyError) as refused:
            record_entry(regulator, ban(uscc, until))
        assert refused.value.code == "ban_period"
        assert (
            refused.value.rule is not None
            and refused.value.rule.citation == "中华人民共和国招标投标法 第53条"
        )
        assert refused.value.details == {"earliest_until": "2027-03-01", "latest_until": "2028-03-01"}
    assert not CreditRecord.objects.exists()
    assert record_entry(regulator, ban(uscc, date(2027, 3, 1))).ban
    fraud = record_entry(regulator, ban(uscc, date(2029, 3, 1), kind="fraud"))  # 条例 第68条: up to 3 years
    assert fraud.basis_citation.startswith("中华人民共和国招标投标法实施条例 第68条")


def test_a_banned_entity_is_refused_with_its_record_cited(tender: Tender, regulator: Actor) -> None:
    entity = tender.bidders[0][0]
    record = record_entry(regulator, ban(entity.uscc, date(2027, 9, 1)))
    for stage in ("download", "bid", "contract"):
        with pytest.raises(PermissionDenied) as refused:
            enforcement.check(entity, stage, category="engineering")
        err = refused.value
        assert err.code == "entity_banned" and err.status == 403
        assert err.details["record"]["record_id"] == record.pk
        assert err.details["record"]["basis"] == "中华人民共和国招标投标法 第53条"
        assert err.details["record"]["until"] == "2027-09-01"
        assert err.details["stage"] == stage
        assert "2027年9月1日" in err.zh and f"#{record.pk}" in err.zh and "宁建罚〔2026〕8号" in err.zh
        assert err.rule is not None and err.rule.citation == record.basis_citation
    enforcement.check(entity, "bid", category="procurement")  # a 法 第53条 ban covers must-tender projects
    enforcement.check(tender.bidders[1][0], "bid", category="engineering")
    with pytest.raises(GgzyError):
        enforcement.check(entity, "sign")


def test_lists_are_derived_and_a_ban_expires_with_the_chronograph(tender: Tender, regulator: Actor) -> None:
    banned, honoured = tender.bidders[0][0], tender.bidders[1][0]
    record = record_entry(regulator, ban(banned.uscc, date(2027, 3, 1)))
    record_entry(
        regulator,
        CreditRecordIn(
            uscc=honoured.uscc,
            kind="honour",
            severity="minor",
            facts="获评诚信示范企业",
            valid_from=date(2026, 3, 2),
        ),
    )
    assert [r.pk for r in enforcement.blacklist()] == [record.pk]
    assert enforcement.redlist() == [honoured.uscc]
    status = enforcement.status(banned)
    assert status.blacklisted and not status.redlisted and status.bans[0]["record_id"] == record.pk
    clock.freeze(local(2027, 3, 1, 23))
    chronograph.sweep()
    assert enforcement.is_banned(banned)
    clock.freeze(local(2027, 3, 2, 0, 1))  # the day after its last day
    chronograph.sweep()
    record.refresh_from_db()
    assert record.status == CreditRecord.Status.EXPIRED
    assert not enforcement.is_banned(banned) and enforcement.blacklist() == []


def test_revoking_lifts_the_ban_and_only_the_deciding_department_may(
    tender: Tender, regulator: Actor, finance: Actor
) -> None:
    entity = tender.bidders[0][0]
    record = record_entry(regulator, ban(entity.uscc, date(2027, 9, 1)))
    with pytest.raises(PermissionDenied):
        revoke_entry(finance, record.pk, "复议撤销")
    revoke_entry(regulator, record.pk, "行政复议决定撤销原处罚决定")
    assert not enforcement.is_banned(entity)
    assert enforcement.status(entity).bans == []


def test_who_may_record_what(tender: Tender, regulator: Actor, finance: Actor, operator: Actor) -> None:
    uscc = tender.bidders[0][0].uscc
    with pytest.raises(PermissionDenied) as not_competent:
        record_entry(finance, ban(uscc, date(2027, 9, 1)))  # 财政厅 does not supervise engineering
    assert not_competent.value.code == "not_competent_department"
    procurement_ban = record_entry(finance, ban(uscc, date(2028, 3, 1), kind="procurement_violation"))
    assert procurement_ban.ban_categories == ["procurement"]
    with pytest.raises(PermissionDenied):
        record_entry(operator, ban(uscc, date(2027, 9, 1)))
    finding = record_entry(
        operator,
        CreditRecordIn(
            uscc=uscc,
            kind="platform_finding",
            severity="general",
            facts="中标后无正当理由放弃中标",
            valid_from=date(2026, 3, 2),
        ),
    )
    assert finding.source == "platform" and not finding.ban and finding.valid_until == date(2029, 3, 1)
    with pytest.raises(PermissionDenied):
        record_entry(actor_of("tb0"), ban(uscc, date(2027, 9, 1)))


def test_repeat_collusion_within_three_years_is_flagged(tender: Tender, regulator: Actor) -> None:
    uscc = tender.bidders[0][0].uscc
    record_entry(
        regulator,
        CreditRecordIn(
            uscc=uscc,
            kind="collusion_penalty",
            severity="general",
            decision_no="罚1",
            facts="串通投标",
            valid_from=date(2026, 3, 2),
        ),
    )
    assert enforcement.status(uscc).repeat_collusion is None
    record_entry(regulator, ban(uscc, date(2027, 3, 1)))
    flag = enforcement.status(uscc).repeat_collusion
    assert flag is not None and flag["count"] == 2 and "第67条" in flag["rule"]["citation"]


def test_a_practitioner_is_checked_by_the_digest_of_the_id_number(tender: Tender, regulator: Actor) -> None:
    record = record_entry(
        regulator,
        CreditRecordIn(
            uscc=tender.bidders[0][0].uscc,
            practitioner=PractitionerIn(name="王建国", id_number="640104199001011234"),
            kind="collusion",
            decision_no="宁建罚〔2026〕9号",
            facts="项目经理参与串通投标",
            valid_from=date(2026, 3, 2),
            valid_until=date(2027, 3, 1),
        ),
    )
    assert record.subject == "practitioner" and record.id_digest == id_digest("640104199001011234")
    assert "640104199001011234" not in json.dumps(record.cite(), ensure_ascii=False)
    with pytest.raises(PermissionDenied):
        enforcement.check_practitioner(id_digest("640104199001011234"), "bid", category="engineering")
    enforcement.check_practitioner(id_digest("640104199001015678"), "bid")
    enforcement.check(tender.bidders[0][0], "bid")  # the employer itself is not banned


def test_a_new_ban_alerts_every_open_procedure_the_entity_takes_part_in(
    tender: Tender, regulator: Actor
) -> None:
    opened = open_lot(
        tender, [BidSpec(i, p) for i, p in enumerate(["23000000", "22000000", "24000000"])], close=False
    )
    entity = tender.bidders[0][0]
    record = record_entry(regulator, ban(entity.uscc, date(2027, 9, 1)))
    assert alert_open_procedures(entity.pk) == 1  # what the after-commit hook does
    alert = Alert.objects.get(rule_id="S14")
    assert alert.lot_id == opened.lot.pk and alert.severity == "critical"
    assert alert.evidence["record"]["record_id"] == record.pk
    assert alert.evidence["participation"][0]["as"] == "bid"
    assert alert.basis_citation == "中华人民共和国招标投标法 第53条"
    assert alert_open_procedures(entity.pk) == 0  # raised once


def test_a_download_counts_as_taking_part_once_the_lot_is_opened(tender: Tender, regulator: Actor) -> None:
    """Before the deadline a ban says nothing of who takes part (电子招标投标办法 第21条): the regulator
    cannot probe a firm by recording a ban. At the opening the downloader is found."""
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 5, 10))
    document = tender.notice.documents.get()
    download_document(actor_of("tb3"), document.pk)
    record_entry(regulator, ban(tender.bidders[3][0].uscc, date(2027, 3, 4), valid_from=date(2026, 3, 5)))
    assert alert_open_procedures(tender.bidders[3][0].pk) == 0
    assert not Alert.objects.filter(rule_id="S14").exists()
    for i in range(3):  # three bids: the lot opens (fewer would fail it)
        envelope = sealed(tender, BidSpec(i, f"2300000{i}"))
        job, _ = start_upload(bidder_actor(i), tender.lot.code, len(envelope), sm3_hex(envelope))
        write_chunk(bidder_actor(i), job.public_id, 0, len(envelope), envelope)
        complete_upload(bidder_actor(i), job.public_id)
    clock.freeze(DEADLINE)
    chronograph.sweep()  # the lot moves to the opening; its S14 check runs after commit (called here)
    assert Lot.objects.get(pk=tender.lot.pk).state == Lot.State.OPENING
    assert run_event("lot_advanced", tender.lot.pk)
    assert Alert.objects.get(rule_id="S14").evidence["participation"][0]["as"] == "download"


def test_national_import_is_idempotent_and_all_or_nothing(tender: Tender, operator: Actor) -> None:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    report = import_national(operator, EXAMPLE.read_bytes())
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0) and report.warnings == []
    again = import_national(operator, document)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert (
        enforcement.active_bans("91110000101623741K", "procurement")[0].external_id == "CN-XZCF-2026-000123"
    )
    assert enforcement.active_bans("91110000101623741K", "engineering") == []
    practitioner = CreditRecord.objects.get(subject="practitioner")
    assert practitioner.id_digest == id_digest("110101199003070000")
    assert "110101199003070000" not in json.dumps([r.cite() for r in CreditRecord.objects.all()])
    document["records"][0]["revoked"] = True
    assert import_national(operator, document).updated == 1
    assert enforcement.active_bans("91110000101623741K") == []
    broken = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    broken["records"][0]["id"] = "CN-NEW-1"
    broken["records"][1]["uscc"] = "91310115MA1H8R7C6D"  # wrong check character
    count = CreditRecord.objects.count()
    with pytest.raises(GgzyError) as refused:
        import_national(operator, broken)
    assert refused.value.code == "import_rows" and refused.value.details["errors"][0]["index"] == 1
    assert CreditRecord.objects.count() == count
    with pytest.raises(PermissionDenied):
        import_national(actor_of("reg"), document)


def test_credit_api(tender: Tender, regulator: Actor) -> None:
    client = Client()
    token = client.post(
        "/api/auth/token", {"username": "reg", "password": PASSWORD}, content_type="application/json"
    )
    auth = {"Authorization": f"Bearer {token.json()['token']}"}
    uscc = tender.bidders[0][0].uscc
    body = {
        "uscc": uscc,
        "kind": "collusion",
        "decision_no": "宁建罚〔2026〕10号",
        "facts": "串通投标",
        "valid_from": "2026-03-02",
        "valid_until": "2027-03-01",
        "is_public": True,
    }
    created = client.post("/api/credit/records", body, content_type="application/json", headers=auth)
    assert created.status_code == 201, created.json()
    short = client.post(
        "/api/credit/records",
        {**body, "valid_until": "2026-12-31"},
        content_type="application/json",
        headers=auth,
    )
    assert short.status_code == 422 and short.json()["rule"]["citation"] == "中华人民共和国招标投标法 第53条"
    public = client.get(f"/api/credit/entities/{uscc}").json()
    assert public["blacklisted"] and public["records"][0]["decision_no"] == "宁建罚〔2026〕10号"
    assert [r["uscc"] for r in client.get("/api/credit/blacklist").json()] == [uscc]
    kinds = {k["code"]: k for k in client.get("/api/credit/kinds").json()}
    assert (kinds["fraud"]["ban_min_years"], kinds["fraud"]["ban_max_years"]) == (1, 3)
    assert kinds["procurement_violation"]["citation"] == "中华人民共和国政府采购法 第77条"
    record_id = created.json()["id"]
    revoked = client.post(
        f"/api/credit/records/{record_id}/revoke",
        {"reason": "撤销"},
        content_type="application/json",
        headers=auth,
    )
    assert revoked.json()["status"] == "revoked"
    assert not client.get(f"/api/credit/entities/{uscc}").json()["blacklisted"]
    assert client.post("/api/credit/records", body, content_type="application/json").status_code == 401
    op = client.post(
        "/api/auth/token", {"username": "op", "password": PASSWORD}, content_type="application/json"
    )
    imported = client.post(
        "/api/credit/import",
        EXAMPLE.read_text(encoding="utf-8"),
        content_type="application/json",
        headers={"Authorization": f"Bearer {op.json()['token']}"},
    )
    assert imported.status_code == 200, imported.json()
    assert imported.json()["created"] == 3
    assert (
        client.post("/api/credit/import", "{}", content_type="application/json", headers=auth).status_code
        == 403
    )


def test_the_actions_refuse_a_banned_entity(tender: Tender, regulator: Actor) -> None:
    """The checks are wired into the actions: download, bid (upload, bond) and nothing written."""
    from ggzy.bidding.actions import open_bond_account, start_upload
    from ggzy.bidding.models import Bond, Upload
    from ggzy.trading.models import Download
    from ggzy_guomi import sm3_hex

    entity = tender.bidders[0][0]
    publish_notice(tender.manager, tender.notice.pk)
    clock.freeze(local(2026, 3, 10, 10))
    record_entry(regulator, ban(entity.uscc, date(2027, 9, 1)))
    document = tender.notice.documents.get()
    for attempt in (
        lambda: download_document(tender.bidder_actor(0), document.pk),
        lambda: start_upload(tender.bidder_actor(0), tender.lot.code, 10, sm3_hex(b"0123456789")),
        lambda: open_bond_account(tender.bidder_actor(0), tender.lot.code),
    ):
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        assert refused.value.code == "entity_banned"
    assert not Download.objects.exists() and not Upload.objects.exists() and not Bond.objects.exists()
    download_document(tender.bidder_actor(1), document.pk)  # others are unaffected
