"""Keys shared by the guomi and the bidder-tool tests (generated once per session)."""

import pytest

from ggzy_guomi import Sm2PrivateKey


@pytest.fixture(scope="session")
def bidder_key() -> Sm2PrivateKey:
    return Sm2PrivateKey.generate()


@pytest.fixture(scope="session")
def opening_key() -> Sm2PrivateKey:
    return Sm2PrivateKey.generate()


@pytest.fixture(scope="session")
def other_key() -> Sm2PrivateKey:
    return Sm2PrivateKey.generate()
