"""S14: a banned entity (credit black list) takes part in an open procedure."""

from ggzy.credit import enforcement
from ggzy.kernel.errors import LegalRule
from ggzy.registry.models import Entity
from ggzy.supervision.alerts import Finding
from ggzy.supervision.rules import alert_rule
from ggzy.trading.models import Lot


def banned_participant_findings(entity: Entity) -> list[Finding]:
    participations = enforcement.open_participations(entity)
    if not participations:
        return []
    result: list[Finding] = []
    for lot in Lot.objects.filter(pk__in=participations).select_related("project"):
        bans = enforcement.active_bans(entity, lot.project.category)
        if not bans:
            continue
        record = bans[0]
        result.append(
            Finding(
                alert_rule("S14"),
                f"record:{record.pk}:lot:{lot.pk}",
                f"{entity.name}已被禁止参加交易至{record.valid_until}，仍参与{lot.code}（{lot.get_state_display()}）",
                {
                    "entity": entity.uscc,
                    "name": entity.name,
                    "lot": lot.code,
                    "lot_state": lot.state,
                    "participation": participations[lot.pk],
                    "record": record.cite(),
                    "records": [r.cite() for r in bans],
                },
                lot=lot,
                entity=entity,
                legal=LegalRule(record.basis_citation, record.basis_text),
            )
        )
    return result


def sweep_findings() -> list[Finding]:
    """Every banned entity with an open procedure (the nightly sweep)."""
    usccs = {r.uscc for r in enforcement.blacklist(public_only=False)}
    result: list[Finding] = []
    for entity in Entity.objects.filter(uscc__in=usccs):
        result.extend(banned_participant_findings(entity))
    return result
