"""Rules of registration: one registration per USCC, one form, no local barriers."""

import os
import re
from datetime import timedelta

from ggzy.kernel.errors import LegalRule
from ggzy.kernel.roles import Role

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

OWN_ADMINISTRATION = LegalRule(
    "中华人民共和国电子签名法 第15条；公共资源交易平台管理暂行办法 第23条",
    "电子签名人应当妥善保管电子签名制作数据；平台运行服务机构及其工作人员不得干涉市场主体的交易活动。"
    "市场主体的账户和数字证书由主体自己的管理员办理，交易中心、监管人员、评标专家不能代替市场主体操作。",
)
# Platform staff: they oversee the market and never act as one of its entities.
STAFF_ROLES = frozenset({Role.OPERATOR, Role.REGULATOR, Role.EXPERT, Role.PUBLIC})

# How often a registered certificate is checked again against its CA's CRL ([U]: no rule sets it; the CAs
# publish CRLs at least daily, so a daily check finds a revocation within a day of its publication).
CERTIFICATE_RECHECK = timedelta(days=int(os.environ.get("GGZY_CERTIFICATE_RECHECK_DAYS", "1")))
# A CRL past its next update, or none configured: the status is unknown, so look again sooner ([U]).
CERTIFICATE_RECHECK_UNKNOWN = timedelta(hours=1)
