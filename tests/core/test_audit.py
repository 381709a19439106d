"""Foundation item 11: one append-only, hash-chained audit table; tampering is detected."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from jiuzhu.core import audit
from jiuzhu.core.models import AuditChain, AuditEvent
from tests.helpers import JIANSHAN, user

pytestmark = pytest.mark.django_db


def _write(n: int, area: str = JIANSHAN) -> list[AuditEvent]:
    events = []
    with transaction.atomic():
        for i in range(n):
            events.append(
                audit.record(
                    actor=user("js_bureau"),
                    action="test.event",
                    area_code=area,
                    object_type="test",
                    object_id=str(i),
                    after={"i": i, "金额": "600.00"},
                )
            )
    return events


def _raw_update(sql: str, params: list) -> None:
    """Go around the PostgreSQL append-only trigger, as a database superuser could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_chain_links_each_event_to_the_previous_one():
    events = _write(3)
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    report = audit.verify_chain(JIANSHAN[:6])
    assert report.ok and report.checked >= 3


def test_record_outside_a_transaction_is_refused(monkeypatch):
    class NoTransaction:
        in_atomic_block = False

    monkeypatch.setattr(audit.transaction, "get_connection", lambda: NoTransaction())
    with pytest.raises(RuntimeError):
        audit.record(actor=None, action="x")


def test_tampered_content_is_found_at_the_first_broken_row():
    events = _write(4)
    _raw_update("UPDATE core_auditevent SET reason = %s WHERE id = %s", ["篡改", events[1].id])
    report = audit.verify_chain(JIANSHAN[:6])
    assert not report.ok
    assert report.broken_at.id == events[1].id
    assert "改动" in report.problem


def test_deleted_middle_row_is_found():
    events = _write(4)
    _raw_update("DELETE FROM core_auditevent WHERE id = %s", [events[2].id])
    report = audit.verify_chain(JIANSHAN[:6])
    assert not report.ok and report.broken_at.id == events[3].id


def test_deleted_last_row_is_found_through_the_chain_head():
    events = _write(2)
    _raw_update("DELETE FROM core_auditevent WHERE id = %s", [events[-1].id])
    report = audit.verify_chain(JIANSHAN[:6])
    assert not report.ok and "链尾" in report.problem


def test_command_reports_and_fails_on_tampering(capsys):
    events = _write(2)
    call_command("verify_audit_chain")
    _raw_update("UPDATE core_auditevent SET after = %s WHERE id = %s", ['{"i": 99}', events[0].id])
    with pytest.raises(CommandError):
        call_command("verify_audit_chain")
    assert f"id={events[0].id}" in capsys.readouterr().out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgres_refuses_updates_and_deletes():
    from django.db import DatabaseError

    events = _write(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=events[0].pk).update(reason="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=events[0].pk).delete()


def test_chains_are_per_county():
    _write(1, "500110011000")
    assert AuditChain.objects.filter(key="500110").exists()
    assert all(r.ok for r in audit.verify_all())


def test_audit_page_filters_and_verifies(as_user):
    _write(2)
    c = as_user("js_auditor")
    page = c.get("/settings/audit/?action=test.")
    assert page.status_code == 200 and "test.event" in page.content.decode()
    verify = c.post("/settings/audit/verify/")
    assert "完整" in verify.content.decode()
    assert as_user("ab_caseworker").get("/settings/audit/").status_code == 403
