"""Document numbers (文号): sequential per organisation and year, unique under concurrency."""

import threading
from datetime import datetime

import pytest
from django.db import connection, transaction

from jiuzhu.core import clock
from jiuzhu.core.errors import Forbidden, NotFound, ValidationFailed
from jiuzhu.core.models import AuditEvent
from jiuzhu.documents import numbering, register, services
from jiuzhu.documents.models import DocumentNumberSequence
from jiuzhu.orgs.models import Organisation
from jiuzhu.orgs.roles import OrgKind
from tests.helpers import ANBANG, ERMALU, JIANSHAN, QIJIANG, user


def org(code: str, kind: str) -> Organisation:
    return Organisation.objects.get(jurisdiction_id=code, kind=kind)


def allocate(o: Organisation, year: int) -> str:
    with transaction.atomic():
        return register.reserve(
            by=None, org=o, year=year, kind="approval_notice", title="", area_code=o.jurisdiction_id
        ).number


@pytest.mark.django_db
def test_default_prefixes_come_from_the_place_and_the_kind_of_body():
    assert numbering.default_prefix(org(JIANSHAN, OrgKind.BUREAU)) == "尖民救"
    assert numbering.default_prefix(org(JIANSHAN, OrgKind.GOVERNMENT)) == "尖政发"
    assert numbering.default_prefix(org(ANBANG, OrgKind.TOWNSHIP)) == "尖民救安"
    assert numbering.default_prefix(org(ERMALU, OrgKind.TOWNSHIP)) == "尖民救二"
    assert numbering.default_prefix(org(QIJIANG, OrgKind.BUREAU)) == "綦民救"
    assert numbering.short_name("二马路街道") == "二马路"


@pytest.mark.django_db
def test_numbers_are_sequential_per_organisation_and_year():
    bureau, township = org(JIANSHAN, OrgKind.BUREAU), org(ANBANG, OrgKind.TOWNSHIP)
    assert [allocate(bureau, 2026) for _ in range(3)] == [
        "尖民救〔2026〕1号",
        "尖民救〔2026〕2号",
        "尖民救〔2026〕3号",
    ]
    assert allocate(township, 2026) == "尖民救安〔2026〕1号"  # each organisation has its own series
    assert allocate(bureau, 2027) == "尖民救〔2027〕1号"  # a new year starts at 1
    assert allocate(bureau, 2026) == "尖民救〔2026〕4号"


@pytest.mark.django_db
def test_a_new_year_starts_a_new_series():
    bureau = org(JIANSHAN, OrgKind.BUREAU)
    with clock.frozen_at(datetime(2027, 1, 2, 9, 0)):
        assert allocate(bureau, clock.today().year) == "尖民救〔2027〕1号"


@pytest.mark.django_db
def test_prefix_is_configurable_by_the_bureau():
    bureau = org(JIANSHAN, OrgKind.BUREAU)
    services.number_prefix_set(by=user("js_bureau"), org=bureau, prefix="尖民发")
    assert allocate(bureau, 2026) == "尖民发〔2026〕1号"
    event = AuditEvent.objects.filter(action="numbering.prefix_set").latest("id")
    assert event.before == {"prefix": "尖民救"} and event.after == {"prefix": "尖民发"}
    with pytest.raises(ValidationFailed, match="文号字头"):
        services.number_prefix_set(by=user("js_bureau"), org=bureau, prefix="尖 民<script>")
    with pytest.raises(Forbidden):
        services.number_prefix_set(by=user("ab_approver"), org=org(ANBANG, OrgKind.TOWNSHIP), prefix="安")
    with pytest.raises(NotFound):
        services.number_prefix_set(by=user("qj_bureau"), org=bureau, prefix="綦")


@pytest.mark.django_db
def test_prefix_page_for_the_bureau():
    from tests.helpers import client_for

    township = org(ANBANG, OrgKind.TOWNSHIP)
    c = client_for("js_bureau")
    response = c.post("/documents/templates/", {"organisation": township.pk, "prefix": "尖民救安邦"})
    assert response.status_code == 302
    assert "尖民救安邦〔2026〕N号" in c.get("/documents/templates/").content.decode()
    assert client_for("ab_approver").post("/documents/templates/", {}).status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_no_duplicate_numbers_under_concurrency():
    """Eight issuers at once, on separate connections: the locked sequence row gives each its own number."""
    from jiuzhu.orgs.models import Jurisdiction, Level

    county = Jurisdiction.objects.create(code="230503000000", name="岭东区", level=Level.COUNTY)
    bureau = Organisation.objects.create(name="岭东区民政局", kind=OrgKind.BUREAU, jurisdiction=county)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker():
        try:
            start.wait()
            for _ in range(5):
                number = allocate(bureau, 2026)
                with lock:
                    numbers.append(number)
        except BaseException as exc:  # noqa: BLE001 - collected and re-raised by the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == 40 and len(set(numbers)) == 40
    assert sorted(numbers, key=lambda n: int(n.split("〕")[1][:-1])) == [
        f"岭民救〔2026〕{i}号" for i in range(1, 41)
    ]
    assert DocumentNumberSequence.objects.get(organisation=bureau, year=2026).last_number == 40


def _notice(code: str, username: str):
    from datetime import date

    from jiuzhu.documents import compose

    parties = compose.decision_parties(township_code=code, category="dibao", day=date(2026, 11, 20))
    return services.document_issue(
        by=user(username),
        kind="approval_notice",
        subject=None,
        context={},
        issuing_org=parties.authority,
        handling_org=parties.handling,
    )


@pytest.mark.django_db
def test_D1_townships_with_the_same_prefix_are_told_to_change_it(fast_pdf):
    services.number_prefix_set(by=user("js_bureau"), org=org(ERMALU, OrgKind.TOWNSHIP), prefix="尖民救安")
    assert _notice(ANBANG, "ab_caseworker").number == "尖民救安〔2026〕1号"
    with pytest.raises(ValidationFailed, match="设置不同的文号字头"):
        _notice(ERMALU, "emr_caseworker")
