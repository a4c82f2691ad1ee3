import pytest

from ggzy.kernel.errors import InvalidInput
from ggzy.kernel.models import Region
from ggzy.kernel.regions import get_region, level_and_parent

pytestmark = pytest.mark.django_db


def test_ningxia_is_loaded_whole() -> None:
    ningxia = Region.objects.get(code="640000")
    cities = Region.objects.filter(parent=ningxia, level="city")
    counties = Region.objects.filter(parent__in=cities, level="county")
    assert ningxia.name == "宁夏回族自治区"
    assert sorted(c.name for c in cities) == sorted(["银川市", "石嘴山市", "吴忠市", "固原市", "中卫市"])
    assert counties.count() == 22
    assert Region.objects.get(code="640323").full_name == "宁夏回族自治区吴忠市盐池县"


def test_every_province_level_division_is_present() -> None:
    assert Region.objects.filter(level="province").count() == 34


def test_code_structure() -> None:
    assert level_and_parent("640000") == ("province", None)
    assert level_and_parent("640100") == ("city", "640000")
    assert level_and_parent("640121") == ("county", "640100")
    assert level_and_parent("429004") == ("county", "420000")  # 省直辖县级行政单位
    with pytest.raises(InvalidInput):
        level_and_parent("64010")


def test_unknown_region_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput) as err:
        get_region("649999")
    assert err.value.code == "region_unknown"
    assert "GB/T 2260" in err.value.rule.citation  # type: ignore[union-attr]
