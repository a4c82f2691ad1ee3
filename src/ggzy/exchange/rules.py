"""Rules of the node network."""

from ggzy.kernel.errors import LegalRule

NETWORK_RULE = LegalRule(
    "国办发〔2015〕63号 四(五)；新政发〔2016〕54号 (五)",
    "省级和地级市各整合建立一个公共资源交易平台；县级不再新设平台，可设立市级平台的分支机构（分中心）；全省一张网。",
)
PLATFORM_CODE_RULE = LegalRule(
    "公共资源交易平台系统数据规范（交易平台标识代码）",
    "交易平台标识代码为11位：字母E + 6位行政区划代码 + 4位顺序号。",
)
