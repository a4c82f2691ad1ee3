"""Canonical JSON: one byte string per value, so digests and signatures are reproducible."""

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date | Decimal | UUID):
        return str(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 characters kept as they are."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_default)


def canonical_bytes(value: Any) -> bytes:
    return canonical_json(value).encode("utf-8")


def plain(value: Any) -> Any:
    """The value as JSON-native types (dates, decimals and UUIDs become strings)."""
    return json.loads(canonical_json(value))
