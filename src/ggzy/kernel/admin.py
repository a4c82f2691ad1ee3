"""Admin for operators: read-only views of platform data. Every change goes through actions (API or
workspace pages), so the admin never writes domain tables."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ggzy.kernel.audit import sealed_now, visible_events
from ggzy.kernel.models import AuditEvent, CalendarDay, Notification, Region


def is_operator(request: HttpRequest) -> bool:
    """The admin lists the whole database, every node's: it is for the province's centre (the node with
    no parent) and superusers. City and county centres work in their workspace pages, scoped to them."""
    user = request.user
    if not user.is_active or not user.is_staff:
        return False
    if user.is_superuser:
        return True
    account = getattr(user, "account", None)
    node = getattr(account, "node", None)
    return getattr(account, "kind", "") == "operator" and node is not None and node.parent_id is None


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_operator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ["date", "kind", "name", "source"]
    list_filter = ["kind"]
    date_hierarchy = "date"


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    # No seq and no row links: the global sequence number (and the row id in a link) would count, by
    # their gaps, the sealed events in between (bids, downloads: 电子招标投标办法 第21条).
    list_display = ["occurred_at", "actor", "role", "ip", "action", "object_type", "object_id"]
    list_display_links = None
    list_filter = ["action", "role"]
    search_fields = ["actor", "object_id", "action"]
    ordering = ["-occurred_at", "-seq"]
    actions = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return visible_events()  # sealed events (who bid, who was drawn) appear only when their seal lifts

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> None:
        """No event page by id: probing ids would tell visible events from sealed ones."""
        return None


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "channel", "subject", "status"]
    list_filter = ["status", "channel"]
    # A message is its recipient's: the operator sees that it was sent, never what it says.
    exclude = ["body", "body_after_send"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        return super().get_queryset(request).exclude(seal__in=sealed_now())
