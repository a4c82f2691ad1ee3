"""Shared bits of the benchmarks: the JSON line, percentiles, finding PostgreSQL."""

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/ggzy"


def emit(
    name: str,
    figure: float,
    unit: str,
    baseline: float,
    ratio: float,
    params: dict[str, Any],
) -> dict[str, Any]:
    """Print the benchmark's one JSON line (stdout) and return it."""
    machine = {"cpus": os.cpu_count(), "load_1m": round(os.getloadavg()[0], 2)}  # other work skews figures
    line = {
        "name": name,
        "figure": round(figure, 4),
        "unit": unit,
        "baseline": round(baseline, 4),
        "ratio": round(ratio, 4),
        "params": {**params, "machine": machine},
    }
    print(json.dumps(line, ensure_ascii=False), flush=True)
    return line


def skipped(name: str, reason: str) -> dict[str, Any]:
    line = {"name": name, "skipped": reason}
    print(json.dumps(line, ensure_ascii=False), flush=True)
    return line


def note(message: str) -> None:
    """Progress for the person watching: stderr, so that stdout stays JSON lines only."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def postgres_url() -> str | None:
    """A PostgreSQL server to benchmark on: GGZY_DATABASE_URL or GGZY_TEST_DATABASE_URL if they name one,
    else the local default when it answers; None when there is none."""
    for name in ("GGZY_DATABASE_URL", "GGZY_TEST_DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("postgres://", "postgresql://")):
            return url
    import psycopg

    try:
        with psycopg.connect(DEFAULT_POSTGRES.rsplit("/", 1)[0] + "/postgres", connect_timeout=3):
            return DEFAULT_POSTGRES
    except psycopg.Error:
        return None
