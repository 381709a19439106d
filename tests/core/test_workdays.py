"""P7: working days with statutory holidays and make-up days; P7a: a year without a published arrangement still
skips the statutory holidays and is provisional."""

from datetime import date, timedelta

import chinese_calendar
import pytest

from jiuzhu.core import statutory_holidays, workdays
from jiuzhu.core.arrangement import parse_arrangement as parse_holiday_text
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.services import calendar_load_year
from tests.helpers import user


@pytest.mark.django_db
class TestAddWorkingDays:
    def test_P7_issue_example_mid_autumn_and_national_day_2021(self):
        result = workdays.add_working_days(date(2021, 9, 15), 20)
        assert result.date == date(2021, 10, 19)
        assert result.provisional is False

    def test_P7_makeup_saturday_counts(self):
        # 2021-09-18 (Saturday) was a make-up working day for 中秋.
        assert workdays.add_working_days(date(2021, 9, 17), 1).date == date(2021, 9, 18)

    def test_P7_holiday_is_skipped(self):
        # 2021-09-20/21 中秋 holiday: after Saturday 18th the next working day is Wednesday 22nd.
        assert workdays.add_working_days(date(2021, 9, 18), 1).date == date(2021, 9, 22)

    def test_P7_start_day_does_not_count_and_rest_day_result_moves_forward(self):
        assert workdays.add_working_days(date(2021, 10, 1), 0).date == date(2021, 10, 8)
        assert workdays.add_working_days(date(2021, 10, 8), 0).date == date(2021, 10, 8)
        assert workdays.add_working_days(date(2021, 10, 1), 1).date == date(2021, 10, 8)
        assert workdays.add_working_days(date(2021, 10, 1), 2).date == date(2021, 10, 9)  # Saturday make-up

    def test_P7_count_between_skips_national_day(self):
        count = workdays.working_days_between(date(2021, 9, 30), date(2021, 10, 8))
        assert (count.days, count.provisional) == (1, False)
        assert workdays.working_days_between(date(2021, 9, 15), date(2021, 10, 19)).days == 20
        assert workdays.working_days_between(date(2021, 10, 19), date(2021, 9, 15)).days == 0

    def test_P7a_year_without_data_skips_new_year_and_is_provisional(self, package_stops_at_2026):
        assert not workdays.is_known_year(2027)
        assert workdays.year_status(2027) == workdays.YearStatus.PROVISIONAL
        result = workdays.add_working_days(date(2026, 12, 25), 10)
        # 28–31 December, then 1 January 2027 is 元旦 (not a working day), then 4–8 and 11 January.
        assert result.date == date(2027, 1, 11)
        assert result.provisional is True
        inside_known_year = workdays.add_working_days(date(2026, 12, 1), 5)
        assert inside_known_year.provisional is False

    def test_P7_loaded_year_replaces_the_fallback(self, package_stops_at_2026):
        # A made-up arrangement with a Saturday make-up day on 9 January, so that the loaded table and not the
        # statutory fallback is seen to decide.
        rows = parse_holiday_text(2027, "2027-01-01 至 2027-01-03 元旦\n2027-01-09 补班")
        calendar_load_year(by=user("js_admin"), year=2027, rows=rows, source="国办发明电〔2026〕测试号")
        result = workdays.add_working_days(date(2026, 12, 25), 10)
        assert result.date == date(2027, 1, 9)
        assert result.provisional is False
        assert workdays.year_status(2027) == workdays.YearStatus.LOADED

    def test_P7_database_correction_overrides_the_package(self):
        rows = parse_holiday_text(2021, "2021-09-22,休,测试更正")
        calendar_load_year(by=user("js_bureau"), year=2021, rows=rows, source="更正")
        assert workdays.add_working_days(date(2021, 9, 21), 1).date == date(2021, 9, 23)


@pytest.mark.django_db
class TestStatutoryHolidaysP7a:
    def test_P7a_matches_the_published_arrangements_of_every_year_the_package_covers(self):
        """Every day the law fixes (2013 revision from 2014, 2024 revision from 2025) was a day off in the
        State Council's arrangement of that year: the lunar dates, 除夕 and the solar term are right."""
        for year in range(2014, 2027):
            days = statutory_holidays.holidays(year)
            assert len(days) >= (12 if year >= 2025 else 10), year
            assert [d for d in days if chinese_calendar.is_workday(d)] == [], year
        assert date(2025, 1, 28) in statutory_holidays.holidays(2025)  # 除夕 counts from the 2024 revision
        assert date(2024, 2, 9) not in statutory_holidays.holidays(2024)  # … not before

    def test_P7a_lunar_and_solar_term_dates_of_coming_years(self):
        h2027 = statutory_holidays.holidays(2027)
        assert [d for d, n in h2027.items() if n == "春节"] == [
            date(2027, 2, 5) + timedelta(days=i) for i in range(4)
        ]
        assert statutory_holidays.lunar_to_solar(2027, 1, 1) - timedelta(days=1) == date(
            2027, 2, 5
        )  # 腊月廿九
        assert statutory_holidays.solar_term(2027, "清明") == date(2027, 4, 5)
        assert h2027[date(2027, 4, 5)] == "清明节"
        assert h2027[date(2027, 5, 1)] == h2027[date(2027, 5, 2)] == "劳动节"
        assert h2027[date(2027, 6, 9)] == "端午节" and h2027[date(2027, 9, 15)] == "中秋节"
        assert [d for d, n in h2027.items() if n == "国庆节"] == [
            date(2027, 10, 1),
            date(2027, 10, 2),
            date(2027, 10, 3),
        ]
        assert len(h2027) == 13
        h2028 = statutory_holidays.holidays(2028)
        assert next(d for d, n in h2028.items() if n == "春节") == date(2028, 1, 25)
        assert statutory_holidays.solar_term(2028, "清明") == date(2028, 4, 4)
        # 中秋 falls on 3 October 2028: one day off for both, no extra day without the arrangement.
        assert h2028[date(2028, 10, 3)] == "中秋节、国庆节" and len(h2028) == 12

    def test_P7a_2027_new_year_and_spring_festival_are_not_working_days(self, package_stops_at_2026):
        for day in [date(2027, 1, 1), *(date(2027, 2, 5) + timedelta(days=i) for i in range(4))]:
            info = workdays.day_info(day)
            assert (info.workday, info.known) == (False, False), day
        assert workdays.day_info(date(2027, 1, 1)).name == "元旦"
        assert workdays.day_info(date(2027, 2, 4)).workday and workdays.day_info(date(2027, 2, 9)).workday
        # No make-up knowledge: Saturday 20 February stays a rest day.
        assert not workdays.day_info(date(2027, 2, 20)).workday

    def test_P7a_deadline_across_the_2027_spring_festival_moves_and_is_provisional(
        self, package_stops_at_2026
    ):
        # From Friday 29 January: 1–4 February, then 5 (除夕) and 8 (初三) February are off, 9–12, 15, 16.
        result = workdays.add_working_days(date(2027, 1, 29), 10)
        assert (result.date, result.provisional) == (date(2027, 2, 16), True)
        count = workdays.working_days_between(date(2027, 1, 29), date(2027, 2, 16))
        assert (count.days, count.provisional) == (10, True)

    def test_P7a_2028_spring_festival_from_the_eve_on_25_january(self, package_stops_at_2026):
        # Friday 21 January 2028 + 5: Monday 24th, then 25–28 (除夕 to 初三) off, 31 January to 3 February.
        result = workdays.add_working_days(date(2028, 1, 21), 5)
        assert (result.date, result.provisional) == (date(2028, 2, 3), True)
        assert workdays.day_info(date(2028, 1, 25)).name == "春节"

    def test_P7a_a_year_far_ahead_is_provisional_without_any_patching(self):
        """2031: no package will cover it for years, so this holds whatever the real date (libfaketime)."""
        assert workdays.year_status(2031) == workdays.YearStatus.PROVISIONAL
        assert not workdays.day_info(date(2031, 1, 1)).workday  # Wednesday, 元旦
        assert next(d for d, n in statutory_holidays.holidays(2031).items() if n == "春节") == date(
            2031, 1, 22
        )
        result = workdays.add_working_days(date(2030, 12, 31), 1)
        assert (result.date, result.provisional) == (date(2031, 1, 2), True)

    def test_P7a_reminder_years(self, package_stops_at_2026):
        assert workdays.years_to_load(date(2026, 10, 31)) == []
        assert workdays.years_to_load(date(2026, 11, 1)) == [2027]
        assert workdays.years_to_load(date(2027, 3, 1)) == [2027]
        assert workdays.years_to_load(date(2027, 12, 1)) == [2027, 2028]


class TestHolidayParsing:
    def test_every_bad_line_is_reported_and_nothing_parsed(self):
        text = "2027-13-01,休,x\n2027-02-01,放,x\n2027-02-03,班,周三\n2026-01-01,休,x\n2027-05-01,休,劳动节\n2027-05-01,休,重复"
        with pytest.raises(ValidationFailed) as exc:
            parse_holiday_text(2027, text)
        errors = exc.value.field_errors["text"]
        assert len(errors) == 5
        assert any("第1行" in e and "格式" in e for e in errors)
        assert any("第3行" in e and "本来就是工作日" in e for e in errors)
        assert any("第6行" in e and "重复" in e for e in errors)

    def test_short_table_of_ranges_and_make_up_days(self):
        rows = parse_holiday_text(
            2027,
            "2027-01-01 元旦\n2027-02-05 至 2027-02-11 春节\n2027-02-14 补班\n2027/02/20，上班，春节调休",
        )
        rest = [r.day for r in rows if not r.is_workday]
        assert rest == [date(2027, 1, 1), *(date(2027, 2, 5) + timedelta(days=i) for i in range(7))]
        assert {r.name for r in rows if r.day.month == 2 and not r.is_workday} == {"春节"}
        assert [(r.day, r.name) for r in rows if r.is_workday] == [
            (date(2027, 2, 14), "调休上班"),
            (date(2027, 2, 20), "春节调休"),
        ]

    def test_lines_of_the_state_council_notice(self):
        text = (
            "一、元旦：1月1日（周五）放假，共1天。\n"
            "二、春节：2月5日（除夕）至11日（正月初七）放假调休，共7天。2月14日（周日）、2月20日（周六）上班。"
        )
        rows = parse_holiday_text(2027, text)
        assert len([r for r in rows if not r.is_workday]) == 8
        assert [(r.day, r.name) for r in rows if r.is_workday] == [
            (date(2027, 2, 14), "春节调休"),
            (date(2027, 2, 20), "春节调休"),
        ]

    def test_each_bad_line_has_a_chinese_reason(self):
        text = (
            "2027-02-11 至 2027-02-05 春节\n春节放假\n11日 放假\n2027-03-01 至 2027-05-01 x\n"
            "20270205 春节\n2027-02-06 放假 上班\n2027-02-05 至 2027-02-07 春节\n2027-02-06 补班"
        )
        with pytest.raises(ValidationFailed) as exc:
            parse_holiday_text(2027, text)
        errors = exc.value.field_errors["text"]
        assert [e.split("：")[0] for e in errors] == [f"第{i}行" for i in (1, 2, 3, 4, 5, 6, 8)]
        assert "早于" in errors[0] and "没有可识别的日期" in errors[1] and "缺少月份" in errors[2]
        assert "超过 31 天" in errors[3] and "既有" in errors[5] and "重复（第7行已填写）" in errors[6]

    @pytest.mark.django_db
    def test_calendar_load_requires_role(self):
        from jiuzhu.core.errors import Forbidden

        rows = parse_holiday_text(2027, "2027-01-01,休,元旦")
        with pytest.raises(Forbidden):
            calendar_load_year(by=user("ab_caseworker"), year=2027, rows=rows, source="x")
        assert not workdays.is_known_year(2027)
