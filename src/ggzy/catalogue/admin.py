"""Read-only admin for operators: every change to the catalogue goes through the actions (API)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ggzy.catalogue.models import CatalogueItem, CatalogueVersion, Comment
from ggzy.kernel.admin import ReadOnlyAdmin, is_operator


class CatalogueItemInline(admin.TabularInline):
    model = CatalogueItem
    fields = [
        "seq",
        "category",
        "subject_kind",
        "subject_class",
        "name",
        "threshold",
        "funding_scope",
        "basis",
    ]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "node", "status", "effective_from", "superseded_on"]
    list_filter = ["status", "node"]
    search_fields = ["code", "title"]
    inlines = [CatalogueItemInline]


@admin.register(CatalogueItem)
class CatalogueItemAdmin(ReadOnlyAdmin):
    list_display = [
        "version",
        "seq",
        "category",
        "subject_kind",
        "subject_class",
        "name",
        "threshold",
        "basis",
    ]
    list_filter = ["category", "basis", "funding_scope"]
    search_fields = ["name", "citation"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["version", "created_at", "user"]
    list_filter = ["version"]
