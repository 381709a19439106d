"""Foundation item 4: one clock; user-entered dates are never in the future."""

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from jiuzhu.core import clock
from jiuzhu.core.dates import add_months, ensure_not_before, ensure_not_future, next_month
from jiuzhu.core.errors import ValidationFailed

ROOT = Path(__file__).resolve().parents[2] / "jiuzhu"


def test_clock_is_frozen_in_tests():
    assert clock.today() == date(2026, 11, 20)
    clock.advance(timedelta(days=1))
    assert clock.today() == date(2026, 11, 21)


def test_nothing_else_reads_the_system_clock():
    pattern = re.compile(
        r"timezone\.now\(\)|date\.today\(\)|datetime\.now\(|datetime\.today\(|time\.time\(\)"
    )
    offenders = []
    for path in ROOT.rglob("*.py"):
        if path.name == "clock.py" or "migrations" in path.parts:
            continue
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{lineno}: {line.strip()}")
    assert offenders == []


def test_future_dates_are_refused_with_a_chinese_message():
    ensure_not_future(date(2026, 11, 20), "受理日期")
    with pytest.raises(ValidationFailed) as exc:
        ensure_not_future(date(2026, 11, 21), "受理日期", field="accepted_on")
    assert "受理日期不能晚于今天" in exc.value.message
    assert exc.value.field_errors == {"accepted_on": ["不能晚于今天"]}
    with pytest.raises(ValidationFailed):
        ensure_not_future(clock.now() + timedelta(minutes=5), "发放时间")


def test_not_before_previous_step():
    with pytest.raises(ValidationFailed) as exc:
        ensure_not_before(date(2026, 1, 1), date(2026, 1, 2), "调查日期", "受理日期")
    assert "不能早于受理日期" in exc.value.message
    ensure_not_before(datetime(2026, 1, 2, 8), date(2026, 1, 2), "调查时间", "受理日期")


def test_month_helpers():
    assert next_month(date(2026, 12, 15)) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 6) == date(2027, 5, 30)


def test_a_frozen_clock_reaches_child_processes():
    """A process started while the clock is frozen runs on the same frozen clock, not the real one."""
    import subprocess
    import sys

    clock.freeze(datetime(2026, 12, 1, 9))
    code = "import django; django.setup(); from jiuzhu.core import clock; print(clock.now().isoformat())"
    env = {**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "jiuzhu.settings", "DEBUG": "true"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT.parent, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert datetime.fromisoformat(out.stdout.strip()) == clock.now()
    clock.unfreeze()
    assert clock.ENV_VAR not in __import__("os").environ


def test_a_frozen_clock_is_refused_outside_debug_and_tests():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIUZHU_", "DEBUG"))}
    env.update(
        DJANGO_SETTINGS_MODULE="jiuzhu.settings",
        JIUZHU_TESTING="false",
        SECRET_KEY="k" * 40,
        JIUZHU_FROZEN_AT="2026-12-01T09:00:00+08:00",
    )
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0 and "JIUZHU_FROZEN_AT" in out.stderr
