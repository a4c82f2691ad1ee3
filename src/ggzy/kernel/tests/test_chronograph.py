from datetime import date, timedelta

import pytest

from ggzy.kernel import chronograph, clock
from ggzy.kernel.audit import verify_chain
from ggzy.registry.actions import register_entity
from ggzy.registry.models import Qualification
from ggzy.registry.schemas import QualificationIn
from ggzy.testing import entity_form

pytestmark = pytest.mark.django_db


def test_certificate_lapses_after_its_last_day(vclock, network, system) -> None:  # type: ignore[no-untyped-def]
    last_day = clock.today() + timedelta(days=2)  # valid through 4 March 2026
    form = entity_form(
        qualifications=[
            QualificationIn(
                name="建筑工程施工总承包", level="一级", certificate_no="D1", valid_until=last_day
            )
        ]
    )
    register_entity(system, form)
    q = Qualification.objects.get()
    assert q.status == "valid"

    clock.advance(timedelta(days=2))  # 4 March, 09:00: still valid all day
    assert chronograph.sweep() == 0
    clock.advance(timedelta(hours=15))  # 5 March, 00:00 Beijing: lapsed
    assert chronograph.sweep() == 1
    q.refresh_from_db()
    assert (q.status, q.next_check) == ("expired", None)
    assert chronograph.sweep() == 0  # idempotent: nothing left due
    assert verify_chain().intact


def test_certificate_already_expired_at_registration(vclock, network, system) -> None:  # type: ignore[no-untyped-def]
    form = entity_form(
        qualifications=[QualificationIn(name="监理", certificate_no="J1", valid_until=date(2026, 3, 1))]
    )
    register_entity(system, form)
    assert Qualification.objects.get().status == "expired"
