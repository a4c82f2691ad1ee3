from typing import Any

from django.conf import settings
from django.http import HttpRequest

from ggzy.exchange.models import Node


def platform(request: HttpRequest) -> dict[str, Any]:
    province = Node.objects.filter(level=Node.Level.PROVINCE).only("name").first()
    return {"platform_name": province.name if province else settings.PLATFORM_NAME}
