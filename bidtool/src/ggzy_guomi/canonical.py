"""Canonical JSON: the exact bytes GGZY signs (envelope manifests, receipts).

Rules: UTF-8, object keys sorted by Unicode code point, separators "," and ":" with no whitespace,
non-ASCII characters written as-is (not \\u-escaped), Python `json` escaping for the rest. Only
null, booleans, integers within ±(2**53-1) (exact in every JSON implementation, JavaScript included),
strings, arrays and string-keyed objects are allowed — floats are rejected because their textual form
differs between languages and would make signatures irreproducible.

`parse_canonical_json` accepts only bytes that re-encode identically, so duplicate keys, extra
whitespace or alternative escapes can never make a verifier see something other than what was signed.
"""

import json
from typing import Any

type JsonValue = bool | int | str | list[JsonValue] | dict[str, JsonValue] | None

MAX_SAFE_INTEGER = 2**53 - 1


class CanonicalJsonError(ValueError):
    """The value cannot be, or the bytes are not, canonical JSON."""


def _check(value: object, path: str) -> None:
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalJsonError(f"{path}: integer outside ±(2**53-1)")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalJsonError(f"{path}: object key {key!r} is not a string")
            _check(item, f"{path}.{key}")
        return
    raise CanonicalJsonError(f"{path}: {type(value).__name__} is not allowed in canonical JSON")


def canonical_json(value: object) -> bytes:
    """Encode `value` as canonical JSON bytes; raise `CanonicalJsonError` for disallowed content."""
    _check(value, "$")
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalJsonError("string contains a lone surrogate, not valid UTF-8") from None


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in pairs:
        if key in result:
            raise CanonicalJsonError(f"duplicate object key {key!r}")
        result[key] = item
    return result


def _reject_float(text: str) -> Any:
    raise CanonicalJsonError(f"float {text} not allowed in canonical JSON")


def parse_canonical_json(data: bytes) -> Any:
    """Parse bytes that must be canonical JSON; raise `CanonicalJsonError` otherwise."""
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text,
            object_pairs_hook=_reject_duplicates,
            parse_float=_reject_float,
            parse_constant=_reject_float,
        )
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CanonicalJsonError(f"not valid JSON: {exc}") from None
    if canonical_json(value) != data:
        raise CanonicalJsonError("JSON is valid but not in canonical form")
    return value
