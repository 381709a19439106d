"""PI4 on PostgreSQL: the runtime database role is not the owner of the audit table, so it cannot disable the
append-only trigger, and may only append audit rows (docs/operations.md "两个数据库角色")."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, transaction

from jiuzhu.core import audit
from jiuzhu.core.dbroles import grant_runtime
from tests.helpers import JIANSHAN, user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROLE = "jiuzhu_runtime_test"


@pytest.fixture
def runtime_role():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {ROLE}")
        cursor.execute(f"CREATE ROLE {ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
    grant_runtime(ROLE)
    params = connection.get_connection_params()
    conninfo = {k: v for k, v in params.items() if k in ("host", "port", "dbname")}
    runtime = psycopg.connect(**conninfo, user=ROLE, autocommit=True)
    yield runtime
    runtime.close()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {ROLE}")
        cursor.execute(f"DROP ROLE {ROLE}")


def _event_id() -> int:
    with transaction.atomic():
        return audit.record(actor=user("js_bureau"), action="test.event", area_code=JIANSHAN).id


def test_runtime_role_cannot_disable_the_trigger_nor_change_audit_rows(runtime_role, transactional_world):
    event_id = _event_id()
    with runtime_role.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_auditevent")  # it reads
        assert cursor.fetchone()[0] >= 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER ALL")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cursor.execute("UPDATE core_auditevent SET reason = 'x' WHERE id = %s", [event_id])
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event_id])
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cursor.execute("TRUNCATE core_auditevent")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cursor.execute("SET session_replication_role = replica")  # the superuser's way round triggers
        # The business tables stay writable for it.
        cursor.execute("UPDATE registry_household SET updated_at = updated_at WHERE false")
    assert audit.verify_chain(JIANSHAN[:6]).ok
