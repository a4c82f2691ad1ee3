"""The action machinery: the only way state changes.

An action is a function decorated with `@action("package.verb")`, taking the acting `Actor` first. It
runs in its own (outermost) transaction and must write exactly one audit event through
`kernel.audit.record`; a refusal raises `GgzyError` before anything is written, so nothing is half-done.
Side effects (notifications, outbox, search index) are registered with `after_commit`.
"""

import functools
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Concatenate

from django.db import transaction

from ggzy.kernel.errors import NotAuthenticated, PermissionDenied
from ggzy.kernel.roles import Actor, Role


@dataclass
class ActionContext:
    name: str
    actor: Actor
    event_id: int | None = None
    # Checkpoints asked for by `kernel.checkpoints.at_milestone`: issued as the action ends.
    milestones: list[tuple[str, Any]] = field(default_factory=list)


_current: ContextVar[ActionContext | None] = ContextVar("ggzy_action", default=None)


def current_action() -> ActionContext:
    ctx = _current.get()
    if ctx is None:
        raise RuntimeError("audit.record() is only callable inside an @action function")
    return ctx


def current_milestones() -> list[tuple[str, Any]] | None:
    """The running action's list of requested checkpoints (None outside an action)."""
    ctx = _current.get()
    return ctx.milestones if ctx is not None else None


def action[**P, R](
    name: str,
) -> Callable[[Callable[Concatenate[Actor, P], R]], Callable[Concatenate[Actor, P], R]]:
    def decorate(fn: Callable[Concatenate[Actor, P], R]) -> Callable[Concatenate[Actor, P], R]:
        @functools.wraps(fn)
        def run(actor: Actor, *args: P.args, **kwargs: P.kwargs) -> R:
            if not isinstance(actor, Actor):
                raise TypeError(f"action {name} takes the acting Actor first")
            if _current.get() is not None:
                raise RuntimeError(f"action {name} called inside another action; share a helper instead")
            ctx = ActionContext(name=name, actor=actor)
            with transaction.atomic(durable=True):
                # The context ends inside the block: commit callbacks (run as the block exits) are outside
                # the action and may start actions of their own.
                token = _current.set(ctx)
                try:
                    result = fn(actor, *args, **kwargs)
                    if ctx.event_id is None:
                        raise RuntimeError(f"action {name} finished without writing its audit event")
                    if ctx.milestones:  # signed over the chain including this action's event
                        from ggzy.kernel.checkpoints import issue_checkpoint

                        for reason, target in ctx.milestones:
                            issue_checkpoint(reason, target)
                finally:
                    _current.reset(token)
            return result

        run.action_name = name  # type: ignore[attr-defined]
        return run

    return decorate


def after_commit(fn: Callable[[], object]) -> None:
    """Run a side effect once the action's transaction has committed (never for a refused action)."""
    transaction.on_commit(fn, robust=True)


def require_login(actor: Actor) -> None:
    if not actor.is_authenticated and not actor.is_system:
        raise NotAuthenticated("login_required", "请先登录", "Please sign in first")


def require_user(actor: Actor) -> int:
    """The signed-in user's id; the public and the system are refused."""
    if actor.user_id is None:
        raise NotAuthenticated("login_required", "请先登录", "Please sign in first")
    return actor.user_id


def require_role(actor: Actor, *roles: Role) -> str:
    """The first of `roles` the actor holds (for the audit log), or a 403 naming the roles needed."""
    if actor.is_system:
        return "system"
    require_login(actor)
    for role in roles:
        if actor.has(role):
            return role.value
    needed_zh = "、".join(r.label for r in roles)
    needed_en = ", ".join(r.value for r in roles)
    raise PermissionDenied(
        "role_required",
        f"此操作需要以下角色之一：{needed_zh}",
        f"This needs one of the roles: {needed_en}",
        details={"roles": [r.value for r in roles]},
    )
