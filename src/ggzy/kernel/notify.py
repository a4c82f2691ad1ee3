"""Notifications: an action queues a message in its transaction; a background task delivers it.

The delivery channel is pluggable (settings.NOTIFIER): embedded, `LoggedNotifier` writes to the log and
marks the message sent; production plugs in an SMS / voice gateway with the same interface.

A message about a sealed object (`sealed_by`, e.g. a clarification sent to everyone who took the
documents) is sealed like the object (电子招标投标办法 第21条; 招标投标法 第22条): until the seal lifts no
listing shows it, its delivery event is sealed in the audit chain, and no log line names its recipient or
counts it. So that neither the task queue nor the worker's log counts the recipients either, all the
messages one transaction queues are delivered by one task (`deliver_notifications`).
"""

import logging
from typing import Protocol

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Model
from django.utils.module_loading import import_string

from ggzy.kernel import audit, clock
from ggzy.kernel.actions import action
from ggzy.kernel.models import Notification
from ggzy.kernel.roles import Actor

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def send(self, notification: Notification) -> None: ...


def is_sealed(notification: Notification) -> bool:
    return bool(notification.seal) and notification.seal in audit.sealed_now()


class LoggedNotifier:
    """Embedded channel: the message goes to the log and stays readable in the recipient's workspace.

    A sealed message is not logged one by one (a line per recipient would name or count them): the batch
    that delivers it logs its seal reference once (see `deliver_batch`)."""

    def send(self, notification: Notification) -> None:
        if is_sealed(notification):
            return
        log.info(
            "notify user#%s [%s] %s", notification.recipient_id, notification.channel, notification.subject
        )


def notifier() -> Notifier:
    cls = import_string(settings.NOTIFIER)
    instance: Notifier = cls()
    return instance


def queue(
    recipient: User, subject: str, body: str, channel: str = "platform", body_after_send: str = ""
) -> Notification:
    """Create a message inside the running action; delivery starts after commit. `body_after_send`: what
    the platform keeps once the message is sent, for a body carrying a one-time secret."""
    return queue_to(recipient.pk, subject, body, channel, body_after_send=body_after_send)


class _Batch:
    """The messages one transaction queued: enqueued as one delivery task once it commits."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def __call__(self) -> None:
        from ggzy.kernel.tasks import deliver_notifications

        if self.ids:
            deliver_notifications.enqueue(self.ids)


def _batch() -> _Batch:
    connection = transaction.get_connection()
    for _, callback, _ in connection.run_on_commit:  # still pending: this transaction's batch
        if isinstance(callback, _Batch):
            return callback
    batch = _Batch()
    transaction.on_commit(batch, robust=True)
    return batch


def queue_to(
    user_id: int,
    subject: str,
    body: str,
    channel: str = "platform",
    sealed_by: Model | None = None,
    body_after_send: str = "",
) -> Notification:
    """`sealed_by` seals the message with that object: out of every listing and log while the seal holds."""
    message = Notification.objects.create(
        recipient_id=user_id,
        channel=channel,
        subject=subject,
        body=body,
        body_after_send=body_after_send,
        created_at=clock.now(),
        seal="{}:{}".format(*audit.object_ref(sealed_by)) if sealed_by is not None else "",
    )
    if transaction.get_connection().in_atomic_block:
        _batch().ids.append(message.pk)
    else:  # autocommit (a script): on_commit would run at once, before the id is in the batch
        from ggzy.kernel.tasks import deliver_notifications

        deliver_notifications.enqueue([message.pk])
    return message


def deliver_batch(notification_ids: list[int]) -> list[str]:
    """Deliver each message (one action each); log each seal once, never a recipient or a count."""
    statuses: list[str] = []
    seals: set[str] = set()
    for notification_id in notification_ids:
        if not Notification.objects.filter(pk=notification_id).exists():
            continue  # queued by a savepoint that was rolled back
        message = deliver(Actor.system("notifier"), notification_id)
        statuses.append(message.status)
        if is_sealed(message):
            seals.add(message.seal)
    for seal in sorted(seals):
        log.info("notify: messages sealed by %s delivered", seal)
    return statuses


@action("kernel.deliver_notification")
def deliver(actor: Actor, notification_id: int) -> Notification:
    message = Notification.objects.select_for_update().get(pk=notification_id)
    if message.status != Notification.Status.QUEUED:
        audit.record(message, {"status": message.status, "repeat": True})
        return message
    try:
        notifier().send(message)
        message.status = Notification.Status.SENT
        message.sent_at = clock.now()
        if message.body_after_send:
            message.body, message.body_after_send = message.body_after_send, ""
    except Exception as exc:  # a gateway failure is recorded, not raised: the message stays visible
        if is_sealed(message):
            log.warning("a notification sealed by %s failed: %s", message.seal, type(exc).__name__)
        else:
            log.warning("notification %s failed: %s", message.pk, exc)
        message.status = Notification.Status.FAILED
    message.save(update_fields=["status", "sent_at", "body", "body_after_send"])
    object_type, _, object_id = message.seal.partition(":")
    seal = (object_type, object_id) if message.seal else None  # the delivery is sealed with the message
    audit.record(message, {"status": message.status, "channel": message.channel}, sealed_by=seal)
    return message
