import json
from pathlib import Path

from django.db import migrations

DEFAULTS = Path(__file__).resolve().parent.parent / "materials_defaults.json"


def load(apps, schema_editor):
    """The national materials checklist per assistance type (A3); counties add their own rows."""
    requirement = apps.get_model("cases", "MaterialRequirement")
    for row in json.loads(DEFAULTS.read_text(encoding="utf-8")):
        requirement.objects.get_or_create(
            assistance_type=row["assistance_type"], code=row["code"], scope_code="",
            defaults={k: row[k] for k in ("name", "required", "shared", "sort") } | {
                "note": row.get("note", ""), "per_member": row.get("per_member", False)},
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
