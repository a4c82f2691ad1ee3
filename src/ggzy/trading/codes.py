"""Codes of a trade (rules-cn §2 D4–D5).

- 项目编号: the platform's 11-character code + a 6-digit serial per platform = 17 characters (D4).
- 标段编号: the project code + a 3-digit lot number (the suffix is [U] in rules-cn; ours is configuration-free).
- 统一交易标识码: USCC(18)-date(8)-serial(6)-check(1), check by ISO 7064 MOD 37-2 over the characters
  without hyphens (D5, as implemented by third parties; the official rule is [U]).
"""

from datetime import date

from stdnum.iso7064 import mod_37_2

from ggzy.exchange.models import Node
from ggzy.kernel.errors import InvalidInput
from ggzy.kernel.sequences import next_value


def project_code(node: Node) -> str:
    platform_code = node.effective_platform_code
    if not platform_code:
        raise InvalidInput(
            "platform_code_missing", "该节点没有交易平台标识代码", "The node has no platform code"
        )
    return f"{platform_code}{next_value(f'project:{platform_code}'):06d}"


def lot_code(project_code: str, seq: int) -> str:
    return f"{project_code}{seq:03d}"


def unified_deal_code(principal_uscc: str, day: date) -> str:
    stamp = day.strftime("%Y%m%d")
    serial = next_value(f"deal:{stamp}")
    body = f"{principal_uscc}{stamp}{serial:06d}"
    check: str = mod_37_2.calc_check_digit(body)
    return f"{principal_uscc}-{stamp}-{serial:06d}-{check}"


def is_valid_deal_code(code: str) -> bool:
    parts = code.split("-")
    if len(parts) != 4 or [len(p) for p in parts] != [18, 8, 6, 1]:
        return False
    valid: bool = mod_37_2.is_valid("".join(parts))
    return valid
