"""Invited tendering of government procurement: the suppliers to invite drawn at random from a pool
(政府采购货物和服务招标投标管理办法 第14条; rules-methods-cn.md G111), verifiable by anyone afterwards.

The purchaser (or its agent) names a pool of qualified suppliers at least twice the number to invite and
two or more of its staff who witness the draw; the platform fixes the pool (its SM3 digest) and commits
to a sealed secret; the draw then takes the seed from the secret and the first audit checkpoint signed
after the commitment (kernel.draws), so nobody can steer it. The drawn suppliers become the notice's
invitees; the notice cannot be published without them.
"""

from ggzy.catalogue.models import TradeCategory
from ggzy.credit import enforcement
from ggzy.kernel import audit, clock, draws
from ggzy.kernel.actions import action
from ggzy.kernel.canonical import canonical_bytes
from ggzy.kernel.errors import Conflict, InvalidInput, NotFound
from ggzy.kernel.roles import Actor
from ggzy.registry import suppliers
from ggzy.registry.models import Account, Entity, EntityKind
from ggzy.trading.actions import notice_spec, require_project_manager
from ggzy.trading.models import InviteeDraw, Notice
from ggzy.trading.rules import InviteeDraw as DrawMode
from ggzy.trading.rules import TenderRules, draw_mode
from ggzy.trading.schemas import InviteeDrawIn, InviteeDrawOut
from ggzy_guomi import sm3_hex

DOMAIN = b"GGZY-SUPPLIER-DRAW-v1"
ALGORITHM = "GGZY-SUPPLIER-DRAW-SM3-v1"


def pool_digest(notice_id: int, count: int, pool: list[str]) -> str:
    """SM3 of the canonical JSON {"algorithm", "notice", "count", "pool" (USCCs ascending)}."""
    document = {"algorithm": ALGORITHM, "notice": notice_id, "count": count, "pool": sorted(pool)}
    return sm3_hex(canonical_bytes(document))


def drawn_from(seed: bytes, pool: list[str], count: int) -> list[str]:
    """The first `count` of the pool's random order: what anyone recomputes from the published seed."""
    return draws.shuffled(seed, 0, sorted(pool), DOMAIN)[:count]


def _notice(notice_id: int) -> Notice:
    notice = (
        Notice.objects.select_for_update(of=("self",)).select_related("project").filter(pk=notice_id).first()
    )
    if notice is None:
        raise NotFound("notice_not_found", "未找到公告", "No such notice")
    return notice


def _rules(notice: Notice) -> TenderRules:
    rules = notice_spec(notice).rules
    if notice.method != Notice.Method.INVITED or draw_mode(rules) is DrawMode.NONE:
        raise InvalidInput(
            "invitee_draw_not_applicable",
            "只有政府采购的邀请方式从备选供应商中随机抽取被邀请人",
            "Only government procurement's invitations draw their invitees",
        )
    return rules


def _library_pool(category: str, lot_category: str) -> list[str]:
    """The library's admitted suppliers for the lot, less those under a procurement credit ban now."""
    wanted = (category or lot_category).strip().upper()
    if not lot_category.startswith(wanted):
        raise InvalidInput(
            "library_category_mismatch",
            f"抽取品目{wanted}与标段分类{lot_category}不符",
            f"The library category {wanted} does not cover the lot's {lot_category}",
        )
    return [
        uscc
        for uscc in suppliers.library_pool(lot_category)
        if not enforcement.active_bans(uscc, TradeCategory.PROCUREMENT)
    ]


@action("trading.commit_invitee_draw")
def commit_invitee_draw(actor: Actor, notice_id: int, form: InviteeDrawIn) -> InviteeDraw:
    notice = _notice(notice_id)
    role = require_project_manager(actor, notice.project)
    rules = _rules(notice)
    if notice.status != Notice.Status.DRAFT or InviteeDraw.objects.filter(notice=notice).exists():
        raise Conflict("invitee_draw_exists", "本公告已确定备选名单或已发布", "The pool is fixed already")
    lot = notice.lots.order_by("seq").first()
    if form.from_library:
        # The whole admitted, unbanned library of the lot's category: nobody picks the pool (74号令 第12条).
        assert lot is not None
        pool = _library_pool(form.library_category or "", lot.classify_code)
    else:
        pool = sorted(dict.fromkeys(u.strip().upper() for u in form.pool))
    if form.count < rules.min_invited.value:
        raise InvalidInput(
            "too_few_invitees",
            f"应随机抽取{rules.min_invited.value}家以上供应商，现为{form.count}家",
            f"Draw at least {rules.min_invited.value} suppliers",
            rule=rules.min_invited.legal,
        )
    ratio = rules.invited_pool_ratio
    needed = (ratio.value if ratio else 1) * form.count
    if len(pool) < needed:
        raise InvalidInput(
            "pool_too_small",
            (
                f"备选的符合资格条件供应商总数不得少于拟随机抽取供应商总数的{ratio.value}倍："
                if ratio
                else "备选供应商不足："
            )
            + f"抽取{form.count}家须备选{needed}家以上，现为{len(pool)}家",
            f"The pool must hold {needed} suppliers or more to draw {form.count}; it holds {len(pool)}",
            rule=ratio.legal if ratio else rules.min_invited.legal,
            details={"needed": needed, "pool": len(pool)},
        )
    found = {e.uscc: e for e in Entity.objects.filter(uscc__in=pool).prefetch_related("kinds")}
    unknown = [
        u for u in pool if u not in found or not found[u].kinds.filter(kind=EntityKind.BIDDER).exists()
    ]
    if unknown:
        raise InvalidInput(
            "pool_not_suppliers",
            "备选名单中有未登记为供应商（投标人）的主体：" + "、".join(unknown),
            "Some of the pool are not registered suppliers",
            details={"uscc": unknown},
        )
    witnesses = list(dict.fromkeys(w.strip() for w in form.witnesses))
    staff = {
        a.user.username: a.user.first_name or a.user.username
        for a in Account.objects.filter(
            entity=notice.project.principal, user__username__in=witnesses, user__is_active=True
        ).select_related("user")
    }
    least = rules.witnesses.value if rules.witnesses else 0
    if len(staff) < least or len(staff) != len(witnesses):
        raise InvalidInput(
            "witnesses_required",
            f"随机抽取供应商时应当有不少于{max(least, 1)}名采购人工作人员在场监督（监督人员须为采购人的工作人员）",
            f"At least {max(least, 1)} of the purchaser's staff must witness the draw",
            rule=rules.witnesses.legal if rules.witnesses else rules.min_invited.legal,
            details={"not_staff": [w for w in witnesses if w not in staff]},
        )
    committed = draws.commit()
    draw = InviteeDraw.objects.create(
        notice=notice,
        pool=pool,
        count=form.count,
        witnesses=[{"username": u, "name": staff[u]} for u in witnesses],
        pool_digest=pool_digest(notice.pk, form.count, pool),
        library_category=(form.library_category or (lot.classify_code if lot else ""))
        if form.from_library
        else "",
        seed_commitment=committed.commitment,
        secret_sealed=committed.secret_sealed,
        committed_at=clock.now(),
    )
    # The commitment and the digest are public before the draw; the pool itself is sealed until the deadline.
    event = audit.record(
        draw,
        {
            "algorithm": ALGORITHM,
            "notice": notice.pk,
            "pool_size": len(pool),
            "count": form.count,
            "pool_digest": draw.pool_digest,
            "seed_commitment": draw.seed_commitment,
            "witnesses": witnesses,
        },
        role=role,
    )
    draw.commit_event_seq = event.seq
    draw.save(update_fields=["commit_event_seq"])
    return draw


@action("trading.execute_invitee_draw")
def execute_invitee_draw(actor: Actor, notice_id: int) -> InviteeDraw:
    notice = _notice(notice_id)
    role = require_project_manager(actor, notice.project)
    rules = _rules(notice)
    draw = InviteeDraw.objects.select_for_update(of=("self",)).filter(notice=notice).first()
    if draw is None or draw.status != InviteeDraw.Status.COMMITTED:
        raise Conflict(
            "invitee_draw_not_committed",
            "须先确定备选名单，且每次抽取只执行一次",
            "Fix the pool first; draw once",
        )
    revealed = draws.reveal(
        draw.secret_sealed,
        draw.seed_commitment,
        draw.commit_event_seq,
        "invitee_draw",
        draw,
        rule=rules.min_invited.legal,
    )
    draw.secret = revealed.secret.hex()
    draw.secret_sealed = ""
    draw.beacon_seq = revealed.checkpoint.seq
    draw.beacon_root = revealed.checkpoint.root
    draw.seed = revealed.seed.hex()
    draw.drawn = drawn_from(revealed.seed, draw.pool, draw.count)
    draw.status = InviteeDraw.Status.DRAWN
    draw.drawn_at = clock.now()
    draw.save()
    notice.invitees.set(Entity.objects.filter(uscc__in=draw.drawn))
    audit.record(
        draw,
        {
            "drawn": draw.drawn,
            "seed": draw.seed,
            "secret": draw.secret,
            "checkpoint": {"seq": revealed.checkpoint.seq, "root": revealed.checkpoint.root},
            "rule": rules.invited_pool_ratio.legal.citation if rules.invited_pool_ratio else "",
        },
        role=role,
        sealed_by=notice,  # who was invited stays secret until the deadline
    )
    return draw


def verify(draw: InviteeDraw) -> bool:
    """Recompute the draw from what it recorded: the commitment, the digest, the seed and the drawn list."""
    if draw.status != InviteeDraw.Status.DRAWN or not draw.secret:
        return False
    secret = bytes.fromhex(draw.secret)
    seed = draws.derive_seed(secret, bytes.fromhex(draw.beacon_root))
    return (
        draws.commitment(secret) == draw.seed_commitment
        and pool_digest(draw.notice_id, draw.count, draw.pool) == draw.pool_digest
        and seed.hex() == draw.seed
        and drawn_from(seed, draw.pool, draw.count) == draw.drawn
    )


def draw_out(draw: InviteeDraw, *, show_names: bool) -> InviteeDrawOut:
    return InviteeDrawOut(
        notice=draw.notice_id,
        status=draw.status,
        count=draw.count,
        pool_size=len(draw.pool),
        pool_digest=draw.pool_digest,
        seed_commitment=draw.seed_commitment,
        witnesses=[w["name"] for w in draw.witnesses],
        beacon_seq=draw.beacon_seq,
        seed=draw.seed,
        drawn=draw.drawn if show_names else [],
    )
