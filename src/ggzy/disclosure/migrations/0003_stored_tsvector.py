"""PostgreSQL: search reads a stored tsvector column (replacing the expression index). SQLite: nothing."""

from django.db import migrations


def forward(apps, schema_editor):
    from ggzy.disclosure.search import create_engine_objects

    create_engine_objects(schema_editor)  # idempotent: adds the column and its index where missing


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0002_fulltext")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
