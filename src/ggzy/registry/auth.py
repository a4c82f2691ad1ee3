"""Who is asking: build the `Actor` for a web session or an API token."""

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest

from ggzy.kernel import clock
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.models import ENTITY_KIND_ROLE, Account, ApiToken
from ggzy_guomi import sm3_hex

ACCOUNT_ROLE: dict[str, Role] = {
    Account.Kind.REGULATOR: Role.REGULATOR,
    Account.Kind.EXPERT: Role.EXPERT,
    Account.Kind.OPERATOR: Role.OPERATOR,
    Account.Kind.PUBLIC: Role.PUBLIC,
}


def client_ip(request: HttpRequest) -> str | None:
    # Behind a reverse proxy, configure it to set REMOTE_ADDR (e.g. uvicorn --proxy-headers).
    return request.META.get("REMOTE_ADDR")


def actor_for_user(user: User | AnonymousUser, ip: str | None = None) -> Actor:
    if not user.is_authenticated or not user.is_active:
        return Actor.anonymous(ip)
    assert isinstance(user, User)
    account = Account.objects.filter(user=user).select_related("entity").first()
    if account is None:
        # A bare Django user (e.g. created by createsuperuser) has no platform role.
        return Actor(name=user.username, user_id=user.pk, roles=frozenset({Role.PUBLIC}), ip=ip)
    if account.frozen_at is not None:
        return Actor.anonymous(ip)
    if account.kind == Account.Kind.ENTITY and account.entity is not None:
        roles = frozenset(ENTITY_KIND_ROLE[k] for k in account.entity.kinds.values_list("kind", flat=True))
        return Actor(
            name=user.username,
            user_id=user.pk,
            roles=roles,
            ip=ip,
            node_id=account.node_id,
            entity_id=account.entity_id,
            is_entity_admin=account.is_entity_admin,
        )
    # Staff never carry an entity: whatever the row says, they do not act for a market entity.
    return Actor(
        name=user.username,
        user_id=user.pk,
        roles=frozenset({ACCOUNT_ROLE[account.kind]}),
        ip=ip,
        node_id=account.node_id,
        department_id=account.department_id,
    )


def actor_from_request(request: HttpRequest) -> Actor:
    """The actor of a request: the API-token user (request.auth) or the session user."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        user = request.user
    return actor_for_user(user, client_ip(request))


def user_for_token(secret: str) -> User | None:
    """The user a bearer token belongs to, if it is valid now."""
    token = (
        ApiToken.objects.filter(
            digest=sm3_hex(secret.encode()),
            revoked_at__isnull=True,
            expires_at__gt=clock.now(),
            user__is_active=True,
        )
        .select_related("user")
        .first()
    )
    return token.user if token else None
