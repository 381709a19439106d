"""Shared fixtures.

The demo world (three counties, one user per role in 尖山区 and in two of its townships, delegation
grants, standards) is loaded once per test session; each test runs in a transaction that rolls back.
Transactional tests (browser, concurrency) load it themselves through `transactional_world`.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from jiuzhu.core import clock, workdays
from tests.helpers import client_for


def pytest_configure(config):
    """Uploads and generated PDFs of a test run go to a throwaway directory, not the project's var/media."""
    import tempfile

    from django.conf import settings

    settings.JIUZHU_SMS_BACKEND = "locmem"  # one-time codes land in jiuzhu.portal.phone.outbox
    # Audit checkpoints of a test run stay with it (a test that writes some uses its own directory).
    settings.JIUZHU_AUDIT_CHECKPOINT_DIR = tempfile.mkdtemp(prefix="jiuzhu-test-checkpoints-")
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        media = tempfile.mkdtemp(prefix="jiuzhu-test-media-")
        config._jiuzhu_media = media
        settings.MEDIA_ROOT = media
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {**settings.STORAGES["default"], "OPTIONS": {"location": media}},
        }


def pytest_unconfigure(config):
    import shutil

    from django.conf import settings

    media = getattr(config, "_jiuzhu_media", None)
    if media:
        shutil.rmtree(media, ignore_errors=True)
    shutil.rmtree(settings.JIUZHU_AUDIT_CHECKPOINT_DIR, ignore_errors=True)


# A fixed "now" for every test: a Friday, so day arithmetic in tests never depends on the real date.
FROZEN_NOW = datetime(2026, 11, 20, 10, 0)


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(FROZEN_NOW)
    workdays.invalidate()
    yield
    clock.unfreeze()
    workdays.invalidate()


@pytest.fixture
def package_stops_at_2026(monkeypatch):
    """For tests about years no published arrangement covers (P7a): a later `chinese-calendar` release may
    cover 2027 and 2028, so the package is held at 2026, where version 1.11 stops."""
    covers = workdays._package_covers
    monkeypatch.setattr(workdays, "_package_covers", lambda year: year <= 2026 and covers(year))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from jiuzhu.orgs.management.commands.load_demo import DEMO_MODULES

    with django_db_blocker.unblock():
        clock.freeze(FROZEN_NOW)
        _load_demo(DEMO_MODULES)
        open_backdating()
        clock.unfreeze()


def _load_demo(modules) -> None:
    from importlib import import_module

    for name in modules:
        import_module(name).load()


# The suite's fixtures walk cases from early November on a frozen 20 November: they are about other rules,
# not about how late a step may be entered, so the 补录 limit is opened wide for them. The limit itself is
# tested with the national default put back (`backdate_default` in tests/cases/test_backfill.py).
SUITE_BACKDATE_WORKING_DAYS = 250


def open_backdating() -> None:
    from jiuzhu.core.models import ParameterValue

    ParameterValue.objects.filter(key="steps.backdate_working_days", scope_code="").update(
        value=SUITE_BACKDATE_WORKING_DAYS
    )


@pytest.fixture
def transactional_world(transactional_db):
    """A transactional test starts from an emptied database (the previous one was flushed): put back what
    the migrations load, then the demo world."""
    from jiuzhu.cases.materials import load_defaults as load_materials
    from jiuzhu.cases.models import MaterialRequirement
    from jiuzhu.core.models import ParameterValue
    from jiuzhu.core.params import load_defaults as load_params
    from jiuzhu.orgs.management.commands.load_demo import DEMO_MODULES
    from jiuzhu.payments.models import BankFormat
    from jiuzhu.payments.services.bank_formats import load_default_format

    load_params(ParameterValue, clock.now())
    load_materials(MaterialRequirement)
    load_default_format(BankFormat)
    from jiuzhu.supervision.models import ChecklistItem
    from jiuzhu.supervision.policy import load_checklists, load_defaults

    load_defaults(ParameterValue, clock.now())
    load_checklists(ChecklistItem)
    from jiuzhu.orgs.policy import load_defaults as load_security_defaults

    load_security_defaults(ParameterValue, clock.now())
    from jiuzhu.core.params import load_defaults_from
    from jiuzhu.monitoring.register_rules import DEFAULTS as register_defaults
    from jiuzhu.monitoring.watch_policy import load_defaults as load_monitoring_defaults

    load_monitoring_defaults(ParameterValue, clock.now())
    load_defaults_from(register_defaults, ParameterValue, clock.now())
    _load_demo(DEMO_MODULES)
    open_backdating()


@pytest.fixture
def as_user():
    """as_user("ab_caseworker") → a logged-in test client."""
    return client_for
