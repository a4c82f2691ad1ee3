"""Test-data helpers (factories) shared by the test suites and the simulator."""

import itertools
from typing import Any

from ggzy.kernel.codes import build_uscc
from ggzy.kernel.roles import Actor
from ggzy.registry.schemas import AccountIn, ContactIn, EntityForm

PASSWORD = "Secret-pass-2026"  # noqa: S105 - test accounts only

_serial = itertools.count(1)


def actor_of(username: str) -> Actor:
    from django.contrib.auth.models import User

    from ggzy.registry.auth import actor_for_user

    return actor_for_user(User.objects.get(username=username), "10.0.0.1")


def new_uscc(region: str = "640104", prefix: str = "91") -> str:
    return build_uscc(prefix, region, f"{next(_serial):08d}")


def entity_form(
    uscc: str | None = None, *, region: str = "640104", kinds: list[str] | None = None, **extra: Any
) -> EntityForm:

    data: dict[str, Any] = {
        "uscc": uscc or new_uscc(region),
        "name": f"宁夏测试建设工程有限公司{next(_serial)}",
        "kinds": kinds or ["bidder"],
        "legal_representative": "张建国",
        "address": "银川市兴庆区测试路1号",
        "region_code": region,
        "contacts": [ContactIn(name="刘海燕", mobile="13995000001", email="liu@example.cn")],
    }
    data.update(extra)
    return EntityForm(**data)


def account_form(username: str) -> AccountIn:
    return AccountIn(username=username, password=PASSWORD, name="赵志强", mobile="13995000002")
