"""Background tasks of the kernel (django.tasks; the worker runs beside `ggzy serve`)."""

from django.tasks import task

from ggzy.kernel.roles import Actor


@task()
def deliver_notification(notification_id: int) -> str:
    from ggzy.kernel.notify import deliver

    return deliver(Actor.system("notifier"), notification_id).status


@task()
def deliver_notifications(notification_ids: list[int]) -> list[str]:
    """The messages one action queued, in one task: the queue and the worker's log count no recipients."""
    from ggzy.kernel.notify import deliver_batch

    return deliver_batch(notification_ids)
