from django.contrib import admin

from ggzy.exchange.models import Node
from ggzy.kernel.admin import ReadOnlyAdmin


@admin.register(Node)
class NodeAdmin(ReadOnlyAdmin):
    list_display = ["name", "level", "region", "parent", "platform_code"]
    list_filter = ["level"]
