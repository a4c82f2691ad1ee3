"""GB/T 2260 administrative divisions, loaded from `data/regions/*.json` (one file per province).

Level and parent follow from the code: PP0000 is a province, PPCC00 a prefecture-level city, anything
else a county-level unit under PPCC00 — except PP90xx, the county-level units a province administers
directly (省直辖县级行政单位), whose parent is the province.
"""

import json
from pathlib import Path
from typing import Any

from ggzy.kernel.errors import InvalidInput, LegalRule, NotFound
from ggzy.kernel.models import Region

REGION_DATA_DIR = Path(__file__).parent / "data" / "regions"
GB2260 = LegalRule("GB/T 2260《中华人民共和国行政区划代码》", "行政区划代码为6位数字。")


def level_and_parent(code: str) -> tuple[str, str | None]:
    if len(code) != 6 or not code.isdigit():
        raise InvalidInput(
            "region_code_format",
            f"行政区划代码“{code}”应为6位数字",
            f"Region code '{code}' must be 6 digits",
            rule=GB2260,
        )
    if code[2:] == "0000":
        return "province", None
    if code[4:] == "00":
        return "city", code[:2] + "0000"
    if code[2:4] == "90":
        return "county", code[:2] + "0000"
    return "county", code[:4] + "00"


def read_region_file(path: Path) -> list[dict[str, Any]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for item in doc["divisions"]:
        level, parent = level_and_parent(item["code"])
        rows.append({"code": item["code"], "name": item["name"], "level": level, "parent": parent})
    return rows


def load_into(region_model: Any, rows: list[dict[str, Any]]) -> int:
    """Insert or update rows parents-first; works with the live model and with a migration's model."""
    created = 0
    for row in sorted(rows, key=lambda r: ("province", "city", "county").index(r["level"])):
        _, was_created = region_model.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "level": row["level"], "parent_id": row["parent"]},
        )
        created += int(was_created)
    return created


def bundled_files() -> list[Path]:
    return sorted(REGION_DATA_DIR.glob("*.json"))


def get_region(code: str) -> Region:
    """The Region with this code, or 422 `region_unknown`."""
    region = Region.objects.filter(code=(code or "").strip()).select_related("parent").first()
    if region is None:
        raise InvalidInput(
            "region_unknown",
            f"行政区划代码“{code}”不存在或未加载",
            f"Unknown region code '{code}' (not in the loaded GB/T 2260 table)",
            rule=GB2260,
            details={"value": code},
        )
    return region


def region_or_404(code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound("region_not_found", "行政区划不存在", "No such region", details={"code": code})
    return region
