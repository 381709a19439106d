"""The showcase: cases, enrolments and this month's ledger for 尖山区. When the demo is loaded after the
export day the month is frozen (M1); the bureau reopens it for the loading, with the reason logged, and
closes it again."""

from __future__ import annotations

from jiuzhu.benefits import demo as benefits_demo
from jiuzhu.cases import demo as cases_demo
from jiuzhu.core import clock
from jiuzhu.core.dates import month_start
from jiuzhu.orgs.models import User
from jiuzhu.payments import cycle, payroll
from jiuzhu.payments.models import PayrollRun
from jiuzhu.payments.services import reopening

COUNTIES = {"230502000000": "js_bureau", "500110000000": "qj_bureau"}


def load() -> None:
    bureau = {code: User.objects.get(username=name) for code, name in COUNTIES.items()}
    reopened = [code for code in COUNTIES if cycle.lock_reason(code, decision=True)]
    for code in reopened:
        reopening.reopen(by=bureau[code], county_code=code, reason="载入演示数据")
    cases_demo.load()
    benefits_demo.load()
    month = month_start(clock.today())
    if not PayrollRun.objects.filter(county_code="230502000000", month=month).exists():
        run = payroll.start(
            by=User.objects.get(username="js_finance"), county_code="230502000000", month=month
        )
        assert run.job_id is not None  # a run is created with its job
        # Now, not when the worker starts; the queued copy then finds it done.
        payroll.generate_payroll.call(run.job_id)
    for code in reopened:
        reopening.close_reopen(by=bureau[code], county_code=code)
