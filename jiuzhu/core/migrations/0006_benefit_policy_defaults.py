from django.db import migrations
from jiuzhu.core import clock


def load_defaults(apps, schema_editor):
    from jiuzhu.core.params import load_defaults as load

    load(apps.get_model("core", "ParameterValue"), clock.now())


class Migration(migrations.Migration):
    dependencies = [("core", "0005_job")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
