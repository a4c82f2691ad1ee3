"""Rules of registration: one registration per USCC, one form, no local barriers."""

import re

from ggzy.kernel.errors import LegalRule

ONE_REGISTRATION = LegalRule(
    "国办发〔2015〕63号 六(十一)；苏政办发〔2020〕 (十一)",
    "市场主体信息在全省范围内共享互认，一地注册、全省通用，不得要求重复登记、备案和验证。",
)
NO_LOCAL_BARRIERS = LegalRule(
    "国办发〔2015〕63号 六(十二)",
    "不得限制或者排斥外地市场主体：不得设置注册登记、设立分支机构、资质验证、投标许可等限制条件。",
)
MOBILE = re.compile(r"^1[3-9]\d{9}$")

CA_MUTUAL_RECOGNITION = LegalRule(
    "电子招标投标办法 第44条；苏政办发〔2020〕 (六)(八)",
    "公共服务平台提供跨区域、跨平台的数字证书互认；市场主体使用任一认可的电子认证服务机构颁发的数字证书。",
)
