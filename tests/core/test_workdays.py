"""P7: working days with statutory holidays and make-up days; a year without data is provisional."""

from datetime import date

import pytest

from jiuzhu.core import workdays
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.services import calendar_load_year, parse_holiday_text
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

    def test_P7_year_without_data_falls_back_to_weekdays_and_is_provisional(self):
        assert not workdays.is_known_year(2027)
        result = workdays.add_working_days(date(2026, 12, 25), 10)
        # Monday–Friday only: 1 January 2027 counts as a working day because nothing says otherwise.
        assert result.date == date(2027, 1, 8)
        assert result.provisional is True
        inside_known_year = workdays.add_working_days(date(2026, 12, 1), 5)
        assert inside_known_year.provisional is False

    def test_P7_loaded_year_replaces_the_fallback(self):
        rows = parse_holiday_text(2027, "2027-01-01,休,元旦\n2027-01-02,休,元旦\n2027-01-03,休,元旦")
        calendar_load_year(by=user("js_admin"), year=2027, rows=rows, source="国办发明电〔2026〕测试号")
        result = workdays.add_working_days(date(2026, 12, 25), 10)
        assert result.date == date(2027, 1, 11)
        assert result.provisional is False
        assert workdays.is_known_year(2027)

    def test_P7_database_correction_overrides_the_package(self):
        rows = parse_holiday_text(2021, "2021-09-22,休,测试更正")
        calendar_load_year(by=user("js_bureau"), year=2021, rows=rows, source="更正")
        assert workdays.add_working_days(date(2021, 9, 21), 1).date == date(2021, 9, 23)


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

    @pytest.mark.django_db
    def test_calendar_load_requires_role(self):
        from jiuzhu.core.errors import Forbidden

        rows = parse_holiday_text(2027, "2027-01-01,休,元旦")
        with pytest.raises(Forbidden):
            calendar_load_year(by=user("ab_caseworker"), year=2027, rows=rows, source="x")
        assert not workdays.is_known_year(2027)
