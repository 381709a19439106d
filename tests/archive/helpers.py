"""Drive cases to the states the archive tests need, through the real services."""

from __future__ import annotations

from jiuzhu.cases.services import steps
from tests.helpers import d, make_case, make_household, meeting, to_investigated, user


def approved_case(household=None, *, amount=None, notice_start="2026-11-12", finalize=True, **kw):
    """Accepted, verified, investigated, decided by the township in the bureau's name (D1), posted for 7
    days from `notice_start` (P2) and, unless `finalize=False`, approved at the end of the notice (P3)."""
    case = make_case(household or make_household(**kw))
    to_investigated(case)
    steps.decide(by=user("ab_approver"), case=case, data=meeting(amount=amount))
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=d(notice_start))
    if finalize:
        steps.finalize(by=user("ab_approver"), case=case)
    case.refresh_from_db()
    return case
