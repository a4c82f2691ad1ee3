"""A finished trade for the tests: `TenderSimulation` up to the opening record (real bidder tool, HTTP API,
virtual clock), then the evaluation, candidates' publicity, award and contract through the real actions."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from ggzy.bidding.models import Bid
from ggzy.demo.simulate import TenderSimulation
from ggzy.disclosure import index
from ggzy.kernel import calendar, clock
from ggzy.kernel.roles import Actor
from ggzy.registry.actions import add_entity_user
from ggzy.registry.auth import actor_for_user
from ggzy.registry.models import Account
from ggzy.testing import account_form, actor_of
from ggzy.trading.models import Lot, Project
from ggzy_guomi import Sm2PrivateKey

POINTS = {"T1": Decimal(18), "T2": Decimal(8), "B1": Decimal(9)}


@dataclass
class Finished:
    project: Project
    lot: Lot
    manager: Actor
    experts: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)


def principal_actor(project: Project) -> Actor:
    account = Account.objects.filter(entity=project.principal).select_related("user").order_by("id").first()
    assert account is not None
    return actor_for_user(account.user, "127.0.0.1")


def at_local(day: datetime, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(day), time(hour)))


def run(bidders: int = 3, *, until: str = "archive", prefix: str = "zj") -> Finished:
    """A whole trade. `until`: "archive" (the simulation to its end: evaluation, award, contract, archive),
    or "opening", "candidates", "award", "contract" (the simulation to the opening record, then our steps)."""
    to_the_end = until == "archive"
    outcome = TenderSimulation(bidders, lambda _: None, to_the_end=to_the_end).execute()
    lot = Lot.objects.select_related("project", "notice").get(code=outcome.lot_code)
    project = lot.project
    manager = principal_actor(project)
    done = Finished(project, lot, manager, stages=["opening"])
    if to_the_end:
        done.stages += ["candidates", "award", "contract", "archive"]
        index.sweep()
        return done
    assert lot.decrypt_closes_at is not None
    clock.freeze(lot.decrypt_closes_at + timedelta(minutes=5))
    if until == "opening":
        index.sweep()
        return done
    from ggzy.evaluation import actions as evaluation
    from ggzy.evaluation import award
    from ggzy.evaluation.schemas import CommitteeIn
    from ggzy.experts.actions import respond
    from ggzy.experts.tests.conftest import make_expert, run_draw

    op = actor_of("op")
    # The committee is drawn at random from the expert library (条例 第46条): 4 experts + 1 representative.
    for _ in range(6):
        make_expert()
    draw = run_draw(
        lot.code,
        rows=[("A08", 4)],
        representatives=1,
        evaluation_at=clock.now() + timedelta(minutes=1),
        another_reason="模拟：重新抽取本测试的评标委员会",  # the simulation drew one already
    )
    experts = []
    for call in draw.calls.select_related("expert__user"):
        respond(actor_of(call.expert.user.username), call.pk, True, "")
        experts.append(call.expert.user.username)
    clock.freeze(draw.evaluation_at)  # the names are unsealed when the evaluation starts
    representative = f"{prefix}{project.pk}rep"
    add_entity_user(manager, project.principal.uscc, account_form(representative))
    keys = {u: Sm2PrivateKey.generate() for u in [*experts, representative]}
    members = [*experts, representative]
    evaluation.start_evaluation(
        op, lot.code, CommitteeIn(experts=experts, representatives=[representative], chair=experts[0])
    )
    for username in members:
        evaluation.sign_in(actor_of(username), lot.code, keys[username].public_key.to_pem(), True)
    receipts = list(lot.bids.filter(status=Bid.Status.DECRYPTED).values_list("receipt_no", flat=True))
    for username in members:
        evaluation.submit_scores(actor_of(username), lot.code, dict.fromkeys(receipts, POINTS))
    report = evaluation.finish_scoring(actor_of(experts[0]), lot.code)
    with report.report_pdf.open("rb") as pdf:
        data = pdf.read()
    for username in members:
        evaluation.sign_report(actor_of(username), lot.code, keys[username].sign(data).hex())
    done.experts = experts
    now = clock.now()
    until_day = calendar.period_end(timezone.localdate(now), 3)
    publicity_until = timezone.make_aware(datetime.combine(until_day, timezone.localtime(now).time()))
    award.publish_candidates(manager, lot.code, now, publicity_until)
    done.stages.append("candidates")
    if until != "candidates":
        clock.freeze(publicity_until + timedelta(minutes=1))
        ranked = lot.evaluation.candidates.select_related("bid").order_by("rank")
        winner = ranked[0]
        award.award_lot(manager, lot.code, winner.bid.receipt_no)
        done.stages.append("award")
        if until == "contract":
            clock.advance(timedelta(days=1))
            bond = (winner.price * Decimal("0.05")).quantize(Decimal("0.01"))
            award.sign_contract(manager, lot.code, winner.price, bond, "c" * 64)
            done.stages.append("contract")
    index.sweep()
    lot.refresh_from_db()
    return done
