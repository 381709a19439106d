"""Two people acting on one case at once → exactly one succeeds (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection

from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import Decision, DecisionMeeting
from jiuzhu.cases.services import steps
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditEvent
from tests.helpers import d, meeting, to_investigated, user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"),
]


def _race(fn, n=2):
    barrier = threading.Barrier(n)
    results: list = []

    def worker():
        from django.db import connection as conn

        try:
            barrier.wait()
            fn()
            results.append("ok")
        except DomainError as exc:
            results.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_decisions_at_the_same_moment(transactional_world):
    case = to_investigated()
    results = _race(
        lambda: steps.decide(by=user("ab_approver"), case=Case.objects.get(pk=case.pk), data=meeting())
    )
    assert results.count("ok") == 1
    loser = next(r for r in results if r != "ok")
    assert "不能" in loser.message or "刚被他人处理" in loser.message
    assert DecisionMeeting.objects.filter(case=case).count() == 1
    assert AuditEvent.objects.filter(action="case.decide", object_id=str(case.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_final_approvals_at_the_same_moment(transactional_world):
    case = to_investigated()
    steps.decide(by=user("ab_approver"), case=case, data=meeting(on="2026-11-10"))
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=d("2026-11-10"))
    results = _race(lambda: steps.finalize(by=user("ab_approver"), case=Case.objects.get(pk=case.pk)))
    assert results.count("ok") == 1
    assert Decision.objects.filter(case=case).count() == 1
    assert AuditEvent.objects.filter(action="case.finalize", object_id=str(case.pk)).count() == 1
