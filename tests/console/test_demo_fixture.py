"""The prebuilt demo database (D-222): built by `build_demo_fixture`, installed into a fresh var directory with
the published demo keys, then walked on from the day it was built to today (`load_demo --catch-up`), with its
audit chain verifying. A small fixture is built here (six households), not the shipped one; every command runs
in its own process, as `make run` runs them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from jiuzhu.console import demo_fixture
from jiuzhu.core import clock
from jiuzhu.keyconfig import DEMO_KEYS

ROOT = Path(__file__).resolve().parents[2]
BUILT_ON = datetime(2026, 9, 10, 10, 0)  # after September's ledger, before its bank file and reconciliation
TODAY = date(2026, 11, 20)  # the suite's frozen day


def _manage(var_dir: Path, *command: str) -> subprocess.CompletedProcess:
    """A command of the installed demo: DEBUG, its own var directory, no keys but the ones found there."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(demo_fixture._OWN + demo_fixture._KEY_VARIABLES)
    }
    env.update({"DEBUG": "true", "JIUZHU_VAR_DIR": str(var_dir)})
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _rows(db: sqlite3.Connection, sql: str, *args) -> list:
    return db.execute(sql, args).fetchall()


def test_the_prebuilt_demo_installs_and_walks_on_to_today(tmp_path):
    fixture = tmp_path / "demo.tar.xz"
    clock.freeze(BUILT_ON)
    call_command("build_demo_fixture", "--households", "6", "--output", str(fixture))
    clock.freeze(datetime.combine(TODAY, datetime.min.time().replace(hour=10)))

    var_dir = tmp_path / "var"
    demo_fixture.install(var_dir, fixture)
    assert json.loads((var_dir / "dev-keys.json").read_text()) == DEMO_KEYS
    assert json.loads((var_dir / "demo-walk.json").read_text())["walked_until"] == "2026-09-10"
    with pytest.raises(demo_fixture.NotInstalled):  # never over a database that exists
        demo_fixture.install(var_dir, fixture)

    for command in (["migrate", "--noinput"], ["load_demo", "--if-empty"], ["load_demo", "--catch-up"]):
        result = _manage(var_dir, *command)
        assert result.returncode == 0, result.stderr[-3000:]
    assert "演示数据已走到 2026-11-20" in result.stdout
    assert json.loads((var_dir / "demo-walk.json").read_text())["walked_until"] == "2026-11-20"
    again = _manage(var_dir, "load_demo", "--catch-up")
    assert again.returncode == 0 and "演示数据已是今天的" in again.stdout

    db = sqlite3.connect(var_dir / "jiuzhu.sqlite3")
    reconciled = {
        m for (m,) in _rows(db, "SELECT month FROM payments_reconciliation WHERE county_code='230502000000'")
    }
    # September was left between ledger and bank file; the catch-up exported and reconciled it, then walked
    # October through; November's bank file is due on the 25th.
    assert {"2026-09-01", "2026-10-01"} <= reconciled and "2026-11-01" not in reconciled
    assert _rows(
        db, "SELECT 1 FROM payments_payrollrun WHERE month='2026-11-01' AND county_code='230502000000'"
    )
    # Families kept coming after the fixture's day, registered on their own days.
    later = _rows(
        db, "SELECT count(*) FROM core_auditevent WHERE at >= '2026-09-11' AND action = 'household.create'"
    )
    assert later[0][0] > 0
    # The documents issued before the fixture was built open: their PDFs travelled with it.
    pdfs = [name for (name,) in _rows(db, "SELECT pdf FROM documents_issueddocument WHERE pdf != ''")]
    assert pdfs and all((var_dir / "media" / name).is_file() for name in pdfs)
    db.close()

    verified = _manage(var_dir, "verify_audit_chain")
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr[-3000:]
    assert "完整" in verified.stdout


def test_the_prebuilt_demo_never_replaces_other_keys(tmp_path):
    """A var directory whose key file holds other keys (its own demo, made before) keeps them: the fixture,
    encrypted with the demo keys, is not installed there and `make run` walks the year instead."""
    fixture = tmp_path / "demo.tar.xz"
    fixture.write_bytes(b"not opened")
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    own = {"field": "a", "index": "b", "audit": "c"}
    (var_dir / "dev-keys.json").write_text(json.dumps(own))
    with pytest.raises(demo_fixture.NotInstalled, match="已有其他密钥"):
        demo_fixture.install(var_dir, fixture)
    assert json.loads((var_dir / "dev-keys.json").read_text()) == own
    assert not (var_dir / "jiuzhu.sqlite3").exists()


# --- the resumed walk's outer loop, with steps of this module ----------------------------------------------

_ran: list[date] = []


def _month_step(walk, month: date) -> None:
    for day in (1, 5, 20):
        walk.later(_one_day_life(month.replace(day=day)))


def _one_day_life(day: date):
    yield day
    _ran.append(clock.today())


def _never(*args) -> None:
    raise AssertionError("a resumed walk does not load what goes before the walk again")


def test_a_resumed_walk_runs_the_rest_of_its_month_and_the_months_after(settings, tmp_path, monkeypatch):
    from jiuzhu.console import demo_year

    settings.VAR_DIR = tmp_path
    here = __name__
    monkeypatch.setattr(demo_year, "MONTHLY_STEPS", [f"{here}._month_step"])
    monkeypatch.setattr(demo_year, "RESUME_STEPS", [])
    monkeypatch.setattr(demo_year, "BEFORE_WALK", [f"{here}._never"])
    monkeypatch.setattr(demo_year, "EARLIER_LIVES", [f"{here}._never"])
    monkeypatch.setattr(demo_year, "AFTER_WALK", [])
    state = {"households": 10, "seed": 1, "start": "2025-09-01", "walked_until": "2026-10-10"}
    (tmp_path / demo_year.STATE_FILE).write_text(json.dumps(state))
    _ran.clear()
    walk = demo_year.resume(until=date(2026, 11, 20))
    assert walk is not None and walk.start == date(2025, 9, 1) and walk.households == 10
    # October's lives of the 1st and 5th were the earlier walk's; those after the 10th and November's run here.
    assert _ran == [date(2026, 10, 20), date(2026, 11, 1), date(2026, 11, 5), date(2026, 11, 20)]
    assert clock.now() == datetime(2026, 11, 20, 10, 0, tzinfo=clock.now().tzinfo)  # left where it was found
    demo_year.write_state(walk, seed=1)
    assert demo_year.resume(until=date(2026, 11, 20)) is None  # already there
