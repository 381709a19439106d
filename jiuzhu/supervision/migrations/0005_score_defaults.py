from django.db import migrations
from jiuzhu.core import clock


def load(apps, schema_editor):
    from jiuzhu.supervision.policy import load_defaults

    load_defaults(apps.get_model("core", "ParameterValue"), clock.now())


class Migration(migrations.Migration):
    dependencies = [("supervision", "0004_alert_list_order")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
