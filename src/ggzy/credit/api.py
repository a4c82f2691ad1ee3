"""Credit endpoints: an entity's credit file, the red and black lists (public), recording, revoking and
importing records (regulators and operators)."""

from typing import Any

from django.http import HttpRequest
from ninja import Body, Router, Status

from ggzy.credit import actions, enforcement, rules
from ggzy.credit.models import CreditRecord
from ggzy.credit.schemas import CreditRecordIn, CreditRecordOut, CreditStatusOut, ImportOut, KindOut, RevokeIn
from ggzy.kernel.errors import NotFound
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.api_auth import ANYONE
from ggzy.registry.auth import actor_from_request

router = Router(tags=["credit"])


def _sees_all(actor: Actor) -> bool:
    return actor.has(Role.REGULATOR) or actor.has(Role.OPERATOR)


def record_out(r: CreditRecord) -> dict[str, Any]:
    kind = rules.kind(r.kind)
    return {
        "id": r.pk,
        "subject": r.subject,
        "uscc": r.uscc,
        "subject_name": r.subject_name,
        "role": r.role,
        "kind": r.kind,
        "kind_name": kind.name if kind else r.kind,
        "positive": r.positive,
        "source": r.source,
        "severity": r.severity,
        "ban": r.ban,
        "ban_categories": r.ban_categories,
        "basis_citation": r.basis_citation,
        "basis_text": r.basis_text,
        "decision_no": r.decision_no,
        "authority": r.authority,
        "facts": r.facts,
        "valid_from": r.valid_from,
        "valid_until": r.valid_until,
        "is_public": r.is_public,
        "status": r.status,
        "recorded_at": r.recorded_at,
    }


@router.get("/kinds", auth=ANYONE, response=list[KindOut], summary="信用记录类别及禁入期限（法定）")
def kinds(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": k.code,
            "name": k.name,
            "positive": k.positive,
            "citation": k.legal.citation,
            "text": k.legal.text,
            "ban_min_years": k.ban.min_years if k.ban else None,
            "ban_max_years": k.ban.max_years if k.ban else None,
            "ban_categories": list(k.ban.categories) if k.ban else [],
            "unconfirmed": k.unconfirmed,
        }
        for k in rules.KINDS.values()
    ]


@router.get(
    "/entities/{uscc}", auth=ANYONE, response=CreditStatusOut, summary="市场主体信用档案（红黑名单状态）"
)
def entity_credit(request: HttpRequest, uscc: str) -> dict[str, Any]:
    actor = actor_from_request(request)
    public_only = not _sees_all(actor)
    code = uscc.strip().upper()
    status = enforcement.status(code, public_only=public_only)
    records = enforcement.records_of(code)
    if public_only:
        records = records.filter(is_public=True)
    return {**status.as_json(), "on": status.on, "records": [record_out(r) for r in records]}


@router.get("/blacklist", auth=ANYONE, response=list[CreditRecordOut], summary="黑名单（市场禁入，现行有效）")
def blacklist(request: HttpRequest) -> list[dict[str, Any]]:
    return [record_out(r) for r in enforcement.blacklist()]


@router.get("/redlist", auth=ANYONE, response=list[str], summary="红名单（统一社会信用代码）")
def redlist(request: HttpRequest) -> list[str]:
    return enforcement.redlist()


@router.get("/records/{record_id}", auth=ANYONE, response=CreditRecordOut, summary="一条信用记录")
def get_record(request: HttpRequest, record_id: int) -> dict[str, Any]:
    record = CreditRecord.objects.filter(pk=record_id).first()
    if record is None or (not record.is_public and not _sees_all(actor_from_request(request))):
        raise NotFound("credit_record_not_found", "未找到信用记录", "No such credit record")
    return record_out(record)


@router.post("/records", response={201: CreditRecordOut}, summary="记录信用信息（行政监督部门、交易中心）")
def create_record(request: HttpRequest, payload: CreditRecordIn) -> Status[dict[str, Any]]:
    return Status(201, record_out(actions.record_entry(actor_from_request(request), payload)))


@router.post("/records/{record_id}/revoke", response=CreditRecordOut, summary="撤销信用记录")
def revoke_record(request: HttpRequest, record_id: int, payload: RevokeIn) -> dict[str, Any]:
    return record_out(actions.revoke_entry(actor_from_request(request), record_id, payload.reason))


@router.post("/import", response=ImportOut, summary="导入全国信用信息共享平台数据（ggzy-credit-import/1）")
def import_records(request: HttpRequest, payload: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
    report = actions.import_national(actor_from_request(request), payload)
    return {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "sm3": report.sm3,
        "warnings": report.warnings,
    }
