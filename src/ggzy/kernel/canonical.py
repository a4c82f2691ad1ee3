"""Canonical JSON for Django-side data: Python values made JSON-native, then encoded by `guomi`'s one
canonical form (the same bytes envelopes and receipts are signed over)."""

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ggzy_guomi import JsonValue, canonical_json


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date | Decimal | UUID):
        return str(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def plain(value: Any) -> JsonValue:
    """The value as JSON-native types: datetimes, dates, decimals and UUIDs become strings."""
    result: JsonValue = json.loads(json.dumps(value, default=_default))
    return result


def canonical_bytes(value: Any) -> bytes:
    return canonical_json(plain(value))
