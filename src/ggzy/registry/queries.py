"""Read-only views of the registry: what the public sees and what managers see."""

from django.db.models import QuerySet

from ggzy.exchange.queries import node_chain, operates
from ggzy.kernel import clock
from ggzy.kernel.actions import require_login
from ggzy.kernel.errors import NotFound, PermissionDenied
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.models import Certificate, Department, Entity
from ggzy.registry.schemas import ContactOut, EntityDetailOut, EntityPublicOut, QualificationOut


def entities() -> QuerySet[Entity]:
    return Entity.objects.select_related("region", "node").prefetch_related("kinds", "qualifications")


def entity_by_uscc(uscc: str) -> Entity:
    entity = entities().filter(uscc=(uscc or "").strip().upper()).first()
    if entity is None:
        raise NotFound("entity_not_found", f"未找到主体{uscc}", f"No entity with USCC {uscc}")
    return entity


def can_see_private(actor: Actor, entity: Entity) -> bool:
    """Contacts are personal data: the entity's own users, and staff whose region covers the node the
    entity registered at: its operators (that node or above) and regulators of a department there or
    above (an entity has no trade category: every department deals with it)."""
    return actor.entity_id == entity.pk or oversees_entity(actor, entity)


def oversees_entity(actor: Actor, entity: Entity) -> bool:
    if operates(actor, entity.node):
        return True
    if not actor.has(Role.REGULATOR) or actor.department_id is None:
        return False
    department = Department.objects.filter(pk=actor.department_id).first()
    return department is not None and any(n.pk == department.node_id for n in node_chain(entity.node))


def may_read_entity_trail(actor: Actor, object_id: str) -> bool:
    if not object_id.isdigit():
        return False
    entity = Entity.objects.select_related("node__parent__parent").filter(pk=object_id).first()
    return entity is not None and oversees_entity(actor, entity)


def require_private_access(actor: Actor, entity: Entity) -> None:
    require_login(actor)
    if not can_see_private(actor, entity):
        raise PermissionDenied(
            "entity_private", "无权查看该主体的非公开信息", "You may not see this entity's non-public data"
        )


def public_view(entity: Entity) -> EntityPublicOut:
    return EntityPublicOut(
        uscc=entity.uscc,
        name=entity.name,
        kinds=entity.kind_values,
        legal_representative=entity.legal_representative,
        address=entity.address,
        region_code=entity.region_id,
        region_name=entity.region.full_name,
        node=entity.node.name,
        status=entity.status,
        version=entity.version,
        registered_at=entity.registered_at,
        qualifications=[
            QualificationOut(
                name=q.name,
                level=q.level,
                certificate_no=q.certificate_no,
                valid_until=q.valid_until,
                status=q.status,
            )
            for q in entity.qualifications.all()
        ],
    )


def private_view(entity: Entity) -> EntityDetailOut:
    return EntityDetailOut(
        **public_view(entity).dict(),
        contacts=[
            ContactOut(name=c.name, mobile=c.mobile, email=c.email, is_primary=c.is_primary)
            for c in entity.contacts.all()
        ],
    )


def active_certificate(entity: Entity, key_id: str) -> Certificate | None:
    """The entity's certificate with this key id, if valid now."""
    now = clock.now()
    return Certificate.objects.filter(
        entity=entity, key_id=key_id, revoked_at__isnull=True, valid_from__lte=now, valid_until__gt=now
    ).first()


def entity_of(actor: Actor) -> Entity:
    """The entity the actor works for (403 when the actor is not an entity's staff)."""
    entity = Entity.objects.filter(pk=actor.entity_id or 0).first()
    if entity is None:
        raise PermissionDenied(
            "entity_required", "此操作须由市场主体的用户办理", "Only an entity's staff may do this"
        )
    return entity


def bidder_of(actor: Actor) -> Entity:
    """The bidder entity the actor works for (401/403 otherwise)."""
    from ggzy.kernel.actions import require_role

    require_role(actor, Role.BIDDER)
    return entity_of(actor)
