from django.db import migrations, models


class Migration(migrations.Migration):
    """Tenders already published keep accepting envelope v1 (their bidders may hold v1 tools and envelopes);
    every new tender accepts only v2."""

    dependencies = [("trading", "0003_notice_opening_key")]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="envelope_min_version",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="最低投标文件格式版本"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="notice",
            name="envelope_min_version",
            field=models.PositiveSmallIntegerField(default=2, verbose_name="最低投标文件格式版本"),
        ),
    ]
