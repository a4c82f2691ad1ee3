"""Credit actions: record an entry, revoke it, let it expire (chronograph), import from the national
credit platform. Each change pushes the entity's new status to the procedures in progress
(`enforcement.changed`, after commit)."""

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.hmac import HMAC
from django.conf import settings
from django.utils import timezone

from ggzy.credit import enforcement, rules
from ggzy.credit.models import CreditRecord
from ggzy.credit.schemas import CreditRecordIn
from ggzy.exchange.queries import operates, operates_province, require_province_operator
from ggzy.kernel import audit, clock
from ggzy.kernel.actions import action, after_commit, require_role
from ggzy.kernel.codes import validate_uscc
from ggzy.kernel.errors import InvalidInput, LegalRule, NotFound, PermissionDenied
from ggzy.kernel.roles import Actor, Role
from ggzy.kernel.timefmt import local_text, local_text_en
from ggzy.registry.models import Account, Department, Entity
from ggzy_guomi import sm3_digest, sm3_hex

IMPORT_FORMAT = "ggzy-credit-import/1"
ID_NUMBER_LENGTH = 18


def id_digest(number: str) -> str:
    """HMAC-SM3 of a practitioner's ID number (settings.CREDIT_ID_KEY, else derived from SECRET_KEY): the
    same person gives the same digest, and the number is never stored (个人信息保护法 第6条)."""
    secret = getattr(settings, "CREDIT_ID_KEY", "") or settings.SECRET_KEY
    mac = HMAC(sm3_digest(b"ggzy.credit.id-number:" + secret.encode()), hashes.SM3())
    mac.update(number.strip().upper().encode())
    return mac.finalize().hex()


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _schedule(record: CreditRecord, today: date) -> None:
    """Look at the record again when it starts (if later) and the day after it ends."""
    if record.status != CreditRecord.Status.ACTIVE:
        record.next_check = None
    elif record.valid_from > today:
        record.next_check = _start_of(record.valid_from)
    elif record.valid_until is not None:
        record.next_check = _start_of(record.valid_until + timedelta(days=1))
    else:
        record.next_check = None


def _kind(code: str) -> rules.CreditKind:
    kind = rules.kind(code)
    if kind is None:
        raise InvalidInput(
            "credit_kind",
            f"未知的信用记录类别“{code}”，可选：{'、'.join(rules.KINDS)}",
            f"Unknown credit kind '{code}'",
            details={"kinds": sorted(rules.KINDS)},
        )
    return kind


def check_period(kind: rules.CreditKind, valid_from: date, valid_until: date | None) -> date | None:
    """The record's end date: a ban must lie within its statutory range; other records default to the
    publication period of the rules ([U])."""
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput(
            "credit_period_order", "有效期止不得早于有效期起", "valid_until precedes valid_from"
        )
    if kind.ban is None:
        if valid_until is not None:
            return valid_until
        years = rules.RED_LIST_YEARS.value if kind.positive else rules.DEFAULT_PUBLICATION_YEARS.value
        return add_years(valid_from, years) - timedelta(days=1)
    ban = kind.ban
    shortest = add_years(valid_from, ban.min_years) - timedelta(days=1)
    longest = add_years(valid_from, ban.max_years) - timedelta(days=1)
    if valid_until is None or not shortest <= valid_until <= longest:
        raise InvalidInput(
            "ban_period",
            f"“{kind.name}”的禁入期限应为{ban.min_years}年至{ban.max_years}年：自{local_text(valid_from)}起，"
            f"截止日应在{local_text(shortest)}至{local_text(longest)}之间",
            f"A '{kind.code}' ban lasts {ban.min_years} to {ban.max_years} years: end between {local_text_en(shortest)} and {local_text_en(longest)}",
            rule=ban.legal,
            details={"earliest_until": shortest.isoformat(), "latest_until": longest.isoformat()},
        )
    return valid_until


def _severity(value: str, kind: rules.CreditKind) -> str:
    if kind.ban is not None:
        return CreditRecord.Severity.SERIOUS
    if value not in CreditRecord.Severity.values:
        raise InvalidInput(
            "credit_severity", "严重程度应为 minor、general 或 serious", "severity: minor/general/serious"
        )
    return value


def _subject(form: CreditRecordIn) -> dict[str, Any]:
    """Entity or practitioner fields of a record; the ID number is digested here and forgotten."""
    if form.practitioner is not None:
        p = form.practitioner
        name = p.name.strip()
        digest = p.id_digest.strip().lower()
        if p.id_number.strip():
            if len(p.id_number.strip()) != ID_NUMBER_LENGTH:
                raise InvalidInput("id_number_format", "身份证号应为18位", "The ID number has 18 characters")
            digest = id_digest(p.id_number)
        if not name or len(digest) != 64:
            raise InvalidInput(
                "practitioner_required",
                "请填写从业人员姓名和身份证号",
                "Give the practitioner's name and ID number",
            )
        employer = Entity.objects.filter(uscc=form.uscc.strip().upper()).first() if form.uscc else None
        return {
            "subject": CreditRecord.Subject.PRACTITIONER,
            "entity": employer,
            "uscc": employer.uscc if employer else "",
            "subject_name": name,
            "id_digest": digest,
            "role": p.role.strip(),
        }
    uscc = validate_uscc(form.uscc)
    entity = Entity.objects.filter(uscc=uscc).first()
    name = entity.name if entity else form.name.strip()
    if not name:
        raise InvalidInput(
            "credit_subject_name",
            "该主体未在本平台登记，请填写名称",
            "The entity is not registered here: give its name",
        )
    return {"subject": CreditRecord.Subject.ENTITY, "entity": entity, "uscc": uscc, "subject_name": name}


def _source_for(actor: Actor, form: CreditRecordIn) -> tuple[str, Department | None, str]:
    """Who may record what: a regulator records its department's decisions; the operator records
    platform findings and court lists it receives. Returns (source, department, role)."""
    role = require_role(actor, Role.REGULATOR, Role.OPERATOR)
    if actor.has(Role.REGULATOR):
        department = Department.objects.filter(pk=actor.department_id or 0).select_related("node").first()
        if department is None:
            raise PermissionDenied(
                "department_required", "监管人员须属于行政监督部门", "A regulator needs a department"
            )
        if form.source not in {"", CreditRecord.Source.REGULATOR}:
            raise InvalidInput(
                "credit_source", "行政监督部门记录的来源为 regulator", "Regulators record source=regulator"
            )
        return CreditRecord.Source.REGULATOR, department, role
    source = form.source or CreditRecord.Source.PLATFORM
    if source not in {CreditRecord.Source.PLATFORM, CreditRecord.Source.COURT}:
        raise PermissionDenied(
            "credit_source_operator",
            "交易中心只能记录平台认定的失信行为和人民法院的失信名单；行政处罚由行政监督部门记录",
            "Operators record platform findings and court lists only",
        )
    return source, None, role


@action("credit.record_entry")
def record_entry(actor: Actor, form: CreditRecordIn) -> CreditRecord:
    """Record a credit entry: a regulator's decision (incl. market bans) or the operator's finding."""
    source, department, role = _source_for(actor, form)
    kind = _kind(form.kind)
    if source == CreditRecord.Source.PLATFORM and (kind.ban is not None or kind.code != "platform_finding"):
        raise PermissionDenied(
            "credit_kind_operator",
            "交易中心只能记录“交易平台认定的失信行为”，不得作出市场禁入",
            "Operators record platform findings only, never bans",
        )
    if source == CreditRecord.Source.COURT and kind.code != "court_dishonest":
        raise InvalidInput(
            "credit_kind_court", "人民法院来源的记录类别为失信被执行人", "Court records: court_dishonest"
        )
    if (
        department is not None
        and kind.ban is not None
        and not set(kind.ban.categories) <= set(department.sectors)
    ):
        raise PermissionDenied(
            "not_competent_department",
            f"{department.name}不监管该类交易，无权作出“{kind.name}”",
            "This department does not supervise the trades the ban covers",
            rule=kind.ban.legal,
            details={"ban_categories": list(kind.ban.categories), "department_sectors": department.sectors},
        )
    facts = (form.facts or "").strip()
    if not facts:
        raise InvalidInput("credit_facts", "请填写认定的事实", "State the facts")
    if kind.ban is not None and not form.decision_no.strip():
        raise InvalidInput(
            "decision_no_required", "市场禁入须填写处理决定书文号", "A ban needs the decision number"
        )
    valid_until = check_period(kind, form.valid_from, form.valid_until)
    now = clock.now()
    record = CreditRecord(
        **_subject(form),
        kind=kind.code,
        positive=kind.positive,
        source=source,
        severity=_severity(form.severity, kind),
        ban=kind.ban is not None,
        ban_categories=list(kind.ban.categories) if kind.ban else [],
        basis_citation=form.basis_citation.strip() or kind.legal.citation,
        basis_text=form.basis_text.strip() or kind.legal.text,
        decision_no=form.decision_no.strip(),
        authority=department.name if department else ("交易中心" if source == "platform" else "人民法院"),
        department=department,
        facts=facts,
        valid_from=form.valid_from,
        valid_until=valid_until,
        is_public=form.is_public,
        recorded_at=now,
        recorded_by=actor.name,
    )
    _schedule(record, clock.today())
    record.save()
    _push(record)
    audit.record(
        record,
        {
            "uscc": record.uscc,
            "kind": record.kind,
            "ban": record.ban,
            "from": record.valid_from,
            "until": record.valid_until,
            "basis": record.basis_citation,
        },
        role=role,
    )
    return record


def _push(record: CreditRecord) -> None:
    if record.entity_id is not None and record.subject == CreditRecord.Subject.ENTITY:
        _push_entity(record.entity_id)


def _push_entity(entity_id: int) -> None:
    after_commit(lambda: enforcement.changed(entity_id))


def _operates_recorder(actor: Actor, record: CreditRecord) -> bool:
    """The centre whose staff recorded it, or one above it; imported records: the province's centre."""
    recorder = Account.objects.filter(user__username=record.recorded_by).select_related("node").first()
    if recorder is None or recorder.node is None:
        return operates_province(actor)
    return operates(actor, recorder.node)


@action("credit.revoke_entry")
def revoke_entry(actor: Actor, record_id: int, reason: str) -> CreditRecord:
    """Revoke a record (e.g. the decision was annulled on review): it leaves every list at once."""
    role = require_role(actor, Role.REGULATOR, Role.OPERATOR)
    record = CreditRecord.objects.select_for_update().filter(pk=record_id).first()
    if record is None:
        raise NotFound("credit_record_not_found", "未找到信用记录", "No such credit record")
    if actor.has(Role.REGULATOR):
        allowed = record.department_id is not None and record.department_id == actor.department_id
    else:
        allowed = record.source in {
            CreditRecord.Source.PLATFORM,
            CreditRecord.Source.COURT,
            CreditRecord.Source.NATIONAL,
        } and _operates_recorder(actor, record)
    if not allowed and not actor.is_system:
        raise PermissionDenied(
            "not_record_owner",
            "只有作出决定的部门（或交易中心对平台记录）可以撤销",
            "Only the recording body revokes",
        )
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason_required", "请说明撤销理由", "Give the reason")
    if record.status == CreditRecord.Status.REVOKED:
        raise InvalidInput("credit_record_revoked", "该记录已撤销", "Already revoked")
    record.status = CreditRecord.Status.REVOKED
    record.revoked_at = clock.now()
    record.revoke_reason = reason
    record.next_check = None
    record.save()
    _push(record)
    audit.record(record, {"revoked": True, "reason": reason}, role=role)
    return record


def expire_due(record_id: int, now: datetime) -> None:
    _watch(Actor.system("chronograph"), record_id, now)


@action("credit.watch_record")
def _watch(actor: Actor, record_id: int, now: datetime) -> None:
    """Chronograph: a record whose end has passed expires; one that has just started is pushed."""
    record = CreditRecord.objects.select_for_update().get(pk=record_id)
    today = timezone.localdate(now)
    outcome = "not_due"
    if (
        record.status == CreditRecord.Status.ACTIVE
        and record.valid_until is not None
        and record.valid_until < today
    ):
        record.status = CreditRecord.Status.EXPIRED
        outcome = "expired"
    elif record.status == CreditRecord.Status.ACTIVE and record.valid_from <= today:
        outcome = "started"
    _schedule(record, today)
    record.save(update_fields=["status", "next_check"])
    if outcome != "not_due":
        _push(record)
    audit.record(record, {"outcome": outcome, "at": now})


# ---- import from the national credit platform (file format: docs and data/national-import-example.json) ----


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    sm3: str = ""
    warnings: list[dict[str, Any]] = field(default_factory=list)


IMPORT_RULE = LegalRule(
    f"{rules.PLAN63} 六(十一)；{rules.NDRC1117} (二十)",
    "信用信息与全国信用信息共享平台共享；行政处理决定推送至全国信用信息共享平台，在信用中国网站公开。",
)
IMPORTED_FIELDS = (
    "subject",
    "uscc",
    "subject_name",
    "id_digest",
    "role",
    "kind",
    "positive",
    "severity",
    "ban",
    "ban_categories",
    "basis_citation",
    "basis_text",
    "decision_no",
    "authority",
    "facts",
    "valid_from",
    "valid_until",
    "is_public",
    "status",
)


def _date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"{where} is not a date (YYYY-MM-DD)") from exc


def _import_row(row: Any, index: int, warnings: list[dict[str, Any]]) -> dict[str, Any]:
    """One record of the file as model fields; ValueError names what is wrong."""
    if not isinstance(row, dict):
        raise ValueError("each record is an object")
    external_id = str(row.get("id", "")).strip()
    if not external_id:
        raise ValueError("id is required")
    kind = rules.kind(str(row.get("kind", "")))
    if kind is None:
        raise ValueError(f"unknown kind {row.get('kind')!r}")
    subject = row.get("subject", "entity")
    fields: dict[str, Any] = {"external_id": external_id, "kind": kind.code, "positive": kind.positive}
    if subject == "entity":
        uscc = validate_uscc(str(row.get("uscc", "")))
        fields.update(
            subject="entity",
            uscc=uscc,
            subject_name=str(row.get("name") or "").strip(),
            id_digest="",
            role="",
        )
    elif subject == "practitioner":
        digest = str(row.get("id_digest") or "").strip().lower()
        if row.get("id_number"):
            digest = id_digest(str(row["id_number"]))
        if len(digest) != 64:
            raise ValueError("a practitioner needs id_number or id_digest")
        fields.update(
            subject="practitioner",
            uscc=str(row.get("employer_uscc") or "").strip().upper(),
            subject_name=str(row.get("name") or "").strip(),
            id_digest=digest,
            role=str(row.get("role") or ""),
        )
    else:
        raise ValueError("subject is 'entity' or 'practitioner'")
    if not fields["subject_name"]:
        raise ValueError("name is required")
    valid_from = _date(row.get("valid_from"), "valid_from")
    if valid_from is None:
        raise ValueError("valid_from is required")
    valid_until = _date(row.get("valid_until"), "valid_until")
    ban = bool(row.get("ban", kind.ban is not None))
    if ban and kind.ban is not None:
        try:
            check_period(kind, valid_from, valid_until)
        except InvalidInput as exc:  # the deciding authority's period stands; the regulator is told
            warnings.append({"index": index, "id": external_id, "code": exc.code, "message": exc.zh})
    elif ban and valid_until is None:
        raise ValueError("a ban needs valid_until")
    if valid_until is None and not ban:
        valid_until = check_period(kind, valid_from, None)
    severity = str(row.get("severity") or ("serious" if ban else "general"))
    if severity not in CreditRecord.Severity.values:
        raise ValueError("severity is minor, general or serious")
    categories = row.get("categories")
    if categories is None:
        categories = list(kind.ban.categories) if (ban and kind.ban) else []
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise ValueError("categories is a list of trade categories")
    fields.update(
        severity=severity,
        ban=ban,
        ban_categories=categories,
        basis_citation=str(row.get("basis") or kind.legal.citation)[:300],
        basis_text=str(row.get("basis_text") or kind.legal.text),
        decision_no=str(row.get("decision_no") or "")[:100],
        authority=str(row.get("authority") or "")[:200] or "全国信用信息共享平台",
        facts=str(row.get("facts") or ""),
        valid_from=valid_from,
        valid_until=valid_until,
        is_public=bool(row.get("public", True)),
        status=CreditRecord.Status.REVOKED if row.get("revoked") else CreditRecord.Status.ACTIVE,
    )
    return fields


@action("credit.import_national")
def import_national(actor: Actor, data: bytes | dict[str, Any]) -> ImportReport:
    """Import records from the national credit platform (format `ggzy-credit-import/1`, see
    docs/collusion.md "Credit import"). All or nothing: one bad record refuses the file, naming it."""
    role = require_role(actor, Role.OPERATOR)
    require_province_operator(actor, "全国信用信息导入")
    raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    try:
        document = json.loads(raw.decode("utf-8")) if isinstance(data, bytes) else data
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(
            "import_json", "导入文件不是有效的UTF-8 JSON", f"Not UTF-8 JSON: {exc}", rule=IMPORT_RULE
        ) from exc
    if (
        not isinstance(document, dict)
        or document.get("format") != IMPORT_FORMAT
        or not isinstance(document.get("records"), list)
    ):
        raise InvalidInput(
            "import_format",
            f"导入文件格式应为 {IMPORT_FORMAT}，包含 records 列表",
            f"Expected format {IMPORT_FORMAT} with a records list",
            rule=IMPORT_RULE,
        )
    report = ImportReport(sm3=sm3_hex(raw))
    rows, errors = [], []
    for index, row in enumerate(document["records"]):
        try:
            rows.append(_import_row(row, index, report.warnings))
        except (ValueError, InvalidInput) as exc:
            message = exc.zh if isinstance(exc, InvalidInput) else str(exc)
            errors.append(
                {"index": index, "id": row.get("id") if isinstance(row, dict) else None, "error": message}
            )
    if errors:
        raise InvalidInput(
            "import_rows",
            f"导入文件有{len(errors)}条记录不正确，未导入任何记录",
            f"{len(errors)} record(s) are invalid; nothing was imported",
            rule=IMPORT_RULE,
            details={"errors": errors[:50]},
        )
    now, today = clock.now(), clock.today()
    touched: set[int] = set()
    for fields in rows:
        external_id = fields.pop("external_id")
        entity = Entity.objects.filter(uscc=fields["uscc"]).first() if fields["uscc"] else None
        if not fields["subject_name"] and entity is not None:
            fields["subject_name"] = entity.name
        existing = (
            CreditRecord.objects.select_for_update()
            .filter(source="national", external_id=external_id)
            .first()
        )
        if existing is None:
            record = CreditRecord(
                **fields,
                entity=entity,
                source="national",
                external_id=external_id,
                recorded_at=now,
                recorded_by=actor.name,
            )
            report.created += 1
        else:
            record = existing
            if all(getattr(record, f) == fields[f] for f in IMPORTED_FIELDS) and record.entity_id == (
                entity.pk if entity else None
            ):
                report.unchanged += 1
                continue
            for name, value in fields.items():
                setattr(record, name, value)
            record.entity = entity
            if record.status == CreditRecord.Status.REVOKED and record.revoked_at is None:
                record.revoked_at = now
                record.revoke_reason = "全国信用信息共享平台撤销"
            report.updated += 1
        _schedule(record, today)
        record.save()
        if record.entity_id is not None and record.subject == CreditRecord.Subject.ENTITY:
            touched.add(record.entity_id)
    for entity_id in sorted(touched):
        _push_entity(entity_id)
    audit.record(
        ("credit.import", report.sm3[:16]),
        {
            "sm3": report.sm3,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "warnings": len(report.warnings),
            "source": str(document.get("source", ""))[:100],
        },
        role=role,
    )
    return report
