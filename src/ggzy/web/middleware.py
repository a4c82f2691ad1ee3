"""Session and sign-in policy for people (issue 11 §4): short idle sessions for staff, failed sign-ins in
the audit trail, and the answer to a locked-out sign-in (django-axes)."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse

from ggzy.kernel import audit
from ggzy.kernel.actions import action
from ggzy.kernel.errors import GgzyError
from ggzy.kernel.roles import Actor, Role
from ggzy.registry.auth import actor_for_user, client_ip

STAFF_ROLES = frozenset({Role.OPERATOR, Role.REGULATOR, Role.EXPERT})


class StaffSessionMiddleware:
    """Staff (operators, regulators, experts, administrators) hold powers over other people's trades: their
    web session ends after `STAFF_SESSION_IDLE_SECONDS` without a request (renewed by each request),
    instead of the working-day session everyone else has."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = request.user  # after the view: a sign-in request counts from its own answer
        if user.is_authenticated and (user.is_staff or actor_for_user(user).roles & STAFF_ROLES):
            request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return response


LOCKED_ZH = "登录失败次数过多，该账户已在本地址暂时锁定，请{minutes}分钟后再试"
LOCKED_EN = "Too many failed sign-ins: this account is locked from this address for {minutes} minutes"


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes' answer to a locked sign-in: the API error format, or the Chinese error page."""
    from ggzy.web.views import error_answer

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    error = GgzyError(
        "login_locked", LOCKED_ZH.format(minutes=minutes), LOCKED_EN.format(minutes=minutes), status=429
    )
    return error_answer(request, error)


@action("registry.sign_in_failed")
def record_failed_sign_in(actor: Actor, username: str, locked: bool) -> None:
    """Every failed sign-in goes into the audit trail (who tried which account from where, and whether it
    is now locked): the evidence an operator needs against password guessing."""
    audit.record(("auth.user", username[:150] or "-"), {"username": username[:150], "locked": locked})


def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kw: Any
) -> None:
    username = str(credentials.get("username") or "")
    ip = client_ip(request) if request is not None else None
    locked = bool(getattr(request, "axes_locked_out", False))
    record_failed_sign_in(Actor.anonymous(ip), username, locked)


user_login_failed.connect(_on_login_failed, dispatch_uid="ggzy.web.failed_sign_in")
