import pytest
from django.core.management import call_command

from ggzy.exchange.models import Node
from ggzy.kernel.audit import verify_chain
from ggzy.kernel.codes import is_valid_uscc
from ggzy.registry.auth import actor_for_user
from ggzy.registry.models import Account, Entity

pytestmark = pytest.mark.django_db


def test_demo_builds_a_province(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo")
    out = capsys.readouterr().out
    assert "Ggzy-demo-2026" in out
    assert "operator" in out
    assert "citizen" in out
    assert Node.objects.filter(level="province").count() == 1
    cities = Node.objects.filter(level="city")
    assert cities.count() >= 2
    assert all(city.children.exists() for city in cities)
    assert Entity.objects.count() >= 30
    assert all(is_valid_uscc(e.uscc) for e in Entity.objects.all())
    roles = set()
    for account in Account.objects.select_related("user"):
        roles |= {r.value for r in actor_for_user(account.user).roles}
    assert roles >= {"principal", "agent", "bidder", "guarantor", "expert", "operator", "regulator", "public"}
    assert verify_chain().intact

    call_command("demo", "--if-empty")  # a second run leaves the data alone
    assert "already loaded" in capsys.readouterr().out
