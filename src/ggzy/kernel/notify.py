"""Notifications: an action queues a message in its transaction; a background task delivers it.

The delivery channel is pluggable (settings.NOTIFIER): embedded, `LoggedNotifier` writes to the log and
marks the message sent; production plugs in an SMS / voice gateway with the same interface.
"""

import logging
from typing import Protocol

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Model
from django.utils.module_loading import import_string

from ggzy.kernel import audit, clock
from ggzy.kernel.actions import action, after_commit
from ggzy.kernel.models import Notification
from ggzy.kernel.roles import Actor

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def send(self, notification: Notification) -> None: ...


class LoggedNotifier:
    """Embedded channel: the message goes to the log and stays readable in the recipient's workspace."""

    def send(self, notification: Notification) -> None:
        log.info(
            "notify user#%s [%s] %s", notification.recipient_id, notification.channel, notification.subject
        )


def notifier() -> Notifier:
    cls = import_string(settings.NOTIFIER)
    instance: Notifier = cls()
    return instance


def queue(recipient: User, subject: str, body: str, channel: str = "platform") -> Notification:
    """Create a message inside the running action; delivery starts after commit."""
    return queue_to(recipient.pk, subject, body, channel)


def queue_to(
    user_id: int, subject: str, body: str, channel: str = "platform", sealed_by: Model | None = None
) -> Notification:
    """`sealed_by` keeps the message out of operators' listings while that object's seal holds."""
    message = Notification.objects.create(
        recipient_id=user_id,
        channel=channel,
        subject=subject,
        body=body,
        created_at=clock.now(),
        seal="{}:{}".format(*audit.object_ref(sealed_by)) if sealed_by is not None else "",
    )
    from ggzy.kernel.tasks import deliver_notification

    after_commit(lambda: deliver_notification.enqueue(message.pk))
    return message


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
    except Exception as exc:  # a gateway failure is recorded, not raised: the message stays visible
        log.warning("notification %s failed: %s", message.pk, exc)
        message.status = Notification.Status.FAILED
    message.save(update_fields=["status", "sent_at"])
    audit.record(message, {"status": message.status, "channel": message.channel})
    return message
