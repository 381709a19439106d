"""Reports read from a real PostgreSQL streaming replica; everything else reads the primary.

Run by `make test-replica` (part of `make test`): scripts/with-postgres starts a primary and a replica made
with pg_basebackup and sets DATABASE_REPLICA_URL. The replica's replay is paused to make it lag on purpose.
"""

from __future__ import annotations

import time

import pytest
from django.db import connections, transaction
from django.test import Client

from jiuzhu.cases.models import Case
from jiuzhu.cases.states import State
from jiuzhu.core import replica
from jiuzhu.core.replica import PRIMARY, REPLICA, ReplicaRouter, report_reads
from jiuzhu.orgs.models import Jurisdiction
from tests.helpers import client_for, to_investigated

pytestmark = [pytest.mark.replica, pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])]

KPIS = "/api/v1/supervision/kpis"


def _wait_until_caught_up(timeout: float = 30.0) -> None:
    """The replica has replayed everything the primary has written so far (the insert position: the primary
    commits asynchronously in tests, and its WAL writer flushes within moments)."""
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the replica did not catch up")


def _replay(paused: bool) -> None:
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


@pytest.fixture
def lagging_replica(transactional_world):
    """The demo world and an open case on the primary and the replica, then the replica stops replaying (a lag)."""
    case = to_investigated()
    _wait_until_caught_up()
    _replay(paused=True)
    yield Case.objects.get(pk=case.pk)
    _replay(paused=False)


def _open_cases_of(client, township: str) -> int:
    response = client.get(KPIS)
    assert response.status_code == 200
    backlog = next(t for t in response.json() if t["code"] == "backlog")
    return next(row[1] for row in backlog["rows"] if row[0] == township)


def test_the_replica_is_a_real_standby():
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is False


def test_a_report_reads_the_replica_and_lags_the_primary_by_a_moment(lagging_replica):
    bureau = client_for("js_bureau")
    case = lagging_replica
    township = Jurisdiction.objects.get(code=case.township_code).name
    before = _open_cases_of(bureau, township)
    assert before > 0
    Case.objects.filter(pk=case.pk).update(status=State.WITHDRAWN)  # committed on the primary

    # The report comes from the paused replica: it still counts the case.
    assert _open_cases_of(bureau, township) == before
    # A page that is not a report reads the primary: the case is withdrawn there.
    page = bureau.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert "已撤回" in page.content.decode()

    _replay(paused=False)
    _wait_until_caught_up()
    assert _open_cases_of(bureau, township) == before - 1


def test_a_report_that_writes_reads_its_own_writes_from_the_primary(lagging_replica):
    case = lagging_replica
    with report_reads():
        assert Case.objects.get(pk=case.pk).status == case.status  # from the replica
        Case.objects.filter(pk=case.pk).update(status=State.WITHDRAWN)
        assert Case.objects.get(pk=case.pk).status == State.WITHDRAWN  # back on the primary after a write


def test_reads_inside_a_transaction_and_outside_reports_stay_on_the_primary(lagging_replica):
    case = lagging_replica
    Case.objects.filter(pk=case.pk).update(status=State.WITHDRAWN)
    assert Case.objects.get(pk=case.pk).status == State.WITHDRAWN  # not a report
    with report_reads():
        with transaction.atomic():
            assert Case.objects.get(pk=case.pk).status == State.WITHDRAWN  # a transaction is open
        assert Case.objects.get(pk=case.pk).status == case.status  # a plain report read: the lagging replica


def test_the_router_sends_only_report_reads_to_the_replica():
    router = ReplicaRouter()
    assert router.db_for_read(Case) == PRIMARY
    with report_reads():
        assert router.db_for_read(Case) == REPLICA
        assert router.db_for_write(Case) == PRIMARY
        assert router.db_for_read(Case) == PRIMARY
    assert router.allow_migrate(REPLICA, "cases") is False
    assert replica.configured()


def test_the_health_check_says_how_far_the_replica_lags(lagging_replica):
    Case.objects.filter(pk=lagging_replica.pk).update(status=State.WITHDRAWN)  # not replayed: paused
    deadline = time.monotonic() + 10  # until the write has streamed to the replica, which holds it unreplayed
    while True:
        body = Client().get("/healthz").json()
        assert body["status"] == "ok"
        if body["replica_lag_seconds"] > 0 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert body["replica_lag_seconds"] > 0
