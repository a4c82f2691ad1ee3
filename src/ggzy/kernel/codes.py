"""Identifiers: 统一社会信用代码 (GB 32100-2015) and 组织机构代码 (GB 11714-1997) check characters.

Administrative divisions (GB/T 2260) are data: see `models.Region` and `data/regions/`.
"""

from stdnum.cn import uscc as stdnum_uscc

from ggzy.kernel.errors import InvalidInput, LegalRule

USCC_RULE = LegalRule(
    "GB 32100-2015《法人和其他组织统一社会信用代码编码规则》",
    "统一社会信用代码由18位阿拉伯数字或大写英文字母（不使用I、O、Z、S、V）组成："
    "第1位登记管理部门代码，第2位机构类别代码，第3-8位登记管理机关行政区划码，"
    "第9-17位主体标识码（组织机构代码），第18位校验码。",
)

ORG_CODE_RULE = LegalRule(
    "GB 11714-1997《全国组织机构代码编制规则》",
    "组织机构代码由8位本体代码和1位校验码组成，校验码C9 = 11 - MOD(∑Ci×Wi, 11)，"
    "Wi依次为3、7、9、10、5、8、4、2；C9为10时用X，为11时用0。统一社会信用代码第9-17位为组织机构代码。",
)

# 31 characters: digits and upper-case letters without I, O, Z, S, V.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUE = {ch: i for i, ch in enumerate(USCC_CHARSET)}

# Registration authority (1st) and organisation class (2nd) pairs in use (GB 32100-2015 表1, XG1-2016).
USCC_PREFIXES = frozenset(
    {
        "11", "12", "13", "19",  # 机构编制
        "21", "29",  # 外交
        "31", "32", "33", "34", "35", "39",  # 司法行政
        "41", "49",  # 文化
        "51", "52", "53", "59",  # 民政
        "61", "62", "69",  # 旅游
        "71", "72", "79",  # 宗教
        "81", "89",  # 工会
        "91", "92", "93",  # 市场监督管理（工商）
        "A1", "A9",  # 中央军委改革和编制办公室
        "N1", "N2", "N3", "N9",  # 农业
        "Y1",  # 其他
    }
)  # fmt: skip

# GB 11714-1997: weights of the 8 body characters; check = 11 - (sum mod 11), 10 -> X, 11 -> 0.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def uscc_check_char(first17: str) -> str:
    """The 18th character for the first 17 (weights 3^(i-1) mod 31), computed by python-stdnum.

    stdnum's own `validate` is not used: it insists on 8 leading digits and so refuses the valid
    registration-authority codes A1, A9, N1-N9 and Y1.
    """
    check: str = stdnum_uscc.calc_check_digit(first17)
    return check


def validate_uscc(raw: str) -> str:
    """Return the normalised code, or raise InvalidInput naming exactly what is wrong."""
    code = (raw or "").strip().upper()
    if len(code) != 18:
        raise InvalidInput(
            "uscc_length",
            f"统一社会信用代码应为18位，实际为{len(code)}位",
            f"A unified social credit code has 18 characters, this one has {len(code)}",
            rule=USCC_RULE,
            details={"value": raw, "length": len(code)},
        )
    bad = sorted({ch for ch in code if ch not in USCC_VALUE})
    if bad:
        raise InvalidInput(
            "uscc_charset",
            f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用I、O、Z、S、V）",
            f"Characters not allowed in a USCC: {', '.join(bad)} (I, O, Z, S, V are unused)",
            rule=USCC_RULE,
            details={"value": raw, "characters": bad},
        )
    if code[:2] not in USCC_PREFIXES:
        raise InvalidInput(
            "uscc_prefix",
            f"登记管理部门代码和机构类别代码“{code[:2]}”不存在",
            f"Unknown registration authority / organisation class '{code[:2]}'",
            rule=USCC_RULE,
            details={"value": raw, "prefix": code[:2]},
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise InvalidInput(
            "uscc_check",
            f"统一社会信用代码校验码错误：第18位应为“{expected}”，实际为“{code[17]}”",
            f"Wrong check character: position 18 should be '{expected}', not '{code[17]}'",
            rule=USCC_RULE,
            details={"value": raw, "expected": expected, "actual": code[17]},
        )
    org = code[8:17]
    org_expected = org_code_check_char(org[:8])
    if org[8] != org_expected:
        raise InvalidInput(
            "uscc_org_code",
            f"统一社会信用代码第9-17位（组织机构代码{org[:8]}-{org[8]}）校验码错误：第17位应为“{org_expected}”",
            f"The embedded organisation code {org[:8]}-{org[8]} (characters 9-17) fails its GB 11714 check: "
            f"position 17 should be '{org_expected}'",
            rule=ORG_CODE_RULE,
            details={"value": raw, "org_code": org, "expected": org_expected, "actual": org[8]},
        )
    return code


def is_valid_uscc(raw: str) -> bool:
    try:
        validate_uscc(raw)
    except InvalidInput:
        return False
    return True


def org_code_check_char(body8: str) -> str:
    """GB 11714-1997 check character for an 8-character organisation code body."""
    total = sum(ORG_CODE_CHARSET.index(ch) * w for ch, w in zip(body8, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def build_uscc(prefix: str, region: str, org_body8: str) -> str:
    """Compose a well-formed USCC from its parts (used by the demo and by tests that need valid codes)."""
    org = org_body8 + org_code_check_char(org_body8)
    first17 = prefix + region + org
    if len(first17) != 17 or any(ch not in USCC_VALUE for ch in first17):
        raise ValueError(f"cannot build a USCC from {prefix!r}, {region!r}, {org_body8!r}")
    return first17 + uscc_check_char(first17)
