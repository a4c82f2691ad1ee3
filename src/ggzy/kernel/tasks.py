"""Background tasks of the kernel (django.tasks; the worker runs beside `ggzy serve`)."""

from django.tasks import task

from ggzy.kernel.roles import Actor


@task()
def deliver_notification(notification_id: int) -> str:
    from ggzy.kernel.notify import deliver

    return deliver(Actor.system("notifier"), notification_id).status
