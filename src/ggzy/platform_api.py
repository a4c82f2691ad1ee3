"""The kernel's endpoints (administrative divisions, platform keys, the audit chain). They live at the top,
beside the API they are mounted on, because they authenticate callers through the registry: the kernel
itself imports no domain package (the layers contract in pyproject.toml)."""

from collections.abc import Mapping
from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from ggzy.kernel import checkpoints, error_catalogue, timestamping
from ggzy.kernel.actions import require_role
from ggzy.kernel.audit import chain_summary, may_read_trail, numbered, visible_events
from ggzy.kernel.errors import InvalidInput, NotFound
from ggzy.kernel.models import AuditCheckpoint, Region
from ggzy.kernel.platform_key import platform_public_key
from ggzy.kernel.regions import region_or_404
from ggzy.kernel.roles import Role
from ggzy.registry.api_auth import ANYONE
from ggzy.registry.auth import actor_from_request

router = Router(tags=["kernel"])


class ErrorCodeOut(Schema):
    code: str
    status: int
    zh: str = Field(description="中文说明（{…} 处为具体值）")
    en: str
    raised_in: list[str]


@router.get("/error-codes", response=list[ErrorCodeOut], auth=ANYONE, summary="全部错误代码（error codes）")
def error_codes(request: HttpRequest) -> list[ErrorCodeOut]:
    """Every code the API answers with, from the one catalogue (kernel/data/error_codes.json)."""
    return [ErrorCodeOut(code=code, **entry) for code, entry in error_catalogue.catalogue().items()]


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None


class ChainOut(Schema):
    """No event count: it would grow with every sealed bid or download (see `audit.chain_summary`)."""

    intact: bool
    checkpoint: int | None
    tree_size: int
    checkpoints: int
    bad_seq: int | None
    reason: str


class AuditEventOut(Schema):
    """`position` numbers the events of this listing (1 = oldest). Neither the global seq, whose gaps
    would count the sealed events in between, nor the event hash (it covers seq and the previous event's
    hash: trying the few possible seqs would tell whether a sealed event came just before)."""

    position: int
    occurred_at: datetime
    actor: str
    role: str
    ip: str | None
    action: str
    object_type: str
    object_id: str
    payload: dict[str, object]


def _region_out(r: Region) -> RegionOut:
    return RegionOut(code=r.code, name=r.name, level=r.level, parent=r.parent_id)


@router.get("/regions", response=list[RegionOut], auth=None, summary="行政区划（GB/T 2260）")
def list_regions(
    request: HttpRequest, parent: str | None = None, level: str | None = None
) -> list[RegionOut]:
    qs = Region.objects.all()
    if parent:
        qs = qs.filter(parent_id=parent)
    if level:
        qs = qs.filter(level=level)
    return [_region_out(r) for r in qs]


@router.get("/regions/{code}", response=RegionOut, auth=None, summary="一个行政区划")
def get_region(request: HttpRequest, code: str) -> RegionOut:
    return _region_out(region_or_404(code))


class PlatformKeysOut(Schema):
    receipt_public_key_pem: str
    receipt_key_id: str
    tsa: str  # the time-stamping authority of new receipts ("local (embedded, …)" when there is none)
    tsa_certificate_pem: str


@router.get(
    "/platform/keys",
    response=PlatformKeysOut,
    auth=None,
    summary="平台公钥与时间戳机构证书（验证回执与签名）",
)
def platform_keys(request: HttpRequest) -> PlatformKeysOut:
    key = platform_public_key()
    return PlatformKeysOut(
        receipt_public_key_pem=key.to_pem(),
        receipt_key_id=key.key_id,
        tsa=timestamping.tsa_name(),
        tsa_certificate_pem=timestamping.tsa_certificate_pem().decode("ascii"),
    )


@router.get("/audit/verify", response=ChainOut, summary="验证审计链（以最新签名检查点为准，不报事件总数）")
def verify_audit(request: HttpRequest) -> ChainOut:
    require_role(actor_from_request(request), Role.OPERATOR, Role.REGULATOR)
    summary = chain_summary()
    return ChainOut(
        intact=summary.intact,
        checkpoint=summary.checkpoint,
        tree_size=summary.tree_size,
        checkpoints=summary.checkpoints,
        bad_seq=summary.bad_seq,
        reason=summary.reason,
    )


@router.get("/audit/events", response=list[AuditEventOut], summary="某对象的审计轨迹（本列表内编号）")
def audit_events(
    request: HttpRequest, object_type: str, object_id: str, limit: int = 200
) -> list[AuditEventOut]:
    actor = actor_from_request(request)
    require_role(actor, Role.OPERATOR, Role.REGULATOR)
    if not may_read_trail(actor, object_type, object_id):
        # Another node's or department's object: as if there were none.
        raise NotFound("audit_object_not_found", "未找到该对象的审计轨迹", "No audit trail for that object")
    qs = visible_events().filter(object_type=object_type, object_id=object_id).order_by("seq")
    return [
        AuditEventOut(
            position=n,
            occurred_at=e.occurred_at,
            actor=e.actor,
            role=e.role,
            ip=e.ip,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            payload=e.payload,
        )
        for n, e in numbered(qs[: max(1, min(limit, 1000))])
    ]


# --- signed checkpoints: public, so that anyone can keep copies (kernel.checkpoints) ----------------


@router.get("/audit/checkpoints", auth=None, summary="审计链签名检查点（公开，任何人可留存并用于验证）")
def audit_checkpoints(request: HttpRequest, since: int = 0, limit: int = 1000) -> Mapping[str, object]:
    if since < 0:
        raise InvalidInput("checkpoints_since", "since 不能为负数", "since must not be negative")
    return checkpoints.published_checkpoints(since=since, limit=max(1, min(limit, 10000)))


@router.get("/audit/checkpoints/{seq}", auth=None, summary="一个审计链签名检查点")
def audit_checkpoint(request: HttpRequest, seq: int) -> Mapping[str, object]:
    cp = AuditCheckpoint.objects.filter(seq=seq).first()
    if cp is None:
        raise NotFound("checkpoint_not_found", f"未找到检查点#{seq}", f"No checkpoint #{seq}")
    return checkpoints.checkpoint_document(cp)


@router.get("/audit/consistency", auth=None, summary="两个检查点之间的一致性证明（RFC 9162，仅含哈希）")
def audit_consistency(request: HttpRequest, first: int, second: int) -> Mapping[str, object]:
    older = AuditCheckpoint.objects.filter(seq=first).first()
    newer = AuditCheckpoint.objects.filter(seq=second).first()
    if older is None or newer is None or older.tree_size > newer.tree_size or older.tree_size == 0:
        raise NotFound("checkpoint_not_found", "检查点不存在或顺序不对", "No such pair of checkpoints")
    return {
        "format": "ggzy-audit-consistency",
        "version": 1,
        "first": checkpoints.checkpoint_document(older),
        "second": checkpoints.checkpoint_document(newer),
        "proof": checkpoints.consistency_proof(older.tree_size, newer.tree_size),
    }
