"""Sealed means sealed, for every output (电子招标投标办法 第21条; 招标投标法 第22条): before the bid deadline
no role — the public, another bidder, the operator of the node or of another node, the regulator, the
principal and its agent, an expert — learns from any answer, page, admin list, notification list or log
line who took the documents or who bid, their receipt numbers, or how many there are.

The fixture is the authorization matrix's (`test_authorization.ctx`: a published tender, three bids, one
unfinished upload, an objection), to which downloads, a clarification (its notifications delivered) and,
at a later stage, an overdue objection and a recorded ban are added. The outputs come from the platform
itself — every GET route of the API (its OpenAPI document, filled as the matrix fills it), every page of
the URL map, every admin list — so a new output that leaks fails here without being listed:

* `test_no_output_names_a_participant_before_the_deadline`: no body holds a participant's USCC or name,
  a receipt number or an upload id (a role's own data excepted; the entity directory and the credit
  lists name every entity whether it takes part or not, so only receipt numbers are looked for there);
* `test_sealed_actions_change_no_output`: a new bidder downloads, pays into a bond account and bids; every
  output for every other role must read exactly as before (this is what catches counts: sequence numbers,
  totals, gaps).

Both walk a bounded sample by default; the `slow` variants walk every route × every role.
"""

import itertools
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ggzy.bidding.actions import complete_upload, open_bond_account, start_upload, write_chunk
from ggzy.bidding.models import Bid, Upload
from ggzy.credit.actions import record_entry, revoke_entry
from ggzy.credit.schemas import CreditRecordIn
from ggzy.kernel import audit, chronograph, clock, notify
from ggzy.kernel.models import AuditEvent, Notification
from ggzy.kernel.roles import Actor
from ggzy.registry.actions import register_certificate
from ggzy.registry.models import Entity
from ggzy.registry.schemas import CertificateIn
from ggzy.reliability.tests import test_authorization as matrix
from ggzy.reliability.tests.test_authorization import (
    BEFORE_DEADLINE,
    NOBODY,
    USERNAMES,
    Ctx,
    Rule,
    api_endpoints,
    fill,
)
from ggzy.supervision.models import Alert
from ggzy.testing import actor_of, entity_with_key, local, seal_bid
from ggzy.trading.actions import answer_objection, clarify, download_document
from ggzy.trading.models import Document, Lot, Notice, Objection
from ggzy.trading.schemas import DocumentMeta
from ggzy_guomi import Sm2PrivateKey, sm3_hex

pytestmark = pytest.mark.django_db
ctx = matrix.ctx  # the authorization matrix's fixture, `ctx`, reused as the base of `sealed`

NEW_DEADLINE = local(2026, 3, 27, 9)  # the clarification moves the deadline (15 days, 招标投标法 第23条)


@dataclass
class Participant:
    username: str
    uscc: str
    name: str


@dataclass
class Sealed:
    """The fixture's tender, with what must stay sealed until its deadline."""

    ctx: Ctx
    notice: Notice
    lot: Lot
    participants: list[Participant]  # who took the documents, bid, started an upload or objected
    receipts: list[str]
    uploads: list[str]
    clarification: Document

    def secrets_for(self, role: str) -> dict[str, list[str]]:
        """What `role` must not read: other participants' identities, every receipt and upload id."""
        own = USERNAMES.get(role)
        people = [p for p in self.participants if p.username != own]
        mine = {u.public_id for u in Upload.objects.filter(bidder__uscc__in=[self.ctx["uscc"]])}
        mine |= set(Bid.objects.filter(bidder__uscc=self.ctx["uscc"]).values_list("receipt_no", flat=True))
        return {
            # (Not the user names: they act in public too — registering, a certificate — and the
            # admin lists show those acts; what they did under seal is the differential walk's to catch.)
            "identity": [p.uscc for p in people] + [p.name for p in people],
            "receipt": [r for r in self.receipts if not (role == "bidder" and r in mine)],
            "upload": [u for u in self.uploads if not (role == "bidder" and u in mine)],
        }


def _principal_key() -> Sm2PrivateKey:
    """A second certificate for the principal (the matrix's fixture keeps its key to itself)."""
    from ggzy import testing

    key = Sm2PrivateKey.generate()
    principal = Entity.objects.get(accounts__user__username="zb")
    if hasattr(testing, "register_key"):  # certificates issued by a CA, with proof of possession
        testing.register_key("zb", principal.uscc, key)
        return key
    register_certificate(
        actor_of("zb"),
        principal.uscc,
        CertificateIn(  # type: ignore[call-arg]
            issuer="GGZY演示CA",
            serial=f"SEAL{principal.pk:06d}",
            public_key=key.public_key.to_pem(),
            valid_from=clock.now().replace(year=2025),
            valid_until=clock.now().replace(year=2028),
        ),
    )
    return key


def deliver_all() -> None:
    """What the worker does after commit: deliver every queued message."""
    for pk in Notification.objects.filter(status=Notification.Status.QUEUED).values_list("pk", flat=True):
        notify.deliver(Actor.system("notifier"), pk)


@pytest.fixture
def sealed(ctx: Ctx, network, system) -> Sealed:  # type: ignore[no-untyped-def]
    """03-10: tb1..tb3 bid and took the documents, tb4 took them only, tb0 (the `bidder`) has an unfinished
    upload, tb1 objected; the principal clarifies (moving the deadline), everyone who took the documents
    is told. The authorization fixture's outsiders (吴忠's operator, 财政厅's regulator, another bidder) look on."""
    entity_with_key("bidder", "tb4", region="640121")
    notice = Notice.objects.get(pk=int(ctx["notice_id"]))
    lot = Lot.objects.get(code=ctx["lot"])
    for username in ("tb1", "tb2", "tb3", "tb4"):
        download_document(actor_of(username), int(ctx["document_id"]))
    text = "澄清：工期按540日历天。".encode()
    clarification = clarify(
        actor_of("zb"),
        notice.pk,
        DocumentMeta(
            kind="clarification",
            title="澄清文件一",
            signature=_principal_key().sign(text).hex(),
            new_bid_deadline=NEW_DEADLINE,
        ),
        "澄清.txt",
        text,
    )
    deliver_all()
    people = [
        Participant(u, e.uscc, e.name)
        for u in ("tb0", "tb1", "tb2", "tb3", "tb4")
        for e in [Entity.objects.get(accounts__user__username=u)]
    ]
    return Sealed(
        ctx=ctx,
        notice=Notice.objects.get(pk=notice.pk),
        lot=lot,
        participants=people,
        receipts=list(Bid.objects.filter(lot=lot).values_list("receipt_no", flat=True)),
        uploads=list(Upload.objects.filter(lot=lot).values_list("public_id", flat=True)),
        clarification=clarification,
    )


def ban_form(uscc: str) -> CreditRecordIn:
    return CreditRecordIn(
        uscc=uscc,
        kind="collusion",
        decision_no="宁建罚〔2026〕9号",
        facts="与其他投标人相互串通投标，情节严重。",
        valid_from=date(2026, 3, 16),
        valid_until=date(2027, 3, 15),
    )


def later_stage(sealed: Sealed, capture: Callable[..., Any]) -> None:
    """03-16: the objection went unanswered (S17); the regulator bans tb2, who holds a receipt (S14)."""
    clock.freeze(local(2026, 3, 16, 10))
    with capture(execute=True):
        chronograph.sweep()
    with capture(execute=True):
        record_entry(actor_of("reg"), ban_form(sealed.participants[2].uscc))
    deliver_all()
    assert Alert.objects.filter(rule_id="S17").exists()
    sealed.ctx.values["alert_id"] = str(Alert.objects.order_by("-pk").values_list("pk", flat=True).first())


# ---- the four findings, each as the attacker tried it -------------------------------------------------


def _operator_client() -> Client:
    client = Client()
    client.force_login(User.objects.get(username="op"))
    return client


def test_clarification_notifications_name_no_downloader(
    sealed: Sealed, caplog: pytest.LogCaptureFixture
) -> None:
    """Attack: the operator reads the notification admin list and the server log after a clarification;
    each message to a downloader (and each `notify user#N` line) tells who took the documents."""
    downloaders = [p for p in sealed.participants if p.username != "tb0"]
    users = {p.username: User.objects.get(username=p.username).pk for p in downloaders}
    told = Notification.objects.filter(recipient_id__in=users.values(), subject__startswith="招标文件")
    assert told.count() == len(users)  # the control: every downloader was told
    assert all(m.status == Notification.Status.SENT for m in told)
    page = _operator_client().get(reverse("admin:kernel_notification_changelist"))
    assert page.status_code == 200
    listed = page.content.decode()
    assert "主体注册成功" in listed  # the control: the list shows (unsealed) messages with their recipients
    assert "招标文件澄清" not in listed, "the clarification's recipients are the downloaders"
    # The log: deliver them again (the fixture's deliveries were not captured) as the worker does.
    told.update(status=Notification.Status.QUEUED)
    with caplog.at_level(logging.DEBUG):
        notify.deliver_batch(list(told.values_list("pk", flat=True)))
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("ggzy")]
    assert logged == [f"notify: messages sealed by trading.notice:{sealed.notice.pk} delivered"], logged
    assert all(m.status == Notification.Status.SENT for m in told)
    message = told.first()
    assert message is not None
    # Its delivery events are sealed like the downloads: no listing shows them before the deadline.
    sent = AuditEvent.objects.filter(object_type="kernel.notification", object_id=str(message.pk))
    assert sent.exists() and not audit.visible_events().filter(pk__in=sent).exists()
    # The invitation of an invited tender is sealed the same way (see publish_notice): checked below.


def test_invitations_name_no_invitee(sealed: Sealed, caplog: pytest.LogCaptureFixture) -> None:
    """Attack: an invited tender is published; the operator reads who got the invitation (招标投标法
    第22条: the potential bidders' names are secret) in the notification list or in the log."""
    from decimal import Decimal

    from ggzy.trading.actions import attach_document, create_notice, create_project, publish_notice
    from ggzy.trading.schemas import LotIn, NoticeIn, ProjectIn

    key = _principal_key()
    project = create_project(
        actor_of("zb"),
        ProjectIn(
            name="邀请招标测试工程",
            state_budget_amount=Decimal("3000000"),
            total_investment=Decimal("3000000"),
            lots=[
                LotIn(
                    name="施工",
                    contract_kind="works",
                    classify_code="A08",
                    estimated_value=Decimal("2500000"),
                )
            ],
        ),
    )
    invited = [p for p in sealed.participants if p.username in {"tb1", "tb2", "tb3"}]
    notice = create_notice(
        actor_of("zb"),
        project.code,
        NoticeIn(
            method="invited",
            title="邀请招标测试工程施工投标邀请书",
            body="……",
            lot_codes=[project.lots.get().code],
            docs_from=clock.now(),
            docs_until=local(2026, 3, 17, 17),
            bid_deadline=local(2026, 4, 8, 9),
            invitees=[p.uscc for p in invited],
        ),
    )
    text = "邀请招标文件".encode()
    attach_document(
        actor_of("zb"),
        notice.pk,
        DocumentMeta(title="招标文件", signature=key.sign(text).hex()),
        "招标文件.txt",
        text,
    )
    publish_notice(actor_of("zb"), notice.pk)
    invitations = Notification.objects.filter(subject="投标邀请书")
    assert invitations.count() == len(invited)  # the control
    caplog.set_level(logging.DEBUG)
    notify.deliver_batch(list(invitations.values_list("pk", flat=True)))
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("ggzy")]
    assert logged == [f"notify: messages sealed by trading.notice:{notice.pk} delivered"], logged
    listed = _operator_client().get(reverse("admin:kernel_notification_changelist")).content.decode()
    assert "投标邀请书" not in listed


def test_notification_ids_count_nothing(sealed: Sealed) -> None:
    """Attack: two messages the operator may see, before and after a clarification, have ids n and n+k:
    k-1 messages (one per downloader) were sent in between."""
    ids = sorted(Notification.objects.values_list("pk", flat=True))
    assert len(ids) >= 4
    gaps = {b - a for a, b in itertools.pairwise(ids)}
    assert gaps != {1}, "message ids are a counter"
    assert min(ids) > 2**32


def test_objection_alert_does_not_name_the_objector(
    sealed: Sealed, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    """Attack: the regulator (or any operator) opens the S17 alert of an unanswered objection weeks before
    the deadline; its evidence carried the objector's USCC."""
    later_stage(sealed, django_capture_on_commit_callbacks)
    alert = Alert.objects.get(rule_id="S17")
    objector = sealed.participants[1]
    text = repr(alert.evidence) + alert.title
    assert objector.uscc not in text and objector.name not in text
    assert alert.evidence["objection"]  # the alert still points to the objection itself


def test_a_ban_does_not_probe_participation(
    sealed: Sealed, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    """Attack: the regulator records a ban on a firm (and revokes it at once): the S14 alert says whether
    the firm holds a receipt in a lot still bidding, with the receipt number and its time."""
    later_stage(sealed, django_capture_on_commit_callbacks)  # bans tb2, who bid
    outsider, _ = entity_with_key("bidder", "tb9")
    with django_capture_on_commit_callbacks(execute=True):
        probe = record_entry(actor_of("reg"), ban_form(outsider.uscc))
    with django_capture_on_commit_callbacks(execute=True):
        revoke_entry(actor_of("reg"), probe.pk, "误录")
    deliver_all()
    assert not Alert.objects.filter(rule_id="S14").exists(), "a ban before the deadline tells who takes part"
    banned = sealed.participants[2]
    for message in Notification.objects.filter(created_at__gte=local(2026, 3, 16, 10)):
        assert banned.name not in message.body and banned.uscc not in message.body
    # At the opening the check runs: the banned bidder's participation is then known to the supervisors.
    for pending in Objection.objects.filter(status__in=[Objection.Status.PENDING]):
        answer_objection(actor_of("zb"), pending.pk, "已答复")
    clock.freeze(NEW_DEADLINE)
    with django_capture_on_commit_callbacks(execute=True):
        chronograph.sweep()
    assert Lot.objects.get(pk=sealed.lot.pk).state == Lot.State.OPENING
    alert = Alert.objects.get(rule_id="S14")
    assert alert.entity_id == Entity.objects.get(uscc=banned.uscc).pk and alert.lot_id == sealed.lot.pk
    assert alert.evidence["participation"][0]["as"] == "bid"


def test_the_audit_chain_counts_no_sealed_event(sealed: Sealed) -> None:
    """Attack: the operator lists an object's trail and verifies the chain before and after bids come in:
    the seq numbers jump (gaps) and the verified total grows by the number of sealed events."""
    client = Client()
    headers = {"Authorization": f"Bearer {sealed.ctx.tokens['operator']}"}
    newcomer, key = entity_with_key("bidder", "tb8", region="640121")  # registering is public

    def look() -> tuple[Any, Any]:
        trail = client.get(
            "/api/audit/events",
            {"object_type": "trading.notice", "object_id": sealed.ctx["notice_id"]},
            headers=headers,
        )
        chain = client.get("/api/audit/verify", headers=headers)
        assert trail.status_code == chain.status_code == 200, (trail.content, chain.content)
        return trail.json(), chain.json()

    trail, chain = look()
    assert chain["intact"] is True and trail  # the control: the notice has a trail
    assert all("seq" not in e for e in trail), "the global sequence number counts the sealed events before"
    download_document(actor_of("tb8"), int(sealed.ctx["document_id"]))
    envelope = seal_bid(sealed.lot.code, newcomer, key, "24300000.00")
    job, _ = start_upload(actor_of("tb8"), sealed.lot.code, len(envelope), sm3_hex(envelope))
    write_chunk(actor_of("tb8"), job.public_id, 0, len(envelope), envelope)
    complete_upload(actor_of("tb8"), job.public_id)
    assert (trail, chain) == look()


# ---- the generated walk: every route × every role × the stages before the deadline ---------------------

# Roles as the brief names them: the public (signed out, and signed in), another bidder (tb0, who has an
# unfinished upload of its own), the operator of the tender's node and of another node, the regulator,
# the principal and its agent, an expert, a guarantor, another department's regulator, another bidder.
WALK_ROLES = (
    "anonymous",
    "public",
    "bidder",
    "operator",
    "other_operator",
    "regulator",
    "principal",
    "agent",
    "expert",
    "guarantor",
    "other_regulator",
    "other_entity",
)
WALK_USERS = USERNAMES

# GET routes that are themselves a sealed action (taking the documents): walking them would make the
# walker a downloader. They are covered as actions (the fixture's downloads, the newcomer's).
ACTING: dict[str, str] = {
    "/api/trading/documents/{document_id}/download": "taking the documents is the sealed action itself",
    "/bidding/documents/<int:document_id>/download/": "taking the documents is the sealed action itself",
}
# Outputs that name every registered entity, or every entity on the credit lists, whether it takes part
# in a tender or not: a participant's name there says nothing of its participation (the differential
# walk checks that participating changes nothing there). Receipt numbers and upload ids are still looked for.
DIRECTORY: dict[str, str] = {
    "/api/registry/entities": "the public directory of registered entities",
    "/api/registry/entities/{uscc}": "one entity's public data",
    "/api/registry/entities/{uscc}/private": "the entity's own data (tb0), or the overseers'",
    "/api/registry/entities/{uscc}/versions": "as private data",
    "/api/registry/entities/{uscc}/certificates": "certificates are public",
    "/api/registry/uscc/{code}": "USCC check",
    "/entities/": "the public directory",
    "/entities/<str:uscc>/": "one entity's public page",
    "/portal/entities/<str:uscc>/": "one entity's public page",
    "/api/credit/blacklist": "the black list names banned entities (the ban is public, not participation)",
    "/api/credit/entities/{uscc}": "one entity's credit status",
    "/credit/": "the credit desk lists the records entered",
    "/credit/blacklist/": "the black list",
    "/portal/penalties/": "published penalties",
    "/api/supervision/decisions": "published decisions",
    "/supervision/decisions/": "published decisions",
    "/admin/registry/entity/": "the directory, in the admin",
    "/admin/registry/entityversion/": "registration history, in the admin",
    "/admin/registry/account/": "user accounts of the entities, in the admin",
    "/admin/": "the admin index lists recent actions of the viewer only",
}


DEFAULTS = {"seq": "1", "receipt_no": "HZ0"}  # path names the matrix's fixture does not fill


@dataclass(frozen=True)
class Output:
    template: str  # the route as the URL map names it
    url: str


def _page_value(route: str, name: str, ctx: Ctx) -> str:
    if name == "code":
        if "projects/" in route:
            return ctx["project"]
        return ctx["expert_code"] if "library/" in route else ctx["lot"]
    if name == "name":
        return ctx["file_name"] if "files/" in route else ctx["name"]
    aliases = {
        "clarification_id": "question_id",
        "change_id": "question_id",
        "version_id": "public_version",
        "bond_id": "record_id",
        "lot_code": "lot",
    }
    if name == "step":
        return "accept"
    return ctx[aliases.get(name, name)]


def _pages(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern) in {"admin/", "api/"}:
                continue
            yield from _pages(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield "/" + prefix + str(p.pattern)


def outputs(ctx: Ctx) -> list[Output]:
    """Every GET output of the platform: the API's routes, the pages of the URL map, the admin lists."""
    found: list[Output] = []
    for method, template in sorted(api_endpoints()):
        if method != "GET" or template in ACTING:
            continue
        # The matrix's rule fills the path (a route it lacks fails its own completeness test: the
        # walk still reaches it, with the fixture's values where the names match).
        rule = BEFORE_DEADLINE.get((method, template)) or Rule(NOBODY, "not in the matrix yet")
        query = "&".join(f"{k}={ctx[v]}" for k, v in rule.query.items())
        values = Ctx({**DEFAULTS, **ctx.values}, ctx.tokens, ctx.bidder_key)
        found.append(Output(template, fill(template, rule, values) + (f"?{query}" if query else "")))
    for route in _pages(get_resolver()):
        if route in ACTING:
            continue
        url = route
        for conv_name in re.findall(r"<([^>]+)>", route):
            name = conv_name.split(":")[-1]
            url = url.replace(f"<{conv_name}>", _page_value(route, name, ctx))
        found.append(Output(route, url))
    found.append(Output("/portal/search/?q=", f"/portal/search/?q={ctx['project']}"))
    found.append(Output("/admin/", "/admin/"))
    for model in django_admin.site._registry:
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        found.append(Output(url, url))
    return found


def clients(ctx: Ctx) -> dict[str, Client]:
    result = {}
    for role in WALK_ROLES:
        client = Client(raise_request_exception=False)
        if role != "anonymous":
            client.force_login(User.objects.get(username=WALK_USERS[role]))
        result[role] = client
    return result


def token_of(ctx: Ctx, role: str) -> str | None:
    return None if role == "anonymous" else ctx.tokens[role]


def fetch(client: Client, output: Output, token: str | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token and output.url.startswith("/api/") else {}
    response = client.get(output.url, headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[arg-type]
    return response.status_code, body.decode("utf-8", "replace")


def sample(
    items: list[Output], roles: tuple[str, ...], exhaustive: bool, salt: int = 0
) -> list[tuple[str, Output]]:
    """Every output × every role, or (default) every output for the operator of the tender's node (who
    sees most: admin, audit, alerts) and for one other role that rotates with the output's index and with
    `salt` (each stage takes another): a bounded walk that reaches every route, and every role on a share."""
    if exhaustive:
        return [(role, o) for o in items for role in roles]
    others = [r for r in roles if r != "operator"]
    return [
        (role, output)
        for i, output in enumerate(items)
        for role in ("operator", others[(i * 7 + salt) % len(others)])
    ]


def _mentions(body: str, secret: str) -> bool:
    if not secret:
        return False
    if secret[-1].isdigit():  # "…有限公司1" must not match "…有限公司12"
        return re.search(re.escape(secret) + r"(?!\d)", body) is not None
    return secret in body


def leaks(sealed: Sealed, walk: list[tuple[str, Output]]) -> list[str]:
    found: list[str] = []
    by_role = clients(sealed.ctx)
    for role, output in walk:
        status, body = fetch(by_role[role], output, token_of(sealed.ctx, role))
        if status >= 500:
            found.append(f"{output.url} as {role}: {status} {body[-600:]}")
            continue
        secrets = sealed.secrets_for(role)
        kinds = ["receipt", "upload"] + ([] if output.template in DIRECTORY else ["identity"])
        for kind in kinds:
            for secret in secrets[kind]:
                if secret in output.url:
                    continue  # the caller's own input, echoed ("no receipt HZ… of yours"): known to it
                if _mentions(body, secret):
                    found.append(f"{output.url} as {role} ({status}) shows {kind} {secret}")
    return found


def log_leaks(sealed: Sealed, caplog: pytest.LogCaptureFixture) -> list[str]:
    """The log (as the operator reads it): no participant, receipt, upload, or downloader's user id.
    Django's request log only echoes the path a caller asked for (a probe's own input): not looked at."""
    records = [r for r in caplog.records if r.name not in {"django.request", "django.server"}]
    text = "\n".join(r.getMessage() for r in records)
    secrets = sealed.secrets_for("anonymous")
    users = User.objects.filter(username__in=[p.username for p in sealed.participants])
    found = [f"log shows {s}" for kind in secrets.values() for s in kind if _mentions(text, s)]
    return found + [f"log shows user#{pk}" for pk in users.values_list("pk", flat=True) if f"#{pk} " in text]


def walk_stages(
    sealed: Sealed, capture: Callable[..., Any], caplog: pytest.LogCaptureFixture, exhaustive: bool
) -> None:
    caplog.set_level(logging.DEBUG)
    failures = leaks(sealed, sample(outputs(sealed.ctx), WALK_ROLES, exhaustive))
    later_stage(sealed, capture)
    walk = sample(outputs(sealed.ctx), WALK_ROLES, exhaustive, salt=1)
    failures += [f"later: {f}" for f in leaks(sealed, walk)]
    failures += log_leaks(sealed, caplog)
    assert not failures, "\n".join(failures)


def test_no_output_names_a_participant_before_the_deadline(
    sealed: Sealed,
    django_capture_on_commit_callbacks: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    walk_stages(sealed, django_capture_on_commit_callbacks, caplog, exhaustive=False)


@pytest.mark.slow
def test_no_output_names_a_participant_before_the_deadline_exhaustive(
    sealed: Sealed,
    django_capture_on_commit_callbacks: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    walk_stages(sealed, django_capture_on_commit_callbacks, caplog, exhaustive=True)


# ---- the differential walk: sealed actions must change no output for anyone else ----------------------

CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')


def snapshot(ctx: Ctx, walk: list[tuple[str, Output]]) -> dict[tuple[str, str], tuple[int, str]]:
    """Every answer of the walk; what the walk's own calls write (access records) is rolled back."""
    by_role = clients(ctx)
    seen = {}
    with rolled_back():
        for role, output in walk:
            status, body = fetch(by_role[role], output, token_of(ctx, role))
            seen[(role, output.url)] = (status, CSRF.sub(r"\1…\2", body))
    return seen


@contextmanager
def rolled_back() -> Iterator[None]:
    """A savepoint undone afterwards (not an atomic block: actions open durable ones of their own)."""
    from django.db import transaction

    point = transaction.savepoint_create()
    try:
        yield
    finally:
        transaction.savepoint_rollback(point)


def newcomer_bids(sealed: Sealed, username: str, key: Sm2PrivateKey) -> None:
    """The sealed actions of one more bidder: take the documents, open a bond account, bid."""
    lot = sealed.lot.code
    entity = Entity.objects.get(accounts__user__username=username)
    download_document(actor_of(username), int(sealed.ctx["document_id"]))
    open_bond_account(actor_of(username), lot)
    envelope = seal_bid(lot, entity, key, "24100000.00")
    job, _ = start_upload(actor_of(username), lot, len(envelope), sm3_hex(envelope))
    half = len(envelope) // 2
    write_chunk(actor_of(username), job.public_id, 0, len(envelope), envelope[:half])
    write_chunk(actor_of(username), job.public_id, half, len(envelope), envelope[half:])
    complete_upload(actor_of(username), job.public_id)
    deliver_all()


def differences(
    before: dict[tuple[str, str], tuple[int, str]], after: dict[tuple[str, str], tuple[int, str]]
) -> list[str]:
    import difflib

    found = []
    for key, (status, body) in before.items():
        if after[key] != (status, body):
            diff = difflib.unified_diff(body.splitlines(), after[key][1].splitlines(), lineterm="", n=0)
            shown = " | ".join(line[:160] for line in list(diff)[2:8])
            found.append(f"{key[1]} as {key[0]}: {status}→{after[key][0]} {shown}")
    return found


def public_step(sealed: Sealed) -> None:
    """Something public after the sealed actions (the principal answers the objection): its audit event
    would show, by its number, how many sealed events came before it."""
    pending = Objection.objects.filter(notice=sealed.notice, status=Objection.Status.PENDING).first()
    assert pending is not None
    answer_objection(actor_of("zb"), pending.pk, "已答复：按招标文件执行。")
    deliver_all()


def walk_differences(
    sealed: Sealed, capture: Callable[..., Any], caplog: pytest.LogCaptureFixture, exhaustive: bool
) -> None:
    """Two worlds from one state: in one a newcomer takes the documents, opens a bond account and bids
    (all sealed), in the other not; then the same public step. Every output reads the same in both."""
    later_stage(sealed, capture)
    _, key = entity_with_key("bidder", "tb5", region="640121")  # registering is public: before the walk
    deliver_all()  # its welcome message too
    walk = sample(outputs(sealed.ctx), WALK_ROLES, exhaustive)
    with rolled_back():
        public_step(sealed)
        without = snapshot(sealed.ctx, walk)
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    with rolled_back():
        newcomer_bids(sealed, "tb5", key)
        assert Bid.objects.filter(bidder__accounts__user__username="tb5").exists()  # the control
        logged = [r.getMessage() for r in caplog.records if r.name.startswith("ggzy")]
        public_step(sealed)
        failures = differences(without, snapshot(sealed.ctx, walk))
    failures += [f"log while sealed actions ran: {line}" for line in logged]
    assert not failures, "\n".join(failures)


def test_sealed_actions_change_no_output(
    sealed: Sealed,
    django_capture_on_commit_callbacks: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    walk_differences(sealed, django_capture_on_commit_callbacks, caplog, exhaustive=False)


@pytest.mark.slow
def test_sealed_actions_change_no_output_exhaustive(
    sealed: Sealed,
    django_capture_on_commit_callbacks: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    walk_differences(sealed, django_capture_on_commit_callbacks, caplog, exhaustive=True)
