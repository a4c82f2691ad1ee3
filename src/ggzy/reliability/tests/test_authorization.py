"""The authorization matrix: every API endpoint × every role.

The endpoints come from the API itself (its OpenAPI document, generated from the routers), so an endpoint
added without a rule here fails `test_every_endpoint_has_a_rule`. Each rule names the roles allowed to
call the endpoint on the fixture's objects: an allowed role must not get 401/403 (a 4xx about the data is
fine: the call got past authorization); every other role must get 401 (no credentials) or 403.

The fixture is a published construction tender, bids open, on the virtual clock, whose project the
principal registered with the agent; `bidder` is an administrator of the bidder entity the `{uscc}`
paths name. Time-dependent rules are checked twice: before the bid deadline (matrix BEFORE_DEADLINE)
and once the lot is being opened (AFTER_DEADLINE overrides those rules). A rule marked `pending` needs a
state this fixture does not build yet (a seated evaluation committee, an alert or a case): for it the
driver checks only that nobody gets through (401/403/404) and nothing fails with a 500. Cells where the
platform disagrees with the matrix would be listed in KNOWN_DEVIATIONS (empty: none today).
"""

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ggzy.api import api
from ggzy.bidding.actions import complete_upload, start_upload, write_chunk
from ggzy.bidding.models import Bid
from ggzy.catalogue.actions import create_draft, load_national_catalogue
from ggzy.catalogue.models import CatalogueVersion
from ggzy.exchange.calendar_actions import load_official_calendar
from ggzy.kernel import chronograph, clock
from ggzy.kernel.roles import Actor
from ggzy.registry.actions import (
    create_department,
    create_staff_account,
    issue_api_token,
    register_public_user,
)
from ggzy.registry.models import Entity
from ggzy.registry.schemas import DepartmentIn, StaffAccountIn
from ggzy.testing import PASSWORD, account_form, actor_of, entity_with_key, local, new_uscc, seal_bid
from ggzy.trading.actions import (
    answer_objection,
    attach_document,
    create_notice,
    create_project,
    publish_notice,
    raise_objection,
)
from ggzy.trading.models import Lot, Objection
from ggzy.trading.schemas import DocumentMeta, LotIn, NoticeIn, ProjectIn
from ggzy_guomi import Sm2PrivateKey, sm3_hex

pytestmark = pytest.mark.django_db

ROLES = (
    "principal",
    "agent",
    "bidder",
    "guarantor",
    "expert",
    "operator",
    "regulator",
    "public",
    "anonymous",
    # Outsiders (issue 11 §3, object level): the same role as one above, but from elsewhere.
    "other_operator",  # an operator of another city's platform (吴忠), not above the project's node (银川)
    "other_regulator",  # a regulator of another department (财政厅: procurement), not construction's
    "other_entity",  # the administrator of another bidder entity: not the `{uscc}` entity, not a party
)
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
# Each outsider is refused wherever only its base role (of the right node, department or entity) is
# allowed, unless the rule opens the cell to it (`open_to`: a list filtered to the caller's own scope, or
# an act on no object of this fixture). Any refusal will do for them: 401, 403, or 404 (as if not there).
OUTSIDERS = {"other_operator": "operator", "other_regulator": "regulator", "other_entity": "bidder"}
NOBODY: frozenset[str] = frozenset()
PARTIES = frozenset({"principal", "agent"})  # the project's principal and its agent
OVERSEERS = frozenset({"operator", "regulator"})
ENTITIES = frozenset({"principal", "agent", "bidder", "guarantor"})  # registered market entities
COMMITTEE = frozenset({"expert"})  # a member of the lot's evaluation committee
NO_COMMITTEE = "needs a seated evaluation committee (expert draw): nobody gets through before"
USERNAMES = {
    "principal": "zb",
    "agent": "dl",
    "bidder": "tb0",
    "guarantor": "db",
    "expert": "zj",
    "operator": "op",
    "regulator": "reg",
    "public": "gz",
    "other_operator": "wzop",
    "other_regulator": "czreg",
    "other_entity": "qt",
}

_serial = itertools.count(1)
type Body = Callable[["Ctx", str], Any]


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    why: str
    body: Body | None = None  # JSON body (or raw bytes for PUT chunks, or a dict of form fields + file)
    params: dict[str, str] = field(default_factory=dict)  # path parameter → Ctx key, where names clash
    query: dict[str, str] = field(default_factory=dict)  # query parameter → Ctx key
    multipart: bool = False
    headers: Callable[["Ctx"], dict[str, str]] | None = None
    # The fixture cannot reach the state this endpoint works in yet (e.g. a seated evaluation committee,
    # which needs the expert draw): `allowed` documents the intent, and the driver checks only that
    # nobody gets through — every caller gets 401, 403 or 404 — and that nothing fails with a 500.
    pending: str = ""
    open_to: frozenset[str] = frozenset()  # outsiders allowed here too (see OUTSIDERS)

    def admits(self, role: str) -> bool:
        if role not in OUTSIDERS:
            return role in self.allowed
        # Where the public may go, anyone may; otherwise an outsider only where the rule opens it.
        return "public" in self.allowed or (OUTSIDERS[role] in self.allowed and role in self.open_to)


@dataclass
class Ctx:
    values: dict[str, str]
    tokens: dict[str, str]
    bidder_key: Sm2PrivateKey

    def __getitem__(self, key: str) -> str:
        return self.values[key]


# ---- request bodies ---------------------------------------------------------------------------------


def login(ctx: Ctx, role: str) -> dict[str, str]:
    return {"username": USERNAMES.get(role, "gz"), "password": PASSWORD}


def new_entity(ctx: Ctx, role: str) -> dict[str, Any]:
    n = next(_serial)
    return {
        "entity": {
            "uscc": new_uscc(),
            "name": f"授权矩阵测试有限公司{n}",
            "kinds": ["bidder"],
            "legal_representative": "张三",
            "address": "银川市兴庆区测试路1号",
            "region_code": "640104",
            "contacts": [{"name": "李四", "mobile": "13995000001"}],
        },
        "account": account(ctx, role),
    }


def account(ctx: Ctx, role: str) -> dict[str, str]:
    return {
        "username": f"authz{next(_serial)}",
        "password": PASSWORD,
        "name": "王五",
        "mobile": "13995000002",
    }


def staff_account(ctx: Ctx, role: str) -> dict[str, Any]:
    return {**account(ctx, role), "kind": "expert", "node_id": int(ctx["province"])}


def certificate(ctx: Ctx, role: str) -> dict[str, str]:
    """A demo-CA certificate of the `{uscc}` bidder and tb0's signature of a fresh challenge."""
    from ggzy.registry.actions import issue_certificate_challenge
    from ggzy.registry.certificates import challenge_message
    from ggzy.registry.democa import demo_ca

    key = Sm2PrivateKey.generate()
    challenge = issue_certificate_challenge(actor_of("tb0"), ctx["uscc"])
    return {
        "certificate": demo_ca().issue(ctx["uscc"], "授权矩阵测试投标人", key.public_key),
        "challenge": challenge.nonce,
        "signature": key.sign(challenge_message(ctx["uscc"], challenge.nonce)).hex(),
    }


def project(ctx: Ctx, role: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "授权矩阵测试项目",
        "total_investment": "30000000",
        "state_budget_amount": "30000000",
        "lots": [
            {"name": "施工", "contract_kind": "works", "classify_code": "A08", "estimated_value": "25000000"}
        ],
    }
    if role == "agent":
        body["principal_uscc"] = ctx["principal_uscc"]
    return body


def notice(ctx: Ctx, role: str) -> dict[str, Any]:
    return {
        "method": "open",
        "title": "第二份公告",
        "body": "……",
        "lot_codes": [ctx["lot"]],
        "docs_from": local(2026, 3, 11, 9).isoformat(),
        "docs_until": local(2026, 3, 18, 17).isoformat(),
        "bid_deadline": local(2026, 4, 8, 9).isoformat(),
    }


def document(ctx: Ctx, role: str) -> dict[str, Any]:
    # A signature that does not verify: allowed callers are refused after the authorization check.
    return {
        "title": "补充文件",
        "signature": "00",
        "file": SimpleUploadedFile("补充.txt", "内容".encode(), content_type="text/plain"),
    }


def item(ctx: Ctx, role: str) -> dict[str, Any]:
    return {
        "category": "engineering",
        "subject": "A",
        "name": f"测试条目{next(_serial)}",
        "funding_scope": "public",
        "basis": "catalogue",
        "scope": "测试",
        "citation": "测试依据",
    }


def expert_application(ctx: Ctx, role: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "expert": {
            "name": "钱专家",
            "id_number": "11010519491231002X",
            "mobile": "13995000009",
            "employer_name": "宁夏测试设计院",
            "employer_uscc": ctx["principal_uscc"],
            "region_code": "640104",
            "title": "高级工程师",
            "title_level": "deputy_senior",
            "practice_since": "2010-01-01",
            "specialties": ["A0801"],
        }
    }
    if role == "anonymous":
        body["account"] = account(ctx, role)
    return body


def const(value: Any) -> Body:
    return lambda ctx, role: value


def chunk_headers(ctx: Ctx) -> dict[str, str]:
    return {"Content-Range": "bytes 0-9/1000"}


# ---- the matrix ---------------------------------------------------------------------------------------

BEFORE_DEADLINE: dict[tuple[str, str], Rule] = {
    # auth
    ("POST", "/api/auth/token"): Rule(EVERYONE, "sign-in: anyone with a password", login),
    ("GET", "/api/auth/me"): Rule(SIGNED_IN, "who am I: any signed-in user"),
    ("POST", "/api/auth/password-reset"): Rule(
        EVERYONE,
        "whoever holds a reset code (a wrong one: refused after the check)",
        lambda ctx, role: {"username": "tb3", "code": "wrong", "password": PASSWORD},
    ),
    # kernel
    ("GET", "/api/regions"): Rule(EVERYONE, "GB/T 2260 is public"),
    ("GET", "/api/regions/{code}"): Rule(EVERYONE, "public", params={"code": "region"}),
    ("GET", "/api/platform/keys"): Rule(EVERYONE, "anyone verifies receipts"),
    ("GET", "/api/error-codes"): Rule(EVERYONE, "the error codes are documentation"),
    ("GET", "/api/audit/verify"): Rule(OVERSEERS, "the audit chain is for the operator and regulators"),
    ("GET", "/api/audit/checkpoints"): Rule(EVERYONE, "signed checkpoints are published for anyone to keep"),
    ("GET", "/api/audit/checkpoints/{seq}"): Rule(
        EVERYONE, "a published checkpoint", params={"seq": "checkpoint_seq"}
    ),
    ("GET", "/api/audit/consistency"): Rule(
        EVERYONE,
        "consistency proofs hold only hashes",
        query={"first": "checkpoint_seq", "second": "checkpoint_seq"},
    ),
    ("GET", "/api/audit/events"): Rule(
        OVERSEERS, "audit trails likewise", query={"object_type": "project_type", "object_id": "project"}
    ),
    # nodes
    ("GET", "/api/nodes"): Rule(EVERYONE, "the node network is public"),
    ("POST", "/api/nodes"): Rule(
        frozenset({"operator"}),
        "only the trading centre sets up nodes",
        lambda ctx, role: {
            "name": f"测试分中心{next(_serial)}",
            "level": "branch",
            "region_code": "640122",
            "parent_id": int(ctx["city"]),
        },
    ),
    # registry
    ("GET", "/api/registry/uscc/{code}"): Rule(EVERYONE, "USCC check is public", params={"code": "uscc"}),
    ("POST", "/api/registry/entities"): Rule(
        frozenset({"anonymous", "operator"}),
        "self-registration while signed out, or by the operator; signed-in users may not register more",
        new_entity,
    ),
    ("GET", "/api/registry/entities"): Rule(EVERYONE, "the directory is public"),
    ("GET", "/api/registry/entities/{uscc}"): Rule(EVERYONE, "public data of an entity"),
    ("PATCH", "/api/registry/entities/{uscc}"): Rule(
        frozenset({"bidder"}),
        "the entity's own administrator only (no staff acts as an entity)",
        lambda ctx, role: {"address": f"银川市测试路{next(_serial)}号"},
    ),
    ("GET", "/api/registry/entities/{uscc}/private"): Rule(
        frozenset({"bidder"}) | OVERSEERS, "contacts are personal data: own users, operator, regulators"
    ),
    ("GET", "/api/registry/entities/{uscc}/versions"): Rule(
        frozenset({"bidder"}) | OVERSEERS, "registration history: as private data"
    ),
    ("POST", "/api/registry/entities/{uscc}/users"): Rule(
        frozenset({"bidder"}), "the entity's own administrator only (no staff acts as an entity)", account
    ),
    ("POST", "/api/registry/entities/{uscc}/certificates/challenge"): Rule(
        frozenset({"bidder"}), "the entity's own administrator: proof of possession of a certificate key"
    ),
    ("POST", "/api/registry/entities/{uscc}/certificates"): Rule(
        frozenset({"bidder"}),
        "the holder (the entity's own administrator), with proof of possession",
        certificate,
    ),
    ("POST", "/api/registry/entity-accounts/{username}/freeze"): Rule(
        frozenset({"operator"}),
        "the operator of the entity's node or above (unfreezing an unfrozen account: refused after the check)",
        lambda ctx, role: {"reason": "授权矩阵", "frozen": False},
        params={"username": "entity_user"},
    ),
    ("POST", "/api/registry/entity-accounts/{username}/reset"): Rule(
        frozenset({"operator"}),
        "the operator of the entity's node or above (blank reason: refused after the check)",
        lambda ctx, role: {"reason": " "},
        params={"username": "entity_user"},
    ),
    ("GET", "/api/registry/entities/{uscc}/certificates"): Rule(EVERYONE, "certificates are public"),
    ("GET", "/api/registry/departments"): Rule(EVERYONE, "supervising departments are public"),
    ("POST", "/api/registry/entities/{uscc}/library"): Rule(
        frozenset({"bidder"}), "the supplier's own administrator applies", const({"categories": ["B"]})
    ),
    ("GET", "/api/registry/library"): Rule(EVERYONE, "the admitted suppliers are public"),
    ("POST", "/api/registry/library/{entry_id}/decision"): Rule(
        frozenset({"operator"}),
        "the province's trading centre decides (none here: 404)",
        const({"admit": True}),
    ),
    ("POST", "/api/registry/library/{entry_id}/exit"): Rule(
        frozenset({"bidder", "operator"}),
        "the supplier withdraws or the province's centre removes (none here: 404)",
        const({"reason": "退出"}),
    ),
    ("POST", "/api/registry/departments"): Rule(
        frozenset({"operator"}),
        "the trading centre",
        lambda ctx, role: {
            "name": f"测试局{next(_serial)}",
            "node_id": int(ctx["province"]),
            "sectors": ["engineering"],
        },
    ),
    ("POST", "/api/registry/accounts"): Rule(
        frozenset({"operator"}), "staff accounts (regulator, expert, operator) by the centre", staff_account
    ),
    ("POST", "/api/registry/public-accounts"): Rule(EVERYONE, "anyone may open a public account", account),
    # catalogue
    ("GET", "/api/catalogue/reference"): Rule(EVERYONE, "public reference data"),
    ("GET", "/api/catalogue/versions"): Rule(EVERYONE, "public (drafts only listed for operators)"),
    ("POST", "/api/catalogue/versions"): Rule(
        frozenset({"operator"}),
        "operators draft catalogues",
        lambda ctx, role: {"node_id": int(ctx["city"]), "code": f"YC-{next(_serial)}", "title": "草稿"},
    ),
    ("GET", "/api/catalogue/versions/{version_id}"): Rule(
        EVERYONE, "an adopted version is public", params={"version_id": "public_version"}
    ),
    ("GET", "/api/catalogue/effective"): Rule(EVERYONE, "the catalogue in force is public"),
    ("POST", "/api/catalogue/must-enter"): Rule(
        EVERYONE,
        "anyone may ask whether a project must enter",
        const(
            {
                "category": "engineering",
                "subject": "A08",
                "state_budget_amount": "5000000",
                "total_investment": "5000000",
                "contracts": [{"kind": "works", "amount": "5000000"}],
            }
        ),
    ),
    ("POST", "/api/catalogue/versions/{version_id}/items"): Rule(
        frozenset({"operator"}), "operators edit drafts", item, params={"version_id": "draft"}
    ),
    ("PATCH", "/api/catalogue/items/{item_id}"): Rule(
        frozenset({"operator"}), "operators edit drafts", const({"name": "改名"})
    ),
    ("POST", "/api/catalogue/versions/{version_id}/consultation"): Rule(
        frozenset({"operator"}), "operators open the consultation", const({}), params={"version_id": "draft"}
    ),
    ("POST", "/api/catalogue/versions/{version_id}/comments"): Rule(
        EVERYONE,
        "anyone comments during consultation",
        const({"text": "意见"}),
        params={"version_id": "draft"},
    ),
    ("GET", "/api/catalogue/versions/{version_id}/comments"): Rule(
        frozenset({"operator"}), "who commented: the operators only", params={"version_id": "draft"}
    ),
    ("POST", "/api/catalogue/versions/{version_id}/adopt"): Rule(
        frozenset({"operator"}),
        "operators adopt (refused here: consultation still open)",
        const({"effective_from": "2026-05-01"}),
        params={"version_id": "draft"},
    ),
    ("POST", "/api/catalogue/national"): Rule(
        frozenset({"operator"}),
        "operators load the national list",
        lambda ctx, role: {"node_id": int(ctx["city"])},
    ),
    ("DELETE", "/api/catalogue/items/{item_id}"): Rule(frozenset({"operator"}), "operators edit drafts"),
    # trading
    ("POST", "/api/trading/projects"): Rule(PARTIES, "principals, or agents for a principal", project),
    ("GET", "/api/trading/projects/{code}"): Rule(EVERYONE, "published: public", params={"code": "project"}),
    ("POST", "/api/trading/projects/{code}/notices"): Rule(
        PARTIES, "the project's principal or agent", notice, params={"code": "project"}
    ),
    ("GET", "/api/trading/notices/{notice_id}"): Rule(EVERYONE, "a published notice is public"),
    ("POST", "/api/trading/notices/{notice_id}/documents"): Rule(
        PARTIES, "the project's principal or agent", document, multipart=True
    ),
    ("POST", "/api/trading/notices/{notice_id}/publish"): Rule(PARTIES, "the project's principal or agent"),
    ("POST", "/api/trading/notices/{notice_id}/clarifications"): Rule(
        PARTIES, "the project's principal or agent", document, multipart=True
    ),
    ("GET", "/api/trading/documents/{document_id}/download"): Rule(
        ENTITIES, "any registered entity takes the documents (no pre-registration, E2)"
    ),
    ("GET", "/api/trading/notices/{notice_id}/downloads"): Rule(
        NOBODY, "before the deadline nobody, the operator included, sees who downloaded"
    ),
    ("POST", "/api/trading/notices/{notice_id}/objections"): Rule(
        ENTITIES, "potential bidders (any registered entity) object", const({"text": "异议"})
    ),
    ("GET", "/api/trading/notices/{notice_id}/objections"): Rule(
        EVERYONE, "objections and answers are public"
    ),
    ("POST", "/api/trading/objections/{objection_id}/answer"): Rule(
        PARTIES, "the project's principal or agent answers", const({"answer": "答复"})
    ),
    ("GET", "/api/trading/lots/{code}/bid-form"): Rule(
        EVERYONE, "a published lot's bid form is part of its documents", params={"code": "lot"}
    ),
    ("POST", "/api/trading/notices/{notice_id}/recommendations"): Rule(
        PARTIES | frozenset({"expert"}),
        "the purchaser and evaluation experts recommend in writing (refused here: a works tender)",
        lambda ctx, role: {"supplier": ctx["uscc"], "opinion": "具备履约能力"},
    ),
    ("POST", "/api/trading/notices/{notice_id}/invitee-draw"): Rule(
        PARTIES,
        "the purchaser or agent fixes the pool (refused here: not a procurement invited notice)",
        const({"pool": ["91640104MA00000000"], "count": 3, "witnesses": ["zb"]}),
    ),
    ("POST", "/api/trading/notices/{notice_id}/invitee-draw/execute"): Rule(
        PARTIES, "the purchaser or agent draws (refused here: not a procurement invited notice)"
    ),
    ("GET", "/api/trading/notices/{notice_id}/invitee-draw"): Rule(
        EVERYONE, "the draw's record is public, who was drawn sealed until the deadline (none here: 404)"
    ),
    ("POST", "/api/trading/lots/{code}/method-change"): Rule(
        PARTIES,
        "the purchaser asks (refused here: the lot has not failed)",
        const({"procedure": "procurement_rfq", "reason": "流标后申请询价"}),
        params={"code": "lot"},
    ),
    ("POST", "/api/trading/lots/{code}/method-approval"): Rule(
        PARTIES,
        "the purchaser asks before the purchase starts (refused here: a works tender needs none)",
        const({"reason": "需求无法事先确定"}),
        params={"code": "lot"},
    ),
    ("POST", "/api/trading/lots/{code}/method-change/decision"): Rule(
        frozenset({"regulator"}),
        "the competent department decides (none requested here: 404)",
        const({"approve": True, "decision_no": "宁财采复〔2026〕1号"}),
        params={"code": "lot"},
    ),
    ("POST", "/api/trading/lots/{code}/retender"): Rule(
        PARTIES, "the project's principal or agent (refused here: lot not failed)", params={"code": "lot"}
    ),
    ("POST", "/api/trading/notices/{notice_id}/terminate"): Rule(
        PARTIES,
        "the project's principal or agent (blank reason: refused after the check)",
        const({"reason": " "}),
    ),
    # bidding
    ("POST", "/api/bids/uploads"): Rule(
        frozenset({"bidder"}),
        "bidders upload",
        lambda ctx, role: {"lot": ctx["lot"], "size": 1000, "sm3": "0" * 64},
    ),
    ("PUT", "/api/bids/uploads/{upload_id}"): Rule(
        frozenset({"bidder"}), "the uploading bidder", const(b"0123456789"), headers=chunk_headers
    ),
    ("GET", "/api/bids/uploads/{upload_id}"): Rule(frozenset({"bidder"}), "the uploading bidder"),
    ("POST", "/api/bids/uploads/{upload_id}/complete"): Rule(frozenset({"bidder"}), "the uploading bidder"),
    ("GET", "/api/bids/{lot}/mine"): Rule(frozenset({"bidder"}), "a bidder's own bid"),
    ("POST", "/api/bids/{lot}/decrypt"): Rule(
        frozenset({"bidder"}), "the bidder releases its keys", const({"sm3": "0" * 64, "keys": {}})
    ),
    ("POST", "/api/bids/{lot}/one-click-open"): Rule(
        PARTIES,
        "the principal or agent holding the opening key (refused here: not opening)",
        const({"opening_private_key_pem": "-----BEGIN PRIVATE KEY-----"}),
    ),
    ("POST", "/api/bids/{lot}/bond-account"): Rule(frozenset({"bidder"}), "bidders pay a bond"),
    ("POST", "/api/bids/{lot}/guarantee"): Rule(
        frozenset({"bidder"}),
        "bidders hand in a guarantee",
        lambda ctx, role: {"guarantee_no": f"BH{next(_serial)}", "guarantor_uscc": ctx["guarantor_uscc"]},
    ),
    ("POST", "/api/bids/bond-payments"): Rule(
        frozenset({"operator"}),
        "the bank's notice, entered by the centre",
        const({"virtual_account": "0", "amount": "1", "payer_account": "1", "payer_name": "x"}),
    ),
    ("POST", "/api/bids/{lot}/decrypt-faults"): Rule(
        frozenset({"operator"}),
        "the centre records decryption faults",
        lambda ctx, role: {"bidder_uscc": ctx["uscc"], "fault": "bidder", "reason": "测试"},
    ),
    ("GET", "/api/bids/{lot}/opening"): Rule(
        SIGNED_IN, "not opened yet: 404 for everyone signed in, nothing to authorize (see AFTER_DEADLINE)"
    ),
    ("GET", "/api/bids/{lot}/bidders"): Rule(NOBODY, "before the deadline nobody sees who bid"),
    ("DELETE", "/api/bids/{lot}/mine"): Rule(frozenset({"bidder"}), "a bidder withdraws its own bid"),
    # evaluation and award (the lot is still open for bids in this fixture)
    ("POST", "/api/evaluation/lots/{code}/plan"): Rule(
        PARTIES,
        "the principal or agent sets the method before the opening",
        const({"method": "lowest_price"}),
        params={"code": "lot"},
    ),
    ("POST", "/api/evaluation/lots/{code}/start"): Rule(
        frozenset({"operator"}),
        "the centre seats the drawn committee (refused here: not opened yet)",
        const({"experts": [], "chair": "nobody"}),
        params={"code": "lot"},
    ),
    ("GET", "/api/evaluation/lots/{code}"): Rule(
        COMMITTEE | PARTIES | OVERSEERS,
        "progress: committee, parties, overseers",
        params={"code": "lot"},
        pending=NO_COMMITTEE,
    ),
    ("GET", "/api/evaluation/lots/{code}/bids"): Rule(
        COMMITTEE | OVERSEERS,
        "decrypted bids: committee and overseers",
        params={"code": "lot"},
        pending=NO_COMMITTEE,
    ),
    ("GET", "/api/evaluation/lots/{code}/bids/{receipt_no}/files/{name}"): Rule(
        COMMITTEE | OVERSEERS,
        "a bid file: committee (every read logged)",
        params={"code": "lot", "name": "file_name"},
        pending=NO_COMMITTEE,
    ),
    ("POST", "/api/evaluation/lots/{code}/sign-in"): Rule(
        COMMITTEE,
        "members sign in",
        lambda ctx, role: {"public_key": ctx["expert_key"], "no_conflict": True},
        params={"code": "lot"},
        pending=NO_COMMITTEE,
    ),
    ("POST", "/api/evaluation/lots/{code}/scores"): Rule(
        COMMITTEE, "members score", const({"scores": {}}), params={"code": "lot"}, pending=NO_COMMITTEE
    ),
    ("POST", "/api/evaluation/lots/{code}/rejections"): Rule(
        COMMITTEE,
        "the chair rejects a bid",
        lambda ctx, role: {"receipt_no": ctx["receipt_no"], "ground": "other", "reason": "测试"},
        params={"code": "lot"},
        pending=NO_COMMITTEE,
    ),
    ("POST", "/api/evaluation/lots/{code}/questions"): Rule(
        COMMITTEE,
        "members ask a bidder to clarify",
        lambda ctx, role: {"receipt_no": ctx["receipt_no"], "question": "请澄清"},
        params={"code": "lot"},
        pending=NO_COMMITTEE,
    ),
    ("GET", "/api/evaluation/lots/{code}/negotiation"): Rule(
        COMMITTEE | frozenset({"bidder"}),
        "the negotiation record: the panel all of it, a supplier its own channel",
        params={"code": "lot"},
        pending=NO_COMMITTEE,
    ),
    ("POST", "/api/evaluation/lots/{code}/negotiation/messages"): Rule(
        COMMITTEE | frozenset({"bidder"}),
        "the panel or a supplier still negotiating writes in a channel",
        lambda ctx, role: {"supplier": "", "text": "谈判"},
        params={"code": "lot"},
        pending=NO_COMMITTEE,
    ),
    ("POST", "/api/evaluation/lots/{code}/negotiation/leave"): Rule(
        frozenset({"bidder"}),
        "a supplier still negotiating leaves",
        params={"code": "lot"},
        pending=NO_COMMITTEE,
    ),
    ("POST", "/api/evaluation/lots/{code}/negotiation/changes"): Rule(
        COMMITTEE,
        "a panel member proposes a requirement change",
        const({"text": "变动"}),
        params={"code": "lot"},
        pending=NO_COMMITTEE,
    ),
    ("POST", "/api/evaluation/lots/{code}/negotiation/changes/{change_id}/confirm"): Rule(
        COMMITTEE | PARTIES,
        "the purchaser's representative confirms a change",
        params={"code": "lot", "change_id": "question_id"},
        pending=NO_COMMITTEE,
    ),
    ("POST", "/api/evaluation/lots/{code}/negotiation/changes/{change_id}/withdraw"): Rule(
        COMMITTEE | PARTIES,
        "the panel withdraws, or the purchaser's representative declines, a change",
        params={"code": "lot", "change_id": "question_id"},
        pending=NO_COMMITTEE,
    ),
    ("POST", "/api/evaluation/lots/{code}/negotiation/rounds"): Rule(
        COMMITTEE,
        "the chair asks for revised responses or final offers",
        const({"minutes": 60, "final": False}),
        params={"code": "lot"},
        pending=NO_COMMITTEE,
    ),
    ("POST", "/api/evaluation/lots/{code}/framework/admission"): Rule(
        PARTIES,
        "the call's organiser admits the suppliers (refused here: not a framework agreement)",
        params={"code": "lot"},
    ),
    ("POST", "/api/evaluation/lots/{code}/framework/agreement"): Rule(
        PARTIES,
        "the organiser records the signed agreement (refused here: not a framework agreement)",
        const({"term_until": "2027-01-01", "agreement_sm3": "ab" * 32}),
        params={"code": "lot"},
    ),
    ("POST", "/api/evaluation/lots/{code}/framework/call-offs"): Rule(
        frozenset({"principal"}),
        "any purchaser buys under an agreement in force (refused here: not a framework agreement)",
        const({"method": "rotation", "quantity": "1"}),
        params={"code": "lot"},
    ),
    ("POST", "/api/evaluation/questions/{question_id}/answer"): Rule(
        frozenset({"bidder"}), "the bidder asked answers (none asked here: 404)", const({"answer": "澄清"})
    ),
    ("POST", "/api/evaluation/lots/{code}/extension"): Rule(
        COMMITTEE, "members ask for more time", params={"code": "lot"}, pending=NO_COMMITTEE
    ),
    ("POST", "/api/evaluation/lots/{code}/finish"): Rule(
        COMMITTEE, "the chair closes the scoring", params={"code": "lot"}, pending=NO_COMMITTEE
    ),
    ("GET", "/api/evaluation/lots/{code}/report.pdf"): Rule(
        COMMITTEE | PARTIES | OVERSEERS, "the report", params={"code": "lot"}, pending=NO_COMMITTEE
    ),
    ("POST", "/api/evaluation/lots/{code}/signatures"): Rule(
        COMMITTEE,
        "members sign the report",
        const({"signature": "00"}),
        params={"code": "lot"},
        pending=NO_COMMITTEE,
    ),
    ("POST", "/api/evaluation/lots/{code}/publicity"): Rule(
        PARTIES,
        "the principal or agent publishes the candidates (refused here: no report)",
        const(
            {"publicity_from": "2026-03-11T09:00:00+08:00", "publicity_until": "2026-03-14T09:00:00+08:00"}
        ),
        params={"code": "lot"},
    ),
    ("POST", "/api/evaluation/lots/{code}/result-objections"): Rule(
        frozenset({"bidder"}),
        "bidders object to the result (none yet: 404)",
        const({"text": "异议"}),
        params={"code": "lot"},
    ),
    ("POST", "/api/evaluation/lots/{code}/award"): Rule(
        PARTIES,
        "the principal or agent awards (refused here: no publicity)",
        lambda ctx, role: {"receipt_no": ctx["receipt_no"]},
        params={"code": "lot"},
    ),
    ("POST", "/api/evaluation/lots/{code}/confirm"): Rule(
        PARTIES,
        "the purchaser or agent confirms the winner (refused here: not a candidate / no report)",
        lambda ctx, role: {"receipt_no": ctx["receipt_no"]},
        params={"code": "lot"},
    ),
    ("POST", "/api/evaluation/lots/{code}/fail"): Rule(
        PARTIES,
        "the principal or agent (or the committee's chair) declares 废标 (refused here: not provided)",
        const({"reason": "合格投标人不足"}),
        params={"code": "lot"},
    ),
    ("POST", "/api/evaluation/lots/{code}/supervisor-report"): Rule(
        PARTIES, "the principal or agent reports to the regulator", params={"code": "lot"}
    ),
    ("POST", "/api/evaluation/lots/{code}/contract"): Rule(
        PARTIES,
        "the principal or agent records the contract",
        const({"amount": "24000000", "performance_bond": "0", "contract_sm3": "0" * 64}),
        params={"code": "lot"},
    ),
    # experts (no drawn call, draw or library entry is named here: allowed callers get 404 or 422)
    ("GET", "/api/experts/specialties"): Rule(EVERYONE, "the classification is public"),
    ("POST", "/api/experts/applications"): Rule(
        frozenset({"anonymous", "expert"}),
        "apply while signed out (opening an expert account), or signed in with an expert account",
        expert_application,
    ),
    ("GET", "/api/experts/me"): Rule(frozenset({"expert"}), "an expert's own entry"),
    ("POST", "/api/experts/me/unavailability"): Rule(
        frozenset({"expert"}),
        "an expert declares absences",
        const({"starts_on": "2026-04-01", "ends_on": "2026-04-03", "reason": "出差"}),
    ),
    ("POST", "/api/experts/me/conflicts"): Rule(
        frozenset({"expert"}),
        "an expert declares conflicts of interest",
        lambda ctx, role: {"entity_uscc": ctx["uscc"], "reason": "曾任职"},
    ),
    ("GET", "/api/experts/me/calls"): Rule(frozenset({"expert"}), "an expert's own calls"),
    ("POST", "/api/experts/calls/{call_id}/respond"): Rule(
        frozenset({"expert", "operator"}),
        "the expert called (or the operator, by phone)",
        const({"accept": True}),
    ),
    ("POST", "/api/experts/calls/{call_id}/assessments"): Rule(
        frozenset({"operator", "principal"}),
        "the centre and the principal rate an expert after the evaluation",
        const({"attitude": 9, "discipline": 9, "professional": 9, "confidentiality": 9}),
    ),
    ("POST", "/api/experts/draws"): Rule(
        frozenset({"operator"}) | PARTIES,
        "a draw is requested by the project's principal or agent, or the centre",
        lambda ctx, role: {
            "lot_code": ctx["lot"],
            "rows": [{"specialty": "A0801", "count": 5}],
            "evaluation_at": "2026-03-24T10:00:00+08:00",
        },
    ),
    ("GET", "/api/experts/draws/{draw_id}"): Rule(
        OVERSEERS | PARTIES, "counts and the sealed list: centre, regulators, the project's parties"
    ),
    ("POST", "/api/experts/draws/{draw_id}/commit"): Rule(
        frozenset({"operator"}), "the centre runs the draw"
    ),
    ("POST", "/api/experts/draws/{draw_id}/execute"): Rule(
        frozenset({"operator"}), "the centre runs the draw"
    ),
    ("GET", "/api/experts/draws/{draw_id}/verify"): Rule(
        OVERSEERS, "recomputing a draw: centre and regulators"
    ),
    ("POST", "/api/experts/draws/{draw_id}/sealed-list"): Rule(
        NOBODY, "names stay sealed until the evaluation starts: nobody, the centre included, prints them"
    ),
    ("GET", "/api/experts"): Rule(OVERSEERS, "the library (masked): centre and regulators"),
    ("GET", "/api/experts/{code}"): Rule(
        OVERSEERS, "an entry (masked): centre and regulators", params={"code": "expert_code"}
    ),
    ("POST", "/api/experts/{code}/approve"): Rule(
        frozenset({"operator"}), "the centre admits experts", params={"code": "expert_code"}
    ),
    ("POST", "/api/experts/{code}/reject"): Rule(
        frozenset({"operator"}),
        "the centre admits experts",
        const({"reason": "材料不全"}),
        params={"code": "expert_code"},
    ),
    ("POST", "/api/experts/{code}/suspend"): Rule(
        OVERSEERS,
        "sanctions: centre and regulators",
        const({"reason": "测试"}),
        params={"code": "expert_code"},
    ),
    ("POST", "/api/experts/{code}/blacklist"): Rule(
        OVERSEERS,
        "sanctions: centre and regulators",
        const({"reason": "测试"}),
        params={"code": "expert_code"},
    ),
    ("POST", "/api/experts/{code}/reinstate"): Rule(
        OVERSEERS,
        "sanctions: centre and regulators",
        const({"reason": "测试"}),
        params={"code": "expert_code"},
    ),
    # credit
    ("GET", "/api/credit/kinds"): Rule(EVERYONE, "record kinds and their legal bans are public"),
    ("GET", "/api/credit/entities/{uscc}"): Rule(EVERYONE, "an entity's credit status is public"),
    ("GET", "/api/credit/blacklist"): Rule(EVERYONE, "the blacklist is public"),
    ("GET", "/api/credit/redlist"): Rule(EVERYONE, "the red list is public"),
    ("GET", "/api/credit/records/{record_id}"): Rule(EVERYONE, "a public record (none here: 404)"),
    ("POST", "/api/credit/records"): Rule(
        OVERSEERS,
        "regulators and the centre record credit information",
        lambda ctx, role: {
            "uscc": ctx["uscc"],
            "kind": "no_such_kind",
            "facts": "测试",
            "valid_from": "2026-03-10",
        },
    ),
    ("POST", "/api/credit/records/{record_id}/revoke"): Rule(
        frozenset({"regulator"}),
        "the recording department (住建厅's decision here)",
        const({"reason": "测试"}),
    ),
    ("POST", "/api/credit/import"): Rule(
        frozenset({"operator"}), "the centre imports the national credit data", const({"format": "nothing"})
    ),
    # supervision
    ("GET", "/api/supervision/rules"): Rule(EVERYONE, "alert rules and their basis are public"),
    ("GET", "/api/supervision/powers"): Rule(EVERYONE, "power lists are public"),
    ("GET", "/api/supervision/departments/{department_id}/powers"): Rule(EVERYONE, "public"),
    ("GET", "/api/supervision/dashboard"): Rule(frozenset({"regulator"}), "the regulators' workbench"),
    ("GET", "/api/supervision/alerts"): Rule(OVERSEERS, "alerts: supervisors"),
    ("GET", "/api/supervision/alerts/{alert_id}"): Rule(OVERSEERS, "alerts: supervisors"),
    ("POST", "/api/supervision/alerts/{alert_id}/move"): Rule(
        frozenset({"regulator"}),
        "the competent department handles its alerts (the centre sees them, read-only)",
        const({"to": "checking"}),
    ),
    ("GET", "/api/supervision/lots/{code}/trail"): Rule(
        OVERSEERS, "the full trail: supervisors", params={"code": "lot"}
    ),
    ("GET", "/api/supervision/lots/{code}/collusion"): Rule(
        OVERSEERS, "collusion screens: competent regulators and the centre", params={"code": "lot"}
    ),
    ("POST", "/api/supervision/complaints"): Rule(
        ENTITIES,
        "complaints come from the parties and bidders",
        lambda ctx, role: {
            "lot_code": ctx["lot"],
            "request": "请求",
            "text": "投诉内容",
            "known_on": "2026-03-10",
        },
    ),
    ("POST", "/api/supervision/reports"): Rule(
        EVERYONE, "anyone may report wrongdoing, anonymously too", const({"text": "举报"})
    ),
    ("GET", "/api/supervision/cases"): Rule(
        frozenset({"regulator"}), "complaints and reports: the department's"
    ),
    ("GET", "/api/supervision/cases/{case_id}"): Rule(
        frozenset({"regulator", "guarantor"}),
        "a case: the department, and its complainant (the guarantor here)",
    ),
    ("POST", "/api/supervision/cases/{case_id}/accept"): Rule(
        frozenset({"regulator"}), "the department decides"
    ),
    ("POST", "/api/supervision/cases/{case_id}/refuse"): Rule(
        frozenset({"regulator"}), "the department decides", const({"reason": "测试"})
    ),
    ("POST", "/api/supervision/cases/{case_id}/pause"): Rule(
        frozenset({"regulator"}), "the department decides", const({"reason": "测试"})
    ),
    ("POST", "/api/supervision/cases/{case_id}/resume"): Rule(
        frozenset({"regulator"}), "the department decides"
    ),
    ("POST", "/api/supervision/cases/{case_id}/decide"): Rule(
        frozenset({"regulator"}),
        "the department decides",
        const({"outcome": "dismissed", "decision": "测试"}),
    ),
    ("GET", "/api/supervision/decisions"): Rule(EVERYONE, "published decisions are public"),
    ("POST", "/api/supervision/instructions"): Rule(
        frozenset({"regulator"}),
        "the department instructs (suspend, terminate, correct)",
        lambda ctx, role: {"lot_code": ctx["lot"], "kind": "no_such_kind", "reason": "测试"},
    ),
    ("POST", "/api/supervision/instructions/{instruction_id}/lift"): Rule(
        frozenset({"regulator"}),
        "the department lifts a suspension",
        const({"reason": "测试"}),
    ),
    ("POST", "/api/supervision/instructions/{instruction_id}/compliance"): Rule(
        PARTIES, "the principal or agent reports compliance (none here: 404)", const({"text": "已改正"})
    ),
    ("GET", "/api/supervision/lots/{code}/instructions"): Rule(
        PARTIES | OVERSEERS, "instructions on a lot: its parties and supervisors", params={"code": "lot"}
    ),
    # disclosure and statistics: open data
    ("GET", "/api/disclosure/feed"): Rule(EVERYONE, "the change feed is public"),
    ("GET", "/api/disclosure/search"): Rule(EVERYONE, "search is public", query={"q": "search_text"}),
    ("GET", "/api/disclosure/ocds/{code}/releases"): Rule(
        EVERYONE, "OCDS is public", params={"code": "project"}
    ),
    ("GET", "/api/disclosure/ocds/{code}/record"): Rule(
        EVERYONE, "OCDS is public", params={"code": "project"}
    ),
    ("GET", "/api/disclosure/gcjs/{code}"): Rule(
        EVERYONE, "the national data set is public", params={"code": "project"}
    ),
    ("GET", "/api/disclosure/bulk"): Rule(EVERYONE, "bulk downloads are public"),
    ("GET", "/api/disclosure/bulk/{month}/ocds"): Rule(EVERYONE, "bulk downloads are public"),
    ("GET", "/api/disclosure/bulk/{month}/gcjs"): Rule(EVERYONE, "bulk downloads are public"),
    ("GET", "/api/disclosure/rules"): Rule(EVERYONE, "the disclosure rules are public"),
    ("GET", "/api/analytics/tables"): Rule(EVERYONE, "statistics are public"),
    ("GET", "/api/analytics/tables/{name}"): Rule(EVERYONE, "statistics are public"),
    # services
    ("POST", "/api/services/archives/{code}"): Rule(
        frozenset({"operator"}),
        "the centre archives a finished lot (refused here: not finished)",
        params={"code": "lot"},
    ),
    ("GET", "/api/services/archives/{code}"): Rule(
        PARTIES | OVERSEERS,
        "the archive: parties and overseers",
        params={"code": "lot"},
        pending="no archive yet",
    ),
    ("GET", "/api/services/receipts/{receipt_no}/inclusion"): Rule(
        frozenset({"bidder"}),
        "a receipt's inclusion proof: its own bidder only (anyone else: as if the number did not exist)",
        pending="no checkpoint covers the receipt yet",
    ),
    ("DELETE", "/api/auth/token/{prefix}"): Rule(
        SIGNED_IN, "revoke one's own token (another user's prefix is simply not found)"
    ),
}

AFTER_DEADLINE: dict[tuple[str, str], Rule] = {
    ("GET", "/api/trading/notices/{notice_id}/downloads"): Rule(
        PARTIES | OVERSEERS, "after the deadline: the project's parties and the overseers"
    ),
    ("GET", "/api/bids/{lot}/bidders"): Rule(
        PARTIES | OVERSEERS, "after the deadline: parties and overseers"
    ),
    ("GET", "/api/bids/{lot}/opening"): Rule(
        frozenset({"bidder"}) | PARTIES | OVERSEERS, "the opening record: participants, parties, overseers"
    ),
    ("POST", "/api/bids/{lot}/decrypt"): Rule(
        frozenset({"bidder"}), "the bidder releases its keys", const({"sm3": "0" * 64, "keys": {}})
    ),
    ("POST", "/api/bids/{lot}/decrypt-faults"): Rule(
        frozenset({"operator"}),
        "the centre records decryption faults",
        lambda ctx, role: {"bidder_uscc": ctx["uscc"], "fault": "bidder", "reason": "测试"},
    ),
}

# Cells open to outsiders (see OUTSIDERS), and why: acts on no object of another node, department or
# entity, or lists the platform filters to the caller's own scope.
OP, REG, ENT = "other_operator", "other_regulator", "other_entity"
OPEN_TO: dict[tuple[str, str], tuple[frozenset[str], str]] = {
    ("GET", "/api/audit/verify"): (frozenset({OP, REG}), "the chain's integrity concerns no one object"),
    ("POST", "/api/registry/entities"): (
        frozenset({OP}),
        "any centre registers a walk-in entity (recorded at that centre; registration is recognised everywhere)",
    ),
    ("GET", "/api/registry/entities/{uscc}/private"): (
        frozenset({REG}),
        "财政厅 sits at the province, above the entity's node (an entity has no trade category)",
    ),
    ("GET", "/api/registry/entities/{uscc}/versions"): (
        frozenset({REG}),
        "as the private data",
    ),
    ("GET", "/api/trading/documents/{document_id}/download"): (
        frozenset({ENT}),
        "any registered entity takes the documents",
    ),
    ("POST", "/api/trading/notices/{notice_id}/objections"): (
        frozenset({ENT}),
        "any potential bidder objects",
    ),
    ("POST", "/api/bids/uploads"): (frozenset({ENT}), "any bidder may bid"),
    ("POST", "/api/bids/{lot}/bond-account"): (frozenset({ENT}), "any bidder may pay a bond"),
    ("POST", "/api/bids/{lot}/guarantee"): (frozenset({ENT}), "any bidder may hand in a guarantee"),
    ("POST", "/api/supervision/complaints"): (
        frozenset({ENT}),
        "a potential bidder may complain; the department judges its standing",
    ),
    ("GET", "/api/experts"): (frozenset({OP, REG}), "the province's one library, masked"),
    ("GET", "/api/experts/{code}"): (frozenset({OP, REG}), "as the library"),
    ("POST", "/api/experts/{code}/suspend"): (
        frozenset({REG}),
        "财政厅 sits at the province, above the expert's region (experts serve every trade category)",
    ),
    ("POST", "/api/experts/{code}/blacklist"): (frozenset({REG}), "as suspending"),
    ("POST", "/api/experts/{code}/reinstate"): (frozenset({REG}), "as suspending"),
    ("POST", "/api/credit/records"): (
        frozenset({OP, REG}),
        "a record is the recorder's own decision on any entity (bans: within the department's sectors)",
    ),
    ("GET", "/api/supervision/dashboard"): (frozenset({REG}), "its own department's workbench"),
    ("GET", "/api/supervision/alerts"): (frozenset({OP, REG}), "filtered to the caller's own queue"),
    ("GET", "/api/supervision/cases"): (frozenset({REG}), "filtered to the caller's department"),
}
BEFORE_OPEN_TO = {
    **OPEN_TO,
    ("POST", "/api/bids/{lot}/decrypt"): (
        frozenset({ENT}),
        "before the deadline the window is closed for everyone: no bid to look for yet",
    ),
}


def opened(
    matrix: dict[tuple[str, str], Rule], open_to: dict[tuple[str, str], tuple[frozenset[str], str]]
) -> None:
    for key, (roles, _why) in open_to.items():
        if key in matrix:
            matrix[key] = replace(matrix[key], open_to=roles)


opened(BEFORE_DEADLINE, BEFORE_OPEN_TO)
opened(AFTER_DEADLINE, OPEN_TO)

# Cells where the platform answers differently from the matrix today: (method, path, role) → what it does.
# Keep it empty: a new deviation is a bug to fix (or a rule to correct), not a cell to skip.
KNOWN_DEVIATIONS: dict[tuple[str, str, str], str] = {}


def api_endpoints() -> set[tuple[str, str]]:
    """Every (method, path template) the API serves, from the OpenAPI document the routers generate."""
    schema = api.get_openapi_schema()
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


# ---- the fixture -----------------------------------------------------------------------------------------


@pytest.fixture
def ctx(vclock, network, system) -> Ctx:  # type: ignore[no-untyped-def]
    load_official_calendar(system, 2026)
    national = load_national_catalogue(system, network["province"].pk)
    principal, principal_key = entity_with_key("principal", "zb")
    agent, _ = entity_with_key("agent", "dl")
    guarantor, _ = entity_with_key("guarantor", "db")
    bidders = [entity_with_key("bidder", f"tb{i}", region="640121") for i in range(4)]
    create_staff_account(
        system,
        StaffAccountIn(
            username="zj",
            password=PASSWORD,
            name="赵专家",
            mobile="13900000003",
            kind="expert",
            node_id=network["province"].pk,
        ),
    )
    register_public_user(system, account_form("gz"))
    outsiders(system, network)
    the_project = create_project(
        actor_of("zb"),
        ProjectIn(
            name="银川市第一中学教学楼建设工程",
            agent_uscc=agent.uscc,
            state_budget_amount=Decimal("30000000"),
            total_investment=Decimal("30000000"),
            lots=[
                LotIn(
                    name="施工",
                    contract_kind="works",
                    classify_code="A08",
                    estimated_value=Decimal("25000000"),
                    bond_amount=Decimal("500000"),
                )
            ],
        ),
    )
    lot = the_project.lots.get()
    the_notice = create_notice(
        actor_of("zb"),
        the_project.code,
        NoticeIn(
            method="open",
            title="银川市第一中学教学楼建设工程施工招标公告",
            body="……",
            lot_codes=[lot.code],
            docs_from=local(2026, 3, 4, 9),
            docs_until=local(2026, 3, 9, 17),
            bid_deadline=local(2026, 3, 24, 9),
        ),
    )
    text = "招标文件".encode()
    the_document = attach_document(
        actor_of("zb"),
        the_notice.pk,
        DocumentMeta(title="招标文件", signature=principal_key.sign(text).hex()),
        "招标文件.txt",
        text,
    )
    publish_notice(actor_of("zb"), the_notice.pk)
    clock.freeze(local(2026, 3, 10, 10))
    objection = raise_objection(actor_of("tb1"), the_notice.pk, "招标文件有歧义")
    # Three bids stand from other bidders; tb0 (the `bidder` role) has an unfinished upload only.
    for i in (1, 2, 3):
        entity, key = bidders[i]
        envelope = seal_bid(lot.code, entity, key, f"2450000{i}.00")
        job, _ = start_upload(actor_of(f"tb{i}"), lot.code, len(envelope), sm3_hex(envelope))
        write_chunk(actor_of(f"tb{i}"), job.public_id, 0, len(envelope), envelope)
        complete_upload(actor_of(f"tb{i}"), job.public_id)
    entity, key = bidders[0]
    envelope = seal_bid(lot.code, entity, key, "24400000.00")
    upload, _ = start_upload(actor_of("tb0"), lot.code, len(envelope), sm3_hex(envelope))
    draft = create_draft(actor_of("op"), network["province"].pk, "NX-AUTHZ", "测试草稿", national.pk)
    objects = staff_objects(system, lot)
    tokens = {role: issue_api_token(actor_of(name), "authz")[1] for role, name in USERNAMES.items()}
    _, spare = issue_api_token(actor_of("zb"), "spare")
    return Ctx(
        values={
            "region": "640104",
            "uscc": entity.uscc,
            "entity_user": "tb3",
            "principal_uscc": principal.uscc,
            "guarantor_uscc": guarantor.uscc,
            "province": str(network["province"].pk),
            "city": str(network["yinchuan"].pk),
            "project": the_project.code,
            "project_type": "trading.project",
            "lot": lot.code,
            "notice_id": str(the_notice.pk),
            "document_id": str(the_document.pk),
            "objection_id": str(objection.pk),
            "upload_id": upload.public_id,
            "public_version": str(national.pk),
            "draft": str(draft.pk),
            "item_id": str(CatalogueVersion.objects.get(pk=draft.pk).items.first().pk),  # type: ignore[union-attr]
            "prefix": spare[:12],
            "receipt_no": Bid.objects.filter(lot=lot).values_list("receipt_no", flat=True).first() or "HZ0",
            "file_name": "bid-form.json",
            "checkpoint_seq": "1",
            "question_id": "999999",
            "entry_id": "999999",
            "call_id": "999999",
            "search_text": "教学楼",
            "month": "2026-03",
            "name": "category",
            "department_id": str(network["housing"].pk),
            "expert_key": Sm2PrivateKey.generate().public_key.to_pem(),
            **objects,
        },
        tokens=tokens,
        bidder_key=key,
    )


def outsiders(system: Actor, network: dict[str, Any]) -> None:
    """wzop operates 吴忠's platform; czreg regulates procurement for 财政厅; qt administers another bidder."""
    finance = create_department(
        system, DepartmentIn(name="财政厅", node_id=network["province"].pk, sectors=["procurement"])
    )
    for username, kind, node, department in (
        ("wzop", "operator", network["wuzhong"], None),
        ("czreg", "regulator", network["province"], finance),
    ):
        create_staff_account(
            system,
            StaffAccountIn(
                username=username,
                password=PASSWORD,
                name=f"外{username}",
                mobile="13900000008",
                kind=kind,
                node_id=node.pk,
                department_id=department.pk if department else None,
            ),
        )
    entity_with_key("bidder", "qt", region="640302")


def staff_objects(system: Actor, lot: Lot) -> dict[str, str]:
    """Real objects for the staff endpoints, so that an outsider's refusal is about scope, not absence:
    an expert of 银川's region in the library, a draw the principal requested, a credit record, an alert,
    a complaint and an order to correct by the competent department (住建厅). None names a bidder of
    the lot (the record is on qt, the complaint the guarantor's): the sealing walk looks for them."""
    from ggzy.credit.actions import record_entry
    from ggzy.credit.schemas import CreditRecordIn
    from ggzy.demo.builder import add_experts
    from ggzy.experts.actions import create_draw
    from ggzy.experts.models import Expert
    from ggzy.experts.schemas import DrawRequestIn, DrawRowIn
    from ggzy.supervision.alerts import Finding, raise_alert
    from ggzy.supervision.cases import file_complaint
    from ggzy.supervision.instructions import issue_instruction
    from ggzy.supervision.rules import alert_rule
    from ggzy.supervision.schemas import ComplaintIn, InstructionIn

    (username,) = add_experts(actor_of("op"), 1, "authzx")
    expert = Expert.objects.get(user__username=username)
    draw = create_draw(
        actor_of("zb"),
        DrawRequestIn(
            lot_code=lot.code,
            rows=[DrawRowIn(specialty="A0801", count=5)],
            evaluation_at=local(2026, 3, 24, 10),
        ),
    )
    record = record_entry(
        actor_of("reg"),
        CreditRecordIn(
            uscc=Entity.objects.get(accounts__user__username="qt").uscc,
            kind="administrative_penalty",
            facts="授权矩阵测试",
            valid_from=clock.today(),
        ),
    )
    finding = Finding(
        rule=alert_rule("S08"),
        key="authz",
        title="授权矩阵测试预警",
        evidence={},
        project=lot.project,
        lot=lot,
    )
    alert = raise_alert(system, finding)
    assert alert is not None
    case = file_complaint(
        actor_of("db"),
        ComplaintIn(lot_code=lot.code, request="请求", text="投诉内容", known_on=clock.today()),
    )
    order = issue_instruction(
        actor_of("reg"), InstructionIn(lot_code=lot.code, kind="correct", reason="授权矩阵测试")
    )
    return {
        "expert_code": expert.code,
        "draw_id": str(draw.pk),
        "record_id": str(record.pk),
        "alert_id": str(alert.pk),
        "case_id": str(case.pk),
        "instruction_id": str(order.pk),
    }


def to_deadline(ctx: Ctx) -> None:
    """tb0 (the `bidder` role) bids too, then the deadline passes and the chronograph opens the lot."""
    envelope = seal_bid(ctx["lot"], Entity.objects.get(uscc=ctx["uscc"]), ctx.bidder_key, "24400000.00")
    job, _ = start_upload(actor_of("tb0"), ctx["lot"], len(envelope), sm3_hex(envelope))
    write_chunk(actor_of("tb0"), job.public_id, 0, len(envelope), envelope)
    complete_upload(actor_of("tb0"), job.public_id)
    for pending in Objection.objects.filter(status=Objection.Status.PENDING):
        answer_objection(actor_of("zb"), pending.pk, "已答复")  # pending objections pause the opening
    clock.freeze(local(2026, 3, 24, 9))
    chronograph.sweep()
    assert Lot.objects.get(code=ctx["lot"]).state == Lot.State.OPENING


# ---- the driver ------------------------------------------------------------------------------------------


def fill(template: str, rule: Rule, ctx: Ctx) -> str:
    path = template
    for name in [p.split("}")[0] for p in template.split("{")[1:]]:
        path = path.replace("{" + name + "}", ctx[rule.params.get(name, name)])
    return path


def call(client: Client, method: str, template: str, rule: Rule, role: str, ctx: Ctx) -> tuple[int, str]:
    path = fill(template, rule, ctx)
    headers = dict(rule.headers(ctx)) if rule.headers else {}
    if role != "anonymous":
        headers["Authorization"] = f"Bearer {ctx.tokens[role]}"
    query = {name: ctx[key] for name, key in rule.query.items()}
    body = rule.body(ctx, role) if rule.body else None
    if rule.multipart:
        response = client.post(path, data=body, headers=headers)
    elif method == "GET":
        response = client.get(path, query, headers=headers)
    elif isinstance(body, bytes):
        response = client.generic(method, path, body, "application/octet-stream", headers=headers)
    else:
        data = json.dumps(body if body is not None else {}, ensure_ascii=False)
        response = client.generic(method, path, data, "application/json", headers=headers)
    text = "" if response.streaming else response.content.decode("utf-8", "replace")[:200]
    return response.status_code, text


def check(matrix: dict[tuple[str, str], Rule], ctx: Ctx, *, deviations: str) -> list[str]:
    """Run every cell; return the failures. `deviations`: "skip" the known ones, or check "only" them."""
    client = Client(raise_request_exception=False)
    failures = []
    for (method, template), rule in matrix.items():
        # Forbidden roles first: a refused call must not change anything the allowed calls rely on.
        for role in sorted(ROLES, key=rule.admits):
            known = (method, template, role) in KNOWN_DEVIATIONS
            if (deviations == "skip" and known) or (deviations == "only" and not known):
                continue
            status, text = call(client, method, template, rule, role, ctx)
            if rule.pending and status not in (401, 403, 404):
                failures.append(f"{method} {template} as {role}: {status} before {rule.pending!r} {text}")
            elif rule.pending:
                continue
            if status >= 500:
                failures.append(f"{method} {template} as {role}: {status} server error {text}")
            elif rule.admits(role) and status in (401, 403):
                failures.append(
                    f"{method} {template} as {role}: allowed ({rule.why}) but got {status} {text}"
                )
            elif role in OUTSIDERS and not rule.admits(role) and status not in (401, 403, 404):
                failures.append(
                    f"{method} {template} as {role}: outside its scope ({rule.why}) but got {status} {text}"
                )
            elif role not in OUTSIDERS and not rule.admits(role) and status not in (401, 403):
                failures.append(
                    f"{method} {template} as {role}: forbidden ({rule.why}) but got {status} {text}"
                )
    return failures


def run_matrix(ctx: Ctx, deviations: str) -> list[str]:
    failures = check(BEFORE_DEADLINE, ctx, deviations=deviations)
    to_deadline(ctx)
    failures += check(AFTER_DEADLINE, ctx, deviations=deviations)
    return failures


# ---- the tests -------------------------------------------------------------------------------------------


def test_every_endpoint_has_a_rule() -> None:
    served = api_endpoints()
    missing = sorted(served - set(BEFORE_DEADLINE))
    stale = sorted(set(BEFORE_DEADLINE) - served)
    assert not missing, f"endpoints without an authorization rule (add them to BEFORE_DEADLINE): {missing}"
    assert not stale, f"rules for endpoints the API no longer serves: {stale}"
    assert set(AFTER_DEADLINE) <= set(BEFORE_DEADLINE)


def test_only_the_allowed_roles_get_through(ctx: Ctx) -> None:
    failures = run_matrix(ctx, deviations="skip")
    assert not failures, "\n".join(failures)
