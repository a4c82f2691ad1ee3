"""The catalogue's life: draft → consultation → adopted → superseded (R2.1, R2.2), who may do what, and
which version is in force where and when."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ggzy.catalogue import actions, queries, rules
from ggzy.catalogue.models import CatalogueItem, CatalogueVersion, Comment
from ggzy.catalogue.schemas import ItemChange, ItemIn
from ggzy.exchange.models import Node
from ggzy.kernel import chronograph, clock
from ggzy.kernel.audit import verify_chain
from ggzy.kernel.errors import Conflict, GgzyError, InvalidInput, NotAuthenticated, PermissionDenied
from ggzy.kernel.models import AuditEvent
from ggzy.kernel.roles import Actor
from ggzy.registry.actions import create_staff_account
from ggzy.registry.schemas import StaffAccountIn
from ggzy.testing import PASSWORD, actor_of

pytestmark = pytest.mark.django_db

Status = CatalogueVersion.Status


def local_item(**extra: object) -> ItemIn:
    data: dict[str, object] = {
        "category": "engineering",
        "subject": "A08",
        "name": "国有资金参股的施工",
        "threshold": Decimal("1000000"),
        "funding_scope": "non_private",
        "basis": "catalogue",
        "scope": "使用国有资金的施工项目，施工合同估算价100万元以上的进场交易",
        "citation": "宁夏回族自治区公共资源交易目录（2026年版）第3条",
    }
    data.update(extra)
    return ItemIn(**data)


@pytest.fixture
def national(vclock: object, network: dict[str, Node], operator: Actor) -> CatalogueVersion:
    return actions.load_national_catalogue(operator, network["province"].pk)


def counts() -> tuple[int, int, int, int]:
    return (
        CatalogueVersion.objects.count(),
        CatalogueItem.objects.count(),
        Comment.objects.count(),
        AuditEvent.objects.count(),
    )


def consult_and_adopt(operator: Actor, version: CatalogueVersion, effective_from: date | None = None) -> None:
    actions.open_consultation(operator, version.pk)
    version.refresh_from_db()
    assert version.comment_until is not None
    clock.advance(timedelta(days=(version.comment_until - clock.today()).days + 1))
    actions.adopt(operator, version.pk, effective_from or clock.today(), "宁政办发〔2026〕1号")


def test_national_catalogue_is_in_force_for_every_node(national: CatalogueVersion, network: dict) -> None:
    assert national.status == Status.ADOPTED
    assert national.effective_from == date(2026, 3, 2)
    assert national.items.count() == len(rules.NATIONAL_ITEMS)
    works = national.items.get(seq=1)
    assert (works.subject_code, works.threshold, works.statutory_threshold) == (
        "A08",
        Decimal("4000000.00"),
        True,
    )
    today = clock.today()
    for name in ("province", "yinchuan", "yongning"):
        assert queries.effective_version(network[name], today) == national
    assert queries.effective_version(network["province"], today - timedelta(days=1)) is None
    event = AuditEvent.objects.get(action="catalogue.load_national_catalogue")
    assert event.payload["items"] == 15
    with pytest.raises(Conflict) as err:
        actions.load_national_catalogue(actor_of("op"), network["province"].pk)
    assert err.value.code == "catalogue_exists"


def test_draft_cannot_be_adopted_without_consultation(national: CatalogueVersion, operator: Actor) -> None:
    draft = actions.create_draft(
        operator, national.node_id, "NX-2026", "宁夏交易目录（2026年版）", national.pk
    )
    assert draft.items.count() == national.items.count()
    before = counts()
    with pytest.raises(Conflict) as err:
        actions.adopt(operator, draft.pk, clock.today(), "宁政办发〔2026〕1号")
    assert err.value.code == "consultation_required"
    assert err.value.rule == rules.CONSULTATION_RULE
    assert counts() == before


def test_comment_period_boundary_and_default(national: CatalogueVersion, operator: Actor) -> None:
    draft = actions.create_draft(
        operator, national.node_id, "NX-2026", "宁夏交易目录（2026年版）", national.pk
    )
    today = clock.today()
    with pytest.raises(InvalidInput) as err:
        actions.open_consultation(operator, draft.pk, today + timedelta(days=29))
    assert err.value.code == "comment_period_too_short"
    assert err.value.details["earliest"] == "2026-04-01"
    version = actions.open_consultation(operator, draft.pk, today + timedelta(days=30))
    assert (version.status, version.comment_until) == (Status.CONSULTATION, date(2026, 4, 1))

    other = actions.create_draft(operator, national.node_id, "NX-2026b", "另一稿", national.pk)
    version = actions.open_consultation(operator, other.pk)
    assert version.comment_until == date(2026, 4, 1)  # 30 days, a Wednesday: nothing to roll forward


def test_comment_period_is_configurable(
    national: CatalogueVersion, operator: Actor, settings: object
) -> None:
    settings.CATALOGUE_COMMENT_DAYS = 10  # type: ignore[attr-defined]
    draft = actions.create_draft(
        operator, national.node_id, "NX-2026", "宁夏交易目录（2026年版）", national.pk
    )
    version = actions.open_consultation(operator, draft.pk, clock.today() + timedelta(days=10))
    assert version.comment_until == date(2026, 3, 12)


def test_comments_only_during_consultation(national: CatalogueVersion, operator: Actor) -> None:
    draft = actions.create_draft(
        operator, national.node_id, "NX-2026", "宁夏交易目录（2026年版）", national.pk
    )
    public = Actor.anonymous("198.51.100.7")
    with pytest.raises(Conflict) as err:
        actions.submit_comment(public, draft.pk, "建议降低施工限额")
    assert err.value.code == "consultation_closed"
    actions.open_consultation(operator, draft.pk)
    comment = actions.submit_comment(public, draft.pk, "  建议降低施工限额  ")
    assert (comment.text, comment.user_id) == ("建议降低施工限额", None)
    signed_in = actions.submit_comment(actor_of("reg"), draft.pk, "建议增列林权交易")
    assert signed_in.user is not None and signed_in.user.username == "reg"
    with pytest.raises(InvalidInput):
        actions.submit_comment(public, draft.pk, "   ")
    clock.advance(timedelta(days=30, hours=14, minutes=59))  # 2026-04-01 23:59 Beijing: last minute
    actions.submit_comment(public, draft.pk, "最后一分钟的意见")
    clock.advance(timedelta(minutes=1))
    with pytest.raises(Conflict):
        actions.submit_comment(public, draft.pk, "太晚了")
    event = AuditEvent.objects.filter(action="catalogue.submit_comment").first()
    assert event is not None and event.role == "public" and event.ip == "198.51.100.7"
    assert "建议" not in str(event.payload)  # the audit keeps the size, not the text


def test_adopt_after_consultation_supersedes_on_its_effective_date(
    national: CatalogueVersion, operator: Actor, network: dict
) -> None:
    province = network["province"]
    draft = actions.create_draft(operator, province.pk, "NX-2026", "宁夏交易目录（2026年版）", national.pk)
    actions.add_item(operator, draft.pk, local_item())
    actions.open_consultation(operator, draft.pk)
    day_before_end = date(2026, 4, 1)
    clock.advance(timedelta(days=30))  # 2026-04-01: the last day of comments
    assert clock.today() == day_before_end
    with pytest.raises(Conflict) as err:
        actions.adopt(operator, draft.pk, date(2026, 5, 1), "宁政办发〔2026〕1号")
    assert err.value.code == "consultation_open"
    clock.advance(timedelta(days=1))
    with pytest.raises(InvalidInput) as err:
        actions.adopt(operator, draft.pk, date(2026, 4, 1), "宁政办发〔2026〕1号")
    assert err.value.code == "effective_in_past"
    adopted = actions.adopt(operator, draft.pk, date(2026, 5, 1), "宁政办发〔2026〕1号")
    assert adopted.status == Status.ADOPTED
    national.refresh_from_db()
    assert (national.status, national.superseded_on, national.superseded_by_id) == (
        Status.ADOPTED,
        date(2026, 5, 1),
        adopted.pk,
    )
    assert queries.effective_version(province, date(2026, 4, 30)) == national
    assert queries.effective_version(province, date(2026, 5, 1)) == adopted
    assert queries.effective_version(network["yongning"], date(2026, 5, 1)) == adopted

    clock.advance(timedelta(days=28, hours=14, minutes=59))  # 2026-04-30 23:59 Beijing
    assert chronograph.sweep() == 0
    clock.advance(timedelta(minutes=1))  # 2026-05-01 00:00 Beijing
    assert chronograph.sweep() == 1
    national.refresh_from_db()
    assert (national.status, national.next_check) == (Status.SUPERSEDED, None)
    assert chronograph.sweep() == 0
    assert queries.effective_version(province, date(2026, 4, 30)) == national  # history still answers
    assert verify_chain().intact


def test_adopted_effective_today_supersedes_at_once(national: CatalogueVersion, operator: Actor) -> None:
    draft = actions.create_draft(
        operator, national.node_id, "NX-2026", "宁夏交易目录（2026年版）", national.pk
    )
    consult_and_adopt(operator, draft)
    national.refresh_from_db()
    assert national.status == Status.SUPERSEDED
    assert queries.effective_version(national.node, clock.today()) == draft


def test_an_adopted_version_cannot_be_edited(national: CatalogueVersion, operator: Actor) -> None:
    item = national.items.get(seq=1)
    before = counts()
    attempts = [
        lambda: actions.add_item(operator, national.pk, local_item()),
        lambda: actions.change_item(operator, item.pk, ItemChange(threshold=Decimal("1"))),
        lambda: actions.remove_item(operator, item.pk),
        lambda: actions.open_consultation(operator, national.pk),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as err:
            attempt()
        assert err.value.code == "catalogue_not_draft"
    assert counts() == before
    item.refresh_from_db()
    assert item.threshold == Decimal("4000000.00")


def test_draft_items_change_and_go(national: CatalogueVersion, operator: Actor) -> None:
    draft = actions.create_draft(
        operator, national.node_id, "NX-2026", "宁夏交易目录（2026年版）", national.pk
    )
    added = actions.add_item(operator, draft.pk, local_item())
    assert added.seq == len(rules.NATIONAL_ITEMS) + 1
    changed = actions.change_item(operator, added.pk, ItemChange(threshold=None, name="国有资金施工一律进场"))
    assert (changed.threshold, changed.name, changed.subject_code) == (None, "国有资金施工一律进场", "A08")
    event = AuditEvent.objects.filter(action="catalogue.change_item").get()
    assert event.payload["changed"] == ["name", "threshold"]
    actions.remove_item(operator, added.pk)
    assert not CatalogueItem.objects.filter(pk=added.pk).exists()
    with pytest.raises(InvalidInput) as err:
        actions.change_item(operator, draft.items.first().pk, ItemChange())  # type: ignore[union-attr]
    assert err.value.code == "no_change"


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"category": "fishing"}, "item_category"),
        ({"subject": "C08"}, "facts_subject"),
        ({"funding_scope": "public", "category": "land", "subject": "E"}, "item_funding_scope"),
        ({"basis": "law", "threshold": Decimal("4000000.01")}, "item_loosens_law"),
        ({"statutory_threshold": True, "threshold": Decimal("3000000")}, "item_statutory_mismatch"),
        ({"statutory_threshold": True, "threshold": None}, "item_statutory_without_threshold"),
        ({"citation": "  "}, "item_citation_required"),
        ({"basis": "sometimes"}, "item_basis"),
    ],
)
def test_item_rules(national: CatalogueVersion, operator: Actor, extra: dict, code: str) -> None:
    draft = actions.create_draft(
        operator, national.node_id, "NX-2026", "宁夏交易目录（2026年版）", national.pk
    )
    before = counts()
    with pytest.raises(InvalidInput) as err:
        actions.add_item(operator, draft.pk, local_item(**extra))
    assert err.value.code == code
    assert counts() == before


def test_city_derives_from_the_province(national: CatalogueVersion, operator: Actor, network: dict) -> None:
    yinchuan, yongning = network["yinchuan"], network["yongning"]
    city = actions.create_draft(operator, yinchuan.pk, "YC-2026", "银川市公共资源交易目录（2026年版）")
    assert city.parent == national
    copied = list(city.items.order_by("seq"))
    assert [i.name for i in copied] == [i.name for i in national.items.order_by("seq")]
    assert all(i.derived_from is not None and i.derived_from.version_id == national.pk for i in copied)
    actions.add_item(operator, city.pk, local_item(citation="银川市公共资源交易目录（2026年版）第3条"))
    assert national.items.count() == len(rules.NATIONAL_ITEMS)  # the province's items are untouched
    consult_and_adopt(operator, city)
    today = clock.today()
    assert queries.effective_version(yinchuan, today) == city
    assert queries.effective_version(yongning, today) == city  # a branch follows its city
    assert queries.effective_version(network["wuzhong"], today) == national  # other cities: the province's
    assert queries.effective_version(network["yanchi"], today) == national
    national.refresh_from_db()
    assert national.status == Status.ADOPTED  # a city's catalogue does not supersede the province's


def test_city_needs_a_province_catalogue_and_branches_have_none(
    vclock: object, network: dict, operator: Actor
) -> None:
    with pytest.raises(Conflict) as err:
        actions.create_draft(operator, network["yinchuan"].pk, "YC-2026", "银川市交易目录")
    assert err.value.code == "province_catalogue_missing"
    with pytest.raises(InvalidInput) as err2:
        actions.create_draft(operator, network["yongning"].pk, "YN-2026", "永宁县交易目录")
    assert err2.value.code == "catalogue_branch"


def test_city_cannot_derive_from_another_city(
    national: CatalogueVersion, operator: Actor, network: dict
) -> None:
    city = actions.create_draft(operator, network["yinchuan"].pk, "YC-2026", "银川市交易目录")
    consult_and_adopt(operator, city)
    with pytest.raises(InvalidInput) as err:
        actions.create_draft(operator, network["wuzhong"].pk, "WZ-2026", "吴忠市交易目录", city.pk)
    assert err.value.code == "catalogue_parent_node"


def test_effective_dates_must_move_forward(national: CatalogueVersion, operator: Actor) -> None:
    later = actions.create_draft(
        operator, national.node_id, "NX-2026", "宁夏交易目录（2026年版）", national.pk
    )
    consult_and_adopt(operator, later, date(2026, 6, 1))
    again = actions.create_draft(operator, national.node_id, "NX-2026b", "宁夏交易目录（修订）", national.pk)
    until = actions.open_consultation(operator, again.pk).comment_until
    assert until == date(2026, 5, 4)  # 30 days end on Saturday 2 May: rolled forward to Monday
    clock.advance(timedelta(days=(until - clock.today()).days + 1))
    with pytest.raises(Conflict) as err:
        actions.adopt(operator, again.pk, date(2026, 6, 1), "宁政办发〔2026〕2号")
    assert err.value.code == "effective_not_after_previous"


# --- permissions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who",
    ["reg", "anonymous"],
)
def test_only_operators_manage_and_nothing_is_written(national: CatalogueVersion, who: str) -> None:
    actor = Actor.anonymous("198.51.100.9") if who == "anonymous" else actor_of(who)
    item = national.items.get(seq=1)
    before = counts()
    attempts = [
        lambda: actions.create_draft(actor, national.node_id, "X", "x"),
        lambda: actions.add_item(actor, national.pk, local_item()),
        lambda: actions.change_item(actor, item.pk, ItemChange(name="x")),
        lambda: actions.remove_item(actor, item.pk),
        lambda: actions.open_consultation(actor, national.pk),
        lambda: actions.adopt(actor, national.pk, clock.today(), "x"),
        lambda: actions.load_national_catalogue(actor, national.node_id),
    ]
    expected = NotAuthenticated if who == "anonymous" else PermissionDenied
    for attempt in attempts:
        with pytest.raises(GgzyError) as err:
            attempt()
        assert isinstance(err.value, expected)
        assert err.value.status in (401, 403)
    assert counts() == before


def test_city_operator_manages_only_its_own_catalogue(
    national: CatalogueVersion, network: dict, system: Actor
) -> None:
    create_staff_account(
        system,
        StaffAccountIn(
            username="ycop",
            password=PASSWORD,
            name="赵运营",
            mobile="13900000003",
            kind="operator",
            node_id=network["yinchuan"].pk,
        ),
    )
    ycop = actor_of("ycop")
    before = counts()
    with pytest.raises(PermissionDenied) as err:
        actions.create_draft(ycop, network["province"].pk, "NX-X", "越权")
    assert err.value.code == "catalogue_other_node"
    with pytest.raises(PermissionDenied):
        actions.create_draft(ycop, network["wuzhong"].pk, "WZ-X", "越权")
    assert counts() == before
    city = actions.create_draft(ycop, network["yinchuan"].pk, "YC-2026", "银川市交易目录")
    assert city.parent == national
    event = AuditEvent.objects.filter(action="catalogue.create_draft").get()
    assert (event.actor, event.role, event.payload["copied"]) == ("ycop", "operator", 15)
