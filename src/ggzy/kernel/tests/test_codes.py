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
    assert validate_uscc("91310115MA1H8R7C41") == "91310115MA1H8R7C41"


@pytest.mark.parametrize(
    "code",
    [
        "91110000101623741K",  # organisation code 10162374-1
        "911101066976941872",  # 69769418-7
        "91350100M000100Y43",  # M000100Y-4 (letters count A=10 ... Z=35)
        "9144030071526726XG",  # 71526726-X (remainder 10 -> X)
        "91110000600037341L",  # 60003734-1
        "91640000000000000C",  # 00000000-0 (remainder 11 -> 0)
    ],
)
def test_the_embedded_organisation_code_of_valid_codes_passes_gb11714(code: str) -> None:
    assert validate_uscc(code) == code
    assert org_code_check_char(code[8:16]) == code[16]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("91310115MA1H8R7C67", "4"),  # the USCC check character is right, the organisation code's is not
        ("91640100MA0000000L", "7"),
        ("91110000101623749C", "1"),
    ],
)
def test_a_wrong_organisation_code_check_is_refused_with_its_own_error(code: str, expected: str) -> None:
    assert uscc_check_char(code[:17]) == code[17]  # only the GB 11714 check can catch these
    with pytest.raises(InvalidInput) as err:
        validate_uscc(code)
    assert err.value.code == "uscc_org_code"
    assert err.value.details["expected"] == expected
    assert "GB 11714" in err.value.rule.citation  # type: ignore[union-attr]
    assert not is_valid_uscc(code)


def test_generated_codes_of_the_test_helpers_are_valid() -> None:
    from ggzy.testing import new_uscc

    for _ in range(50):
        assert is_valid_uscc(new_uscc())
    assert is_valid_uscc(build_uscc("12", "640100", "MA1H8R7C"))


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
