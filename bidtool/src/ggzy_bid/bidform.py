"""bid-form.json (投标函/开标一览表): the structured part of a bid, checked before anything is sealed.

The file is sealed like every other bid file — its price stays secret until the opening; nothing from it
goes into the envelope metadata, which anyone holding the envelope can read. Checking it here only
spares the bidder an invalid bid discovered at the opening.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ggzy_bid.errors import BidFormError, InputError

BID_FORM_NAME = "bid-form.json"
MAX_BID_FORM_SIZE = 1 << 20

# Price in yuan, as text (a JSON number could be a binary float): digits, at most two decimals (fen).
_PRICE = re.compile(r"(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,2})?")


def _is_price(value: object) -> bool:
    return isinstance(value, str) and _PRICE.fullmatch(value) is not None and Decimal(value) > 0


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _is_text(value: object) -> bool:
    return isinstance(value, str) and value.strip() != ""


@dataclass(frozen=True)
class FieldRule:
    """A required field: its name, the requirement in Chinese and English, and the predicate."""

    field: str
    zh: str
    en: str
    check: Callable[[object], bool]


# The required fields of 投标函/开标一览表, as data: edit this table, not the code, to change the rules.
# Further fields are allowed and sealed untouched.
RULES: tuple[FieldRule, ...] = (
    FieldRule(
        "price",
        '投标报价：以"元"为单位的十进制字符串，大于0，最多两位小数，如 "1234567.89"',
        'bid price in yuan: a decimal string > 0 with at most two decimals, e.g. "1234567.89"',
        _is_price,
    ),
    FieldRule(
        "duration_days",
        "工期（日历天）：大于0的整数",
        "duration in calendar days: an integer > 0",
        _is_positive_int,
    ),
    FieldRule("quality", "质量标准：非空字符串", "quality standard: a non-empty string", _is_text),
    FieldRule("project_manager", "项目经理：非空字符串", "project manager: a non-empty string", _is_text),
)


@dataclass(frozen=True)
class BidForm:
    """The checked required fields (for the summary printed before sealing) and the whole document."""

    price: Decimal
    duration_days: int
    quality: str
    project_manager: str
    document: dict[str, Any]


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # Two "price" keys would make the bid ambiguous: readers disagree on which one counts.
            raise BidFormError(key, "字段重复出现", "the field appears more than once")
        result[key] = value
    return result


def parse_bid_form(data: bytes) -> BidForm:
    """Check bid-form.json content; raise `BidFormError` naming the first field that breaks a rule."""
    if len(data) > MAX_BID_FORM_SIZE:
        raise InputError(
            f"{BID_FORM_NAME} 超过 {MAX_BID_FORM_SIZE} 字节"
            f"（{BID_FORM_NAME} is larger than {MAX_BID_FORM_SIZE} bytes）"
        )
    try:
        document = json.loads(data.decode("utf-8-sig"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"{BID_FORM_NAME} 不是有效的 UTF-8 JSON：{exc}（{BID_FORM_NAME} is not valid UTF-8 JSON）"
        ) from None
    if not isinstance(document, dict):
        raise InputError(f"{BID_FORM_NAME} 必须是 JSON 对象 {{…}}（{BID_FORM_NAME} must be a JSON object）")
    for rule in RULES:
        if rule.field not in document:
            raise BidFormError(rule.field, f"缺少该字段。{rule.zh}", f"missing. Expected {rule.en}")
        if not rule.check(document[rule.field]):
            value = json.dumps(document[rule.field], ensure_ascii=False)[:80]
            raise BidFormError(
                rule.field,
                f"值 {value} 不符合要求。{rule.zh}",
                f"value {value} is invalid. Expected {rule.en}",
            )
    return BidForm(
        price=Decimal(document["price"]),
        duration_days=document["duration_days"],
        quality=document["quality"],
        project_manager=document["project_manager"],
        document=document,
    )


def load_bid_form(path: Path) -> BidForm:
    """Read and check `path` (bid-form.json)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BID_FORM_SIZE + 1)
    except FileNotFoundError:
        raise InputError(
            f"投标文件夹中缺少 {BID_FORM_NAME}（投标函/开标一览表）"
            f"（the bid folder has no {BID_FORM_NAME}: the bid form with price, duration, quality and "
            f"project manager is required）"
        ) from None
    return parse_bid_form(data)
