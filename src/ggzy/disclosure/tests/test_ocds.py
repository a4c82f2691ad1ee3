"""OCDS 1.1 output of a finished simulated trade: valid for OCP's libcoveocds (no errors) and compiled with
ocdsmerge; and the national data-spec (GCJS) data sets with the codes every record must carry."""

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import ocdsmerge
import pytest
from django.test import Client
from libcoveocds.api import ocds_json_output
from libcoveocds.config import LibCoveOCDSConfig
from ocdsmerge.rules import get_merge_rules

from ggzy.disclosure import ocds
from ggzy.disclosure.tests import ocds_standard
from ggzy.disclosure.tests.trade import Finished

pytestmark = pytest.mark.django_db


def cove(package: dict[str, Any], tmp_path: Path, *, record: bool) -> dict[str, Any]:
    found = ocds_standard.standard()
    if found is None:
        pytest.skip("OCDS schema not available: set GGZY_OCDS_STANDARD_ZIP or allow pip to reach PyPI")
    data, complete = found
    if record and not complete:
        pytest.skip("record-package schema needs the complete standard ZIP (GGZY_OCDS_STANDARD_ZIP)")
    config = LibCoveOCDSConfig({"standard_zip": data, "context": "api"})
    result: dict[str, Any] = ocds_json_output(
        str(tmp_path), json_data=package, lib_cove_ocds_config=config, record_pkg=record
    )
    return result


def merge_rules() -> dict[tuple[str, ...], str]:
    """OCDS 1.1's merge rules, read from the release schema (or, without it, the two that apply to us)."""
    found = ocds_standard.standard()
    if found is None:
        return {("id",): "omitWhenMerged", ("tag",): "omitWhenMerged"}
    with zipfile.ZipFile(io.BytesIO(found[0])) as zf:
        name = next(n for n in zf.namelist() if n.endswith("/schema/release-schema.json"))
        schema = json.loads(zf.read(name))
    rules: dict[tuple[str, ...], str] = get_merge_rules(schema)
    return rules


def test_release_package_passes_libcoveocds(finished: Finished, client: Client, tmp_path: Path) -> None:
    package = client.get(f"/api/disclosure/ocds/{finished.project.code}/releases").json()
    tags = [tag for release in package["releases"] for tag in release["tag"]]
    assert {"tender", "tenderUpdate", "award", "contract"} <= set(tags)
    assert all(r["ocid"] == ocds.ocid_for(finished.project) for r in package["releases"])
    assert ocds.ocid_for(finished.project) == "ocds-ggzy00-" + finished.project.unified_deal_code
    result = cove(package, tmp_path, record=False)
    assert result["validation_errors"] == [], json.dumps(result["validation_errors"], ensure_ascii=False)[
        :2000
    ]
    assert result.get("json_deref_error") is None


def test_record_package_compiles_with_ocdsmerge(finished: Finished, client: Client, tmp_path: Path) -> None:
    package = client.get(f"/api/disclosure/ocds/{finished.project.code}/record").json()
    (record,) = package["records"]
    compiled = record["compiledRelease"]
    assert compiled == ocdsmerge.Merger(merge_rules=merge_rules()).create_compiled_release(record["releases"])
    assert compiled["tag"] == ["compiled"]
    assert compiled["tender"]["numberOfTenderers"] == 3
    statuses = sorted(a["status"] for a in compiled["awards"])
    assert statuses == ["active", "unsuccessful", "unsuccessful"]
    assert compiled["contracts"][0]["status"] == "active"
    # The compiled release is itself a valid release.
    wrapped = {k: v for k, v in package.items() if k != "records"} | {"releases": [compiled]}
    result = cove(wrapped, tmp_path / "compiled", record=False)
    assert result["validation_errors"] == [], json.dumps(result["validation_errors"], ensure_ascii=False)[
        :2000
    ]


def test_record_package_passes_libcoveocds(finished: Finished, client: Client, tmp_path: Path) -> None:
    package = client.get(f"/api/disclosure/ocds/{finished.project.code}/record").json()
    result = cove(package, tmp_path, record=True)
    assert result["validation_errors"] == [], json.dumps(result["validation_errors"], ensure_ascii=False)[
        :2000
    ]


def test_libcoveocds_does_catch_errors(finished: Finished, tmp_path: Path) -> None:
    """The control: the same validation reports a broken release."""
    package = ocds.release_package(finished.project)
    package["releases"][0]["tender"]["value"]["amount"] = "很多"
    del package["releases"][0]["date"]
    result = cove(package, tmp_path, record=False)
    kinds = {error["type"] for error in result["validation_errors"]}
    assert {"required", "number"} <= kinds, result["validation_errors"]


def test_ocid_prefix_is_configurable(finished: Finished, settings) -> None:  # type: ignore[no-untyped-def]
    settings.OCDS_OCID_PREFIX = "ocds-abc123-"
    assert ocds.release_package(finished.project)["releases"][0]["ocid"].startswith("ocds-abc123-")


def test_national_spec_data_sets(finished: Finished, client: Client) -> None:
    body = client.get(f"/api/disclosure/gcjs/{finished.project.code}").json()
    sets = body["DATASETS"]
    for name in (
        "GCJS_PROJECT",
        "GCJS_TENDER_PROJECT",
        "GCJS_BID_SECTION",
        "GCJS_TENDER_BULLETIN",
        "GCJS_BIDDER_LIST",
        "GCJS_BID_OPEN_RECORD",
        "GCJS_WIN_CANDIDATE",
        "GCJS_WIN_RESULT",
        "GCJS_CONTRACT",
    ):
        assert sets[name], name
        for row in sets[name]:
            assert row["PLATFORM_CODE"] == "E6401000001"
            assert row["PUB_SERVICE_PLAT_CODE"] == "E6400000001"
            assert len(row["DATA_TIMESTAMP"]) == 14
            assert row["UNIFIED_DEAL_CODE"] == finished.project.unified_deal_code
    section = sets["GCJS_BID_SECTION"][0]
    assert (
        section["BID_SECTION_CODE"] == finished.lot.code
        and section["TENDER_PROJECT_CODE"] == finished.project.code
    )
    assert section["BID_SECTION_CLASSIFY_CODE"] == "A08"
    assert len(sets["GCJS_BID_OPEN_RECORD"]) == 3 and sets["GCJS_WIN_RESULT"][0]["WIN_BIDDER_CODE"]


def test_bulk_downloads_per_month(finished: Finished, client: Client) -> None:
    months = client.get("/api/disclosure/bulk").json()
    assert len(months) == 1 and months[0]["projects"] == 1
    month = months[0]["month"]
    records = client.get(f"/api/disclosure/bulk/{month}/ocds").json()["records"]
    assert [r["ocid"] for r in records] == [ocds.ocid_for(finished.project)]
    assert client.get(f"/api/disclosure/bulk/{month}/gcjs").json()["DATASETS"]["GCJS_PROJECT"]
    assert client.get("/api/disclosure/bulk/2026-13/ocds").status_code == 422
    assert client.get("/api/disclosure/ocds/NOPE/record").status_code == 404
