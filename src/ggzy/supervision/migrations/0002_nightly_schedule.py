"""The nightly sweep's schedule row: first due at the next 02:00 (Asia/Shanghai) after migrating."""

from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone


def create(apps, schema_editor):
    Schedule = apps.get_model("supervision", "Schedule")
    local = timezone.localtime(timezone.now())
    first = timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), time(2)))
    Schedule.objects.get_or_create(name="nightly", defaults={"next_check": first})


def remove(apps, schema_editor):
    apps.get_model("supervision", "Schedule").objects.filter(name="nightly").delete()


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
