"""lifecycle_scale — K lots through the whole tender lifecycle, to show the cost per lot stays flat.

Like `ggzy simulate tender` and `ggzy simulate procurement`, through the actions and the chronograph on the
virtual clock, but K lots at once, as a busy platform has them — every other lot a construction tender, the
rest government procurement open tenders of goods (their own specification: periods in working days, their
bid form): K projects with a notice, tender documents and publication; three
bidders on every lot pay the bond, seal and upload; at the deadline the chronograph opens every lot; each
bidder decrypts; when the window closes the chronograph closes every opening. Each size runs in a fresh
process on a fresh database (SQLite file, and a dedicated PostgreSQL database), at K and at K/2.
Timed: the platform's work only (actions and sweeps); the bidders' sealing and key unwrapping are not.

`python benchmarks/lifecycle.py --lots K --out FILE` is the per-database worker (GGZY_VAR_DIR and
GGZY_DATABASE_URL say which database); `run()` drives it.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from common import emit, note, postgres_url

from ggzy.reliability.tests.harness import FAST_HASHERS, dedicated_database, platform_env

BIDDERS_PER_LOT = 3


class Stopwatch:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, what: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[what] = self.seconds.get(what, 0.0) + time.perf_counter() - began


def lifecycle(lots: int) -> dict[str, Any]:  # runs in the worker process, Django configured
    from datetime import UTC, date, datetime, time, timedelta
    from decimal import Decimal

    from django.core.management import call_command
    from django.test import override_settings
    from django.utils import timezone

    from ggzy.bidding.actions import (
        complete_upload,
        decrypt_bid,
        open_bond_account,
        record_bond_payment,
        start_upload,
        write_chunk,
    )
    from ggzy.catalogue.actions import load_national_catalogue
    from ggzy.exchange.actions import create_node
    from ggzy.exchange.calendar_actions import load_official_calendar
    from ggzy.kernel import calendar, chronograph, clock
    from ggzy.kernel.roles import Actor
    from ggzy.testing import actor_of, entity_with_key, procurement_bid_form, seal_bid
    from ggzy.trading.actions import attach_document, create_notice, create_project, publish_notice
    from ggzy.trading.models import Lot
    from ggzy.trading.schemas import DocumentMeta, LotIn, NoticeIn, ProjectIn
    from ggzy_guomi import sm3_hex, unwrap_file_keys

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))

    def sweep_all(count: int) -> None:
        for _ in range(count // 100 + 10):
            if not chronograph.sweep():
                return
        raise RuntimeError("the chronograph does not settle")

    call_command("migrate", verbosity=0)
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        clock.freeze(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # a Monday, 09:00 in Beijing
        system = Actor.system("bench")
        load_official_calendar(system, 2026)
        province = create_node(
            system, name="宁夏回族自治区公共资源交易中心", level="province", region_code="640000"
        )
        load_national_catalogue(system, province.pk)
        principal_key = entity_with_key("principal", "zb")[1]
        bidders = [entity_with_key("bidder", f"tb{i}", region="640121") for i in range(BIDDERS_PER_LOT)]
        zb = actor_of("zb")
        actors = [actor_of(f"tb{i}") for i in range(BIDDERS_PER_LOT)]
        bank = Actor.system("bank")
        documents = "招标文件".encode()
        signature = principal_key.sign(documents).hex()

        def cycle(count: int, watch: Stopwatch) -> None:
            """`count` lots from registration to the closed opening, starting today on the virtual clock."""
            today = clock.today()
            docs_from = at(today, 9)
            deadline = at(calendar.period_end(today, 21), 9)
            docs_until = at(max(calendar.period_end(today, 6), calendar.add_working_days(today, 6)), 17)
            codes = []
            purchases: set[str] = set()
            with watch("publish"):
                for k in range(count):
                    buying = k % 2 == 1  # every other lot a government purchase of goods
                    project = create_project(
                        zb,
                        ProjectIn(
                            name=f"规模测试{'采购' if buying else '工程'}{k}",
                            category="procurement" if buying else "engineering",
                            state_budget_amount=Decimal("30000000"),
                            total_investment=Decimal("30000000"),
                            lots=[
                                LotIn(
                                    name="设备" if buying else "施工",
                                    contract_kind="goods" if buying else "works",
                                    classify_code="B01" if buying else "A08",
                                    estimated_value=Decimal("25000000"),
                                    bond_amount=Decimal("500000"),
                                )
                            ],
                        ),
                    )
                    code = project.lots.get().code
                    notice = create_notice(
                        zb,
                        project.code,
                        NoticeIn(
                            method="open",
                            title=f"规模测试工程{k}施工招标公告",
                            body="……",
                            lot_codes=[code],
                            docs_from=docs_from,
                            docs_until=docs_until,
                            bid_deadline=deadline,
                        ),
                    )
                    attach_document(
                        zb,
                        notice.pk,
                        DocumentMeta(title="招标文件", signature=signature),
                        "招标文件.txt",
                        documents,
                    )
                    publish_notice(zb, notice.pk)
                    codes.append(code)
                    if buying:
                        purchases.add(code)

            clock.freeze(at(today + timedelta(days=8), 10))
            envelopes: dict[tuple[str, int], bytes] = {}
            for code in codes:
                for i, (entity, key) in enumerate(bidders):
                    with watch("bid"):
                        bond = open_bond_account(actors[i], code)
                        record_bond_payment(
                            bank, bond.virtual_account or "", bond.amount, f"6222{i:012d}", entity.name
                        )
                    with watch("client"):
                        price = f"2450{i:04d}.00"
                        form = procurement_bid_form(price, brand=f"品牌{i}") if code in purchases else None
                        envelope = seal_bid(code, entity, key, price, form=form)
                    with watch("bid"):
                        job, _ = start_upload(actors[i], code, len(envelope), sm3_hex(envelope))
                        write_chunk(actors[i], job.public_id, 0, len(envelope), envelope)
                        complete_upload(actors[i], job.public_id)
                    envelopes[(code, i)] = envelope

            clock.freeze(deadline)
            with watch("open"):
                sweep_all(count)
            for code in codes:
                for i, (_, key) in enumerate(bidders):
                    envelope = envelopes[(code, i)]
                    with watch("client"):
                        keys = {name: value.hex() for name, value in unwrap_file_keys(envelope, key).items()}
                    with watch("decrypt"):
                        decrypt_bid(actors[i], code, sm3_hex(envelope), keys)
            clock.freeze(clock.now() + timedelta(days=1))
            with watch("close"):
                sweep_all(count)
            clock.freeze(at(clock.today() + timedelta(days=1), 9))
            states = set(Lot.objects.filter(code__in=codes).values_list("state", flat=True))
            assert states == {Lot.State.EVALUATION}, states

        cycle(1, Stopwatch())  # warm-up, not timed: first-use costs (imports, caches, key set-up)
        watch = Stopwatch()
        cycle(lots, watch)
    platform = sum(v for k, v in watch.seconds.items() if k != "client")
    return {"lots": lots, "platform_s": platform, "phases_s": watch.seconds}


def measure(lots: int, engine: str, pg: str | None) -> dict[str, Any]:
    """One size on one fresh database, in its own process."""
    work = Path(tempfile.mkdtemp(prefix="ggzy-bench-lifecycle-"))
    db = dedicated_database(work / "var", "life", postgres=pg, sqlite=engine == "sqlite")
    try:
        out = work / "result.json"
        subprocess.run(  # noqa: S603 - this very script, with our own arguments
            [sys.executable, __file__, "--lots", str(lots), "--out", str(out)],
            check=True,
            env=platform_env(db),
        )
        result: dict[str, Any] = json.loads(out.read_text())
        return result
    finally:
        db.drop()
        shutil.rmtree(work, ignore_errors=True)


def run(lots: int = 60) -> dict[str, Any]:
    pg = postgres_url()
    engines = ["sqlite"] + (["postgresql"] if pg else [])
    results: dict[str, Any] = {}
    half = max(1, lots // 2)
    for engine in engines:
        note(f"lifecycle_scale: {engine}, {half} then {lots} lots")
        small, large = measure(half, engine, pg), measure(lots, engine, pg)
        results[engine] = {
            "half": {
                "lots": half,
                "s": round(small["platform_s"], 3),
                "s_per_lot": round(small["platform_s"] / half, 4),
            },
            "full": {
                "lots": lots,
                "s": round(large["platform_s"], 3),
                "s_per_lot": round(large["platform_s"] / lots, 4),
            },
            "phases_s_half": {k: round(v, 3) for k, v in small["phases_s"].items()},
            "phases_s_full": {k: round(v, 3) for k, v in large["phases_s"].items()},
            "growth": round((large["platform_s"] / lots) / (small["platform_s"] / half), 3),
        }
    main_engine = "postgresql" if "postgresql" in results else "sqlite"
    full, half_result = results[main_engine]["full"], results[main_engine]["half"]
    return emit(
        "lifecycle_scale",
        full["s_per_lot"],
        "s/lot",
        half_result["s_per_lot"],
        full["s_per_lot"] / half_result["s_per_lot"],
        {
            "engine_of_figure": main_engine,
            "lots": lots,
            "bidders_per_lot": BIDDERS_PER_LOT,
            **results,
            "ratio_is": "s/lot at K over s/lot at K/2 (about 1 = linear)",
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lots", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ggzy.settings")
    import django

    django.setup()
    args.out.write_text(json.dumps(lifecycle(args.lots)))


if __name__ == "__main__":
    main()
