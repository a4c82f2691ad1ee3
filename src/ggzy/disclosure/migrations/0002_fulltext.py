"""The full-text side of the search index: an FTS5 table on SQLite, a GIN index on PostgreSQL."""

from django.db import migrations


def create(apps, schema_editor):
    from ggzy.disclosure.search import create_engine_objects

    create_engine_objects(schema_editor)


def drop(apps, schema_editor):
    from ggzy.disclosure.search import drop_engine_objects

    drop_engine_objects(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
