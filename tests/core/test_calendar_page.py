"""P7a through the pages: a deadline into a year without a published arrangement skips the statutory holidays
and is provisional; the calendar page shows where each year comes from and reminds those who load it; loading an
arrangement previews what changes, then recomputes open deadlines and audits every move and the batch."""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from jiuzhu.cases.deadlines import deadline_of
from jiuzhu.cases.services import steps
from jiuzhu.core import clock, workdays
from jiuzhu.core.arrangement import parse_arrangement
from jiuzhu.core.models import AuditEvent, CalendarYear
from jiuzhu.core.services import calendar_load_year
from tests.helpers import (
    DONGXI,
    accept,
    client_for,
    d,
    investigate,
    make_case,
    make_household,
    meeting,
    user,
    verify,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("package_stops_at_2026")]

# A made-up 2027 arrangement (the real one is not published), shaped like the State Council's.
ARRANGEMENT_2027 = """2027-01-01 至 2027-01-03 元旦
2027-02-05 至 2027-02-11 春节
2027-02-14 补班
2027-02-20 补班
2027-04-03 至 2027-04-05 清明节
2027-05-01 至 2027-05-05 劳动节
2027-04-25 补班
2027-05-08 补班
2027-06-09 端午节
2027-09-15 中秋节
2027-10-01 至 2027-10-07 国庆节
2027-09-26 补班
2027-10-09 补班"""


def accepted(on: str, household=None, by: str = "ab_caseworker"):
    case = make_case(household, by=by, applied_on=d(on))
    return accept(case, by=by, on=on)


def emergency_aided(on: str):
    case = make_case(assistance_type="linshi_emergency", requested_amount="800", applied_on=d(on))
    at = timezone.make_aware(datetime.fromisoformat(f"{on}T07:00"))
    aid = steps.emergency_aid(
        by=user("ab_approver"), case=case, requested_at=at, paid_at=at + timedelta(hours=1), amount="800"
    )
    return case, aid


def text_of(page: str, name: str) -> str:
    match = re.search(rf'data-testid="{name}"[^>]*>([^<]*)<', page)
    assert match, name
    return match.group(1).strip()


def test_P7a_case_accepted_on_6_december_2026_is_not_due_on_new_years_day():
    clock.freeze(datetime(2026, 12, 7, 10))
    case = accepted("2026-12-06")
    deadline = deadline_of(case)
    # 20 working days from Monday 7 December: the 20th weekday is Friday 1 January 2027, which is 元旦.
    assert deadline.due_on == d("2027-01-04") and deadline.provisional
    page = client_for("ab_caseworker").get(f"/cases/{case.pk}/").content.decode()
    assert "应于 2027-01-04 前作出决定" in page and "临时" in page
    assert "2027-01-01 前" not in page


def test_P7a_loading_the_arrangement_previews_then_recomputes_open_deadlines_and_audits_it():
    clock.freeze(datetime(2027, 2, 4, 10))
    running = accepted("2027-01-22")
    elsewhere = accepted(
        "2027-01-22",
        make_household(by="qj_bureau", area=DONGXI[:9] + "201", address="綦江测试户"),
        "qj_bureau",
    )
    aid_case, aid = emergency_aided("2027-02-04")
    # Provisional: 除夕 5 and 初三 8 February off; 9–11 February and no make-up day known.
    assert (deadline_of(running).due_on, deadline_of(running).provisional) == (d("2027-02-23"), True)
    assert aid.register_due_on == d("2027-02-15")

    bureau = client_for("js_bureau")
    form = {
        "year": "2027",
        "text": ARRANGEMENT_2027,
        "source": "国办发明电〔2026〕测试号",
        "action": "preview",
    }
    page = bureau.post("/settings/calendar/", form).content.decode()
    # Rest on weekdays the law does not fix: 9–11 February, 3–5 May, 4–7 October (10); six make-up days.
    assert text_of(page, "preview-changed-days") == "16"
    assert 'data-testid="missing-statutory"' not in page
    assert running.number in page and aid_case.number in page
    assert elsewhere.number not in page and "在其他辖区" in page  # listed only to its own county
    assert workdays.year_status(2027) == workdays.YearStatus.PROVISIONAL  # a preview loads nothing
    assert not AuditEvent.objects.filter(action="calendar.load_year").exists()

    digest = re.search(r'name="digest" value="([0-9a-f]+)"', page).group(1)
    done = bureau.post("/settings/calendar/", {**form, "action": "confirm", "digest": digest})
    assert done.status_code == 302
    assert workdays.year_status(2027) == workdays.YearStatus.LOADED

    # 12 February, Sunday 14th, 15–19, Saturday 20th, 22–24: the P7 deadline moves one day and is firm now.
    assert (deadline_of(running).due_on, deadline_of(running).provisional) == (d("2027-02-24"), False)
    aid.refresh_from_db()
    assert aid.register_due_on == d("2027-02-17")  # the stored P8 date is rewritten

    moved = AuditEvent.objects.filter(action="case.deadline_moved")
    by_case = {e.object_id: e for e in moved}
    assert {str(running.pk), str(elsewhere.pk), str(aid_case.pk)} <= set(by_case)
    event = by_case[str(running.pk)]
    assert (event.before["due_on"], event.after["due_on"]) == ("2027-02-23", "2027-02-24")
    assert event.actor.username == "js_bureau" and "国办发明电〔2026〕测试号" in event.reason
    batch = AuditEvent.objects.get(action="calendar.recompute_deadlines")
    assert batch.after["moved"] == moved.count()
    assert batch.after["by_deadline"]["emergency_registration"]["moved"] >= 1
    assert batch.after["by_deadline"]["decision"]["moved"] >= 2
    timeline = client_for("ab_caseworker").get(f"/cases/{running.pk}/").content.decode()
    assert "期限随节假日安排调整" in timeline
    trail = client_for("js_auditor").get("/settings/audit/?action=calendar.").content.decode()
    assert "导入节假日安排" in trail and "按节假日安排重算期限" in trail


def test_P7a_preview_warns_when_a_statutory_holiday_is_left_out():
    form = {"year": "2027", "text": "2027-02-05 至 2027-02-11 春节", "source": "测试", "action": "preview"}
    page = client_for("js_admin").post("/settings/calendar/", form).content.decode()
    warning = page.split('data-testid="missing-statutory"')[1].split("</div>")[0]
    assert "2027-01-01 元旦" in warning and "2027-04-05 清明节" in warning and "2027-10-01 国庆节" in warning
    assert "2027-05-01" not in warning  # a Saturday: a rest day anyway
    assert "春节" not in warning


def test_P7a_a_changed_text_is_previewed_again_not_loaded():
    bureau = client_for("js_bureau")
    form = {
        "year": "2027",
        "text": ARRANGEMENT_2027,
        "source": "测试",
        "action": "confirm",
        "digest": "stale",
    }
    page = bureau.post("/settings/calendar/", form).content.decode()
    assert 'data-testid="calendar-preview"' in page and "请核对下面的新预览" in page
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_P7a_bad_lines_are_reported_on_the_page_and_nothing_is_loaded():
    text = "2027-02-05 至 2027-02-11 春节\n2027-02-30 补班\n2027-02-03 补班"
    page = client_for("js_admin").post(
        "/settings/calendar/", {"year": "2027", "text": text, "source": "测试", "action": "preview"}
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert "第2行：日期“2027-02-30”不存在" in body and "第3行：2027-02-03 本来就是工作日" in body
    assert 'data-testid="calendar-preview"' not in body
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_P7a_calendar_page_shows_where_each_year_comes_from():
    page = client_for("ab_caseworker").get("/settings/calendar/?year=2027").content.decode()
    assert 'data-testid="year-status-2026" data-status="official"' in page
    assert 'data-testid="year-status-2027" data-status="provisional"' in page
    assert 'data-testid="year-unknown"' in page and "2027-02-05" in page and "春节" in page
    assert 'data-testid="calendar-reminder"' not in page  # only for those who can load it
    assert client_for("ab_caseworker").get("/settings/calendar/?year=abc").status_code == 200
    rows = parse_arrangement(2027, ARRANGEMENT_2027)
    calendar_load_year(by=user("js_admin"), year=2027, rows=rows, source="测试")
    page = client_for("ab_caseworker").get("/settings/calendar/?year=2027").content.decode()
    assert 'data-testid="year-status-2027" data-status="loaded"' in page


def test_P7a_reminder_on_the_home_page_of_those_who_load_the_calendar_in_november_and_december():
    for username in ("js_admin", "js_bureau"):
        page = client_for(username).get("/").content.decode()
        assert 'data-testid="calendar-reminder"' in page and "2027 年节假日安排尚未导入" in page, username
    for username in ("ab_caseworker", "js_inspector", "js_finance"):
        assert 'data-testid="calendar-reminder"' not in client_for(username).get("/").content.decode(), (
            username
        )
    clock.freeze(datetime(2026, 10, 30, 10))
    assert 'data-testid="calendar-reminder"' not in client_for("js_admin").get("/").content.decode()
    clock.freeze(datetime(2026, 12, 31, 10))
    calendar_load_year(
        by=user("js_admin"), year=2027, rows=parse_arrangement(2027, ARRANGEMENT_2027), source="测试"
    )
    assert 'data-testid="calendar-reminder"' not in client_for("js_admin").get("/").content.decode()


def test_P7a_2028_deadline_across_the_spring_festival_then_loaded():
    clock.freeze(datetime(2028, 1, 20, 10))
    case = accepted("2028-01-14")
    # From Friday 14 January: 17–21, 24, then 25–28 (除夕 to 初三) off, 31 January to 17 February.
    assert (deadline_of(case).due_on, deadline_of(case).provisional) == (d("2028-02-17"), True)
    rows = parse_arrangement(2028, "2028-01-25 至 2028-02-01 春节")
    loaded = calendar_load_year(by=user("js_bureau"), year=2028, rows=rows, source="测试")
    assert (deadline_of(case).due_on, deadline_of(case).provisional) == (d("2028-02-21"), False)
    moves = [m for m in loaded.recalculation.moves if m.obj.pk == case.pk]
    assert [(m.before, m.after) for m in moves] == [(d("2028-02-17"), d("2028-02-21"))]
    assert AuditEvent.objects.filter(action="case.deadline_moved", object_id=str(case.pk)).count() == 1


def test_P7a_decided_cases_are_not_recomputed():
    clock.freeze(datetime(2027, 1, 20, 10))
    case = accepted("2027-01-18")
    verify(case, requested="2027-01-18", completed="2027-01-19")
    investigate(case, on="2027-01-19")
    steps.decide(by=user("ab_approver"), case=case, data=meeting(on="2027-01-20"))
    loaded = calendar_load_year(
        by=user("js_bureau"), year=2027, rows=parse_arrangement(2027, ARRANGEMENT_2027), source="测试"
    )
    assert case.pk not in {m.obj.pk for m in loaded.recalculation.moves}


def test_P7a_api_calculator_in_a_year_far_ahead():
    response = client_for("ab_caseworker").get("/api/v1/calendar/add-working-days?start=2030-12-31&days=1")
    assert response.json() == {"start": "2030-12-31", "days": 1, "result": "2031-01-02", "provisional": True}
