from decimal import Decimal

import pytest

from ggzy.trading.codes import is_valid_deal_code
from ggzy.trading.tests.conftest import Tender

pytestmark = pytest.mark.django_db


def test_project_and_deal_codes(tender: Tender) -> None:
    project = tender.project
    assert len(project.code) == 17
    assert project.code.startswith("E6401000001")  # 640104's platform is the Yinchuan city platform
    assert tender.lot.code == project.code + "001"
    assert is_valid_deal_code(project.unified_deal_code)
    assert project.unified_deal_code.startswith(tender.principal.uscc + "-20260302-")
    corrupted = project.unified_deal_code[:-1] + ("0" if project.unified_deal_code[-1] != "0" else "1")
    assert not is_valid_deal_code(corrupted)


def test_entry_decision_is_recorded_with_reasons(tender: Tender) -> None:
    project = tender.project
    assert project.must_enter and project.must_tender
    assert project.catalogue_version
    assert any("国家发展改革委令第16号" in str(r["citation"]) for r in project.entry_reasons)
    assert any(
        r["passed"] and "施工合同估算价 25,000,000.00 元" in str(r["zh"]) for r in project.entry_reasons
    )
    assert project.state_budget_amount == Decimal("30000000")
