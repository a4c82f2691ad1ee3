import pytest

from ggzy.kernel.codes import build_uscc, is_valid_uscc, org_code_check_char, uscc_check_char, validate_uscc
from ggzy.kernel.errors import InvalidInput


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("91110000101623741K", True),
        ("911101066976941872", True),
        ("91350100M000100Y43", True),
        ("91310115MA1H8R7C6D", False),  # check character should be 7 (rules-cn §5 R1)
    ],
)
def test_rules_cn_vectors(code: str, valid: bool) -> None:
    assert is_valid_uscc(code) is valid


def test_wrong_check_character_names_the_expected_one() -> None:
    with pytest.raises(InvalidInput) as err:
        validate_uscc("91310115MA1H8R7C6D")
    assert err.value.code == "uscc_check"
    assert err.value.details["expected"] == "7"
    assert "GB 32100-2015" in err.value.rule.citation  # type: ignore[union-attr]
    assert validate_uscc("91310115MA1H8R7C67") == "91310115MA1H8R7C67"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91110000101623741", "uscc_length"),  # 17
        ("91110000101623741KK", "uscc_length"),  # 19
        ("", "uscc_length"),
        ("9111000010162374IK", "uscc_charset"),  # I is never used
        ("91110000101623741O", "uscc_charset"),  # neither is O
        ("9111000010162374-K", "uscc_charset"),
        ("94110000101623741K", "uscc_prefix"),  # 市场监管 has classes 1-3 only
        ("B1110000101623741K", "uscc_prefix"),
    ],
)
def test_each_kind_of_bad_code_has_its_own_error(code: str, error: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_uscc(code)
    assert err.value.code == error
    assert err.value.status == 422
    assert err.value.zh
    assert err.value.en


def test_lower_case_and_spaces_are_normalised() -> None:
    assert validate_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"


def test_every_single_character_change_is_caught() -> None:
    code = "91110000101623741K"
    for position in range(18):
        for replacement in "0123456789ABCDEFGHJKLMNPQRTUWXY":
            if replacement == code[position]:
                continue
            mutated = code[:position] + replacement + code[position + 1 :]
            assert not is_valid_uscc(mutated), mutated


def test_built_codes_validate_and_carry_a_gb11714_check() -> None:
    code = build_uscc("91", "640104", "10162374")
    assert is_valid_uscc(code)
    # 10162374 -> organisation code 10162374-1 (GB 11714 weights 3,7,9,10,5,8,4,2)
    assert org_code_check_char("10162374") == "1"
    assert code[17] == uscc_check_char(code[:17])
