from django.contrib import admin

from ggzy.kernel.admin import ReadOnlyAdmin
from ggzy.registry.models import Account, Department, Entity, EntityVersion


@admin.register(Entity)
class EntityAdmin(ReadOnlyAdmin):
    list_display = ["uscc", "name", "region", "node", "status", "version"]
    list_filter = ["status", "node"]
    search_fields = ["uscc", "name"]


@admin.register(EntityVersion)
class EntityVersionAdmin(ReadOnlyAdmin):
    list_display = ["entity", "version", "changed_by", "changed_at"]


@admin.register(Department)
class DepartmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "node"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "node", "entity", "department"]
    list_filter = ["kind", "node"]
