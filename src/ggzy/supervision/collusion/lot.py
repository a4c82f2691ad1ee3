"""The collusion screen on the platform's own data: build the bid table of the look-back window from the
database, run the vectorised screens, store each lot's `LotScreen`, and raise S16 alerts.

Called for one lot when its opening closes (`events.on_lot_advanced`), and for the whole window by the
nightly sweep. The lot's own bids are compared with the history of the window (network signals) and the
platform's own screened lots (price reference) once there are enough of them.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.apps import apps
from django.core.files.storage import default_storage
from django.db.models import Q

from ggzy.bidding.models import Bid, Bond
from ggzy.kernel import audit, clock
from ggzy.kernel.actions import action
from ggzy.kernel.errors import LegalRule
from ggzy.kernel.roles import Actor
from ggzy.supervision.alerts import Finding, raise_findings
from ggzy.supervision.collusion import score
from ggzy.supervision.collusion.table import KEYS, SIGNALS, BidTable, Factoriser
from ggzy.supervision.models import Alert, LotScreen
from ggzy.supervision.rules import (
    COLLUSION_ALERT_SCORE,
    SCREEN_HISTORY_DAYS,
    SCREEN_REFERENCE_MIN_LOTS,
    alert_rule,
)
from ggzy.trading import routing
from ggzy.trading.models import Lot
from ggzy_guomi import sm3_file, sm3_hex

EMPTY_SM3 = sm3_hex(b"")
PLACEHOLDERS = {"-", "/", "无", "none", "null", EMPTY_SM3}  # K3: placeholders are no data
LIVE = [Bid.Status.SUBMITTED, Bid.Status.DECRYPTED, Bid.Status.DEEMED_REVOKED, Bid.Status.DEEMED_WITHDRAWN]
BID_FORM = "bid-form.json"


@dataclass
class Window:
    table: BidTable
    lots: list[Lot]
    firm_labels: list[str]
    firm_names: list[str]
    firm_ids: list[int]
    bids: list[Bid]
    documents: dict[int, dict[str, list[str]]]  # lot id → receipt no. → plaintext digests

    def index_of(self, lot_id: int) -> int | None:
        for i, lot in enumerate(self.lots):
            if lot.pk == lot_id:
                return i
        return None


def _fingerprint(bid: Bid, part: str) -> str | None:
    fp = bid.fingerprint or {}
    missing = {str(m).removesuffix("_sm3") for m in fp.get("missing", []) or []}
    if part in missing:
        return None
    value = str(fp.get(f"{part}_sm3") or "").strip().lower()
    return None if value in PLACEHOLDERS else value


def _price(bid: Bid) -> float:
    if bid.status != Bid.Status.DECRYPTED or not bid.bid_form:
        return float("nan")
    try:
        return float(Decimal(str(bid.bid_form.get("price"))))
    except (InvalidOperation, TypeError, ValueError):
        return float("nan")


def _manager(bid: Bid) -> str | None:
    name = str((bid.bid_form or {}).get("project_manager") or "").strip()
    return name or None


def document_digests(bid: Bid) -> list[str]:
    """SM3 of each decrypted file of the bid kept under opened/<lot>/<receipt>/ (the bid form excepted:
    its price and manager are compared on their own)."""
    folder = f"opened/{bid.lot.code}/{bid.receipt_no}"
    try:
        _, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError, OSError):
        return []
    digests = []
    for name in sorted(files):
        if name == BID_FORM:
            continue
        with default_storage.open(f"{folder}/{name}", "rb") as handle:
            digests.append(sm3_file(handle).hex())
    return digests


def _winners(lots: list[Lot]) -> dict[int, int]:
    """lot id → winning bid id, from the award when the evaluation package records one."""
    if not apps.is_installed("ggzy.evaluation"):
        return {}
    from ggzy.evaluation.models import Award

    return dict(Award.objects.filter(lot__in=lots, winner__isnull=False).values_list("lot_id", "winner_id"))


def build_window(
    lot_ids: Iterable[int],
    since: datetime,
    documents_for: set[int] | None = None,
    bidders: set[int] | None = None,
) -> Window:
    """The bid table of every opened lot since `since`, plus `lot_ids`. With `bidders`, only the lots those
    bidders took part in: all a single lot's pair and history signals need, at a cost that does not grow
    with the platform's volume. Plaintext digests are read from the file store for `documents_for`
    (default: the lots never screened) and reused from the stored screens for the others."""
    wanted = set(lot_ids)
    history = Q(decrypt_closes_at__gte=since, bids__status=Bid.Status.DECRYPTED)
    if bidders is not None:
        history &= Q(bids__bidder_id__in=bidders)
    lots = list(
        Lot.objects.filter(history | Q(pk__in=wanted))
        .distinct()
        .select_related("project__node__region")
        .order_by("pk")
    )
    lot_index = {lot.pk: i for i, lot in enumerate(lots)}
    bids = list(
        Bid.objects.filter(lot__in=lots, status__in=LIVE)
        .select_related("bidder", "lot")
        .order_by("lot_id", "bidder_id", "pk")
    )
    seen: set[tuple[int, int]] = set()
    unique_bids = []
    for bid in bids:  # one live bid per bidder and lot
        if (bid.lot_id, bid.bidder_id) not in seen:
            seen.add((bid.lot_id, bid.bidder_id))
            unique_bids.append(bid)
    bids = unique_bids
    accounts = {
        (b.lot_id, b.bidder_id): b.payer_account.strip()
        for b in Bond.objects.filter(lot__in=lots, kind=Bond.Kind.DEPOSIT).exclude(payer_account="")
    }
    firms = Factoriser()
    firm_ids = [firms(b.bidder_id) for b in bids]
    labels = [""] * len(firms.codes)
    names = [""] * len(firms.codes)
    entity_ids = [0] * len(firms.codes)
    for b in bids:
        f = firms.codes[b.bidder_id]
        labels[f], names[f], entity_ids[f] = b.bidder.uscc, b.bidder.name, b.bidder_id
    winners = _winners(lots)
    prices = np.array([_price(b) for b in bids], dtype=np.float64)
    lot_of = np.array([lot_index[b.lot_id] for b in bids], dtype=np.int64)
    won = np.zeros(len(bids), dtype=np.bool_)
    for row, bid in enumerate(bids):
        if winners.get(bid.lot_id) == bid.pk:
            won[row] = True
    no_award = np.ones(len(lots), dtype=np.bool_)
    for lot_id in winners:
        no_award[lot_index[lot_id]] = False
    lowest = np.full(len(lots), np.inf)
    np.minimum.at(lowest, lot_of, np.where(np.isfinite(prices), prices, np.inf))
    first_low: set[int] = set()
    for row in range(len(bids)):  # without an award, the lowest decrypted bid stands for the winner
        i = int(lot_of[row])
        if no_award[i] and np.isfinite(prices[row]) and prices[row] == lowest[i] and i not in first_low:
            won[row] = True
            first_low.add(i)
    keyers = {k: Factoriser(PLACEHOLDERS) for k in KEYS}
    keys = {
        "mac": keyers["mac"].many([_fingerprint(b, "mac") for b in bids]),
        "cpu": keyers["cpu"].many([_fingerprint(b, "cpu") for b in bids]),
        "disk": keyers["disk"].many([_fingerprint(b, "disk") for b in bids]),
        "upload_ip": keyers["upload_ip"].many([b.upload_ip for b in bids]),
        "decrypt_ip": keyers["decrypt_ip"].many([b.decrypt_ip for b in bids]),
        "cert": keyers["cert"].many([b.signer_key_id for b in bids]),
        "bond_account": keyers["bond_account"].many([accounts.get((b.lot_id, b.bidder_id)) for b in bids]),
        "manager": keyers["manager"].many([_manager(b) for b in bids]),
    }
    markets = Factoriser()
    lot_market = markets.many([(lot.project.node.region_id[:4], lot.project.category) for lot in lots])
    stored: dict[int, dict[str, list[str]]] = dict(
        LotScreen.objects.filter(lot__in=lots).values_list("lot_id", "documents")
    )
    if documents_for is None:
        documents_for = {lot.pk for lot in lots if lot.pk not in stored}
    documents: dict[int, dict[str, list[str]]] = {}
    doc_rows: list[int] = []
    doc_keys: list[int] = []
    docs = Factoriser()
    for row, bid in enumerate(bids):
        if bid.status != Bid.Status.DECRYPTED:
            continue
        if bid.lot_id in documents_for:
            digests = document_digests(bid)
        else:
            digests = stored.get(bid.lot_id, {}).get(bid.receipt_no, [])
        documents.setdefault(bid.lot_id, {})[bid.receipt_no] = digests
        for digest in digests:
            doc_rows.append(row)
            doc_keys.append(docs(digest))
    table = BidTable(
        lot=lot_of,
        firm=np.array(firm_ids, dtype=np.int64),
        price=prices,
        won=won,
        keys=keys,
        n_lots=len(lots),
        n_firms=max(len(firms.codes), 1),
        lot_market=lot_market if len(lots) else np.zeros(0, dtype=np.int64),
        doc_bid=np.array(doc_rows, dtype=np.int64),
        doc_key=np.array(doc_keys, dtype=np.int64),
    )
    return Window(table, lots, labels, names, entity_ids, bids, documents)


REFERENCE_SAMPLE = 2000


def history_reference(since: datetime) -> tuple[score.Reference | None, str]:
    # The most recent screens are reference enough; a bounded sample keeps each lot's screen O(1).
    recent = LotScreen.objects.filter(computed_at__gte=since).order_by("-computed_at")[:REFERENCE_SAMPLE]
    rows = list(recent.values_list("screens", flat=True))
    if len(rows) < SCREEN_REFERENCE_MIN_LOTS.value:
        return None, "simulated-competitive[U]"
    values = {
        name: np.array([float(r.get(name) if r.get(name) is not None else np.nan) for r in rows])
        for name in score.PRICE_WEIGHTS
    }
    return score.reference_from(values), f"platform-{len(rows)}-lots"


def evidence_for(window: Window, result: score.ScreenResult, i: int) -> dict[str, Any]:
    evidence = score.lot_evidence(result, i, window.firm_labels)
    names = dict(zip(window.firm_labels, window.firm_names, strict=True))
    for bidder in evidence["bidders"]:
        bidder["name"] = names.get(bidder["firm"], "")
    for pair in evidence["pairs"]:
        pair["a_name"] = names.get(pair["a"], "")
        pair["b_name"] = names.get(pair["b"], "")
    evidence["lot"] = window.lots[i].code
    return evidence


@action("supervision.store_screens")
def store_screens(
    actor: Actor, items: list[tuple[int, dict[str, Any], str, int, int, dict[str, list[str]]]]
) -> int:
    """Keep each lot's screen (lot id, evidence, reference, bidders, priced bids, plaintext digests)."""
    now = clock.now()
    lots = {
        lot.pk: lot
        for lot in Lot.objects.filter(pk__in=[i[0] for i in items]).select_related("project__principal")
    }
    for lot_id, evidence, reference, bidders, priced, documents in items:
        lot = lots[lot_id]
        LotScreen.objects.update_or_create(
            lot=lot,
            defaults={
                "computed_at": now,
                "bidders": bidders,
                "priced": priced,
                "screens": evidence["screens"],
                "suspicion": evidence["suspicion"],
                "components": {**evidence["components"], "cardinal": evidence["cardinal"]},
                "score": evidence["score"],
                "pairs": evidence["pairs"],
                "bidder_signals": evidence["bidders"],
                "reference": reference,
                "documents": documents,
                "region": routing.region_of(lot.project),
            },
        )
    audit.record(
        ("supervision.lotscreen", ",".join(str(i[0]) for i in items[:5])[:64]),
        {"lots": [i[0] for i in items], "scores": [f"{i[1]['score']:.1f}" for i in items]},
    )
    return len(items)


def collusion_finding(lot: Lot, evidence: dict[str, Any]) -> Finding | None:
    presumptions = [p for p in evidence["pairs"] if p["presumption"]]
    if evidence["score"] < COLLUSION_ALERT_SCORE.value and not presumptions:
        return None
    citations = sorted({c for p in presumptions for c in p["basis"]})
    legal = alert_rule("S16").legal
    if citations:
        legal = LegalRule("；".join(citations) + "；" + legal.citation, legal.text)
    signals = sorted({SIGNALS[s].name for p in presumptions for s in p["presumption"]})
    title = f"{lot.code}：围标串标风险分{evidence['score']:.0f}" + (
        f"，{'、'.join(signals)}" if signals else ""
    )
    return Finding(
        alert_rule("S16"),
        f"lot:{lot.pk}",
        title,
        {**evidence, "threshold": COLLUSION_ALERT_SCORE.value},
        lot=lot,
        score=evidence["score"],
        severity="critical" if presumptions else "high",
        legal=legal,
    )


def _run(lot_ids: list[int], now: datetime, store_all: bool) -> list[Alert]:
    since = now - timedelta(days=SCREEN_HISTORY_DAYS.value)
    bidders = (
        None if store_all else set(Bid.objects.filter(lot_id__in=lot_ids).values_list("bidder_id", flat=True))
    )
    window = build_window(lot_ids, since, documents_for=set(lot_ids) if lot_ids else None, bidders=bidders)
    if not window.lots:
        return []
    reference, label = history_reference(since)
    result = score.run(window.table, reference)
    targets = (
        range(len(window.lots))
        if store_all
        else [i for i in (window.index_of(x) for x in lot_ids) if i is not None]
    )
    items, findings = [], []
    counts = np.bincount(window.table.lot, minlength=len(window.lots))
    priced = np.bincount(
        window.table.lot, weights=np.isfinite(window.table.price).astype(float), minlength=len(window.lots)
    )
    for i in targets:
        lot = window.lots[i]
        if priced[i] < 1:
            continue
        evidence = evidence_for(window, result, i)
        items.append(
            (lot.pk, evidence, label, int(counts[i]), int(priced[i]), window.documents.get(lot.pk, {}))
        )
        finding = collusion_finding(lot, evidence)
        if finding is not None:
            findings.append(finding)
    system = Actor.system("collusion-screen")
    for start in range(0, len(items), 200):
        store_screens(system, items[start : start + 200])
    return raise_findings(findings)


def screen_lot(lot_id: int, now: datetime | None = None) -> list[Alert]:
    """Screen one lot against the window's history (at the close of its opening)."""
    return _run([lot_id], now or clock.now(), store_all=False)


def screen_window(now: datetime | None = None) -> list[Alert]:
    """Screen every opened lot of the window in one vectorised pass (the nightly sweep)."""
    return _run([], now or clock.now(), store_all=True)
