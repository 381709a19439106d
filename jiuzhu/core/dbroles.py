"""Two database roles on PostgreSQL (等保: 审计记录的保护; docs/operations.md "等保/密评"):

- the owner role (DATABASE_MIGRATE_URL) owns every table and runs the migrations (`manage.py migrate_as_owner`);
- the runtime role (DATABASE_URL), which the web server and the worker use, may read and write the business
  tables but only INSERT into the audit table: it cannot UPDATE or DELETE audit rows, and, not being the owner,
  cannot `ALTER TABLE … DISABLE TRIGGER` to go around the append-only trigger.
"""

from __future__ import annotations

from django.db import connection

AUDIT_TABLE = "core_auditevent"


def grant_runtime(role: str) -> None:
    """Give `role` what the application needs, on the tables that exist now and (by default privileges of
    the owner) on those later migrations create; take back what it must not do to the audit trail."""
    if connection.vendor != "postgresql":
        return
    qn = connection.ops.quote_name
    who = qn(role)
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {who}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {who}")
        cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {who}")
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {who}"
        )
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {who}"
        )
        cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {qn(AUDIT_TABLE)} FROM {who}")
