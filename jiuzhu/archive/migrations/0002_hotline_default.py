"""S12: a national default for the complaint hotline on notice boards, until a county sets its own."""

from django.db import migrations
from jiuzhu.core import clock

KEY = "notice.hotline"


def add_default(apps, schema_editor):
    ParameterValue = apps.get_model("core", "ParameterValue")
    if not ParameterValue.objects.filter(key=KEY, scope_code="").exists():
        ParameterValue.objects.create(
            key=KEY,
            scope_code="",
            effective_from="2019-01-01",
            value="12345",
            source="产品默认：政务服务便民热线 12345；请在政策参数页设置本县（区）社会救助监督举报电话",
            reason="系统默认值",
            created_at=clock.now(),
        )


def remove_default(apps, schema_editor):
    apps.get_model("core", "ParameterValue").objects.filter(key=KEY, scope_code="", reason="系统默认值").delete()


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial"), ("core", "0005_job")]

    operations = [migrations.RunPython(add_default, remove_default)]
