"""Fixtures shared by every package's tests: the virtual clock, a small node network, actors, forms."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ggzy.kernel import clock
from ggzy.kernel.roles import Actor
from ggzy.testing import PASSWORD, actor_of

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """Password hashing is deliberately slow; tests do not need it to be."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def isolated_files(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Each test gets its own file store, platform key and local time-stamping authority."""
    from ggzy.kernel import timestamping
    from ggzy.kernel.platform_key import platform_key

    settings.MEDIA_ROOT = tmp_path / "files"
    settings.PLATFORM_KEY_FILE = tmp_path / "keys" / "platform.key.pem"
    settings.CA_ROOTS_DIR = tmp_path / "ca"  # the recognised CAs: the demo CA, made on first use
    settings.CA_ROOT_FILES = []
    settings.DEMO_CA_KEY_FILE = tmp_path / "keys" / "demo-ca.key.pem"
    settings.LOCAL_TSA_KEY_FILE = tmp_path / "keys" / "local-tsa.pem"
    platform_key.cache_clear()
    timestamping.local_authority_cache_clear()
    yield
    platform_key.cache_clear()
    timestamping.local_authority_cache_clear()


@pytest.fixture
def vclock() -> Iterator[datetime]:
    """The virtual clock, frozen at a known Monday morning; tests move it with clock.advance()."""
    clock.freeze(START)
    yield START
    clock.release()


@pytest.fixture
def system() -> Actor:
    return Actor.system("test")


@pytest.fixture
def network(db, system):  # type: ignore[no-untyped-def]
    """Province (宁夏) with two city platforms, each with a county branch; one department; one operator."""
    from ggzy.exchange.actions import create_node
    from ggzy.registry.actions import create_department, create_staff_account
    from ggzy.registry.schemas import DepartmentIn, StaffAccountIn

    province = create_node(
        system, name="宁夏回族自治区公共资源交易中心", level="province", region_code="640000"
    )
    yinchuan = create_node(
        system, name="银川市公共资源交易中心", level="city", region_code="640100", parent_id=province.pk
    )
    wuzhong = create_node(
        system, name="吴忠市公共资源交易中心", level="city", region_code="640300", parent_id=province.pk
    )
    yongning = create_node(
        system, name="永宁县分中心", level="branch", region_code="640121", parent_id=yinchuan.pk
    )
    yanchi = create_node(
        system, name="盐池县分中心", level="branch", region_code="640323", parent_id=wuzhong.pk
    )
    housing = create_department(
        system, DepartmentIn(name="住房和城乡建设厅", node_id=province.pk, sectors=["engineering"])
    )
    create_staff_account(
        system,
        StaffAccountIn(
            username="op",
            password=PASSWORD,
            name="王运营",
            mobile="13900000001",
            kind="operator",
            node_id=province.pk,
        ),
    )
    create_staff_account(
        system,
        StaffAccountIn(
            username="reg",
            password=PASSWORD,
            name="李监管",
            mobile="13900000002",
            kind="regulator",
            node_id=province.pk,
            department_id=housing.pk,
        ),
    )
    return {
        "province": province,
        "yinchuan": yinchuan,
        "wuzhong": wuzhong,
        "yongning": yongning,
        "yanchi": yanchi,
        "housing": housing,
    }


@pytest.fixture
def operator(network) -> Actor:  # type: ignore[no-untyped-def]
    return actor_of("op")
