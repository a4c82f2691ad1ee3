"""Kernel tables: administrative divisions, the working-day calendar, the audit chain, notifications."""

import secrets

from django.db import models


def random_id() -> int:
    """A primary key nobody can count with: 2**40 <= id < 2**62, drawn at random (not a sequence)."""
    return 2**40 + secrets.randbelow(2**62 - 2**40)


class Region(models.Model):
    """An administrative division (GB/T 2260): province, prefecture-level city or county-level unit."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省级"
        CITY = "city", "地级"
        COUNTY = "county", "县级"

    code = models.CharField("行政区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=8, choices=Level.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "行政区划"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def full_name(self) -> str:
        names = []
        region: Region | None = self
        while region is not None:
            names.append(region.name)
            region = region.parent
        return "".join(reversed(names))

    def is_within(self, ancestor: "Region") -> bool:
        region: Region | None = self
        while region is not None:
            if region.code == ancestor.code:
                return True
            region = region.parent
        return False


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a public holiday, or a weekend day worked in lieu (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "法定节假日"
        WORKDAY = "workday", "调休工作日"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    name = models.CharField("节日", max_length=64, blank=True)
    source = models.CharField("依据", max_length=128, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = verbose_name_plural = "节假日安排"

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class AuditEvent(models.Model):
    """One link of the append-only, SM3 hash-chained audit log (电子招标投标办法 第49条).

    `hash` = SM3 over the canonical form of every other field and `prev_hash`; `seq` counts from 1
    without gaps. Rows are written only by `kernel.audit.record` and never updated or deleted.
    """

    seq = models.PositiveBigIntegerField("序号", unique=True)
    occurred_at = models.DateTimeField("时间")
    actor = models.CharField("操作人", max_length=150)
    actor_user_id = models.BigIntegerField("用户ID", null=True, blank=True)
    role = models.CharField("角色", max_length=32)
    ip = models.GenericIPAddressField("网络地址", null=True, blank=True)
    action = models.CharField("操作", max_length=100)
    object_type = models.CharField("对象类型", max_length=100)
    object_id = models.CharField("对象ID", max_length=64)
    payload = models.JSONField("内容摘要", default=dict)
    payload_digest = models.CharField("内容SM3", max_length=64)
    # "type:id" of the object whose deadline keeps this event out of every listing (e.g. who downloaded
    # tender documents stays secret until the bid deadline); empty when the event is public to auditors.
    seal = models.CharField("保密至", max_length=100, blank=True, default="")
    prev_hash = models.CharField("前一哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = verbose_name_plural = "审计日志"
        indexes = [models.Index(fields=["object_type", "object_id"]), models.Index(fields=["action"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The chain's head: last sequence number and hash. Its row lock serialises appends."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class Notification(models.Model):
    """A message to a person (SMS, voice, e-mail or in-platform), queued by an action and sent by a task."""

    class Status(models.TextChoices):
        QUEUED = "queued", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    # Random, not a counter: ids seen before and after a clarification must not tell how many messages
    # (one per downloader, sealed) were sent in between.
    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    recipient = models.ForeignKey("auth.User", models.CASCADE, related_name="notifications")
    channel = models.CharField("渠道", max_length=16, default="platform")
    subject = models.CharField("主题", max_length=200)
    body = models.TextField("内容")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.QUEUED)
    # As AuditEvent.seal: a message naming a secret (e.g. a drawn expert) stays out of operators' listings.
    seal = models.CharField("保密至", max_length=100, blank=True, default="")
    created_at = models.DateTimeField("创建时间")
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    # A message carrying a one-time secret (a password reset code) for the holder's phone alone: once
    # sent, `body` is replaced by this, so the database keeps no usable code.
    body_after_send = models.TextField("发送后保留的内容", blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "通知"

    def __str__(self) -> str:
        return self.subject


class Sequence(models.Model):
    """Named counters for codes that must not repeat (project serials per platform, receipt numbers)."""

    name = models.CharField(max_length=64, primary_key=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "编号序列"

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class AuditCheckpoint(models.Model):
    """A signed checkpoint of the audit chain (as Certificate Transparency's signed tree heads).

    The platform signs with its SM2 key the SM3 Merkle root over the hashes of events 1..tree_size and
    the hash of event #tree_size; the signed documents are published, so anyone can keep copies and
    later prove that the chain they were shown is still the chain (see `kernel.checkpoints`)."""

    seq = models.PositiveBigIntegerField("检查点序号", unique=True)
    tree_size = models.PositiveBigIntegerField("覆盖事件数")
    root = models.CharField("Merkle根（SM3）", max_length=64)
    head_hash = models.CharField("链头哈希", max_length=64)
    signed_at = models.DateTimeField("签署时间", db_index=True)
    reason = models.CharField("原因", max_length=32)
    object_type = models.CharField("对象类型", max_length=100, blank=True, default="")
    object_id = models.CharField("对象ID", max_length=64, blank=True, default="")
    signature = models.TextField("平台SM2签名")
    key_id = models.CharField("平台密钥标识", max_length=128)
    # The perfect subtrees covering events 1..tree_size (hex): the next checkpoint extends them with the
    # new events only. Not signed and not trusted: a checkpoint checks them against its root first.
    frontier = models.JSONField("Merkle边界", default=list)

    class Meta:
        ordering = ["seq"]
        verbose_name = verbose_name_plural = "审计检查点"

    def __str__(self) -> str:
        return f"检查点#{self.seq} ({self.tree_size} events)"
