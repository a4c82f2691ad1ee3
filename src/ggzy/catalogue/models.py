"""The trading catalogue (交易目录, R2): versions per node, their items, and public comments.

A version is drafted, put out for public comment (征求意见), adopted with an effective date, and superseded
on the effective date of the next adopted version of the same node (R2.2 "dynamic adjustment"). The
province keeps the provincial catalogue; a city derives its own from it (R2.1); a county branch is part of
its city platform and uses the city's catalogue (or the province's when the city has none).
"""

from django.contrib.auth.models import User
from django.db import models

from ggzy.catalogue import rules
from ggzy.exchange.models import Node


class TradeCategory(models.TextChoices):
    """Every category of R1.1. Values match the sectors of registry.Department."""

    ENGINEERING = "engineering", "工程建设项目招标投标"
    PROCUREMENT = "procurement", "政府采购"
    LAND = "land", "土地使用权出让"
    MINING = "mining", "矿业权出让"
    STATE_ASSETS = "state_assets", "国有产权交易"
    MEDICAL = "medical", "药品和医用耗材集中采购"
    NATURAL_RESOURCES = "natural_resources", "其他自然资源"
    CONCESSION = "concession", "特许经营权"
    RURAL_COLLECTIVE = "rural_collective", "农村集体产权"
    ENVIRONMENTAL_RIGHTS = "environmental_rights", "排污权/碳排放权/用能权"


class ContractKind(models.TextChoices):
    """The three kinds of contract of 16号令 第5条 (same values as trading.Lot.ContractKind)."""

    WORKS = rules.WORKS, "施工"
    GOODS = rules.GOODS, "货物"
    SERVICES = rules.SERVICES, "服务"


SUBJECT_KIND_CHOICES = [(code, row.name) for code, row in rules.SUBJECT_KINDS.items()]
SUBJECT_CLASS_CHOICES = [(code, row.name) for code, row in rules.ENGINEERING_CLASSES.items()]


class CatalogueVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        CONSULTATION = "consultation", "征求意见中"
        ADOPTED = "adopted", "已发布"
        SUPERSEDED = "superseded", "已废止"

    node = models.ForeignKey(Node, models.PROTECT, related_name="catalogue_versions", verbose_name="平台节点")
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="derived",
        verbose_name="所依据的版本",
        help_text="the version this one was copied from: the province's (a city derives) or the node's own",
    )
    code = models.CharField("目录编号", max_length=32)
    title = models.CharField("目录名称", max_length=200)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    citation = models.TextField("发布依据", blank=True)
    created_at = models.DateTimeField("创建时间")
    consultation_opened_at = models.DateTimeField("征求意见开始时间", null=True, blank=True)
    comment_until = models.DateField("征求意见截止日期", null=True, blank=True)
    adopted_at = models.DateTimeField("发布时间", null=True, blank=True)
    effective_from = models.DateField("施行日期", null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", verbose_name="被替代版本"
    )
    superseded_on = models.DateField(
        "废止日期", null=True, blank=True, help_text="its successor's effective date"
    )
    next_check = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["node_id", "-effective_from", "-id"]
        constraints = [models.UniqueConstraint(fields=["node", "code"], name="catalogue_code_once_per_node")]
        verbose_name = verbose_name_plural = "交易目录版本"

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class CatalogueItem(models.Model):
    class FundingScope(models.TextChoices):
        PUBLIC = "public", "依法必须招标范围（16号令第2–4条）"
        NON_PRIVATE = "non_private", "除纯民间投资外的项目"
        ALL = "all", "不论资金来源"

    class Basis(models.TextChoices):
        LAW = "law", "法定必须进场"
        CATALOGUE = "catalogue", "目录规定（应进必进）"

    version = models.ForeignKey(CatalogueVersion, models.CASCADE, related_name="items")
    seq = models.PositiveSmallIntegerField("序号")
    category = models.CharField("交易类别", max_length=24, choices=TradeCategory.choices)
    subject_kind = models.CharField("标的类型", max_length=1, choices=SUBJECT_KIND_CHOICES, blank=True)
    subject_class = models.CharField("工程类别", max_length=2, choices=SUBJECT_CLASS_CHOICES, blank=True)
    name = models.CharField("名称", max_length=200)
    threshold = models.DecimalField(
        "限额（元）",
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="null: always, any amount",
    )
    statutory_threshold = models.BooleanField("限额为法定标准", default=False)
    funding_scope = models.CharField("资金范围", max_length=12, choices=FundingScope.choices)
    basis = models.CharField("进场依据", max_length=10, choices=Basis.choices)
    scope = models.TextField("范围说明")
    citation = models.TextField("依据")
    derived_from = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="来源条目"
    )

    class Meta:
        ordering = ["version_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["version", "seq"], name="catalogue_item_seq_once")]
        verbose_name = verbose_name_plural = "交易目录条目"

    def __str__(self) -> str:
        return f"{self.seq}. {self.name}"

    @property
    def subject_code(self) -> str:
        return f"{self.subject_kind}{self.subject_class}"

    @property
    def contract_kind(self) -> str | None:
        return rules.contract_kind_of(self.subject_kind, self.subject_class)


class Comment(models.Model):
    """A public comment on a version in consultation. Only the signed-in user is kept, nothing else personal."""

    version = models.ForeignKey(CatalogueVersion, models.PROTECT, related_name="comments")
    user = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    text = models.TextField("意见")
    created_at = models.DateTimeField("提交时间")

    class Meta:
        ordering = ["version_id", "created_at", "id"]
        verbose_name = verbose_name_plural = "目录征求意见"

    def __str__(self) -> str:
        return f"{self.version_id}#{self.pk}"
