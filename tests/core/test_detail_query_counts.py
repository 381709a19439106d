"""No page's cost grows with the rows it does not show, continued from `test_query_counts.py` (the menus of
the bureau, inspector, township caseworker and approver): the menus of every other role of the county and of
a township, the detail pages each role opens from its lists (household with its income and spending, case,
enrolment with its payment history, supervision alert, monitoring warning, register entry, household chain),
the monitoring pages (warnings, imports, statistics and 月报 of a month) and the payroll pages of a closed
month — with a county of 60 households, four months of payroll, 60 monitoring warnings and 20 imports, and
again with 360 households, twelve months, 360 warnings and 60 imports. The same objects are opened at both
sizes; the larger county gives them more history (ledger lines, spending rows), which the pages show in
the same number of queries. The payroll pages open the oldest closed month, written with the larger county's
enrolments the second time (12 lines, then 50 of 72 on the page).

The county is written set-based by the page benchmark's generators (`bench/sqlite_world.py` and
`bench/payroll.history`), so this runs on SQLite; on PostgreSQL the same ORM code issues the same queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiuzhu.benefits.models import Enrolment
from jiuzhu.cases.deadlines import store
from jiuzhu.cases.models import Case
from jiuzhu.core import clock
from jiuzhu.core.dates import add_months, month_start
from jiuzhu.core.models import Job, JobStatus
from jiuzhu.core.navigation import menu_for
from jiuzhu.monitoring import register_sync
from jiuzhu.monitoring.models import RegisterEntry
from jiuzhu.monitoring.models.watch import MonitoringWarning, Source, WarningCategory, WarningStatus
from jiuzhu.monitoring.watch_selectors import IMPORT_KIND
from jiuzhu.payments.models import PayrollRun
from jiuzhu.registry.models import Household, RigidExpense
from jiuzhu.supervision import scan
from jiuzhu.supervision.models import Alert, ScanTrigger
from tests.helpers import JIANSHAN, client_for, user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the data generator writes SQLite SQL"),
]

# Roles whose menus test_query_counts.py does not walk.
MENU_ROLES = [
    "js_admin",
    "js_secadmin",
    "js_auditadmin",
    "js_finance",
    "js_auditor",
    "js_verifier",
    "ab_verifier",
    "ab_assistant",
]
ANBANG_VILLAGE = "230502200201"


def grow(first: int, n: int, months: int) -> None:
    from bench.payroll import history
    from bench.sqlite_world import generate

    generate(n, first=first)
    if first == 1:
        _move_to_anbang(_household(1))
    store(Case.objects.filter(number__startswith="WB").order_by("pk"))
    scan.scan(by=None, area_code="", trigger=ScanTrigger.NIGHTLY)
    register_sync.rebuild(area_prefix="230502")
    history(months)
    added = Household.objects.filter(external_key__startswith="WB", id__gte=_household(first).pk)
    _monitoring_warnings(added)
    _spending(added)
    _imports(n // 6)


def _household(number: int) -> Household:
    return Household.objects.get(external_key=f"WB{number}")


def _anchor() -> Household:
    """The household whose pages are opened at both sizes: WB1, approved with an enrolment, in 安邦乡."""
    return _household(1)


def _move_to_anbang(household: Household) -> None:
    """The generator spreads households over the county's villages; WB1 is moved to one of 安邦乡 so that
    the township's caseworker opens its pages too."""
    township = ANBANG_VILLAGE[:9] + "000"
    Household.objects.filter(pk=household.pk).update(area_code=ANBANG_VILLAGE)
    household.members.update(area_code=ANBANG_VILLAGE)
    Case.objects.filter(household=household).update(area_code=ANBANG_VILLAGE, township_code=township)
    Enrolment.objects.filter(household=household).update(area_code=ANBANG_VILLAGE, township_code=township)


def _monitoring_warnings(households) -> None:
    """One warning per new household, every status, as the import would write them (bulk, like the bench)."""
    now, today = clock.now(), clock.today()
    statuses = list(WarningStatus.values)
    verifier, resolver = user("ab_caseworker"), user("ab_approver")
    rows = []
    for i, h in enumerate(households.prefetch_related("members")):
        member = h.members.all()[0]
        status = statuses[i % len(statuses)]
        verified = status != WarningStatus.OPEN
        resolved = status == WarningStatus.RESOLVED
        rows.append(
            MonitoringWarning(
                source=Source.values[i % len(Source.values)],
                category=WarningCategory.values[i % len(WarningCategory.values)],
                record="比对",
                household=h,
                member=member,
                area_code=h.area_code,
                township_code=h.area_code[:9] + "000",
                county_code=JIANSHAN,
                household_category="dibao",
                event_on=today - timedelta(days=i % 40),
                amount=Decimal("1000.00"),
                detail=f"测试预警{h.pk}",
                period=month_start(today),
                dedup_key=f"bench-{h.pk}",
                status=status,
                due_on=today + timedelta(days=i % 20 - 10),
                created_at=now,
                verified_on=today if verified else None,
                verified_by=verifier if verified else None,
                verified_at=now if verified else None,
                resolution="none" if resolved else "",
                resolved_by=resolver if resolved else None,
                resolved_at=now if resolved else None,
                case=Case.objects.filter(household=h).first() if i % 3 == 0 else None,
            )
        )
    MonitoringWarning.objects.bulk_create(rows)


def _spending(households) -> None:
    """Rigid spending rows for the household every size opens and one for each new household."""
    now = clock.now()
    first = _anchor()
    rows = [
        RigidExpense(
            household=h,
            kind="medical",
            description="医疗支出",
            amount=Decimal("500.00"),
            paid_on=clock.today(),
            created_at=now,
        )
        for h in [*households, first, first]
    ]
    RigidExpense.objects.bulk_create(rows)


def _imports(n: int) -> None:
    now = clock.now()
    Job.objects.bulk_create(
        Job(
            kind=IMPORT_KIND,
            status=JobStatus.DONE,
            area_code="230502200000",
            params={"source": "gongan"},
            result={"rows": 10, "committed": True},
            created_by=user("ab_caseworker"),
            created_at=now,
            finished_at=now,
        )
        for _ in range(n)
    )


def detail_pages(username: str) -> dict[str, str]:
    """The same objects at both sizes: the oldest household, case, enrolment and alert of the generated county
    the role may open, the newest closed month, the first warning and register entry."""
    household = _anchor()
    case = Case.objects.filter(household=household).first()
    enrolment = Enrolment.objects.filter(household=household).first()
    alert = Alert.objects.filter(case__number__startswith="WB").order_by("id").first()
    warning = MonitoringWarning.objects.filter(household=household).first()
    entry = RegisterEntry.objects.filter(household_id=household.pk).order_by("id").first()
    # The oldest closed month: written with the households there were, so the larger county shows more lines.
    run = PayrollRun.objects.filter(county_code=JIANSHAN).order_by("month").first()
    assert run is not None
    last_month = run.month
    assert case and enrolment and alert and warning and entry, (
        "the generator wrote the objects the pages open"
    )
    pages = {
        "household": f"/registry/households/{household.pk}/",
        "case": f"/cases/{case.pk}/",
        "enrolment": f"/benefits/{enrolment.pk}/",
        "monitoring warning": f"/monitoring/warnings/{warning.pk}/",
        # The register is rebuilt with each size: the household's entry, whatever its id.
        "register entry": f"/monitoring/register/{entry.pk}/",
        "chain": f"/monitoring/households/{household.pk}/chain/",
        "payroll run": f"/payments/runs/{run.pk}/",
        "ledger": f"/payments/ledger/?month={last_month:%Y-%m}",
        "ledger search": f"/payments/ledger/?month={last_month:%Y-%m}&q=户主",
        "payment statistics": f"/payments/statistics/?month={last_month:%Y-%m}",
        "payroll month": f"/payments/?month={last_month:%Y-%m}",
        "月报": f"/monitoring/dashboard/?month={month_start(clock.today()):%Y-%m}",
        "warnings, all": "/monitoring/warnings/?status=all",
        "warnings, verified": "/monitoring/warnings/?status=verified",
        "warnings, overdue": "/monitoring/warnings/?overdue=1",
        "imports": "/monitoring/import/",
    }
    if username == "js_bureau":
        pages["alert"] = f"/supervision/alerts/{alert.pk}/"
    return pages


def counts(pages: dict[str, dict[str, str]]) -> dict[tuple[str, str], int]:
    out = {}
    for username, urls in pages.items():
        client = client_for(username)
        for label, url in urls.items():
            client.get(url)  # once before counting: a first visit may set up the session
            with CaptureQueriesContext(connection) as q:
                response = client.get(url)
            assert response.status_code == 200, (username, url, response.status_code)
            out[(username, label)] = len(q)
    return out


def all_pages() -> dict[str, dict[str, str]]:
    pages = {
        u: {"/": "/", **{i["url"]: i["url"] for _, items in menu_for(user(u)) for i in items}}
        for u in MENU_ROLES
    }
    for u in ("js_bureau", "ab_caseworker"):
        pages[u] = detail_pages(u)
    return pages


def test_every_role_menu_and_detail_page_costs_the_same_queries_at_two_data_sizes():
    grow(1, 60, months=4)
    small = counts(all_pages())
    ledger_small = Enrolment.objects.get(household=_anchor()).ledger_entries.count()
    grow(61, 300, months=12)
    large = counts(all_pages())
    assert set(large) == set(small)
    assert Enrolment.objects.get(household=_anchor()).ledger_entries.count() == 3 * ledger_small == 12
    assert MonitoringWarning.objects.count() == 360 and PayrollRun.objects.count() == 12
    oldest = PayrollRun.objects.order_by("month").first()
    assert oldest and oldest.month == add_months(month_start(clock.today()), -12) and oldest.entries > 50
    grown = {k: (small[k], large[k]) for k in small if small[k] != large[k]}
    assert not grown, f"query counts that grow with the data (page: small, large): {grown}"
