from django.db import migrations
from jiuzhu.core import clock


def load(apps, schema_editor):
    from jiuzhu.supervision.policy import load_checklists, load_defaults

    load_defaults(apps.get_model("core", "ParameterValue"), clock.now())
    load_checklists(apps.get_model("supervision", "ChecklistItem"))


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial"), ("core", "0005_job")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
