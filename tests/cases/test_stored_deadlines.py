"""P7 stored on the case: the queues select on columns the steps keep, and agree with the deadline worked
out case by case (`deadline_of`) on every day — working days, weekends, holidays, a verification pause and
the decision that stops the clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from jiuzhu.cases import queues
from jiuzhu.cases.deadlines import deadline_of
from jiuzhu.cases.services import steps
from jiuzhu.core import clock
from jiuzhu.supervision import kpis, selectors
from tests.helpers import accept, d, investigate, make_case, meeting, user, verify

pytestmark = pytest.mark.django_db


def _by_hand(cases) -> tuple[set[str], set[str]]:
    """The overdue and nearly overdue sets as the deadline of each case says."""
    overdue, warning = set(), set()
    for c in cases:
        dl = deadline_of(c)
        if dl is None or dl.stopped_on is not None:
            continue
        if dl.overdue:
            overdue.add(c.number)
        elif dl.warning:
            warning.add(c.number)
    return overdue, warning


def test_P7_queues_on_stored_deadlines_agree_with_the_worked_out_deadline_day_by_day():
    clock.freeze(datetime(2026, 10, 12, 10))
    cases = []
    for accepted_on in ("2026-09-01", "2026-09-07", "2026-09-14", "2026-09-21", "2026-09-28"):
        case = make_case(applied_on=d(accepted_on))
        accept(case, on=accepted_on)
        cases.append(case)
    # One paused by a verification that is still going on, one paused and resumed.
    steps.verify_request(by=user("ab_caseworker"), case=cases[1], on=d("2026-10-12"))
    verify(cases[2], requested="2026-09-16", completed="2026-09-25")
    caseworker = user("ab_caseworker")
    # Every day over two months, across the National Day holiday and weekends.
    for offset in range(0, 60):
        today = date(2026, 10, 12) + timedelta(days=offset)
        clock.freeze(datetime(today.year, today.month, today.day, 10))
        expected_overdue, expected_warning = _by_hand(cases)
        got_overdue = set(queues.overdue(caseworker).values_list("number", flat=True))
        got_warning = set(queues.warning(caseworker).values_list("number", flat=True))
        assert (got_overdue, got_warning) == (expected_overdue, expected_warning), today
    assert expected_overdue  # the loop reached overdue cases


def test_P7_a_verification_freezes_the_stored_state_while_it_runs():
    clock.freeze(datetime(2021, 10, 18, 10))
    case = make_case(applied_on=d("2021-09-14"))
    accept(case, on="2021-09-15")
    case.refresh_from_db()
    assert case.deadline_due_on == deadline_of(case).due_on == d("2021-10-19")
    assert case.deadline_paused == "" and case in queues.warning(user("ab_caseworker"))
    steps.verify_request(by=user("ab_caseworker"), case=case, on=d("2021-10-18"))
    case.refresh_from_db()
    assert case.deadline_paused == "warning"  # one working day left when the clock paused
    clock.freeze(datetime(2021, 11, 15, 10))  # weeks later, still paused: still one day left, not overdue
    assert deadline_of(case).warning and not deadline_of(case).overdue
    assert case in queues.warning(user("ab_caseworker"))
    assert case not in queues.overdue(user("ab_caseworker"))


def test_S5_the_decision_stores_when_the_clock_stopped_and_the_days_it_took():
    clock.freeze(datetime(2026, 11, 20, 10))
    case = make_case(applied_on=d("2026-11-02"))
    accept(case, on="2026-11-03")
    verify(case)
    investigate(case)
    steps.decide(by=user("ab_approver"), case=case, data=meeting(on="2026-11-12"))
    case.refresh_from_db()
    assert case.decided_on == d("2026-11-12") and case.decision_working_days == 7
    assert case.deadline_due_on is None
    table = kpis.processing_times(user("js_bureau"), list(selectors.townships_for(user("js_bureau"))))
    anbang = next(r for r in table.rows if r[0] == "安邦乡")
    assert (
        anbang[4] >= 1 and anbang[5] is not None
    )  # counted after the delegation started, from the stored days
