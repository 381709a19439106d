from django.db import migrations


def create(apps, schema_editor):
    """A general layout every county starts with; counties add their banks' own layouts."""
    from jiuzhu.payments.services.bank_formats import load_default_format

    load_default_format(apps.get_model("payments", "BankFormat"))


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
