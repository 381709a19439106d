"""The case deadlines that move when a year's holiday arrangement is loaded (P7a), for `core.deadline_moves`.

- P7: the decision deadline of an open, time-limited case whose clock still runs. It is worked out when asked
  (`deadlines`), so loading the year moves it by itself; the move is still audited on the case.
- P8: the registration date of emergency aid not yet registered. It is stored when the aid is paid, so it is
  rewritten — only where it still holds the value the recalculation started from.
"""

from __future__ import annotations

from datetime import date
from functools import partial

from django.urls import reverse
from django.utils import timezone

from jiuzhu.cases.deadlines import deadline_from, inputs_for
from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import EmergencyAid, StepKind
from jiuzhu.cases.states import OPEN
from jiuzhu.core import clock, params, workdays
from jiuzhu.core.deadline_moves import Move, Source, Tracked
from jiuzhu.core.types import TIME_LIMITED_TYPES

CHUNK = 500


def _url(case: Case) -> str:
    return reverse("case_detail", args=[case.pk])


def running_decision_deadlines(year: int) -> list[Tracked]:
    """P7: open time-limited cases accepted by the end of `year` whose clock has not stopped."""
    today = clock.today()
    ids = list(
        Case.objects.filter(
            status__in=OPEN,
            assistance_type__in=TIME_LIMITED_TYPES,
            steps__kind=StepKind.ACCEPT,
            steps__on__lte=date(year, 12, 31),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    out = []
    for start in range(0, len(ids), CHUNK):
        cases = list(Case.objects.filter(pk__in=ids[start : start + CHUNK]).order_by("pk"))
        inputs = inputs_for(cases)
        for case in cases:
            if (i := inputs.get(case.pk)) is None or i.decided_on is not None:
                continue
            due = partial(lambda i: deadline_from(i, today).due_on, i)
            out.append(Tracked(str(case.pk), case, due(), due, _url(case)))
    return out


def unregistered_emergency_aids(year: int) -> list[Tracked]:
    """P8 as stored on aids not registered yet, and as `steps.emergency_aid` works it out: N working days
    (parameter on the day of the aid) after the aid."""
    aids = (
        EmergencyAid.objects.filter(registered_on__isnull=True, case__status__in=OPEN)
        .filter(paid_at__date__lte=date(year, 12, 31))
        .select_related("case")
        .order_by("pk")
    )
    out = []
    for aid in aids:
        paid_on = timezone.localtime(aid.paid_at).date()
        days = params.get("emergency.registration_working_days", area_code=aid.case.township_code, on=paid_on)
        due = partial(lambda on, n: workdays.add_working_days(on, n).date, paid_on, days)
        out.append(Tracked(str(aid.pk), aid.case, aid.register_due_on, due, _url(aid.case)))
    return out


def store_registration_dates(moves: list[Move]) -> None:
    for m in moves:
        EmergencyAid.objects.filter(
            pk=int(m.key), registered_on__isnull=True, register_due_on=m.before
        ).update(register_due_on=m.after)


SOURCES = (
    Source(
        name="decision",
        label="审批时限（P7）",
        action="case.deadline_moved",
        collect=running_decision_deadlines,
    ),
    Source(
        name="emergency_registration",
        label="急难型临时救助补办登记截止日（P8）",
        action="case.deadline_moved",
        collect=unregistered_emergency_aids,
        store=store_registration_dates,
    ),
)
