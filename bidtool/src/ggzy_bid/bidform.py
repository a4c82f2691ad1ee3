"""bid-form.json (投标函/开标一览表): the structured part of a bid, checked before anything is sealed.

The file is sealed like every other bid file — its price stays secret until the opening; nothing from it
goes into the envelope metadata, which anyone holding the envelope can read. Checking it here only
spares the bidder an invalid bid discovered at the opening.
"""

import json
import re
from collections.abc import Callable, Sequence
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
    """A field's check: its name, the requirement in Chinese and English, and the predicate."""

    field: str
    zh: str
    en: str
    check: Callable[[object], bool]
    required: bool = True


@dataclass(frozen=True)
class FormField:
    """One field of the lot's bid form as the platform publishes it (GET /api/trading/lots/{code}/bid-form):
    the trading method decides the fields (工期 for works, 交货期 and 品牌 for goods, …)."""

    name: str
    label: str
    kind: str  # amount, integer, text, boolean
    required: bool = True


_KINDS: dict[str, tuple[str, str, Callable[[object], bool]]] = {
    "amount": (
        '以"元"为单位的十进制字符串，大于0，最多两位小数，如 "1234567.89"',
        'in yuan: a decimal string > 0 with at most two decimals, e.g. "1234567.89"',
        _is_price,
    ),
    "integer": ("大于0的整数", "an integer > 0", _is_positive_int),
    "text": ("非空字符串", "a non-empty string", _is_text),
    "boolean": ("true 或 false", "true or false", lambda v: isinstance(v, bool)),
}


def field_rules(fields: Sequence[FormField]) -> tuple[FieldRule, ...]:
    rules = []
    for f in fields:
        if f.kind not in _KINDS:
            raise InputError(f"未知的字段类型 {f.kind}（unknown field kind {f.kind} of {f.name}）")
        zh, en, check = _KINDS[f.kind]
        if f.kind == "text" and not f.required:
            zh, en, check = "字符串", "a string", lambda v: isinstance(v, str)
        rules.append(FieldRule(f.name, f"{f.label}：{zh}", f"{f.name}: {en}", check, f.required))
    return tuple(rules)


# Construction tendering's 投标函/开标一览表, the default when no form is given. Further fields are allowed
# and sealed untouched.
CONSTRUCTION_FORM: tuple[FormField, ...] = (
    FormField("price", "投标报价", "amount"),
    FormField("duration_days", "工期（日历天）", "integer"),
    FormField("quality", "质量标准", "text"),
    FormField("project_manager", "项目经理", "text"),
)
RULES = field_rules(CONSTRUCTION_FORM)


@dataclass(frozen=True)
class BidForm:
    """The checked bid form: its price (for the summary printed before sealing) and the whole document."""

    price: Decimal
    document: dict[str, Any]


def form_fields_from_json(data: object) -> tuple[FormField, ...]:
    """The form published by the platform: {"fields": [{"name", "label", "kind", "required"}, …]}."""
    items = data.get("fields") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise InputError("投标函格式须为字段列表（the bid form specification must list its fields）")
    try:
        fields = tuple(
            FormField(
                str(i["name"]), str(i.get("label", i["name"])), str(i["kind"]), bool(i.get("required", True))
            )
            for i in items
        )
    except (KeyError, TypeError, AttributeError):
        raise InputError(
            "投标函格式的每个字段须有 name 和 kind（each field needs a name and a kind）"
        ) from None
    if "price" not in {f.name for f in fields}:
        raise InputError("投标函格式缺少 price 字段（the bid form has no price field）")
    field_rules(fields)  # unknown kinds are refused here, before anything is sealed
    return fields


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # Two "price" keys would make the bid ambiguous: readers disagree on which one counts.
            raise BidFormError(key, "字段重复出现", "the field appears more than once")
        result[key] = value
    return result


def parse_bid_form(data: bytes, fields: Sequence[FormField] = CONSTRUCTION_FORM) -> BidForm:
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
    for rule in field_rules(fields):
        if rule.field not in document:
            if not rule.required:
                continue
            raise BidFormError(rule.field, f"缺少该字段。{rule.zh}", f"missing. Expected {rule.en}")
        if not rule.check(document[rule.field]):
            value = json.dumps(document[rule.field], ensure_ascii=False)[:80]
            raise BidFormError(
                rule.field,
                f"值 {value} 不符合要求。{rule.zh}",
                f"value {value} is invalid. Expected {rule.en}",
            )
    return BidForm(price=Decimal(document["price"]), document=document)


def load_bid_form(path: Path, fields: Sequence[FormField] = CONSTRUCTION_FORM) -> BidForm:
    """Read and check `path` (bid-form.json) against the lot's form."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BID_FORM_SIZE + 1)
    except FileNotFoundError:
        raise InputError(
            f"投标文件夹中缺少 {BID_FORM_NAME}（投标函/开标一览表）"
            f"（the bid folder has no {BID_FORM_NAME}: the bid form with the price and the other fields of "
            f"the lot's form is required）"
        ) from None
    return parse_bid_form(data, fields)
