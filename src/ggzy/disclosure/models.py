"""Disclosure tables: the search index (one row per public thing) and rule clean-up announcements (R5.2).

The full-text part of the index lives beside `SearchDoc.tokens`: an FTS5 table on SQLite, a GIN index over
`to_tsvector('simple', tokens)` on PostgreSQL (see migration 0002 and `search.py`).
"""

from django.db import models

from ggzy.exchange.models import Node


class SearchDoc(models.Model):
    """A public thing as search finds it: a notice, a published document, a result, an announcement."""

    class Kind(models.TextChoices):
        NOTICE = "notice", "交易公告"
        DOCUMENT = "document", "招标文件/澄清修改"
        RESULT = "result", "结果公示"
        CLEANUP = "cleanup", "规则清理公告"

    key = models.CharField(max_length=64, unique=True, help_text="kind:id of the thing indexed")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    title = models.CharField("标题", max_length=300)
    body = models.TextField("正文（摘要用）", blank=True)
    tokens = models.TextField("分词", blank=True)
    url = models.CharField(max_length=300)
    project_code = models.CharField(max_length=17, blank=True, db_index=True)
    notice_id = models.BigIntegerField(null=True, blank=True)
    category = models.CharField("交易类别", max_length=32, blank=True, db_index=True)
    method = models.CharField("交易方式", max_length=16, blank=True)
    region_code = models.CharField("行政区划代码", max_length=6, blank=True, db_index=True)
    status = models.CharField("状态", max_length=16, blank=True)
    amount = models.DecimalField("金额（元）", max_digits=16, decimal_places=2, null=True, blank=True)
    published_at = models.DateTimeField("发布时间", db_index=True)
    digest = models.CharField(max_length=64)
    indexed_at = models.DateTimeField()

    objects: "models.Manager[SearchDoc]" = models.Manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = verbose_name_plural = "检索索引"

    def __str__(self) -> str:
        return self.key


class CleanupAnnouncement(models.Model):
    """规则清理结果公告 (R5.2): which local rules were kept, amended or repealed, announced for supervision."""

    class Result(models.TextChoices):
        KEPT = "kept", "保留"
        AMENDED = "amended", "修订"
        REPEALED = "repealed", "废止"
        MIXED = "mixed", "分别处理"

    node = models.ForeignKey(
        Node, models.PROTECT, related_name="cleanup_announcements", verbose_name="发布平台"
    )
    title = models.CharField("标题", max_length=200)
    document_no = models.CharField("文号", max_length=100, blank=True)
    body = models.TextField("清理结果")
    result = models.CharField("处理结果", max_length=10, choices=Result.choices)
    published_at = models.DateTimeField("发布时间")

    objects: "models.Manager[CleanupAnnouncement]" = models.Manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = verbose_name_plural = "规则清理公告"

    def __str__(self) -> str:
        return self.title
