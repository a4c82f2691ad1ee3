"""Unguessable receipt numbers and bond virtual accounts (issue 10 §3; 电子招标投标办法 第21条).

Sequential numbers let a bidder who bids twice count the bids in between. Both numbers are drawn
from the operating system's CSPRNG (`secrets`) and carry a Luhn check character so a mistyped number
is caught at once:

- receipt number: "HZ" + 16 Crockford base32 characters (80 bits) + a Luhn mod 32 check character;
- bond virtual account: "6217" + 12 random digits + a Luhn check digit (17 digits, as bank cards).

`taken(candidate)` tells whether a number is already in use; a collision is drawn again.
"""

import secrets
from collections.abc import Callable

from stdnum import luhn

RECEIPT_PREFIX = "HZ"
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
RECEIPT_RANDOM_CHARS = 16
BOND_PREFIX = "6217"
BOND_RANDOM_DIGITS = 12
MAX_DRAWS = 16


def _random_text(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _draw(make: Callable[[], str], taken: Callable[[str], bool]) -> str:
    for _ in range(MAX_DRAWS):
        candidate = make()
        if not taken(candidate):
            return candidate
    raise RuntimeError("no free number after repeated random draws")  # pragma: no cover


def _receipt() -> str:
    body = _random_text(RECEIPT_ALPHABET, RECEIPT_RANDOM_CHARS)
    return RECEIPT_PREFIX + body + luhn.calc_check_digit(body, alphabet=RECEIPT_ALPHABET)


def _bond() -> str:
    body = BOND_PREFIX + _random_text("0123456789", BOND_RANDOM_DIGITS)
    return body + luhn.calc_check_digit(body)


def new_receipt_no(taken: Callable[[str], bool]) -> str:
    return _draw(_receipt, taken)


def new_bond_account(taken: Callable[[str], bool]) -> str:
    return _draw(_bond, taken)


def is_receipt_no(text: str) -> bool:
    body = text.removeprefix(RECEIPT_PREFIX)
    return (
        text.startswith(RECEIPT_PREFIX)
        and len(body) == RECEIPT_RANDOM_CHARS + 1
        and all(c in RECEIPT_ALPHABET for c in body)
        and luhn.is_valid(body, alphabet=RECEIPT_ALPHABET)
    )
