"""Reference data: the specialty taxonomy from data/specialties.json (partial, see the file's note)."""

from django.db import migrations

from ggzy.experts.taxonomy import load_into, read_specialties


def load(apps, schema_editor):
    load_into(apps.get_model("experts", "Specialty"), read_specialties())


class Migration(migrations.Migration):
    dependencies = [("experts", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
