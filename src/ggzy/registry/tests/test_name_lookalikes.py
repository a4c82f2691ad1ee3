"""Look-alike entity names (issue 11 §5): a trailing space, a zero-width space or a right-to-left override
let the same name be registered again under another USCC. Names are normalised at registration (NFKC,
format characters out, whitespace collapsed) and the node's operators are told of a near-duplicate."""

import pytest

from ggzy.kernel.models import Notification
from ggzy.kernel.roles import Actor
from ggzy.registry.actions import change_entity, register_entity
from ggzy.registry.models import Account
from ggzy.registry.names import normalise_name
from ggzy.registry.schemas import EntityChange
from ggzy.testing import account_form, entity_form

pytestmark = pytest.mark.django_db

NAME = "宁夏银川建设工程有限公司"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (NAME + " ", NAME),
        (NAME + "\u200b", NAME),  # zero-width space
        ("\u202e" + NAME, NAME),  # right-to-left override
        ("宁夏银川\ufeff建设工程有限公司", NAME),  # zero-width no-break space
        ("  宁夏   银川\u3000建设 ", "宁夏 银川 建设"),  # ideographic space, runs of spaces
        ("ＡＢＣ建设１号", "ABC建设1号"),  # full-width letters and digits (NFKC)
    ],
)
def test_names_are_normalised(raw: str, stored: str) -> None:
    assert normalise_name(raw) == stored


def _operator_warnings() -> list[Notification]:
    operators = Account.objects.filter(kind=Account.Kind.OPERATOR).values_list("user_id", flat=True)
    return list(Notification.objects.filter(recipient_id__in=operators, subject="疑似重名主体注册"))


@pytest.mark.parametrize(
    "lookalike", [NAME + " ", NAME + "\u200b", "\u202e" + NAME, "宁夏银川 建设工程有限公司"]
)
def test_a_lookalike_registration_is_stored_normalised_and_the_operators_are_warned(
    network, lookalike: str
) -> None:  # type: ignore[no-untyped-def]
    first = register_entity(Actor.anonymous("10.0.0.2"), entity_form(name=NAME), account_form("alpha"))
    assert _operator_warnings() == []
    second = register_entity(Actor.anonymous("10.0.0.3"), entity_form(name=lookalike), account_form("beta"))
    assert "\u200b" not in second.name and "\u202e" not in second.name and second.name == second.name.strip()
    warnings = _operator_warnings()
    assert warnings, "the node's operators are told"
    assert all(first.uscc in w.body and second.uscc in w.body for w in warnings)


def test_a_different_name_warns_nobody(network) -> None:  # type: ignore[no-untyped-def]
    register_entity(Actor.anonymous("10.0.0.2"), entity_form(name=NAME), account_form("alpha"))
    register_entity(
        Actor.anonymous("10.0.0.3"),
        entity_form(name="宁夏银川建设工程有限公司二分公司"),
        account_form("beta"),
    )
    assert _operator_warnings() == []


def test_a_renamed_entity_is_normalised_too(network) -> None:  # type: ignore[no-untyped-def]
    from ggzy.testing import actor_of

    entity = register_entity(Actor.anonymous("10.0.0.2"), entity_form(name=NAME), account_form("alpha"))
    changed = change_entity(actor_of("alpha"), entity.uscc, EntityChange(name="新名称\u200b有限公司 "))
    assert changed.name == "新名称有限公司"


def test_a_name_stored_before_normalisation_is_found_whatever_its_first_characters(
    network,
) -> None:  # type: ignore[no-untyped-def]
    """The old search only looked at names containing the new name's first two characters: a name kept
    from before normalisation with a zero-width space between them ("宁\\u200b夏…") was never compared."""
    from importlib import import_module

    from ggzy.registry.models import Entity

    old = register_entity(Actor.anonymous("10.0.0.2"), entity_form(name=NAME), account_form("alpha"))
    Entity.objects.filter(pk=old.pk).update(name=NAME[0] + "\u200b" + NAME[1:], name_key="")
    fill = import_module("ggzy.registry.migrations.0005_entity_name_key").fill_name_keys
    from django.apps import apps

    fill(apps, None)  # the migration's back-fill, as on a database from before
    register_entity(Actor.anonymous("10.0.0.3"), entity_form(name=NAME), account_form("beta"))
    assert _operator_warnings(), "the operators are told"
