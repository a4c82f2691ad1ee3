from django.db import models

from ggzy.trading.models import Lot


class ArchivePackage(models.Model):
    """One sealed archive of a finished trade: a zip whose files are bound by an SM3 Merkle root."""

    lot = models.OneToOneField(Lot, models.PROTECT, related_name="archive")
    file = models.FileField(upload_to="archives/")
    merkle_root = models.CharField("Merkle根（SM3）", max_length=64)
    package_sm3 = models.CharField("档案包SM3", max_length=64)
    file_count = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "电子档案"

    def __str__(self) -> str:
        return f"档案 {self.lot_id}"
