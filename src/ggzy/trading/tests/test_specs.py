"""Procedure specifications (issue 12): every lot carries the key of its specification, and the engine takes
transitions, rules, the bid form and (through the packages above it) award and committee rules from it."""

from datetime import date

import pytest

from ggzy.evaluation.rules import AWARD_RULES, award_rules_for
from ggzy.experts.rules import COMMITTEE_RULES
from ggzy.kernel.errors import GgzyError
from ggzy.trading import procedure, specs
from ggzy.trading.models import Lot
from ggzy.trading.tests.conftest import Tender, tender

__all__ = ["tender"]

pytestmark = pytest.mark.django_db


def test_a_new_lot_carries_the_key_of_its_procedure(tender: Tender) -> None:
    lot = Lot.objects.get(pk=tender.lot.pk)
    assert lot.procedure == specs.CONSTRUCTION_TENDER_SPEC.key == "construction_tender@2019-03-02"
    assert procedure.rules_for(lot) is specs.CONSTRUCTION_TENDER_SPEC.rules
    assert award_rules_for(lot) is AWARD_RULES["construction_tender"]


def test_the_model_default_is_a_registered_specification() -> None:
    default = Lot._meta.get_field("procedure").default
    assert specs.spec(default) is specs.CONSTRUCTION_TENDER_SPEC


def test_every_specification_is_complete() -> None:
    """Each spec names a transition set for every lot state, a price in its bid form, and the packages
    above the engine have its award and committee rules."""
    for spec in specs.SPECS.values():
        assert set(spec.transitions) == set(Lot.State.values), spec.key
        assert all(targets <= set(Lot.State.values) for targets in spec.transitions.values())
        assert spec.price_field.kind == "amount" and spec.price_field.read_at_opening
        assert spec.id in AWARD_RULES and spec.id in COMMITTEE_RULES
        for kept in specs.BySpec.kept:  # every package's rules kept by specification
            assert spec.id in kept, (kept.what, spec.key)
        # The award rules and the state graph agree on whether candidates are published before the award.
        award = AWARD_RULES[spec.id]
        assert spec.candidate_publicity == (award.publicity_min_days is not None), spec.key
        # Without a publicity the purchaser decides (or is deemed to), or — a framework agreement — admits.
        assert spec.candidate_publicity != (award.decision_days is not None or award.admits_several), spec.key
        date.fromisoformat(spec.version)


def test_an_unknown_specification_is_a_clear_error() -> None:
    with pytest.raises(GgzyError) as refused:
        specs.spec("auction@2030-01-01")
    assert refused.value.code == "procedure_unknown" and refused.value.zh and refused.value.en


def test_versions_apply_from_their_date() -> None:
    assert specs.current_spec("construction_tender", date(2026, 3, 2)) is specs.CONSTRUCTION_TENDER_SPEC
    with pytest.raises(GgzyError):
        specs.current_spec("construction_tender", date(2019, 3, 1))  # before the texts it applies


def test_the_engine_moves_a_lot_only_along_its_specification(tender: Tender) -> None:
    lot = Lot.objects.get(pk=tender.lot.pk)
    with pytest.raises(GgzyError) as refused:
        procedure.move(lot, Lot.State.AWARDED, lot.state_changed_at)  # draft → awarded: no such edge
    assert refused.value.code == "state_transition"


def test_a_draw_cannot_use_another_procedures_committee_rules(tender: Tender) -> None:
    from ggzy.experts.actions import create_draw
    from ggzy.experts.schemas import DrawRequestIn, DrawRowIn
    from ggzy.testing import actor_of, local
    from ggzy.trading.actions import publish_notice

    publish_notice(tender.manager, tender.notice.pk)
    form = DrawRequestIn(
        lot_code=tender.lot.code,
        procedure="procurement_tender",
        rows=[DrawRowIn(specialty="A0801", count=5)],
        evaluation_at=local(2026, 3, 24, 10),
    )
    with pytest.raises(GgzyError) as refused:
        create_draw(actor_of("op"), form)
    assert refused.value.code == "draw_procedure_mismatch"
