"""The warnings that read enrolments (S6, DM1, B2, B3), the death-records import feeding them, the
recipients population (S2) and the ledger-consistency KPI (S11)."""

import csv
import io
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiuzhu.benefits import deaths
from jiuzhu.benefits import services as benefits
from jiuzhu.benefits.models import Enrolment
from jiuzhu.core import clock
from jiuzhu.core.errors import Forbidden
from jiuzhu.registry.models import Member
from jiuzhu.registry.services.members import member_leave
from jiuzhu.supervision import scan as scanning
from jiuzhu.supervision.models import Alert, AlertStatus
from jiuzhu.supervision.rules import RULES
from tests.helpers import (
    JIANSHAN,
    client_for,
    d,
    enrolled,
    make_case,
    make_household,
    meeting,
    member,
    to_investigated,
    user,
)

pytestmark = pytest.mark.django_db


def fired(rule: str, household) -> bool:
    scanning.scan(by=user("js_inspector"), area_code=JIANSHAN, rules=[rule])
    return Alert.objects.filter(rule=rule, household=household, status=AlertStatus.OPEN).exists()


def test_S6_every_rule_now_runs():
    assert all(r.active for r in RULES.values())


def test_DM1_periodic_review_overdue_fires_and_clears_with_the_review():
    e = enrolled()
    assert not fired("periodic_review_overdue", e.household)
    clock.freeze(datetime(2027, 6, 2, 10))  # due 2027-06-01 (half-yearly)
    assert fired("periodic_review_overdue", e.household)
    benefits.periodic_review(
        by=user("ab_caseworker"),
        enrolment=e,
        data=benefits.ReviewInput(done_on=d("2027-06-02"), outcome="keep", findings="情况无变化"),
    )
    assert not fired("periodic_review_overdue", e.household)


def test_B3_same_bank_account_for_two_households():
    a = enrolled(account="6217000011112222333")
    b = enrolled(account="6217 0000 1111 2222 333")  # the same number typed with spaces
    c = enrolled(account="6217000099998888777")
    assert fired("same_bank_account", a.household) and fired("same_bank_account", b.household)
    assert not fired("same_bank_account", c.household)
    alert = Alert.objects.get(rule="same_bank_account", household=a.household)
    assert "6217 **** **** 2333" in alert.detail and "2 户" in alert.detail
    assert "6217000011112222333" not in alert.detail


def test_DM1_deceased_member_still_paid_until_the_household_is_adjusted():
    e = enrolled()
    spouse = e.household.members.get(relation="spouse")
    member_leave(by=user("ab_caseworker"), member=spouse, on=d("2026-11-18"), reason="deceased")
    assert fired("deceased_still_paid", e.household)
    assert "仍按 2 人发放" in Alert.objects.get(rule="deceased_still_paid").detail
    benefits.terminate(
        by=user("ab_caseworker"), enrolment=e, kind="other", reason="重新申请", on=d("2026-11-20")
    )
    assert not fired("deceased_still_paid", e.household)


def test_B2_tekun_level_must_come_from_the_latest_assessment():
    h = make_household(members=[member("陈守义", id_kw={"birth": "19440611"})])
    case = to_investigated(make_case(h, assistance_type="tekun"))
    benefits.assess_for_case(
        by=user("ab_caseworker"),
        case=case,
        member=h.members.get(),
        data=benefits.AssessmentInput(
            assessed_on=d("2026-11-10"), unmet=[], care_form="dispersed", assessors="王"
        ),
    )
    from jiuzhu.cases.services import steps

    steps.decide(by=user("ab_approver"), case=case, data=meeting())
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=d("2026-11-12"))
    steps.finalize(by=user("ab_approver"), case=case, on=d("2026-11-20"))
    assert not fired("tekun_level_changed", h)
    Enrolment.objects.filter(case=case).update(selfcare_level="unable")  # raised by hand, not by assessment
    assert fired("tekun_level_changed", h)
    assert "完全丧失" in Alert.objects.get(rule="tekun_level_changed").detail


def _deaths_file(rows) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["姓名", "身份证号", "死亡日期"])
    w.writerows(rows)
    return out.getvalue().encode("gb18030")


def _id(m: Member) -> str:
    from jiuzhu.core import crypto
    from jiuzhu.registry.identity import ID_PURPOSE

    return crypto.decrypt(m.id_cipher, purpose=ID_PURPOSE)


def test_DM1_death_records_import_previews_then_marks_members_and_raises_the_warning():
    e = enrolled()
    spouse = e.household.members.get(relation="spouse")
    content = _deaths_file(
        [[spouse.name, _id(spouse), "2026-11-15"], ["外县人", "110101194001011234", "2026-11-01"]]
    )
    preview = deaths.deaths_import(
        by=user("ab_caseworker"), file_name="死亡.csv", content=content, apply=False
    )
    assert [m.member for m in preview.matches] == [spouse] and preview.matches[0].enrolled
    assert preview.unmatched == 1 and not preview.applied
    spouse.refresh_from_db()
    assert spouse.is_active
    bad = _deaths_file(
        [[spouse.name, _id(spouse), "2026-11-15"], ["错号", "110101194001011230", "2026-11-01"]]
    )
    result = deaths.deaths_import(by=user("ab_caseworker"), file_name="死亡.csv", content=bad, apply=True)
    assert not result.applied and "第3行" in result.errors[0]
    spouse.refresh_from_db()
    assert spouse.is_active  # nothing registered while a row is bad
    result = deaths.deaths_import(
        by=user("ab_caseworker"), file_name="死亡.csv", content=bad, apply=True, commit_good_rows=True
    )
    spouse.refresh_from_db()
    assert result.applied and not spouse.is_active and spouse.left_reason == "deceased"
    assert spouse.left_on == d("2026-11-15")
    assert fired("deceased_still_paid", e.household)
    with pytest.raises(Forbidden):
        deaths.deaths_import(by=user("js_finance"), file_name="死亡.csv", content=content, apply=False)


def test_death_records_page_previews_and_confirms_without_uploading_again():
    e = enrolled()
    spouse = e.household.members.get(relation="spouse")
    c = client_for("ab_caseworker")
    upload = SimpleUploadedFile(
        "死亡.csv", _deaths_file([[spouse.name, _id(spouse), "2026-11-15"]]), "text/csv"
    )
    page = c.post("/benefits/deaths/", {"file": upload, "apply": "0"}).content.decode()
    assert "比对结果（尚未登记）：匹配 1 人" in page and "在保" in page
    spouse.refresh_from_db()
    assert spouse.is_active
    page = c.post("/benefits/deaths/", {"apply": "1"}).content.decode()
    spouse.refresh_from_db()
    assert not spouse.is_active and "已登记 1 名死亡人员" in page
    other = client_for("emr_caseworker").post(
        "/benefits/deaths/",
        {
            "file": SimpleUploadedFile(
                "死亡.csv",
                _deaths_file(
                    [[e.household.head_name, _id(e.household.members.get(relation="head")), "2026-11-15"]]
                ),
                "text/csv",
            ),
            "apply": "1",
        },
    )
    assert "匹配 0 人" in other.content.decode()  # another township's people are out of scope


def test_S2_home_checks_sample_the_enrolments_on_the_rolls():
    from jiuzhu.supervision.models import SampleKind
    from jiuzhu.supervision.services import sampling

    kept = [enrolled(), enrolled()]
    ended = enrolled()
    benefits.terminate(
        by=user("ab_caseworker"), enrolment=ended, kind="moved", reason="迁往外省", on=d("2026-11-20")
    )
    sample = sampling.sample_draw(by=user("js_inspector"), kind=SampleKind.YEARLY_HOME, county_code=JIANSHAN)
    assert sorted(sample.items.values_list("case_id", flat=True)) == sorted(e.case_id for e in kept)


def test_S11_ledger_consistency_on_the_dashboard():
    from tests.helpers import run_payroll

    e = enrolled()
    clock.freeze(datetime(2026, 12, 1, 9))
    run_payroll()
    from jiuzhu.payments.models import Payment
    from jiuzhu.payments.services.bank_files import reference_of
    from jiuzhu.payments.services.reconciliation import reconcile

    ref = reference_of(Payment.objects.get().pk)
    out = io.StringIO()
    csv.writer(out).writerows([["参考号", "状态"], [ref, "成功"]])
    reconcile(
        by=user("js_finance"),
        county_code=JIANSHAN,
        month=d("2026-12-01"),
        file_name="r.csv",
        content=out.getvalue().encode(),
    )
    r = client_for("js_inspector").get("/supervision/")
    page = r.content.decode()
    assert r.status_code == 200, page[:500]
    assert 'data-testid="kpi-ledger"' in page and "2026-12" in page
    from jiuzhu.orgs.models import Jurisdiction
    from jiuzhu.supervision import kpis

    table = kpis.ledger_consistency(user("js_inspector"), [Jurisdiction.objects.get(code=e.township_code)])
    assert table.rows == [["安邦乡", "2026-12", 1, 1, 100, 95, True]]
