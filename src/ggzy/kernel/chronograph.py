"""The chronograph: makes time-driven transitions happen.

Every object with a deadline stores `next_check` (when something may next be due). A package registers
its model with a handler; `sweep()` finds the due rows and calls the handler for each, one action (and
one transaction) per object. Handlers must be idempotent: they re-read the row under a lock, do what is
due at `now`, and set the next `next_check` (or None). A crash between two objects loses nothing: the
next sweep picks up whatever is still due.

Embedded, `ggzy serve` runs the sweep in a thread; in production `ggzy chronograph` runs it alone.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import close_old_connections, models

from ggzy.kernel import clock

log = logging.getLogger(__name__)

Handler = Callable[[int, datetime], None]


@dataclass(frozen=True)
class Schedule:
    model: type[models.Model]
    handler: Handler
    field: str = "next_check"


_schedules: list[Schedule] = []


def register(model: type[models.Model], handler: Handler, field: str = "next_check") -> None:
    if any(s.model is model for s in _schedules):
        return
    _schedules.append(Schedule(model, handler, field))


def schedules() -> tuple[Schedule, ...]:
    return tuple(_schedules)


def claim(
    model: type[models.Model], pk: int, now: datetime, lease: timedelta, field: str = "next_check"
) -> bool:
    """Take a due periodic job for this process: one conditional UPDATE moves its `field` to `now + lease`
    if it is still due. However many chronographs sweep at once, exactly one gets True (the database
    serialises the UPDATE, on SQLite and PostgreSQL alike); the others skip it. The winner sets the next
    time when it finishes; if it dies, the job is due again when the lease runs out."""
    taken = model._default_manager.filter(pk=pk, **{f"{field}__lte": now}).update(**{field: now + lease})
    return taken == 1


def sweep(now: datetime | None = None, batch: int = 500) -> int:
    """Advance everything due at `now` (default: the clock). Returns how many objects were handled."""
    now = now or clock.now()
    handled = 0
    for schedule in _schedules:
        due = (
            schedule.model._default_manager.filter(**{f"{schedule.field}__lte": now})
            .order_by(schedule.field, "pk")
            .values_list("pk", flat=True)[:batch]
        )
        for pk in list(due):
            try:
                schedule.handler(pk, now)
                handled += 1
            except Exception:
                # One broken object must not stop the others; it stays due and is retried next sweep.
                log.exception("chronograph: %s #%s failed", schedule.model.__name__, pk)
    try:
        from ggzy.kernel.checkpoints import issue_interval_if_due

        issue_interval_if_due(now)  # the periodic signed checkpoint of the audit chain
    except Exception:
        log.exception("chronograph: audit checkpoint failed")
    return handled


def run_forever(stop: threading.Event, interval: float) -> None:
    log.info("chronograph running, every %.1fs", interval)
    while not stop.is_set():
        try:
            close_old_connections()
            count = sweep()
            if count:
                log.info("chronograph advanced %d object(s)", count)
        except Exception:
            log.exception("chronograph sweep failed")
        finally:
            close_old_connections()
        stop.wait(interval)
