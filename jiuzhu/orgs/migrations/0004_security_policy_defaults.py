from django.db import migrations
from jiuzhu.core import clock


def load(apps, schema_editor):
    from jiuzhu.orgs.policy import load_defaults

    load_defaults(apps.get_model("core", "ParameterValue"), clock.now())


class Migration(migrations.Migration):
    dependencies = [("orgs", "0003_identity_and_separation"), ("core", "0010_keyed_audit_and_key_records")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
