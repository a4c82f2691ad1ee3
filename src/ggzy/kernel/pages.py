"""Helpers shared by every package's pages: how a refusal is shown, Beijing time inputs, countdowns."""

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, Concatenate
from zoneinfo import ZoneInfo

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from ggzy.kernel.errors import GgzyError, NotAuthenticated, NotFound, PermissionDenied

BEIJING = ZoneInfo("Asia/Shanghai")


def refusal_status(exc: GgzyError) -> int:
    """A refused form answers 422; a refusal of who the user is, or of what does not exist, keeps its own
    status (401/403/404)."""
    return exc.status if isinstance(exc, PermissionDenied | NotAuthenticated | NotFound) else 422


def error_page(request: HttpRequest, exc: GgzyError) -> HttpResponse:
    return render(request, "web/error.html", {"error": exc}, status=exc.status)


def shows_errors[**P](
    view: Callable[Concatenate[HttpRequest, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    """A `GgzyError` raised while finding what the page is about becomes the error page with its status."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except GgzyError as exc:
            return error_page(request, exc)

    return wrapped


def earliest_hint(error: GgzyError | None) -> datetime | None:
    """The earliest legal bid deadline a refusal offers (`details.earliest_bid_deadline`)."""
    value = error.details.get("earliest_bid_deadline") if error is not None else None
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def remaining(until: datetime, now: datetime) -> str:
    """Time left as Chinese text, e.g. “2天3小时5分”, “4分30秒”."""
    seconds = int((until - now).total_seconds())
    if seconds <= 0:
        return "已到时"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时{minutes}分"
    if hours:
        return f"{hours}小时{minutes}分"
    return f"{minutes}分{secs}秒"


class BeijingDateTimeField(forms.DateTimeField):
    """A `datetime-local` input, read as Beijing wall-clock time whatever time zone is active."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value: Any) -> datetime | None:
        with timezone.override(BEIJING):
            return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime) and timezone.is_aware(value):
            return value.astimezone(BEIJING)
        return value


def act_then_redirect(
    request: HttpRequest,
    run: Callable[[], object],
    done_text: str,
    to: str,
    on_refusal: Callable[[GgzyError], HttpResponse],
) -> HttpResponse:
    """POST-redirect-GET around one action: success flashes `done_text` and redirects to `to`; a refusal is
    shown by `on_refusal` (which re-renders the page with the error and its status)."""
    from django.contrib import messages
    from django.shortcuts import redirect

    try:
        run()
    except GgzyError as exc:
        return on_refusal(exc)
    messages.success(request, done_text)
    return redirect(to)
