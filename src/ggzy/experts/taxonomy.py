"""The specialty taxonomy file (data/specialties.json): read it as flat rows, load it into a model.

The file is a tree (`code`, `name`, optional `children`, optional `provisional`); the level is the depth
(1 = subject kind A/B/C). `load_into` works with the live model and with a migration's historical model,
inserting parents first and updating names of codes already present (never deleting: experts may hold a
code that a newer file drops).
"""

import json
from pathlib import Path
from typing import Any

SPECIALTY_FILE = Path(__file__).parent / "data" / "specialties.json"


def read_specialties(path: Path = SPECIALTY_FILE) -> list[dict[str, Any]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = []

    def walk(nodes: list[dict[str, Any]], parent: str | None, level: int) -> None:
        for node in nodes:
            code = str(node["code"]).strip().upper()
            rows.append(
                {
                    "code": code,
                    "name": str(node["name"]).strip(),
                    "parent": parent,
                    "level": level,
                    "provisional": bool(node.get("provisional", False)),
                }
            )
            walk(node.get("children", []), code, level + 1)

    walk(doc["specialties"], None, 1)
    codes = [r["code"] for r in rows]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{path}: a specialty code appears twice")
    return rows


def load_into(model: Any, rows: list[dict[str, Any]]) -> int:
    created = 0
    for row in sorted(rows, key=lambda r: r["level"]):
        _, was_created = model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "parent_id": row["parent"],
                "level": row["level"],
                "provisional": row["provisional"],
            },
        )
        created += int(was_created)
    return created
