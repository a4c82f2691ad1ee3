"""Each department's list of supervisory powers and responsibilities (权责清单, R9.4), published as data:
`data/powers.json` lists the powers per trade category with their citations; a department's list is the
union for the categories it supervises (`Department.sectors`) plus the powers every department has."""

import json
from functools import cache
from pathlib import Path
from typing import Any

from ggzy.registry.models import Department

POWERS_FILE = Path(__file__).parent / "data" / "powers.json"


@cache
def catalogue() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(POWERS_FILE.read_text(encoding="utf-8"))
    return data


def powers_for(department: Department) -> list[dict[str, Any]]:
    sectors = catalogue()["sectors"]
    seen: set[str] = set()
    result = []
    for sector in [*(department.sectors or []), "*"]:
        for power in sectors.get(sector, []):
            if power["code"] not in seen:
                seen.add(power["code"])
                result.append({"unconfirmed": False, **power})
    return result
