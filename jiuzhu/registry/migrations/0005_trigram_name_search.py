"""Name and address search (`contains`) through trigram indexes on PostgreSQL; SQLite scans, which a county
of 10^5 households bears (see docs/operations.md)."""

from django.db import migrations

INDEXES = [
    ("registry_member_name_trgm", "registry_member", "name"),
    ("registry_household_head_trgm", "registry_household", "head_name"),
    ("registry_household_address_trgm", "registry_household", "address"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [('registry', '0004_text_limits')]

    operations = [migrations.RunPython(create, drop)]
