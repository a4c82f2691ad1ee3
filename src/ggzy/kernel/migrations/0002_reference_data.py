"""Reference data every database needs: GB/T 2260 divisions from data/regions/, and the audit chain head."""

from django.db import migrations

from ggzy.kernel.regions import bundled_files, load_into, read_region_file

GENESIS_HASH = "0" * 64


def load(apps, schema_editor):
    Region = apps.get_model("kernel", "Region")
    for path in bundled_files():
        load_into(Region, read_region_file(path))
    AuditHead = apps.get_model("kernel", "AuditHead")
    AuditHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS_HASH})


class Migration(migrations.Migration):
    dependencies = [("kernel", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
