"""`ggzy simulate tender` and `ggzy simulate procurement`: one construction tender or one government
procurement (open or invited tendering, 询价, 单一来源, 竞争性谈判, 竞争性磋商, 框架协议采购) from registration to
the sealed archive, on the virtual clock, through the same actions and HTTP API that people use — bidders seal, upload
and decrypt with the real `ggzy-bid` client (its HTTP calls go to this Django application in-process).
Periods, the bid form, whether a panel negotiates in rounds of sealed revised responses, the price weight
of the plan and the road from the report to the award (one winner and its contract, or — 框架协议 — several
suppliers admitted to an agreement and the purchases made under it) come from the lot's procedure
specification, so the trades differ here only in what the parties buy and say.

The scenario test runs this very code, so the demo and the proof cannot drift apart.
"""

import json
import secrets
import tempfile
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone

from ggzy.bidding.actions import (
    open_bond_account,
    record_bond_payment,
    refund_bond,
)
from ggzy.bidding.models import Bid, Bond, OpeningRecord
from ggzy.catalogue.actions import load_national_catalogue
from ggzy.catalogue.queries import effective_version
from ggzy.demo.builder import add_experts
from ggzy.evaluation.actions import (
    finish_scoring,
    plan_of,
    set_plan,
    sign_in,
    sign_report,
    start_evaluation,
    submit_scores,
)
from ggzy.evaluation.award import (
    award_lot,
    confirm_result,
    publish_candidates,
    report_to_supervisor,
    sign_contract,
)
from ggzy.evaluation.framework import admit_suppliers, call_off, sign_agreement
from ggzy.evaluation.models import CallOff, Evaluation
from ggzy.evaluation.negotiation import (
    ROUND_MINUTES,
    confirm_change,
    final_offers_minimum,
    leave_negotiation,
    negotiating_suppliers,
    open_round,
    propose_change,
    send_message,
)
from ggzy.evaluation.rules import FRAMEWORK, award_rules_for, evaluation_rules_for
from ggzy.evaluation.schemas import CommitteeIn, PlanIn
from ggzy.exchange.calendar_actions import load_official_calendar
from ggzy.exchange.models import Node
from ggzy.experts.actions import commit_draw, create_draw, execute_draw, respond
from ggzy.experts.schemas import DrawRequestIn, DrawRowIn
from ggzy.kernel import calendar, chronograph, clock
from ggzy.kernel.audit import verify_chain
from ggzy.kernel.codes import build_uscc
from ggzy.kernel.errors import GgzyError
from ggzy.kernel.models import CalendarDay
from ggzy.kernel.roles import Actor
from ggzy.kernel.timefmt import local_text
from ggzy.registry.actions import (
    add_entity_user,
    issue_api_token,
    issue_certificate_challenge,
    register_certificate,
    register_entity,
)
from ggzy.registry.auth import actor_for_user
from ggzy.registry.certificates import challenge_message
from ggzy.registry.democa import demo_ca
from ggzy.registry.models import Account, Entity
from ggzy.registry.schemas import AccountIn, CertificateIn, ContactIn, EntityForm
from ggzy.services.archive import archive_lot, verify_package
from ggzy.trading.actions import (
    attach_document,
    create_notice,
    create_project,
    download_document,
    publish_notice,
)
from ggzy.trading.invitations import commit_invitee_draw, execute_invitee_draw
from ggzy.trading.invitations import verify as verify_invitee_draw
from ggzy.trading.models import Lot
from ggzy.trading.schemas import DocumentMeta, InviteeDrawIn, LotIn, NoticeIn, ProjectIn
from ggzy.trading.specs import ProcedureSpec, spec_for, spec_for_project
from ggzy_bid.bidform import FormField, form_fields_from_json
from ggzy_bid.client import UploadClient
from ggzy_bid.fingerprint import machine_fingerprint
from ggzy_bid.sealing import SealResult, seal_bid
from ggzy_guomi import Sm2PrivateKey, sm3_hex, unwrap_file_keys

if typing.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

SERVER = "http://127.0.0.1:8000"
# Long enough that no generated username (sim<hex>-<role>) can look like it to the similarity validator.
PASSWORD = "Ningxia-Public-Resource-Trading-Sim!"  # noqa: S105 - simulated accounts only
TENDER_DOCUMENTS = (
    "第一章 招标公告\n第二章 投标人须知\n第三章 评标办法（综合评估法）\n第四章 合同条款\n".encode()
)


@dataclass(frozen=True)
class Trade:
    """What one kind of simulated trade buys: the project, its one lot, and who takes part."""

    category: str
    project: str
    principal: str
    bidder: str
    lot: str
    contract_kind: str
    classify_code: str
    budget: Decimal
    estimate: Decimal
    control_price: Decimal
    bond: Decimal
    specialty: str  # the experts drawn for the committee
    documents: bytes


TRADES = {
    "tender": Trade(
        category="engineering",
        project="模拟教学楼建设工程",
        principal="模拟学校",
        bidder="模拟建设工程有限公司",
        lot="施工",
        contract_kind="works",
        classify_code="A08",
        budget=Decimal("30000000"),
        estimate=Decimal("25000000"),
        control_price=Decimal("24800000"),
        bond=Decimal("500000"),
        specialty="A08",
        documents=TENDER_DOCUMENTS,
    ),
    "procurement": Trade(
        category="procurement",
        project="模拟教学设备采购项目",
        principal="模拟中学",
        bidder="模拟教学设备有限公司",
        lot="多媒体教学设备",
        contract_kind="goods",
        classify_code="B01",
        budget=Decimal("5000000"),
        estimate=Decimal("5000000"),
        control_price=Decimal("4900000"),
        bond=Decimal("100000"),
        specialty="B",
        documents="第一章 招标公告\n第二章 投标人须知\n第三章 评标办法（综合评分法）\n第五章 采购需求\n".encode(),
    ),
}


# Simulation methods beyond a notice's own (open, invited): the notice method and the procedure they name.
METHODS: dict[str, tuple[str, str]] = {
    "rfq": ("open", "procurement_rfq"),
    "single_source": ("invited", "procurement_single_source"),
    "negotiation": ("open", "procurement_negotiation"),
    "consultation": ("open", "procurement_consultation"),
    "framework": ("open", "procurement_framework"),
}
# What a method buys when it is not the kind's usual one lot: a framework agreement's call prices units,
# capped by the 最高限制单价 (the lot's control price), for the purchases made under it all year.
METHOD_TRADES: dict[str, Trade] = {
    "framework": replace(
        TRADES["procurement"],
        project="模拟台式计算机框架协议采购项目",
        bidder="模拟计算机有限公司",
        lot="台式计算机",
        budget=Decimal("3000000"),
        estimate=Decimal("3000000"),
        control_price=Decimal("6000"),
        bond=Decimal("20000"),
        documents="第一章 征集公告\n第二章 供应商须知\n第三章 评审办法（价格优先法）\n第四章 框架协议文本\n第五章 采购需求\n".encode(),
    ),
}
# A non-tendering method at or above the open-tender threshold needs the finance department's prior
# approval (74号令 第4条; trading.actions.request_method_approval); the simulation has no finance department
# of its own, so its 询价, 谈判 and 磋商 buy below the threshold (1.8 million yuan, the same equipment).
BELOW_THRESHOLD = replace(
    TRADES["procurement"],
    budget=Decimal("1800000"),
    estimate=Decimal("1800000"),
    control_price=Decimal("1780000"),
    bond=Decimal("36000"),
)
METHOD_TRADES.update(dict.fromkeys(("rfq", "negotiation", "consultation"), BELOW_THRESHOLD))
# The purchases a simulated framework agreement serves: one by direct selection, with its reasons.
DIRECT_REASON = "售后服务网点距本单位最近，用户评价较好"
# A negotiation round's time to respond: an hour, within what the platform allows a round.
ROUND_TIME = timedelta(minutes=min(max(60, ROUND_MINUTES[0]), ROUND_MINUTES[1]))


def bid_form_for(spec: ProcedureSpec, price: Decimal, i: int) -> dict[str, object]:
    """A bid form with every field the lot's specification asks for."""
    values: dict[str, object] = {}
    for f in spec.bid_form:
        if f.name == "price":
            values[f.name] = f"{price}.00"
        elif f.kind == "integer":
            values[f.name] = 540 if "工期" in f.label else 30
        elif f.kind == "boolean":
            values[f.name] = i % 2 == 0
        else:
            values[f.name] = f"{f.label}{i + 1}"
    return values


def in_process_app() -> "WSGIApplication":
    """This Django application as a WSGI callable that keeps the caller's database connection open
    (Django closes it after each request, which would end a test's transaction), as the test client does."""
    app = get_wsgi_application()

    def call(environ: "WSGIEnvironment", start_response: "StartResponse") -> list[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                result.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return call


@dataclass
class Party:
    entity: Entity
    username: str
    key: Sm2PrivateKey
    token: str = ""

    @property
    def actor(self) -> Actor:
        return act(self.username)


def act(username: str) -> Actor:
    """The actor of a simulated user (a party's, an expert's), as if signed in from this machine."""
    return actor_for_user(Account.objects.get(user__username=username).user, "127.0.0.1")


def lower(price: Decimal) -> Decimal:
    """A revised offer: 1% to 2.5% below the one before, to the yuan."""
    return (price * (Decimal("0.99") - Decimal(secrets.randbelow(16)) / 1000)).quantize(Decimal(1))


def plan_in_band(lot: Lot) -> PlanIn | None:
    """The plan the documents fix where the method bounds the price weight both ways for the lot's kind
    (磋商: goods 30–60, services 10–30 of 100): the default plan with the price in the middle of the band,
    the first criterion taking or giving the difference. None where the method sets no such band."""
    rules = evaluation_rules_for(lot)
    low = rules.min_price_points.get(lot.contract_kind)
    high = rules.max_price_points.get(lot.contract_kind)
    if low is None or high is None:
        return None
    plan = plan_of(lot)
    price = ((low.value + high.value) / 2).quantize(Decimal(1))
    first, *rest = plan.criteria
    moved = first.model_copy(update={"max_points": first.max_points + plan.price_points - price})
    return plan.model_copy(update={"price_points": price, "criteria": [moved, *rest]})


@dataclass
class Outcome:
    lot_code: str
    state: str
    opening_rows: list[dict[str, object]] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)
    audit_events: int = 0
    # A negotiation: each round of sealed revised responses (number, final, its decryption record), the
    # suppliers who left, and the final offers (最后报价) by supplier.
    rounds: list[dict[str, object]] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    final_offers: dict[str, Decimal] = field(default_factory=dict)
    # A framework agreement: the admitted suppliers in the agreement's order (rank, name, USCC, agreement
    # price) and the purchases under it (method, supplier, order, cycle, unit price, quantity, amount).
    admitted: list[dict[str, object]] = field(default_factory=list)
    call_offs: list[dict[str, object]] = field(default_factory=list)


@dataclass
class Responding:
    """The suppliers' side while the lot takes sealed responses: the bidder tool's folder and the lot's
    form, the suppliers, and each one's last offer."""

    work: Path
    form: tuple[FormField, ...]
    bidders: list[Party]
    prices: dict[int, Decimal] = field(default_factory=dict)


class TenderSimulation:
    def __init__(
        self,
        bidders: int,
        say: Callable[[str], None] = print,
        skip_decrypt: int = 0,
        to_the_end: bool = True,
        kind: str = "tender",
        method: str = "open",
        leave: bool = True,
    ) -> None:
        if bidders < 1:
            raise ValueError("at least one bidder")
        self.trade = TRADES[kind]
        if kind == "procurement":
            self.trade = METHOD_TRADES.get(method, self.trade)
        # The notice method, and the procedure a project names when it is not its category's default.
        self.method, procedure = METHODS.get(method, (method, ""))
        self.procedure: str | None = procedure or None
        self.count = bidders
        self.say = say
        self.skip_decrypt = skip_decrypt  # how many bidders "forget" to decrypt (E8: 视为撤销)
        self.to_the_end = to_the_end  # go on to evaluation, award, contract and archive
        self.leave = leave  # in a negotiation one supplier leaves if enough remain for the final offers
        self.run = secrets.token_hex(3)
        self.system = Actor.system("simulate")
        self.http = httpx.Client(transport=httpx.WSGITransport(app=in_process_app()), base_url=SERVER)

    # -- people ------------------------------------------------------------------------------------
    def party(self, kind: str, name: str, username: str, region: str) -> Party:
        uscc = build_uscc("91", region, f"{secrets.randbelow(10**8):08d}")
        form = EntityForm(
            uscc=uscc,
            name=name,
            kinds=[kind],
            legal_representative="模拟法人",
            address=f"{name}地址",
            region_code=region,
            contacts=[ContactIn(name="模拟联系人", mobile="13900000000")],
        )
        account = AccountIn(username=username, password=PASSWORD, name="模拟用户", mobile="13900000000")
        entity = register_entity(Actor.anonymous("127.0.0.1"), form, account)
        party = Party(entity, username, Sm2PrivateKey.generate())
        # The demo CA issues the party's certificate; the party registers it with proof of possession.
        certificate = demo_ca().issue(entity.uscc, entity.name, party.key.public_key)
        challenge = issue_certificate_challenge(party.actor, entity.uscc)
        signature = party.key.sign(challenge_message(entity.uscc, challenge.nonce))
        register_certificate(
            party.actor,
            entity.uscc,
            CertificateIn(certificate=certificate, challenge=challenge.nonce, signature=signature.hex()),
        )
        _, party.token = issue_api_token(party.actor, "simulate")
        return party

    def draw_invitees(self, notice_id: int, principal: Party, pool: list[Party]) -> list[Party]:
        """Draw the invited suppliers from the pool, two of the purchaser's staff witnessing."""
        witnesses = [f"sim{self.run}-jd{i}" for i in (1, 2)]
        for username in witnesses:
            add_entity_user(
                principal.actor,
                principal.entity.uscc,
                AccountIn(username=username, password=PASSWORD, name="监督人", mobile="13900000000"),
            )
        form = InviteeDrawIn(pool=[p.entity.uscc for p in pool], count=self.count, witnesses=witnesses)
        commit_invitee_draw(principal.actor, notice_id, form)
        draw = execute_invitee_draw(principal.actor, notice_id)
        self.say(
            f"2a 随机抽取被邀请供应商 drew {draw.count} of {len(draw.pool)} (seed {draw.seed[:12]}…, "
            f"{'可复核 verifiable' if verify_invitee_draw(draw) else 'MISMATCH'})"
        )
        return [p for p in pool if p.entity.uscc in draw.drawn]

    # -- committee, evaluation, award ----------------------------------------------------------------
    def draw_committee(self, lot: Lot, principal: Party) -> list[str]:
        """Draw 4 experts at random (plus 1 principal's representative) while the opening runs."""
        operator = self.system
        add_experts(operator, 6, f"sim{self.run}zj", specialty=self.trade.specialty)
        # The committee sits when the decryption window closes (the names are unsealed from then on).
        evaluation_at = max(lot.decrypt_closes_at or clock.now(), clock.now() + timedelta(minutes=1))
        draw = create_draw(
            operator,
            DrawRequestIn(
                lot_code=lot.code,
                rows=[DrawRowIn(specialty=self.trade.specialty, count=4)],
                representatives=1,
                evaluation_at=evaluation_at,
            ),
        )
        commit_draw(operator, draw.pk)
        draw = execute_draw(operator, draw.pk)
        names = []
        for call in draw.calls.select_related("expert__user"):
            user = call.expert.user
            respond(actor_for_user(user, "127.0.0.1"), call.pk, True, "")
            names.append(user.username)
        self.say(
            f"5a 随机抽取评标专家 drew {len(names)} experts (seed committed {draw.seed_commitment[:12]}…)"
        )
        return names

    def evaluate_award_archive(
        self, lot: Lot, principal: Party, experts: list[str], responding: Responding, outcome: Outcome
    ) -> None:
        say = self.say
        spec = spec_for(lot)
        words = spec.wording
        members = [*experts, principal.username]
        keys = {u: Sm2PrivateKey.generate() for u in members}

        start_evaluation(
            self.system,
            lot.code,
            CommitteeIn(experts=experts, representatives=[principal.username], chair=experts[0]),
        )
        for username in members:
            sign_in(act(username), lot.code, keys[username].public_key.to_pem(), True)
        if spec.rules.negotiation is not None:
            self.negotiate(lot, experts[0], principal, responding, outcome)
            lot.refresh_from_db()
            if lot.state != Lot.State.EVALUATION:  # too few final offers: the purchase ends
                say(f"  {words.failed} {lot.get_state_display()}：{lot.outcome_reason}")
                return
        valid = list(Bid.objects.filter(lot=lot, status=Bid.Status.DECRYPTED))
        plan = plan_of(lot)
        scored = plan.method == "comprehensive"  # 询价, 谈判 and 最低评标价法 rank prices only
        for username in members if scored else []:
            # Each member marks each criterion of the plan at 70–95% of its points.
            marks = {
                bid.receipt_no: {
                    c.code: (c.max_points * (70 + secrets.randbelow(26)) / 100).quantize(Decimal(1))
                    for c in plan.criteria
                }
                for bid in valid
            }
            submit_scores(act(username), lot.code, marks)
        evaluation = finish_scoring(act(experts[0]), lot.code)
        with evaluation.report_pdf.open("rb") as pdf:
            report = pdf.read()
        for username in members:
            sign_report(act(username), lot.code, keys[username].sign(report).hex())
        first = evaluation.candidates.select_related("bid__bidder").first()
        assert first is not None
        say(
            f"6a 评标报告已签署 report signed by {len(members)} (SM3 {evaluation.report_sm3[:16]}…); 第一名 {first.bid.bidder.name}"
        )
        if award_rules_for(lot).admits_several:
            # 框架协议: no single winner; the report leads to the admission, the agreement, the purchases.
            self.framework_agreement(lot, principal, outcome)
        else:
            self.award_and_contract(lot, principal, first.bid.receipt_no, first.price)
        package = archive_lot(self.system, lot.code)
        result = verify_package(package.file.read(), package.merkle_root)
        say(
            f"6d 归档 archived: {package.file_count} files, Merkle root {package.merkle_root[:16]}… ({'intact' if result.ok else result.problem})"
        )

    def award_and_contract(self, lot: Lot, principal: Party, receipt_no: str, price: Decimal) -> None:
        """One winner: the candidates' publicity and the award, or the purchaser's confirmation of the
        first-ranked; then the contract, its filing and the deposits back."""
        say = self.say
        spec = spec_for(lot)
        words = spec.wording
        winner = Bid.objects.select_related("bidder").get(lot=lot, receipt_no=receipt_no).bidder.name
        if spec.candidate_publicity:
            start = clock.now()
            until = timezone.make_aware(datetime.combine(calendar.period_end(clock.today(), 3), time(17)))
            publish_candidates(principal.actor, lot.code, start, until)
            clock.freeze(until)
            award_lot(principal.actor, lot.code, receipt_no)
            report_to_supervisor(principal.actor, lot.code)
            say(f"6b 公示至 {local_text(until)}，确定中标人 awarded to {winner}")
        else:
            # 87号令 第68–69条: the purchaser confirms the first-ranked; the result is published at once.
            clock.advance(timedelta(hours=20))
            decided = confirm_result(principal.actor, lot.code, receipt_no)
            say(
                f"6b 采购人确定{words.winner} {winner}，"
                f"{words.award}结果公告至 {local_text(decided.publicity_until)}"
            )
        clock.advance(timedelta(days=7))
        contract_text = f"{lot.code} {self.trade.lot}合同 {price}".encode()
        sign_contract(
            principal.actor,
            lot.code,
            price,
            (price * Decimal("0.05")).quantize(Decimal("0.01")),
            sm3_hex(contract_text),
        )
        if not spec.candidate_publicity:
            report_to_supervisor(principal.actor, lot.code)  # the contract's filing (政府采购法 第47条)
        clock.advance(timedelta(days=1))
        self.refund_deposits(lot)
        say("6c 签订合同 contract signed; 投标保证金及利息已退还 bonds refunded with interest")

    def refund_deposits(self, lot: Lot, *, due_only: bool = False) -> list[str]:
        """The trading centre pays the paid deposits back (only those already due, with `due_only`): the
        names of the suppliers paid."""
        bonds = Bond.objects.filter(lot=lot, status=Bond.Status.PAID, kind=Bond.Kind.DEPOSIT)
        if due_only:
            bonds = bonds.filter(refund_due__isnull=False)
        return [refund_bond(self.system, bond.pk).bidder.name for bond in bonds.select_related("bidder")]

    # -- framework agreement (框架协议采购, 财政部令第110号) ------------------------------------------------
    def framework_agreement(self, lot: Lot, principal: Party, outcome: Outcome) -> None:
        """The organiser admits the best-ranked suppliers (all but the last 20% and at least one), signs
        the agreement with them for a year, and purchases are made under it at the agreement prices: one by
        direct selection with its reasons, then by rotation round every member and into the next cycle."""
        say = self.say
        words = spec_for(lot).wording
        clock.advance(timedelta(hours=20))
        agreement = admit_suppliers(principal.actor, lot.code)
        members = list(agreement.members.select_related("supplier").order_by("order"))
        outcome.admitted = [
            {"order": m.order, "supplier": m.supplier.name, "uscc": m.supplier.uscc, "price": m.price}
            for m in members
        ]
        qualified = Evaluation.objects.get(lot=lot).candidates.count()
        say(
            f"6b 确定{words.winner} admitted {len(members)} of {qualified}（淘汰不少于"
            f"{FRAMEWORK.eliminate_share.value:.0%}且至少{FRAMEWORK.eliminate_at_least.value}家，"
            f"{FRAMEWORK.eliminate_share.legal.citation}）："
            + "；".join(f"{m.order}. {m.supplier.name} 协议单价{m.price}" for m in members)
        )
        clock.advance(timedelta(days=1))
        refunded = self.refund_deposits(lot, due_only=True)  # those left out, due from the admission
        if refunded:
            say(f"  未入围供应商保证金已退还 deposits refunded to {'、'.join(refunded)}")
        clock.advance(timedelta(days=2))
        today = clock.today()
        longest = FRAMEWORK.term_months[lot.contract_kind]
        # 自签订之日起一年（服务两年）, to the day before: within the term the law allows the lot's kind.
        term_until = date(today.year + longest.value // 12, today.month, 1) + timedelta(days=today.day - 2)
        text = f"{lot.code} {self.trade.lot}框架协议 " + "；".join(
            f"{m.supplier.uscc} {m.price}" for m in members
        )
        agreement = sign_agreement(principal.actor, lot.code, term_until, sm3_hex(text.encode()))
        assert agreement.filing_due is not None
        say(
            f"6c 签订框架协议 agreement signed (SM3 {agreement.agreement_sm3[:16]}…)，期限 {local_text(today)}"
            f"至{local_text(term_until)}（不超过{longest.value}个月，{longest.legal.citation}），"
            f"报财政部门备案期限 {local_text(agreement.filing_due)}"
        )
        clock.advance(timedelta(days=1))
        self.refund_deposits(lot)  # the admitted, after the signing
        say("  入围供应商保证金及利息已退还 bonds refunded with interest")
        # Stage 2 (第32–36条): the purchaser buys under the agreement, at each member's agreement price.
        buys = [(CallOff.Method.DIRECT, members[-1].supplier.uscc, DIRECT_REASON)]
        buys += [(CallOff.Method.ROTATION, "", "")] * (len(members) + 1)  # round every member, and on
        for n, (method, uscc, reason) in enumerate(buys, start=1):
            clock.advance(timedelta(days=3))
            quantity = Decimal(5 * (1 + n % 3))
            made = call_off(principal.actor, lot.code, method, quantity, uscc, reason)
            member = made.member
            outcome.call_offs.append(
                {
                    "method": made.method,
                    "supplier": member.supplier.name,
                    "order": member.order,
                    "cycle": made.cycle,
                    "unit_price": made.unit_price,
                    "quantity": made.quantity,
                    "amount": made.amount,
                }
            )
            if made.result_due is None:  # 直接选定
                how = f"直接选定（{made.reason}）"
            else:  # 第35条: a rotation's result is published within 2 working days
                how = f"顺序轮候 第{made.cycle + 1}轮第{member.order}位，结果公告期限 {local_text(made.result_due)}"
            say(
                f"6c 第二阶段采购 call-off {n}: {how} → {member.supplier.name}，"
                f"{made.quantity:.0f}台 × {made.unit_price} = {made.amount}元"
            )
        # The agreement is archived once its term has ended (purchases are made under it until then).
        assert agreement.term_until is not None
        clock.freeze(timezone.make_aware(datetime.combine(agreement.term_until + timedelta(days=1), time(9))))
        say(f"6c 框架协议期满 the agreement's term ended on {agreement.term_until.isoformat()}")

    # -- negotiation (竞争性谈判, 竞争性磋商) -------------------------------------------------------------
    def negotiate(
        self, lot: Lot, chair: str, principal: Party, responding: Responding, outcome: Outcome
    ) -> None:
        """From the first responses to the final offers: the panel meets every supplier in its channel, one
        change of the requirements is confirmed by the purchaser's representative, one round of revised
        (lower) sealed responses, perhaps one supplier leaves, then the round of final offers."""
        word = spec_for(lot).wording.documents.removesuffix("文件")  # 谈判, 磋商 (谈判文件, 磋商文件)
        self.meet_everyone(lot, chair, responding, f"{word}小组")
        change = propose_change(
            act(chair), lot.code, f"{self.trade.lot}的质保期由1年延长至3年，交货后免费培训2次"
        )
        confirm_change(principal.actor, lot.code, change.pk)
        self.say(f"6n 实质性变动经采购人代表确认，已书面通知全部供应商 change confirmed: {change.text}")
        self.negotiation_round(lot, chair, responding, outcome, final=False)
        minimum = final_offers_minimum(lot).value
        remaining = self.negotiating(lot, responding)
        if self.leave and len(remaining) > minimum:  # 74号令 第34条: free to leave before the final offers
            i, leaving = remaining[-1]
            leave_negotiation(leaving.actor, lot.code)
            outcome.left.append(leaving.entity.name)
            self.say(f"6n 供应商{i + 1} 退出{word} {leaving.entity.name} leaves (保证金退还)")
        self.meet_everyone(lot, chair, responding, f"{word}小组")
        self.negotiation_round(lot, chair, responding, outcome, final=True)

    def negotiating(self, lot: Lot, responding: Responding) -> list[tuple[int, Party]]:
        """The suppliers still negotiating, with their index among the bidders."""
        still = {s.pk for s in negotiating_suppliers(Evaluation.objects.get(lot=lot))}
        return [(i, b) for i, b in enumerate(responding.bidders) if b.entity.pk in still]

    def meet_everyone(self, lot: Lot, chair: str, responding: Responding, panel: str) -> None:
        """The whole panel with each supplier in its own recorded channel: a question, the answer."""
        suppliers = self.negotiating(lot, responding)
        for _, supplier in suppliers:
            send_message(
                act(chair),
                lot.code,
                supplier.entity.uscc,
                f"请{supplier.entity.name}说明{self.trade.lot}的技术方案、售后服务和报价构成",
            )
            send_message(supplier.actor, lot.code, "", "技术方案与售后服务详见响应文件，报价可再作优惠")
        self.say(f"6n {panel}已分别与{len(suppliers)}家供应商{panel[:2]} panel met each supplier")

    def negotiation_round(
        self, lot: Lot, chair: str, responding: Responding, outcome: Outcome, *, final: bool
    ) -> None:
        """The chair asks for sealed revised responses (or the final offers); each supplier offers less,
        seals and uploads like a bid; at the deadline they decrypt; the window closes."""
        round_ = open_round(act(chair), lot.code, int(ROUND_TIME.total_seconds()) // 60, final=final)
        kind = "最后报价" if final else f"第{round_.number}轮响应文件"
        self.say(f"6n 组长要求提交{kind}，截止 {local_text(round_.deadline)}")
        clock.advance(ROUND_TIME / 4)
        spec = spec_for(lot)
        envelopes: dict[int, Path] = {}
        for i, _ in self.negotiating(lot, responding):
            responding.prices[i] = lower(responding.prices[i])
            sealed, receipt = self.respond(lot, spec, responding, i, f"round{round_.number}-{i + 1}")
            envelopes[i] = sealed.path
            self.say(f"  供应商{i + 1} {kind} {responding.prices[i]}，回执 receipt {receipt}")
        clock.freeze(round_.deadline)
        chronograph.sweep()
        for i, supplier in self.negotiating(lot, responding):
            if i in envelopes:
                self.decrypt(lot, supplier, envelopes[i])
        round_.refresh_from_db()
        assert round_.decrypt_closes_at is not None
        clock.freeze(round_.decrypt_closes_at)
        chronograph.sweep()
        round_.refresh_from_db()
        outcome.rounds.append({"number": round_.number, "final": round_.final, "rows": round_.rows})
        opened = [r for r in round_.rows if r["status"] == Bid.Status.DECRYPTED]
        if final:
            outcome.final_offers = {str(r["bidder"]): Decimal(str(r["price"])) for r in opened}
        self.say(
            f"  {kind}解密完毕 round {round_.number} closed: "
            + "；".join(f"{r['bidder']} {r['price']}" for r in opened)
        )

    # -- the suppliers' tool ---------------------------------------------------------------------------
    def respond(
        self, lot: Lot, spec: ProcedureSpec, responding: Responding, i: int, name: str
    ) -> tuple[SealResult, str]:
        """Supplier i fills the lot's form at its present price, seals the folder with `ggzy-bid` and
        uploads the envelope over the API: the envelope and the receipt number."""
        bidder = responding.bidders[i]
        folder = responding.work / name
        folder.mkdir()
        (folder / "bid-form.json").write_text(
            json.dumps(bid_form_for(spec, responding.prices[i], i), ensure_ascii=False), encoding="utf-8"
        )
        (folder / "technical.txt").write_text("技术响应文件……", encoding="utf-8")
        sealed = seal_bid(
            folder,
            signer=bidder.key,
            lot=lot.code,
            bidder=bidder.entity.uscc,
            fingerprint=machine_fingerprint(),
            out=responding.work / f"{name}.gbe",
            form=responding.form,
        )
        client = UploadClient(self.http, SERVER, bidder.token, chunk_size=64 * 1024)
        result = client.upload(sealed.path)
        return sealed, result.receipt.fields.receipt_no

    def decrypt(self, lot: Lot, bidder: Party, envelope: Path) -> None:
        """The supplier releases its envelope's content keys over the API in the decryption window."""
        keys = unwrap_file_keys(envelope, bidder.key)
        bid_sm3 = Bid.objects.get(lot=lot, bidder=bidder.entity, status=Bid.Status.SUBMITTED).envelope_sm3
        UploadClient(self.http, SERVER, bidder.token).submit_keys(lot.code, bid_sm3, keys)

    # -- the flow ------------------------------------------------------------------------------------
    def prepare(self) -> Node:
        province = Node.objects.filter(level=Node.Level.PROVINCE).first()
        if province is None:
            raise GgzyError(
                "no_network", "平台节点未设置，请先运行 ggzy demo", "No nodes: run `ggzy demo` first"
            )
        for year in (clock.today().year, clock.today().year + 1):
            if not CalendarDay.objects.filter(date__year=year).exists():
                try:
                    load_official_calendar(self.system, year)
                except GgzyError:
                    self.say(f"  {year}年节假日安排尚未公布，按周末计算 (no holiday table for {year})")
        if effective_version(province, clock.today()) is None:
            load_national_catalogue(self.system, province.pk)
            self.say("  已装入国家必须招标规定交易目录 (national catalogue adopted)")
        return province

    def execute(self) -> Outcome:
        start = timezone.make_aware(datetime.combine(clock.today() + timedelta(days=1), time(9)))
        clock.freeze(max(start, clock.now()))
        try:
            return self._flow()
        finally:
            clock.release()
            self.http.close()

    def _flow(self) -> Outcome:
        say = self.say
        trade = self.trade
        say(f"[{local_text(clock.now())}] 模拟开始 simulation {self.run}: {self.count} 个投标人")
        self.prepare()
        principal = self.party("principal", f"{trade.principal}{self.run}", f"sim{self.run}-zb", "640104")
        # Invited procurement draws its bidders from a pool twice their number (87号令 第14条).
        method_spec = spec_for_project(trade.category, self.procedure, clock.today())
        if method_spec.rules.max_invited is not None:  # 单一来源: one supplier, whatever --bidders says
            self.count = min(self.count, method_spec.rules.max_invited.value)
        ratio = method_spec.rules.invited_pool_ratio
        pool_size = self.count * ratio.value if self.method == "invited" and ratio else self.count
        bidders = [
            self.party("bidder", f"{trade.bidder}{self.run}-{i + 1}", f"sim{self.run}-tb{i + 1}", "640121")
            for i in range(pool_size)
        ]
        project = create_project(
            principal.actor,
            ProjectIn(
                name=f"{trade.project}{self.run}",
                category=trade.category,
                procedure=self.procedure,
                state_budget_amount=trade.budget,
                total_investment=trade.budget,
                lots=[
                    LotIn(
                        name=trade.lot,
                        contract_kind=trade.contract_kind,
                        classify_code=trade.classify_code,
                        estimated_value=trade.estimate,
                        control_price=trade.control_price,
                        # within the method's limit (单一来源 takes no bond)
                        bond_amount=min(trade.bond, trade.estimate * method_spec.rules.bond_ratio.value),
                    )
                ],
            ),
        )
        lot = project.lots.get()
        spec = spec_for(lot)
        words = spec.wording
        plan = plan_in_band(lot)
        if plan is not None:  # the documents fix the evaluation method before the deadline
            set_plan(principal.actor, lot.code, plan)
            say(
                f"  评审办法 综合评分法：价格分{plan.price_points}分（"
                + "、".join(f"{c.name}{c.max_points}分" for c in plan.criteria)
                + "）"
            )
        say(
            f"  {words.principal} {principal.entity.name}；{words.bidder} {self.count} 家，均已登记SM2数字证书"
        )
        say(f"1 项目登记 project {project.code}（{spec.name}），统一交易标识码 {project.unified_deal_code}")
        say(f"  进场判定 must enter: {project.must_enter}（{project.catalogue_version}）")

        drawing = self.method == "invited" and spec.rules.invited_pool_ratio is not None  # 87号令 第14条
        # The shortest periods the lot's specification allows (日 or 工作日, as its rules say).
        docs_from = clock.now()
        docs_until = timezone.make_aware(
            datetime.combine(spec.rules.doc_sale_days.end(clock.today()), time(17))
        )
        deadline = timezone.make_aware(
            datetime.combine(spec.rules.bid_period_days.end(clock.today()), time(9))
        )
        docs_until = min(docs_until, deadline)  # 询价: the notice is available until the deadline
        notice = create_notice(
            principal.actor,
            project.code,
            NoticeIn(
                method=self.method,
                title=f"{project.name}{words.notice if self.method == 'open' else '投标邀请书'}",
                body=f"本项目已具备采购条件，现采用{spec.name}（{'公告' if self.method == 'open' else '邀请'}）。",
                lot_codes=[lot.code],
                docs_from=docs_from,
                docs_until=docs_until,
                bid_deadline=deadline,
                invitees=[b.entity.uscc for b in bidders] if self.method == "invited" and not drawing else [],
            ),
        )
        signature = principal.key.sign(trade.documents).hex()
        document = attach_document(
            principal.actor,
            notice.pk,
            DocumentMeta(title=words.documents, signature=signature),
            f"{words.documents}.txt",
            trade.documents,
        )
        if drawing:
            bidders = self.draw_invitees(notice.pk, principal, bidders)
        publish_notice(principal.actor, notice.pk)
        say(
            f"2 发布{words.notice} published ({self.method}); {words.documents}SM3 {document.sm3[:16]}…，"
            f"获取至 {local_text(docs_until)}（{spec.rules.doc_sale_days.text}），投标截止 {local_text(deadline)}"
        )

        clock.advance(timedelta(days=1))
        # The bidders' tool checks bid-form.json against the lot's form as the platform publishes it.
        form = form_fields_from_json(
            self.http.get(f"/api/trading/lots/{lot.code}/bid-form").raise_for_status().json()
        )
        receipts = []
        experts: list[str] = []
        with tempfile.TemporaryDirectory(prefix="ggzy-sim-") as work:
            responding = Responding(Path(work), form, bidders)
            envelopes: dict[int, Path] = {}
            for i, bidder in enumerate(bidders):
                download_document(bidder.actor, document.pk)
                if lot.bond_amount > 0:
                    bond = open_bond_account(bidder.actor, lot.code)
                    record_bond_payment(
                        Actor.system("bank"),
                        bond.virtual_account or "",
                        bond.amount,
                        f"62220202{i:08d}",
                        bidder.entity.name,
                    )
                # Offers spread over the 2.5% below 97% of the control price.
                low = (trade.control_price * Decimal("0.97")).quantize(Decimal(1))
                responding.prices[i] = low + Decimal(
                    secrets.randbelow(int(trade.control_price * Decimal("0.025")))
                )
                sealed, receipt = self.respond(lot, spec, responding, i, f"bid{i + 1}")
                envelopes[i] = sealed.path
                receipts.append(receipt)
                say(f"3 投标 bid {i + 1}: 已封装 sealed {sealed.sm3[:16]}…，回执 receipt {receipt}")

            clock.freeze(deadline)
            chronograph.sweep()
            lot.refresh_from_db()
            say(f"4 投标截止 deadline: 标段状态 {lot.get_state_display()}")
            if lot.state == Lot.State.OPENING:
                for i, bidder in enumerate(bidders):
                    if i >= self.count - self.skip_decrypt:
                        say(f"  投标人{i + 1} 未解密 (does not decrypt)")
                        continue
                    self.decrypt(lot, bidder, envelopes[i])
                    say(f"5 解密 decrypted bid {i + 1}")
                experts = self.draw_committee(lot, principal)
                assert lot.decrypt_closes_at is not None
                clock.freeze(lot.decrypt_closes_at)
                chronograph.sweep()
                lot.refresh_from_db()

            outcome = Outcome(lot.code, lot.state, receipts=receipts)
            record = OpeningRecord.objects.filter(lot=lot).first()
            if record is not None:
                outcome.opening_rows = record.rows
                say("6 开标记录 opening record:")
                for row in record.rows:
                    say(f"  {row['bidder']}  {row['price'] or '—'}  {row['status']}  保证金{row['bond']}")
            if lot.state == Lot.State.EVALUATION and self.to_the_end:
                # A negotiation's rounds are sealed with the same tool, in the same folder.
                self.evaluate_award_archive(lot, principal, experts, responding, outcome)
                lot.refresh_from_db()
                outcome.state = lot.state
        report = verify_chain()
        outcome.audit_events = report.count
        say(f"7 审计链 audit chain: {'完整 intact' if report.intact else '被破坏 BROKEN'}，{report.count} 条")
        say(f"结束 done: 标段 {lot.code} 状态 {lot.get_state_display()}")
        return outcome
