"""Bid bonds, uploads in progress, sealed bids and the opening record.

Before the deadline a bid is an encrypted envelope and its digest: no price, no plaintext, and no listing
shows who bid. The bid form (price, duration, quality, project manager) exists only after decryption.
"""

from django.db import models

from ggzy.registry.models import Entity
from ggzy.trading.models import Lot


class Bond(models.Model):
    """投标保证金: a deposit into a per-bidder virtual account, or an electronic guarantee (电子保函)."""

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", "保证金（虚拟子账户）"
        GUARANTEE = "guarantee", "电子保函"

    class Status(models.TextChoices):
        AWAITING = "awaiting", "待缴纳"
        PAID = "paid", "已缴纳"
        REFUNDED = "refunded", "已退还"

    lot = models.ForeignKey(Lot, models.PROTECT, related_name="bonds")
    bidder = models.ForeignKey(Entity, models.PROTECT, related_name="bonds")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    virtual_account = models.CharField("虚拟子账户", max_length=32, unique=True, null=True, blank=True)
    payer_account = models.CharField("付款账号", max_length=40, blank=True)
    payer_name = models.CharField("付款户名", max_length=200, blank=True)
    guarantee_no = models.CharField("保函编号", max_length=64, blank=True)
    guarantor = models.ForeignKey(Entity, models.PROTECT, null=True, blank=True, related_name="guarantees")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AWAITING)
    paid_at = models.DateTimeField(null=True, blank=True)
    refund_due = models.DateTimeField("退还期限", null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    refunded_late = models.BooleanField("逾期退还", default=False)
    interest = models.DecimalField("退还利息（元）", max_digits=12, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lot", "bidder"], name="one_bond_per_bidder_lot")]
        verbose_name = verbose_name_plural = "投标保证金"

    def __str__(self) -> str:
        return f"{self.lot_id}/{self.bidder_id} {self.status}"


class Upload(models.Model):
    """A resumable upload of one envelope. Until completed it is nothing: an unfinished upload is not a bid."""

    class Status(models.TextChoices):
        UPLOADING = "uploading", "上传中"
        COMPLETE = "complete", "已完成"
        REFUSED = "refused", "已拒收"

    public_id = models.CharField(max_length=32, unique=True)
    lot = models.ForeignKey(Lot, models.PROTECT, related_name="uploads")
    bidder = models.ForeignKey(Entity, models.PROTECT, related_name="uploads")
    size = models.PositiveBigIntegerField()
    sm3 = models.CharField(max_length=64)
    received = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADING)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "投标文件上传"

    def __str__(self) -> str:
        return self.public_id


class Round(models.Model):
    """A round of sealed revised responses in a negotiation (竞争性谈判, 竞争性磋商: 74号令 第32–33条).

    The panel opens it with its deadline for the suppliers still negotiating; what they submit is sealed
    like a bid, refused after the deadline, and opened together when it passes. The last round's responses
    are the final offers (最后报价); a supplier who sends none in an intermediate round keeps the response
    it had, one who sends no final offer drops out."""

    class Status(models.TextChoices):
        OPEN = "open", "接收响应文件"
        OPENING = "opening", "解密中"
        CLOSED = "closed", "已结束"

    lot = models.ForeignKey(Lot, models.PROTECT, related_name="rounds")
    number = models.PositiveSmallIntegerField("轮次")
    final = models.BooleanField("最后报价", default=False)
    requirements = models.TextField("本轮要求（含实质性变动）", blank=True)
    suppliers = models.ManyToManyField(
        Entity, related_name="negotiation_rounds", verbose_name="参加本轮的供应商"
    )
    deadline = models.DateTimeField("提交截止时间")
    decrypt_closes_at = models.DateTimeField("解密截止时间", null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    rows = models.JSONField("本轮解密记录", default=list)

    class Meta:
        ordering = ["lot_id", "number"]
        constraints = [models.UniqueConstraint(fields=["lot", "number"], name="one_round_number_per_lot")]
        verbose_name = verbose_name_plural = "谈判轮次"

    def __str__(self) -> str:
        return f"{self.lot_id} 第{self.number}轮"


class Bid(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已递交"
        SUPERSEDED = "superseded", "已被修改替换"
        WITHDRAWN = "withdrawn", "已撤回"
        DECRYPTED = "decrypted", "已解密"
        DEEMED_REVOKED = "deemed_revoked", "视为撤销（投标人原因未解密）"
        DEEMED_WITHDRAWN = "deemed_withdrawn", "视为撤回（非投标人原因未解密）"
        LAPSED = "lapsed", "未提交最后报价"

    class Fault(models.TextChoices):
        BIDDER = "bidder", "投标人原因"
        PLATFORM = "platform", "交易平台原因"
        OTHER = "other", "其他非投标人原因"

    lot = models.ForeignKey(Lot, models.PROTECT, related_name="bids")
    bidder = models.ForeignKey(Entity, models.PROTECT, related_name="bids")
    upload = models.OneToOneField(Upload, models.PROTECT, related_name="bid")
    # The negotiation round it answers; none for the first response (or a bid in any other method).
    round = models.ForeignKey(Round, models.PROTECT, null=True, blank=True, related_name="responses")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    envelope = models.FileField(upload_to="bids/")
    envelope_sm3 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    manifest = models.JSONField("封装清单（不含明文）")
    signer_key_id = models.CharField(max_length=64)
    fingerprint = models.JSONField("编制机器特征码", default=dict)
    upload_ip = models.GenericIPAddressField(null=True, blank=True)
    submitted_at = models.DateTimeField()
    receipt_no = models.CharField(max_length=32, unique=True)
    receipt = models.TextField("回执（平台签名）")
    decrypted_at = models.DateTimeField(null=True, blank=True)
    decrypt_ip = models.GenericIPAddressField(null=True, blank=True)
    bid_form = models.JSONField("投标函（解密后）", null=True, blank=True)
    fault = models.CharField(max_length=10, choices=Fault.choices, blank=True)
    fault_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["lot_id", "submitted_at", "id"]
        verbose_name = verbose_name_plural = "投标文件"

    def __str__(self) -> str:
        return f"{self.receipt_no} {self.status}"


class OpeningRecord(models.Model):
    """开标记录: published to the participants when decryption closes (电子招标投标办法 第30、32条)."""

    lot = models.OneToOneField(Lot, models.PROTECT, related_name="opening_record")
    started_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    rows = models.JSONField(default=list)

    class Meta:
        verbose_name = verbose_name_plural = "开标记录"

    def __str__(self) -> str:
        return f"开标记录 {self.lot_id}"
