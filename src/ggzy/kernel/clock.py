"""The one source of "now".

Production reads the system clock. Tests and the simulator freeze it and move it forward, so every
deadline, period and chronograph sweep can be exercised without waiting. Nothing else in GGZY may call
`datetime.now()` or `timezone.now()` directly.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.utils import timezone

_lock = threading.Lock()
_frozen: datetime | None = None


def now() -> datetime:
    """The current instant (timezone-aware)."""
    with _lock:
        if _frozen is not None:
            return _frozen
    return timezone.now()


def today() -> date:
    """Today's date in the platform's time zone (Asia/Shanghai by default)."""
    return timezone.localdate(now())


def freeze(at: datetime) -> None:
    """Stop the clock at `at`; it stays there until advanced or released."""
    if timezone.is_naive(at):
        raise ValueError("the virtual clock takes timezone-aware datetimes only")
    global _frozen
    with _lock:
        _frozen = at


def advance(delta: timedelta) -> datetime:
    """Move a frozen clock forward (never backward: time in an audit chain only grows)."""
    if delta < timedelta(0):
        raise ValueError("the clock never goes back")
    global _frozen
    with _lock:
        if _frozen is None:
            raise RuntimeError("advance() needs a frozen clock; call freeze() first")
        _frozen = _frozen + delta
        return _frozen


def release() -> None:
    """Return to the system clock."""
    global _frozen
    with _lock:
        _frozen = None


def is_frozen() -> bool:
    with _lock:
        return _frozen is not None


@contextmanager
def frozen_at(at: datetime) -> Iterator[None]:
    """Run a block with the clock frozen at `at`, restoring the previous state afterwards."""
    global _frozen
    with _lock:
        previous = _frozen
    freeze(at)
    try:
        yield
    finally:
        with _lock:
            _frozen = previous
