"""Read-side views of trading objects, shared by the API and the pages."""

from collections.abc import Callable

from django.db.models import Q, QuerySet

from ggzy.exchange.queries import node_chain, operates, require_operator_of
from ggzy.kernel import clock
from ggzy.kernel.actions import require_role
from ggzy.kernel.errors import NotFound, PermissionDenied
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.models import Department
from ggzy.trading.models import Document, Lot, Notice, Objection, Project
from ggzy.trading.schemas import (
    BidFieldOut,
    BidFormOut,
    DocumentOut,
    LotOut,
    NoticeOut,
    ObjectionOut,
    ProjectOut,
)
from ggzy.trading.specs import spec_for


def is_party(actor: Actor, project: Project) -> bool:
    return actor.entity_id is not None and actor.entity_id in {project.principal_id, project.agent_id}


def is_overseer(actor: Actor, project: Project) -> bool:
    """Staff with a say over this project: an operator of its node or a node above it (a county branch
    belongs to its city's platform, the city to the province), or a regulator whose department supervises
    its trade category at its node or above (条例 第4条: each department within its competence). Staff of
    another node or another department see only what the public sees."""
    return node_operator(actor, project) or supervising_regulator(actor, project)


def is_staff(actor: Actor) -> bool:
    """An operator or a regulator (of some node or department): who may open the staff pages at all."""
    return actor.has(Role.OPERATOR) or actor.has(Role.REGULATOR)


def overseen_projects(actor: Actor, prefix: str = "") -> Q:
    """The filter form of `is_overseer` for lists: the projects this staff member oversees (`prefix`:
    the path from the listed model to its project, e.g. "project__")."""

    def below(node_id: int | None) -> Q:
        return (
            Q(**{f"{prefix}node_id": node_id})
            | Q(**{f"{prefix}node__parent_id": node_id})
            | Q(**{f"{prefix}node__parent__parent_id": node_id})
        )

    if actor.is_system:
        return Q()
    scope = Q(pk__in=[])
    if actor.has(Role.OPERATOR) and actor.node_id is not None:
        scope |= below(actor.node_id)
    if actor.has(Role.REGULATOR) and actor.department_id is not None:
        department = Department.objects.filter(pk=actor.department_id).first()
        if department is not None:
            scope |= below(department.node_id) & Q(**{f"{prefix}category__in": department.sectors or []})
    return scope


def node_operator(actor: Actor, project: Project) -> bool:
    return actor.is_system or (actor.has(Role.OPERATOR) and operates(actor, project.node))


def require_node_operator(actor: Actor, project: Project) -> str:
    """The operator role, of the project's node or a node above it; returns the role acted in."""
    role = require_role(actor, Role.OPERATOR)
    require_operator_of(actor, project.node, project.name)
    return role


def supervising_regulator(actor: Actor, project: Project) -> bool:
    if not actor.has(Role.REGULATOR) or actor.department_id is None:
        return False
    department = Department.objects.filter(pk=actor.department_id).first()
    return (
        department is not None
        and project.category in (department.sectors or [])
        and any(node.pk == department.node_id for node in node_chain(project.node))
    )


def trail_readers() -> dict[str, Callable[[Actor, str], bool]]:
    """Audit trails of trading objects: the project's overseers (its node's operators, the departments
    supervising it), as `is_overseer` says."""

    def of(projects: Callable[[str], QuerySet[Project]]) -> Callable[[Actor, str], bool]:
        def may_read(actor: Actor, object_id: str) -> bool:
            if not object_id.isdigit():
                return False
            project = projects(object_id).select_related("node__parent__parent").first()
            return project is not None and is_overseer(actor, project)

        return may_read

    return {
        "trading.project": of(lambda pk: Project.objects.filter(pk=pk)),
        "trading.lot": of(lambda pk: Project.objects.filter(lots__pk=pk)),
        "trading.notice": of(lambda pk: Project.objects.filter(notices__pk=pk)),
    }


def project_for(actor: Actor, code: str) -> Project:
    project = Project.objects.select_related("principal", "agent", "node").filter(code=code).first()
    if project is None:
        raise NotFound("project_not_found", f"未找到项目{code}", f"No project {code}")
    if not (
        is_party(actor, project)
        or is_overseer(actor, project)
        or project.notices.filter(status="published").exists()
    ):
        raise PermissionDenied("project_private", "项目尚未公开", "The project is not public yet")
    return project


def notice_for(actor: Actor, notice_id: int) -> Notice:
    notice = Notice.objects.select_related("project").filter(pk=notice_id).first()
    if notice is None:
        raise NotFound("notice_not_found", "未找到公告", "No such notice")
    if notice.status == Notice.Status.DRAFT and not (
        is_party(actor, notice.project) or is_overseer(actor, notice.project)
    ):
        raise NotFound("notice_not_found", "未找到公告", "No such notice")
    return notice


def bid_form_out(actor: Actor, code: str) -> BidFormOut:
    """The lot's bid form: public with its notice (it is part of the tender documents)."""
    lot = Lot.objects.select_related("project").filter(code=code).first()
    if lot is None:
        raise NotFound("lot_not_found", f"未找到标段{code}", f"No lot {code}")
    project_for(actor, lot.project.code)
    spec = spec_for(lot)
    return BidFormOut(
        lot=lot.code,
        procedure=spec.key,
        procedure_name=spec.name,
        fields=[
            BidFieldOut(
                name=f.name,
                label=f.label,
                kind=f.kind,
                required=f.required,
                read_at_opening=f.read_at_opening,
            )
            for f in spec.bid_form
        ],
    )


def lot_out(lot: Lot) -> LotOut:
    return LotOut(
        code=lot.code,
        name=lot.name,
        procedure=lot.procedure,
        contract_kind=lot.contract_kind,
        classify_code=lot.classify_code,
        estimated_value=lot.estimated_value,
        control_price=lot.control_price,
        bond_amount=lot.bond_amount,
        state=lot.state,
        bid_deadline=lot.notice.bid_deadline if lot.notice else None,
        decrypt_closes_at=lot.decrypt_closes_at,
        outcome_reason=lot.outcome_reason,
    )


def project_out(project: Project) -> ProjectOut:
    return ProjectOut(
        code=project.code,
        unified_deal_code=project.unified_deal_code,
        name=project.name,
        principal=project.principal.name,
        agent=project.agent.name if project.agent else None,
        node=project.node.name,
        category=project.category,
        must_enter=project.must_enter,
        must_tender=project.must_tender,
        entry_reasons=project.entry_reasons,
        lots=[lot_out(lot) for lot in project.lots.select_related("notice")],
    )


def document_out(d: Document) -> DocumentOut:
    return DocumentOut(
        id=d.pk,
        kind=d.kind,
        title=d.title,
        filename=d.filename,
        size=d.size,
        sm3=d.sm3,
        signature=d.signature,
        signer=d.signer.name,
        signer_key_id=d.signer_key_id,
        new_bid_deadline=d.new_bid_deadline,
        published_at=d.published_at,
    )


def notice_out(n: Notice) -> NoticeOut:
    return NoticeOut(
        id=n.pk,
        project=n.project.code,
        method=n.method,
        title=n.title,
        body=n.body,
        status=n.status,
        docs_from=n.docs_from,
        docs_until=n.docs_until,
        bid_deadline=n.bid_deadline,
        opening_at=n.opening_at,
        decrypt_minutes=n.decrypt_minutes,
        validity_days=n.validity_days,
        opening_key=n.opening_key,
        published_at=n.published_at,
        lots=[lot_out(lot) for lot in n.lots.select_related("notice")],
        documents=[document_out(d) for d in n.documents.select_related("signer")],
    )


def objection_out(o: Objection) -> ObjectionOut:
    return ObjectionOut(
        id=o.pk,
        stage=o.stage,
        text=o.text,
        raised_at=o.raised_at,
        answer_due=o.answer_due,
        answer=o.answer,
        status=o.status,
        overdue=o.overdue,
    )


def deadline_passed(notice: Notice) -> bool:
    return clock.now() >= notice.bid_deadline
