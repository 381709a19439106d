"""Income rules counties use since 2023 (N1, N2), worked examples through the pages and the API. Each example
changes a parameter for one county (尖山区) and shows another county (綦江区) keeps its own value.

尖山区 rural 低保 standard: 520 元/人·月; 綦江区: 530 元/人·月 (demo data)."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from jiuzhu.benefits.models import ChangeKind, EnrolmentStatus, SingleCover
from jiuzhu.core import clock
from jiuzhu.core.models import AuditEvent
from jiuzhu.documents.models import IssuedDocument
from jiuzhu.payments.models import LedgerEntry
from jiuzhu.registry.services.income_assets import income_add
from tests.cases.test_case_documents import _text
from tests.helpers import (
    DATONG,
    JIANSHAN,
    QIJIANG,
    approved,
    client_for,
    enrolled,
    make_case,
    make_household,
    member,
    run_payroll,
    to_investigated,
    user,
)

pytestmark = pytest.mark.django_db
QJ_VILLAGE = DATONG[:9] + "201"


def set_param(key, value, *, county=JIANSHAN, by="js_bureau"):
    """A county sets its own value through the API, in force from 1 November 2026."""
    r = client_for(by).post(
        f"/api/v1/params/{key}",
        {"area": county, "effective_from": "2026-11-01", "value": value, "reason": "县（区）实施办法"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content.decode()


def qj_household(**kw):
    return make_household(by="qj_bureau", area=QJ_VILLAGE, address="打通镇石门村1组", **kw)


def add_income(username, household, amount, **extra):
    r = client_for(username).post(
        f"/api/v1/households/{household.pk}/incomes",
        {"category": "wage", "description": "务工收入", "monthly_amount": amount} | extra,
        content_type="application/json",
    )
    assert r.status_code == 201, r.content.decode()
    return r.json()


def calculation(username, case):
    r = client_for(username).get(f"/api/v1/cases/{case.pk}/calculation")
    assert r.status_code == 200, r.content.decode()
    return Decimal(r.json()["amount"]), r.json()["breakdown"]


def category(username, case):
    r = client_for(username).get(f"/api/v1/cases/{case.pk}/low-income-category")
    assert r.status_code == 200, r.content.decode()
    return r.json()


# --- 就业成本 --------------------------------------------------------------------------------------------


def test_N2_job_cost_30_percent_of_the_standard_in_one_county_not_another():
    js = make_household()
    add_income("ab_caseworker", js, "800", member_id=js.members.get(relation="head").pk)
    js_case = make_case(js)
    qj = qj_household()
    add_income("qj_bureau", qj, "800", member_id=qj.members.get(relation="head").pk)
    qj_case = make_case(qj, by="qj_bureau")
    assert calculation("ab_caseworker", js_case)[0] == Decimal("240.00")  # 520 × 2 − 800: off by default

    set_param("income.job_cost.mode", "percent")
    amount, text = calculation("ab_caseworker", js_case)
    # 520 × 30 % = 156 deducted from the employed member's 800: 1040 − 644 = 396
    assert amount == Decimal("396.00")
    assert (
        "就业成本扣除 156.00 元" in text and "520.00 元 × 30%" in text and "核算后计入收入 644.00 元" in text
    )
    amount, text = calculation("qj_bureau", qj_case)
    assert amount == Decimal("260.00") and "就业成本" not in text  # 530 × 2 − 800, 綦江 unchanged

    set_param("income.job_cost.mode", "fixed")
    set_param("income.job_cost.fixed", "200.00")
    amount, text = calculation("ab_caseworker", js_case)
    assert amount == Decimal("440.00") and "固定金额" in text  # 1040 − (800 − 200)


def test_N2_job_cost_never_exceeds_the_members_wage_and_is_shown_on_the_case_page():
    set_param("income.job_cost.mode", "percent")
    h = make_household()
    add_income("ab_caseworker", h, "100", member_id=h.members.get(relation="head").pk)
    case = to_investigated(make_case(h))
    amount, text = calculation("ab_caseworker", case)
    assert amount == Decimal("1040.00") and "就业成本扣除 100.00 元" in text
    page = client_for("ab_caseworker").get(f"/cases/{case.pk}/").content.decode()
    assert "就业成本扣除 100.00 元" in page


# --- new job: first months not counted --------------------------------------------------------------


def test_N2_new_job_income_not_counted_for_the_first_three_months():
    h = make_household()
    head = h.members.get(relation="head")
    c = client_for("ab_caseworker")
    url = f"/registry/households/{h.pk}/income/"
    base = {"category": "wage", "description": "新进厂务工", "monthly_amount": "900", "member": head.pk}
    refused = c.post(url, base | {"category": "business", "started_on": "2026-10-10"})
    assert refused.status_code == 422 and "只适用于工资性收入" in refused.content.decode()
    refused = c.post(url, base | {"started_on": "2026-12-10"})
    assert refused.status_code == 422 and not h.incomes.exists()
    assert c.post(url, base | {"started_on": "2026-10-10"}).status_code == 302
    assert h.incomes.get().started_on == date(2026, 10, 10)
    assert "2026-10-10 起新就业" in c.get(f"/registry/households/{h.pk}/").content.decode()
    case = make_case(h)
    qj = qj_household()
    add_income("qj_bureau", qj, "900", member_id=qj.members.get(relation="head").pk, started_on="2026-10-10")
    qj_case = make_case(qj, by="qj_bureau")

    amount, text = calculation("ab_caseworker", case)  # paid from December: Oct, Nov, Dec not counted
    assert amount == Decimal("1040.00") and "3 个月内不计入，至 2026年12月" in text
    clock.freeze(datetime(2026, 12, 20, 10))  # paid from January: counted again
    assert calculation("ab_caseworker", case)[0] == Decimal("140.00")  # 1040 − 900

    set_param("income.new_job_exempt_months", 4)
    amount, text = calculation("ab_caseworker", case)
    assert amount == Decimal("1040.00") and "4 个月内不计入，至 2027年01月" in text
    assert calculation("qj_bureau", qj_case)[0] == Decimal("160.00")  # 綦江 keeps 3: 1060 − 900


# --- 刚性支出 deductions ----------------------------------------------------------------------------------


def test_N2_rigid_spending_recorded_on_the_household_and_deducted_when_the_county_switches_it_on():
    h = make_household()
    add_income("ab_caseworker", h, "1000")
    c = client_for("ab_caseworker")
    url = f"/registry/households/{h.pk}/expenses/"
    bad = c.post(url, {"kind": "medical", "description": "住院自付", "amount": "-5", "paid_on": "2026-06-01"})
    assert bad.status_code == 422 and "住院自付" in bad.content.decode() and not h.expenses.exists()
    ok = c.post(
        url, {"kind": "medical", "description": "住院自付", "amount": "6000", "paid_on": "2026-06-01"}
    )
    assert ok.status_code == 302
    r = c.post(
        f"/api/v1/households/{h.pk}/expenses",
        {"kind": "schooling", "description": "高中学杂费", "amount": "4200", "paid_on": "2026-09-01"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["amount"] == "4200.00"
    future = c.post(
        f"/api/v1/households/{h.pk}/expenses",
        {"kind": "medical", "description": "x", "amount": "10", "paid_on": "2026-12-01"},
        content_type="application/json",
    )
    assert future.status_code == 400 and "不能晚于" in future.content.decode()
    assert AuditEvent.objects.filter(action="household.expense_add").count() == 2
    assert [x["kind"] for x in c.get(f"/api/v1/households/{h.pk}").json()["expenses"]] == [
        "schooling",
        "medical",
    ]
    case = make_case(h)
    assert calculation("ab_caseworker", case)[0] == Decimal("40.00")  # 1040 − 1000: nothing switched on

    set_param("income.deduct.medical", True)
    set_param("income.deduct.schooling", True)
    amount, text = calculation("ab_caseworker", case)
    # medical 6000 / 12 = 500; schooling (4200 − 3000 threshold) / 12 = 100: 1000 − 600 = 400 counted
    assert amount == Decimal("640.00")
    assert "近 12 个月自付医疗费用 6,000.00 元，按月扣除 500.00 元" in text
    assert "超过起点 3,000.00 元的部分 1,200.00 元，按月扣除 100.00 元" in text

    qj = qj_household()
    add_income("qj_bureau", qj, "1000")
    client_for("qj_bureau").post(
        f"/api/v1/households/{qj.pk}/expenses",
        {"kind": "medical", "description": "住院自付", "amount": "6000", "paid_on": "2026-06-01"},
        content_type="application/json",
    )
    assert calculation("qj_bureau", make_case(qj, by="qj_bureau"))[0] == Decimal("60.00")  # not deducted


# --- 低收入 category: 低保边缘 at 1.5 × the standard, 刚性支出困难 ---------------------------------------------


def test_N1_edge_line_at_one_and_a_half_times_the_standard_stored_on_approval():
    h = make_household()
    add_income("ab_caseworker", h, "1500")  # 750 per head; edge line 520 × 150 % = 780
    case = make_case(h, assistance_type="low_income")
    preview = category("ab_caseworker", case)
    assert preview["category"] == "edge"
    assert "520.00 元 × 150% = 780.00 元" in preview["text"] and "750.00" in preview["text"]
    approved(case)
    decision = client_for("ab_caseworker").get(f"/api/v1/cases/{case.pk}").json()["decision"]
    assert decision["low_income_category"] == "edge"
    assert decision["low_income_category_label"] == "低保边缘家庭" and "780.00" in decision["basis"]
    page = client_for("ab_caseworker").get(f"/cases/{case.pk}/").content.decode()
    assert "认定类别：低保边缘家庭" in page
    r = client_for("ab_caseworker").post(f"/cases/{case.pk}/documents/approval_notice/")
    assert r.status_code == 302
    text = _text(IssuedDocument.objects.get(kind="approval_notice", subject_id=str(case.pk)))
    assert "低保边缘家庭" in text and "780.00" in text

    set_param("low_income.edge_percent", "140")  # line 728: 750 per head is above it
    other = make_case(make_household(), assistance_type="low_income")
    add_income("ab_caseworker", other.household, "1500")
    assert category("ab_caseworker", other)["category"] == "other"
    qj = qj_household()
    add_income("qj_bureau", qj, "1500")
    qj_case = make_case(qj, by="qj_bureau", assistance_type="low_income")
    preview = category("qj_bureau", qj_case)  # 綦江 keeps 1.5 × 530 = 795
    assert preview["category"] == "edge" and "795.00" in preview["text"]


def test_N1_edge_needs_assets_within_limits_and_no_dibao():
    h = make_household()
    add_income("ab_caseworker", h, "1500")
    client_for("ab_caseworker").post(
        f"/api/v1/households/{h.pk}/assets",
        {"kind": "deposit", "description": "定期存款", "value": "80000"},
        content_type="application/json",
    )
    case = make_case(h, assistance_type="low_income")
    result = category("ab_caseworker", case)  # 40 000 per head above the 30 000 limit
    assert result["category"] == "other" and "超过上限 30,000.00 元" in result["text"]


def test_N1_rigid_expense_category_when_spending_exceeds_half_the_income():
    h = make_household()
    add_income("ab_caseworker", h, "1700")  # 850 per head: not 低保边缘 (780)
    c = client_for("ab_caseworker")
    c.post(
        f"/registry/households/{h.pk}/expenses/",
        {"kind": "medical", "description": "住院自付", "amount": "11000", "paid_on": "2026-05-10"},
    )
    case = make_case(h, assistance_type="low_income")
    result = category("ab_caseworker", case)
    # 1700 × 12 × 50 % = 10 200 < 11 000; 850 below 41 314 / 12 = 3 442.83
    assert result["category"] == "rigid_expense"
    assert "近 12 个月刚性支出 11,000.00 元超过家庭年收入 20,400.00 元 × 50% = 10,200.00 元" in result["text"]
    set_param("low_income.rigid_share", "60")  # 12 240 > 11 000
    assert category("ab_caseworker", case)["category"] == "other"
    qj = qj_household()
    add_income("qj_bureau", qj, "1700")
    client_for("qj_bureau").post(
        f"/api/v1/households/{qj.pk}/expenses",
        {"kind": "medical", "description": "住院自付", "amount": "11000", "paid_on": "2026-05-10"},
        content_type="application/json",
    )
    qj_case = make_case(qj, by="qj_bureau", assistance_type="low_income")
    assert category("qj_bureau", qj_case)["category"] == "rigid_expense"


# --- 渐退 across a payroll ------------------------------------------------------------------------------


def _months(enrolment):
    return {
        (e.month, e.gradual_exit)
        for e in LedgerEntry.objects.filter(enrolment=enrolment, kind="regular").order_by("month")
    }


def test_N2_six_months_gradual_exit_across_the_payroll():
    e1 = enrolled()
    add_income("ab_caseworker", e1.household, "1200", member_id=e1.household.members.get(relation="head").pk)
    c = client_for("ab_caseworker")
    page = c.get(f"/benefits/{e1.pk}/").content.decode()
    assert "建议实行渐退" in page and "继续发放 6 个月至2027年05月止" in page
    proposal = c.get(f"/api/v1/enrolments/{e1.pk}/review-proposal").json()["proposal"]
    assert proposal["outcome"] == "stop" and proposal["gradual_exit"] is True
    r = c.post(
        f"/benefits/{e1.pk}/review/",
        {
            "review-done_on": "2026-11-20",
            "review-outcome": "stop",
            "review-gradual_exit": "on",
            "review-findings": "户主就业，家庭人均收入超过低保标准",
        },
    )
    assert r.status_code == 302
    e1.refresh_from_db()
    assert e1.status == EnrolmentStatus.GRADUAL_EXIT
    assert (e1.gradual_exit_from, e1.end_month) == (date(2026, 12, 1), date(2027, 5, 1))
    page = c.get(f"/benefits/{e1.pk}/").content.decode()
    assert "渐退期：2026年12月至2027年5月" in page
    change = e1.changes.get(kind=ChangeKind.GRADUAL_EXIT)
    r = c.post(f"/benefits/{e1.pk}/changes/{change.pk}/notice/")
    assert r.status_code == 302
    text = _text(IssuedDocument.objects.get(kind="adjustment_notice")).replace("\n", "")
    assert "渐退期" in text and "6 个月内继续按月发放" in text

    set_param("benefit.gradual_exit_months", 3, county=QIJIANG, by="qj_bureau")  # another county
    set_param("benefit.gradual_exit_months", 2)  # 尖山 from now on
    e2 = enrolled(account="6217000012345678902")
    add_income("ab_caseworker", e2.household, "1200")
    r = c.post(
        f"/api/v1/enrolments/{e2.pk}/reviews",
        {"done_on": "2026-11-20", "outcome": "stop", "findings": "务工增收", "gradual_exit": True},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["gradual_exit_from"] == "2026-12-01"
    assert r.json()["end_month"] == "2027-01-01"  # two months under the changed parameter

    for month in (
        "2026-12-01",
        "2027-01-01",
        "2027-02-01",
        "2027-03-01",
        "2027-04-01",
        "2027-05-01",
        "2027-06-01",
    ):
        clock.freeze(datetime.fromisoformat(month).replace(hour=9))
        run_payroll(month=month)
        if month == "2026-12-01":  # the finance officer's pages of the month (the password ages later)
            finance = client_for("js_finance")
            ledger = finance.get(f"/payments/ledger/?county={JIANSHAN}&month=2026-12").content.decode()
            assert 'data-testid="gradual-exit"' in ledger
            api = finance.get(f"/api/v1/payroll/ledger?county={JIANSHAN}&month={month}").json()
            assert [row["gradual_exit"] for row in api["items"] if row["enrolment_id"] == e1.pk] == [True]
    paid = {date(2026, 12, 1), *(date(2027, m, 1) for m in range(1, 6))}
    assert _months(e1) == {(m, True) for m in paid}  # six months in 渐退期, nothing from June
    assert _months(e2) == {(date(2026, 12, 1), True), (date(2027, 1, 1), True)}


def test_N2_a_review_without_work_income_proposes_a_plain_stop():
    e = enrolled()
    income_add(
        by=user("ab_caseworker"),
        household=e.household,
        category="transfer",
        description="赡养费",
        monthly_amount="1200",
    )
    proposal = client_for("ab_caseworker").get(f"/api/v1/enrolments/{e.pk}/review-proposal").json()
    assert proposal["proposal"]["gradual_exit"] is False


# --- 单人保 ---------------------------------------------------------------------------------------------


def _edge_household(by="ab_caseworker", **kw):
    """Three people, 1 800 a month (600 per head: above 520, below the 780 edge line), one disabled child."""
    members = [
        member("王大山"),
        member("刘秀兰", "spouse", id_kw={"birth": "19820303", "female": True}),
        member("王小明", "child", disability="physical", disability_grade=2, id_kw={"birth": "20080101"}),
    ]
    h = qj_household(members=members) if by == "qj_bureau" else make_household(members=members, **kw)
    for relation, amount in (("head", "1000"), ("spouse", "800")):
        income_add(
            by=user(by),
            household=h,
            category="wage",
            description="务工",
            monthly_amount=amount,
            member=h.members.get(relation=relation),
        )
    return h


def test_N2_single_person_enrolment_of_a_disabled_member_of_an_edge_household():
    from jiuzhu.cases.services import steps

    h = _edge_household()
    child = h.members.get(relation="child")
    case = to_investigated(make_case(h))
    c = client_for("ab_caseworker")
    c.post(f"/benefits/cases/{case.pk}/single-cover/", {"single-member": h.members.get(relation="head").pk})
    assert not SingleCover.objects.exists()
    r = c.post(f"/benefits/cases/{case.pk}/single-cover/", {"single-member": child.pk}, follow=True)
    assert "已登记单人保" in r.content.decode() and SingleCover.objects.get().member == child
    assert 'data-testid="single-cover"' in c.get(f"/cases/{case.pk}/").content.decode()
    amount, text = calculation("ab_caseworker", case)
    assert amount == Decimal("520.00") and text.startswith("单人保（王小明")  # one person, no own income

    meeting = {
        "held_on": "2026-11-12",
        "attendees": [{"name": "刘宏伟", "title": "副乡长"}],
        "minutes": "同意王小明单人保",
        "outcome": "approve",
    }
    approver = client_for("ab_approver")
    refused = approver.post(f"/api/v1/cases/{case.pk}/decision", meeting, content_type="application/json")
    assert refused.status_code == 400 and "保障人数填为 1" in refused.content.decode()
    ok = approver.post(
        f"/api/v1/cases/{case.pk}/decision", meeting | {"covered_members": 1}, content_type="application/json"
    )
    assert ok.status_code == 200, ok.content.decode()
    steps.post_notice(by=user("ab_caseworker"), cases=[case], start_on=date(2026, 11, 12))
    steps.finalize(by=user("ab_approver"), case=case, on=date(2026, 11, 20))
    enrolment = case.enrolment
    assert enrolment.amount == Decimal("520.00") and enrolment.covered_members == 1
    assert enrolment.covered_member_ids == [child.pk] and "单人保" in enrolment.basis

    set_param("dibao.single.disability_grades", [1])  # 尖山: only grade 1 from now on
    js_case = make_case(_edge_household())
    r = c.put(
        f"/api/v1/cases/{js_case.pk}/single-cover",
        {"member_id": js_case.household.members.get(relation="child").pk},
        content_type="application/json",
    )
    assert r.status_code == 400 and "不符合单人保条件" in r.content.decode()
    qj_case = make_case(_edge_household(by="qj_bureau"), by="qj_bureau")
    r = client_for("qj_bureau").put(
        f"/api/v1/cases/{qj_case.pk}/single-cover",
        {"member_id": qj_case.household.members.get(relation="child").pk},
        content_type="application/json",
    )
    assert r.status_code == 200 and "肢体残疾2级" in r.json()["reason"]  # 綦江 keeps grades 1–2


def test_N2_single_cover_refused_for_a_household_below_the_standard_or_above_the_edge():
    h = _edge_household()
    income_add(
        by=user("ab_caseworker"), household=h, category="wage", description="加班", monthly_amount="900"
    )  # 2 700 / 3 = 900 per head: above the edge line
    case = make_case(h)
    r = client_for("ab_caseworker").put(
        f"/api/v1/cases/{case.pk}/single-cover",
        {"member_id": h.members.get(relation="child").pk},
        content_type="application/json",
    )
    assert r.status_code == 400 and "不是低保边缘家庭" in r.content.decode()
    assert not SingleCover.objects.exists()
