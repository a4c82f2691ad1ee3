"""Platform nodes: one province platform, its city platforms, and the county branch centres of each city.

R1.3: counties are branches (分中心) of the city platform, not platforms of their own, so only province and
city nodes carry a 交易平台标识代码 (rules-cn D4: "E" + 6-digit region + 4-digit serial).
"""

from django.db import models

from ggzy.kernel.models import Region


class Node(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", "省级平台"
        CITY = "city", "市级平台"
        BRANCH = "branch", "县级分中心"

    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=8, choices=Level.choices)
    region = models.OneToOneField(Region, models.PROTECT, verbose_name="行政区划", related_name="node")
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    platform_code = models.CharField("交易平台标识代码", max_length=11, unique=True, null=True, blank=True)
    created_at = models.DateTimeField("创建时间")

    class Meta:
        ordering = ["region_id"]
        verbose_name = verbose_name_plural = "平台节点"

    def __str__(self) -> str:
        return self.name

    @property
    def platform(self) -> "Node":
        """The platform this node belongs to: itself, or the city platform of a branch."""
        if self.level == self.Level.BRANCH and self.parent is not None:
            return self.parent
        return self

    @property
    def effective_platform_code(self) -> str | None:
        return self.platform.platform_code
