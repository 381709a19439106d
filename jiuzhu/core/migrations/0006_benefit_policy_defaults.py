from django.db import migrations
from django.utils import timezone


def load_defaults(apps, schema_editor):
    from jiuzhu.core.params import load_defaults as load

    load(apps.get_model("core", "ParameterValue"), timezone.now())


class Migration(migrations.Migration):
    dependencies = [("core", "0005_job")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
