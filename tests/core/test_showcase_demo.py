"""`make run DEMO=quick` must work on any day of the month: the showcase decides cases, so after the decision day (M1)
its loader opens the frozen month for the loading and closes it again."""

from __future__ import annotations

from datetime import datetime
from importlib import import_module

import pytest

from jiuzhu.core import clock

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", [25, 28])
def test_showcase_loads_after_the_decision_day_and_leaves_the_month_frozen(day):
    from jiuzhu.cases.models import Case
    from jiuzhu.orgs.management.commands.load_demo import SHOWCASE_MODULES
    from jiuzhu.payments import cycle
    from jiuzhu.payments.models import CycleReopen

    clock.freeze(datetime(2026, 11, day, 9))
    for name in SHOWCASE_MODULES:
        import_module(name).load()
    assert Case.objects.filter(status="approved").exists()
    assert not CycleReopen.objects.filter(closed_at__isnull=True).exists()
    assert cycle.lock_reason("230502000000", decision=True)  # frozen again after the loading
