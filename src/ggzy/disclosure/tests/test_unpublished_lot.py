"""A project with a lot not yet published (a lot added later, a re-tender in preparation) keeps its portal
page, its OCDS packages, its national-spec export and the month's bulk exports: the unpublished lot is simply
left out (it was a 500, KeyError 'stage' in project_view) — issue 11 §5."""

import pytest

from ggzy.disclosure import queries
from ggzy.disclosure.public import project_view
from ggzy.kernel import clock
from ggzy.trading.models import Lot

pytestmark = pytest.mark.django_db

SECRET_NAME = "尚未发布的第二标段"


@pytest.fixture
def with_draft_lot(finished):  # type: ignore[no-untyped-def]
    lot = finished.lot
    Lot.objects.create(
        project=lot.project,
        seq=lot.seq + 1,
        code=lot.code[:-1] + ("9" if lot.code[-1] != "9" else "8"),
        name=SECRET_NAME,
        contract_kind=lot.contract_kind,
        classify_code=lot.classify_code,
        estimated_value=lot.estimated_value,
        control_price=lot.control_price,
        notice=None,
        state=Lot.State.DRAFT,
        state_changed_at=clock.now(),
    )
    return finished


def test_the_project_view_leaves_out_the_unpublished_lot(with_draft_lot) -> None:  # type: ignore[no-untyped-def]
    view = project_view(with_draft_lot.project)
    assert [lot["code"] for lot in view["lots"]] == [with_draft_lot.lot.code]


def test_every_public_output_of_the_project_still_answers(client, with_draft_lot) -> None:  # type: ignore[no-untyped-def]
    project = with_draft_lot.project
    code = project.code
    month = queries.month_of(project.notices.order_by("published_at").first().published_at)
    for url in [
        f"/portal/projects/{code}/",
        f"/api/disclosure/ocds/{code}/releases",
        f"/api/disclosure/ocds/{code}/record",
        f"/api/disclosure/gcjs/{code}",
        f"/api/disclosure/bulk/{month}/ocds",
        f"/api/disclosure/bulk/{month}/gcjs",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET_NAME not in response.content.decode(), url
