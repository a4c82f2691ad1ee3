"""Credit records (R8.1): one row per decision or finding about an entity (by USCC) or a practitioner.

The red and black lists are not stored: they are derived from the records in force at a moment
(`enforcement.status`), so that a revoked or expired record can never linger on a list.
"""

from django.db import models

from ggzy.registry.models import Department, Entity


class CreditRecord(models.Model):
    class Subject(models.TextChoices):
        ENTITY = "entity", "市场主体"
        PRACTITIONER = "practitioner", "从业人员"

    class Source(models.TextChoices):
        REGULATOR = "regulator", "行政监督部门"
        COURT = "court", "人民法院"
        PLATFORM = "platform", "交易平台"
        NATIONAL = "national", "全国信用信息共享平台"

    class Severity(models.TextChoices):
        MINOR = "minor", "轻微"
        GENERAL = "general", "一般"
        SERIOUS = "serious", "严重"

    class Status(models.TextChoices):
        ACTIVE = "active", "有效"
        EXPIRED = "expired", "已到期"
        REVOKED = "revoked", "已撤销"

    subject = models.CharField("对象类型", max_length=12, choices=Subject.choices, default=Subject.ENTITY)
    entity = models.ForeignKey(
        Entity, models.PROTECT, null=True, blank=True, related_name="credit_records", verbose_name="市场主体"
    )
    # Kept even for entities not registered here (records imported from the national platform).
    uscc = models.CharField("统一社会信用代码", max_length=18, db_index=True, blank=True)
    subject_name = models.CharField("名称/姓名", max_length=200)
    # A practitioner is identified by an HMAC-SM3 digest of the ID number (never the number itself).
    id_digest = models.CharField("身份证号HMAC-SM3", max_length=64, blank=True, db_index=True)
    role = models.CharField("从业角色", max_length=32, blank=True, help_text="e.g. project_manager")
    kind = models.CharField("记录类别", max_length=32)
    positive = models.BooleanField("守信记录", default=False)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    severity = models.CharField("严重程度", max_length=8, choices=Severity.choices)
    ban = models.BooleanField("市场禁入", default=False)
    ban_categories = models.JSONField("禁入交易类别", default=list, help_text="[] = every category")
    basis_citation = models.CharField("依据", max_length=300)
    basis_text = models.TextField("依据条文", blank=True)
    decision_no = models.CharField("决定文书号", max_length=100, blank=True)
    authority = models.CharField("作出决定机关", max_length=200)
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="credit_records"
    )
    facts = models.TextField("事实")
    valid_from = models.DateField("有效期起")
    valid_until = models.DateField("有效期至", null=True, blank=True)
    is_public = models.BooleanField("公开", default=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.ACTIVE)
    recorded_at = models.DateTimeField("记录时间")
    recorded_by = models.CharField("记录人", max_length=150)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoke_reason = models.TextField("撤销理由", blank=True)
    external_id = models.CharField("外部编号", max_length=100, blank=True)
    next_check = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="credit_external_once",
            ),
            models.CheckConstraint(
                condition=models.Q(subject="practitioner") | ~models.Q(uscc=""),
                name="credit_entity_has_uscc",
            ),
        ]
        indexes = [models.Index(fields=["status", "ban"])]
        verbose_name = verbose_name_plural = "信用记录"

    def __str__(self) -> str:
        return f"{self.subject_name} {self.kind} {self.valid_from}"

    def cite(self) -> dict[str, object]:
        """What an error or an alert quotes about this record."""
        return {
            "record_id": self.pk,
            "kind": self.kind,
            "basis": self.basis_citation,
            "decision_no": self.decision_no,
            "authority": self.authority,
            "from": self.valid_from.isoformat(),
            "until": self.valid_until.isoformat() if self.valid_until else None,
        }
