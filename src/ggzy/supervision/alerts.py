"""Alerts: raising a finding (system, one action per alert) and handling it (regulators of the competent
department): new → reviewing → dismissed / confirmed → transferred."""

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from ggzy.kernel import audit, clock, notify
from ggzy.kernel.actions import action, require_role
from ggzy.kernel.canonical import plain
from ggzy.kernel.errors import InvalidInput, LegalRule, NotFound, PermissionDenied
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.models import Account, Department, Entity
from ggzy.supervision.models import Alert, AlertMove
from ggzy.supervision.rules import ALERT_RULES, AlertRule
from ggzy.trading import routing
from ggzy.trading.models import Lot, Project

log = logging.getLogger(__name__)

S = Alert.Status
MOVES: dict[str, set[str]] = {
    S.NEW: {S.REVIEWING},
    S.REVIEWING: {S.DISMISSED, S.CONFIRMED},
    S.CONFIRMED: {S.TRANSFERRED},
    S.DISMISSED: set(),
    S.TRANSFERRED: set(),
}


@dataclass
class Finding:
    """What a check found: enough to raise (once) an alert with its evidence and legal basis."""

    rule: AlertRule
    key: str
    title: str
    evidence: dict[str, Any]
    project: Project | None = None
    lot: Lot | None = None
    entity: Entity | None = None
    score: float | None = None
    severity: str = ""  # overrides the rule's severity when set
    legal: LegalRule | None = None  # overrides the rule's basis (e.g. the credit record's own basis)
    department: Department | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def existing_keys(rule_id: str, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(Alert.objects.filter(rule_id=rule_id, key__in=chunk).values_list("key", flat=True))
    return found


def raise_findings(findings: list[Finding]) -> list[Alert]:
    """Raise an alert for each finding not raised before (outside any action; one action per alert)."""
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule.id, []).append(f)
    raised = []
    for rule_id, group in by_rule.items():
        known = existing_keys(rule_id, [f.key for f in group])
        for finding in group:
            if finding.key in known:
                continue
            known.add(finding.key)
            alert = raise_alert(Actor.system("supervision"), finding)
            if alert is not None:
                raised.append(alert)
    return raised


@action("supervision.raise_alert")
def raise_alert(actor: Actor, finding: Finding) -> Alert | None:
    """Store the finding as an alert in the competent department's queue and tell its regulators."""
    if finding.rule.id not in ALERT_RULES:
        raise InvalidInput("alert_rule", "未知的预警规则", f"Unknown alert rule {finding.rule.id}")
    legal = finding.legal or finding.rule.legal
    project = finding.project or (finding.lot.project if finding.lot is not None else None)
    department = finding.department or routing.competent_department(project)
    now = clock.now()
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                rule_id=finding.rule.id,
                rule_name=finding.rule.name,
                severity=finding.severity or finding.rule.severity,
                basis_citation=legal.citation[:300],
                basis_text=legal.text,
                key=finding.key[:200],
                title=finding.title[:300],
                evidence=plain(finding.evidence),
                score=finding.score,
                department=department,
                region=routing.region_of(project)
                if project is not None
                else (finding.entity.region if finding.entity else None),
                project=project,
                lot=finding.lot,
                entity=finding.entity,
                raised_at=now,
                updated_at=now,
            )
    except IntegrityError:  # raised meanwhile by another sweep: the same finding, nothing new
        audit.record(("supervision.alert", f"{finding.rule.id}:{finding.key}"[:64]), {"repeat": True})
        return None
    if department is not None:
        for user_id in Account.objects.filter(department=department, kind=Account.Kind.REGULATOR).values_list(
            "user_id", flat=True
        ):
            notify.queue_to(
                user_id, f"监管预警：{alert.rule_name}", f"{alert.title}（依据：{alert.basis_citation}）"
            )
    audit.record(
        alert,
        {
            "rule": alert.rule_id,
            "key": alert.key,
            "department": department.pk if department else None,
            "lot": finding.lot.code if finding.lot else None,
            "severity": alert.severity,
        },
    )
    return alert


def require_department_regulator(actor: Actor, department_id: int | None) -> str:
    """A regulator of this department (the one competent for the matter)."""
    role = require_role(actor, Role.REGULATOR)
    if actor.is_system:
        return role
    if department_id is None or actor.department_id != department_id:
        raise PermissionDenied(
            "not_competent_department",
            "只有主管该事项的行政监督部门的工作人员可以办理",
            "Only a regulator of the competent department may do this",
            rule=routing.ROUTING,
        )
    return role


@action("supervision.move_alert")
def move_alert(actor: Actor, alert_id: int, to: str, note: str = "", transferred_to: str = "") -> Alert:
    alert = Alert.objects.select_for_update(of=("self",)).filter(pk=alert_id).first()
    if alert is None:
        raise NotFound("alert_not_found", "未找到预警", "No such alert")
    role = require_department_regulator(actor, alert.department_id)
    if to not in MOVES.get(alert.status, set()):
        raise InvalidInput(
            "alert_transition",
            f"预警当前为“{alert.get_status_display()}”，不能转为“{S(to).label if to in S.values else to}”",
            f"An alert in '{alert.status}' cannot move to '{to}'",
            details={"from": alert.status, "to": to, "allowed": sorted(MOVES.get(alert.status, set()))},
        )
    note = (note or "").strip()
    if to in {S.DISMISSED, S.CONFIRMED} and not note:
        raise InvalidInput(
            "alert_note_required", "排除或确认预警须写明核查意见", "Give the finding of the review"
        )
    if to == S.TRANSFERRED:
        transferred_to = (transferred_to or "").strip()
        if not transferred_to:
            raise InvalidInput(
                "transfer_target", "请填写移交单位（如公安机关、纪检监察机关）", "Name the body it goes to"
            )
        alert.transferred_to = transferred_to[:200]
    now = clock.now()
    AlertMove.objects.create(
        alert=alert, from_status=alert.status, to_status=to, note=note, moved_by=actor.name, moved_at=now
    )
    previous = alert.status
    alert.status = to
    if note:
        alert.note = note
    alert.updated_at = now
    alert.save()
    audit.record(
        alert, {"from": previous, "to": to, "note": note, "transferred_to": alert.transferred_to}, role=role
    )
    return alert
