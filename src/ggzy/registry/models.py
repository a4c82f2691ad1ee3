"""Market entities, their qualifications and contacts, and the accounts of every kind of user.

An entity registers once, keyed by its 统一社会信用代码, and is recognised by every node of the province
(R3.1 "一表申请、信息共享"). Each change is a new version with a snapshot, so what an entity declared at any
moment can be shown later.
"""

from typing import Any

from django.contrib.auth.models import User
from django.db import models

from ggzy.exchange.models import Node
from ggzy.kernel.models import Region
from ggzy.kernel.roles import Role
from ggzy.kernel.timefmt import local_text
from ggzy.registry.names import name_key


class EntityKind(models.TextChoices):
    PRINCIPAL = "principal", "招标人/采购人/出让方"
    AGENT = "agent", "代理机构"
    BIDDER = "bidder", "投标人/供应商/竞买人"
    GUARANTOR = "guarantor", "担保机构"


ENTITY_KIND_ROLE: dict[str, Role] = {
    EntityKind.PRINCIPAL: Role.PRINCIPAL,
    EntityKind.AGENT: Role.AGENT,
    EntityKind.BIDDER: Role.BIDDER,
    EntityKind.GUARANTOR: Role.GUARANTOR,
}


class Entity(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "正常"
        CANCELLED = "cancelled", "已注销"

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200)
    # The look-alike key of the name (registry.names.name_key), kept in step by save().
    name_key = models.CharField("名称比对键", max_length=200, db_index=True, editable=False, default="")
    legal_representative = models.CharField("法定代表人", max_length=64)
    address = models.CharField("住所", max_length=300)
    region = models.ForeignKey(Region, models.PROTECT, verbose_name="行政区划")
    node = models.ForeignKey(Node, models.PROTECT, verbose_name="注册节点", related_name="entities")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    version = models.PositiveIntegerField("版本", default=1)
    registered_at = models.DateTimeField("注册时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        ordering = ["uscc"]
        verbose_name = verbose_name_plural = "市场主体"

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = name_key(self.name)
        fields = kwargs.get("update_fields")
        if fields is not None and "name" in fields:
            kwargs["update_fields"] = {*fields, "name_key"}
        super().save(*args, **kwargs)

    @property
    def kind_values(self) -> list[str]:
        return sorted(k.kind for k in self.kinds.all())


class EntityKindAssignment(models.Model):
    entity = models.ForeignKey(Entity, models.CASCADE, related_name="kinds")
    kind = models.CharField("主体类型", max_length=16, choices=EntityKind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entity", "kind"], name="entity_kind_once")]
        verbose_name = verbose_name_plural = "主体类型"

    def __str__(self) -> str:
        return self.get_kind_display()


class Contact(models.Model):
    """A contact person. Personal data: never on the portal or in exports."""

    entity = models.ForeignKey(Entity, models.CASCADE, related_name="contacts")
    name = models.CharField("姓名", max_length=64)
    mobile = models.CharField("手机", max_length=11)
    email = models.EmailField("电子邮箱", blank=True)
    is_primary = models.BooleanField("主要联系人", default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name = verbose_name_plural = "联系人"

    def __str__(self) -> str:
        return self.name


class Qualification(models.Model):
    """A qualification certificate (资质证书). The chronograph marks it expired on its expiry date."""

    class Status(models.TextChoices):
        VALID = "valid", "有效"
        EXPIRED = "expired", "已过期"

    entity = models.ForeignKey(Entity, models.CASCADE, related_name="qualifications")
    name = models.CharField("资质名称", max_length=100)
    level = models.CharField("等级", max_length=32, blank=True)
    certificate_no = models.CharField("证书编号", max_length=64)
    issuer = models.CharField("发证机关", max_length=100, blank=True)
    valid_until = models.DateField("有效期至")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.VALID)
    next_check = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["entity_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "name", "certificate_no"], name="qualification_once"),
        ]
        verbose_name = verbose_name_plural = "资质"

    def __str__(self) -> str:
        return f"{self.name} {self.certificate_no}"


class EntityVersion(models.Model):
    """Snapshot of the whole registration form after each change."""

    entity = models.ForeignKey(Entity, models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField("版本")
    data = models.JSONField("登记信息")
    changed_fields = models.JSONField("变更字段", default=list)
    changed_by = models.CharField("变更人", max_length=150)
    changed_at = models.DateTimeField("变更时间")

    class Meta:
        ordering = ["entity_id", "version"]
        constraints = [models.UniqueConstraint(fields=["entity", "version"], name="entity_version_once")]
        verbose_name = verbose_name_plural = "主体登记版本"

    def __str__(self) -> str:
        return f"{self.entity_id} v{self.version}"


class Department(models.Model):
    """A regulator (行政监督部门), e.g. 住房和城乡建设局, at one node."""

    name = models.CharField("名称", max_length=100)
    node = models.ForeignKey(Node, models.PROTECT, related_name="departments")
    sectors = models.JSONField(
        "监管行业", default=list, help_text="trade categories this department supervises"
    )

    class Meta:
        ordering = ["node_id", "name"]
        constraints = [models.UniqueConstraint(fields=["node", "name"], name="department_once_per_node")]
        verbose_name = verbose_name_plural = "行政监督部门"

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    """What a user is on the platform: staff of an entity, a regulator, an expert, an operator, the public."""

    class Kind(models.TextChoices):
        ENTITY = "entity", "市场主体用户"
        REGULATOR = "regulator", "监管人员"
        EXPERT = "expert", "评标专家"
        OPERATOR = "operator", "交易中心工作人员"
        PUBLIC = "public", "公众用户"

    user = models.OneToOneField(User, models.CASCADE, related_name="account")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    node = models.ForeignKey(Node, models.PROTECT, related_name="accounts")
    entity = models.ForeignKey(Entity, models.PROTECT, null=True, blank=True, related_name="accounts")
    is_entity_admin = models.BooleanField("主体管理员", default=False)
    department = models.ForeignKey(Department, models.PROTECT, null=True, blank=True, related_name="accounts")
    mobile = models.CharField("手机", max_length=11, blank=True)
    frozen_at = models.DateTimeField("冻结时间", null=True, blank=True)
    frozen_reason = models.CharField("冻结原因", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "账户"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="entity", entity__isnull=False) | ~models.Q(kind="entity")),
                name="entity_account_has_entity",
            ),
            # Staff (operators, regulators, experts, the public) never belong to a market entity.
            models.CheckConstraint(
                condition=(models.Q(kind="entity") | models.Q(entity__isnull=True, is_entity_admin=False)),
                name="only_entity_accounts_have_entity",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="regulator", department__isnull=False) | ~models.Q(kind="regulator")
                ),
                name="regulator_account_has_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.username} ({self.get_kind_display()})"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SM3 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=12)
    label = models.CharField("用途", max_length=100, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "API令牌"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"


class PasswordReset(models.Model):
    """A single-use code that lets the holder of an account reset by the operator choose a new password.
    Only its SM3 digest is stored; the code itself goes to the account holder alone (notify)."""

    user = models.ForeignKey(User, models.CASCADE, related_name="password_resets")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "密码重置码"

    def __str__(self) -> str:
        return f"{self.user_id} {local_text(self.created_at)}"


class CertificateChallenge(models.Model):
    """A fresh random challenge the holder signs with the certificate's SM2 key (proof of possession).
    Issued to one administrator of one entity, single-use, short-lived."""

    entity = models.ForeignKey(Entity, models.CASCADE, related_name="certificate_challenges")
    user = models.ForeignKey(User, models.CASCADE, related_name="certificate_challenges")
    nonce = models.CharField("挑战值", max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "证书持有证明挑战"

    def __str__(self) -> str:
        return f"{self.entity_id} {self.nonce[:8]}…"


class Certificate(models.Model):
    """An X.509 certificate with an SM2 key issued to the entity by a recognised CA (R3.2 互认), registered
    by its holder with proof of possession. Bid envelopes, signed documents and evaluation reports are
    verified against the signer entity's active certificates."""

    entity = models.ForeignKey(Entity, models.CASCADE, related_name="certificates")
    issuer = models.CharField("颁发机构", max_length=100)
    serial = models.CharField("证书序列号", max_length=64)
    public_key = models.CharField("SM2公钥（04||x||y，hex）", max_length=130)
    key_id = models.CharField("公钥标识（SM3）", max_length=64, unique=True)
    valid_from = models.DateTimeField("生效时间")
    valid_until = models.DateTimeField("失效时间")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    registered_at = models.DateTimeField("登记时间")
    subject = models.CharField("证书主体", max_length=500, blank=True)
    pem = models.TextField("证书（PEM）", blank=True)
    fingerprint = models.CharField("证书指纹（SM3）", max_length=64, blank=True)
    revoked_reason = models.CharField("吊销原因", max_length=300, blank=True)
    # The chronograph re-checks every unrevoked certificate against the CAs' current CRLs at this time.
    next_check = models.DateTimeField("下次核验", null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["entity_id", "-valid_until"]
        constraints = [models.UniqueConstraint(fields=["issuer", "serial"], name="certificate_once")]
        verbose_name = verbose_name_plural = "数字证书"

    def __str__(self) -> str:
        return f"{self.issuer} {self.serial}"


class SupplierEntry(models.Model):
    """The provincial government procurement supplier library (供应商库, 74号令 第12条: invited suppliers
    may be drawn at random from a library set up at provincial level or above): one supplier admitted in
    one category (品目, the lot classification's prefix: B goods, C services, B01 …). A supplier under a
    credit ban for procurement stays in the library but is not drawn while the ban lasts."""

    class Status(models.TextChoices):
        APPLIED = "applied", "申请入库"
        ADMITTED = "admitted", "已入库"
        REFUSED = "refused", "未通过"
        EXITED = "exited", "已退出"

    entity = models.ForeignKey(Entity, models.PROTECT, related_name="library_entries")
    category = models.CharField("品目", max_length=7)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPLIED)
    applied_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    reason = models.CharField("理由", max_length=300, blank=True)

    class Meta:
        ordering = ["category", "entity_id"]
        constraints = [models.UniqueConstraint(fields=["entity", "category"], name="library_entry_once")]
        verbose_name = verbose_name_plural = "供应商库"

    def __str__(self) -> str:
        return f"{self.entity_id} {self.category} {self.status}"
