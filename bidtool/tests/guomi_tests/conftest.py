"""Shared fixtures for the guomi tests (no Django: run with `-p no:django`)."""

import pytest

from ggzy_guomi import Sm2PrivateKey
from guomi_tests.helpers import STANDARD_PRIVATE, STANDARD_PUBLIC


@pytest.fixture(scope="session")
def standard_key() -> Sm2PrivateKey:
    return Sm2PrivateKey.from_hex(STANDARD_PRIVATE, STANDARD_PUBLIC)


@pytest.fixture(scope="session")
def other_key() -> Sm2PrivateKey:
    return Sm2PrivateKey.generate()
