from django.db import migrations
from jiuzhu.core import clock


def load_defaults(apps, schema_editor):
    from jiuzhu.core.params import load_defaults as load

    load(apps.get_model("core", "ParameterValue"), clock.now())


# On PostgreSQL the audit table refuses UPDATE and DELETE outright; the hash chain then detects what
# a superuser might still do by going around the trigger.
GUARD = """
CREATE OR REPLACE FUNCTION jiuzhu_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'core_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
  FOR EACH ROW EXECUTE FUNCTION jiuzhu_audit_append_only();
"""
UNGUARD = """
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS jiuzhu_audit_append_only();
"""


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]

    operations = [
        migrations.RunPython(load_defaults, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
