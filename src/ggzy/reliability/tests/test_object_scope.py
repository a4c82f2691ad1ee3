"""Object-level scope on every output (issue 11 §3). After the deadline the lot's bidders are public (the
opening record is published), but two things stay with the lot's insiders: who took the documents
without bidding (its parties and overseers only), and an entity's contacts (personal data: the entity,
its node's operators, departments at or above its node). Staff of another node (吴忠's operator), of
another department (财政厅) and another bidder entity read every output, and none shows them.

The walk reaches every GET output the sealing walk knows (the API's routes, every page of the URL map,
the admin lists), as each outsider. The authorization matrix checks the same outsiders' calls endpoint
by endpoint (`test_authorization.OUTSIDERS`); the sealing walk covers the time before the deadline.
"""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ggzy.registry.models import Contact, Entity
from ggzy.reliability.tests.test_authorization import OUTSIDERS, USERNAMES, Ctx, to_deadline
from ggzy.reliability.tests.test_authorization import ctx as ctx
from ggzy.reliability.tests.test_sealing import DIRECTORY, Output, _mentions, fetch, outputs
from ggzy.testing import actor_of, entity_with_key
from ggzy.trading.actions import download_document

pytestmark = pytest.mark.django_db


MOBILE = "13512340000"  # tb0's contact, unlike every other test contact's


@pytest.fixture
def opened(ctx: Ctx) -> Ctx:
    """A downloader who never bids (xiazaizhe), a bidder (tb0) with a contact number no one else has, then the
    deadline."""
    entity_with_key("bidder", "xiazaizhe", region="640121")
    download_document(actor_of("xiazaizhe"), int(ctx["document_id"]))
    Contact.objects.filter(entity__uscc=ctx["uscc"]).update(mobile=MOBILE)
    to_deadline(ctx)
    return ctx


def secrets_for(ctx: Ctx, role: str) -> dict[str, list[str]]:
    downloader = Entity.objects.get(accounts__user__username="xiazaizhe")
    return {
        "downloader": [downloader.uscc, downloader.name, "xiazaizhe"],  # the user name: audit trails
        # Contacts: a department at the province sits above every entity's node (OPEN_TO in the matrix).
        "contact": [] if role == "other_regulator" else [MOBILE],
    }


def walk(ctx: Ctx, role: str) -> list[tuple[Output, int, str]]:
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=USERNAMES[role]))
    return [(output, *fetch(client, output, ctx.tokens[role])) for output in outputs(ctx)]


def shown(output: Output, body: str, kind: str, values: list[str]) -> list[str]:
    """The values the body shows (a directory of all entities names downloaders as it names everyone)."""
    if kind == "downloader" and output.template in DIRECTORY:
        return []
    return [v for v in values if v not in output.url and _mentions(body, v)]


def test_outsiders_see_no_downloader_and_no_contact(opened: Ctx) -> None:
    failures: list[str] = []
    for role in OUTSIDERS:
        secrets = secrets_for(opened, role)
        for output, status, body in walk(opened, role):
            if status >= 500:
                failures.append(f"{output.url} as {role}: {status} {body[-400:]}")
            for kind, values in secrets.items():
                found = shown(output, body, kind, values)
                if found:
                    failures.append(f"{output.url} as {role} ({status}) shows {kind} {found[0]}")
    assert not failures, "\n".join(failures)


def test_the_lots_own_operator_does_see_them(opened: Ctx) -> None:
    """The same walk as the operator of the lot's node finds both: the walk can fail."""
    answers = walk(opened, "operator")
    for kind, values in secrets_for(opened, "operator").items():
        for value in values:
            assert any(shown(output, body, kind, [value]) for output, _, body in answers), f"{kind} {value}"
