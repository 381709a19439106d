"""Business actions owned by core: policy parameters and the holiday calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from jiuzhu.core import audit, clock, params, tables, workdays
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.models import CalendarDay, CalendarYear, ParameterValue


@transaction.atomic
def param_set(
    *,
    by,
    key: str,
    scope_code: str,
    effective_from: date,
    value: Any,
    reason: str,
    source: str = "",
) -> ParameterValue:
    """Set a parameter for a jurisdiction from a date (convention 7). Earlier values stay in history; a
    value for the same scope and date replaces the previous one, which points to its successor."""
    from jiuzhu.orgs import authz
    from jiuzhu.orgs.models import Jurisdiction
    from jiuzhu.orgs.roles import Perm

    if scope_code and not Jurisdiction.objects.filter(code=scope_code).exists():
        raise ValidationFailed("适用区划不存在", field_errors={"scope_code": "不存在"})
    membership = authz.require(by, Perm.PARAMS_EDIT, scope_code or None) if by is not None else None
    if by is not None and not scope_code and not authz.is_global(by):
        raise ValidationFailed("全国默认值只能由平台管理员修改，请选择本辖区")
    if not (reason or "").strip():
        raise ValidationFailed("请填写调整依据或原因", field_errors={"reason": "必填"})
    stored = params.clean_value(key, value)
    previous = (
        ParameterValue.objects.select_for_update()
        .filter(key=key, scope_code=scope_code, effective_from=effective_from, superseded_by__isnull=True)
        .first()
    )
    row = ParameterValue.objects.create(
        key=key,
        scope_code=scope_code,
        effective_from=effective_from,
        value=stored,
        source=source.strip(),
        reason=reason.strip(),
        created_at=clock.now(),
        created_by=by,
    )
    if previous is not None:
        previous.superseded_by = row
        previous.save(update_fields=["superseded_by"])
    audit.record(
        actor=by,
        membership=membership,
        action="params.set",
        obj=row,
        area_code=scope_code,
        before={"value": previous.value} if previous else None,
        after={"key": key, "effective_from": effective_from, "value": stored},
        reason=reason.strip(),
    )
    return row


@dataclass(frozen=True)
class HolidayRow:
    day: date
    is_workday: bool
    name: str


_WORK_WORDS = {"班", "上班", "调休上班", "workday", "work", "1", "是"}
_REST_WORDS = {"休", "休息", "放假", "holiday", "rest", "0", "否"}


def parse_holiday_text(year: int, text: str) -> list[HolidayRow]:
    """Lines of `日期,休/班,名称`, e.g. `2027-02-06,休,春节` or `2027-02-14,班,春节调休`.

    Every bad line is reported at once; nothing is loaded unless all lines are good."""
    rows: list[HolidayRow] = []
    errors: list[str] = []
    seen: set[date] = set()
    for lineno, parts in enumerate(tables.text_rows(text.replace("，", ","), what="节假日数据"), start=1):
        if not parts or not any(parts) or parts[0].startswith("#"):
            continue
        if len(parts) < 2:
            errors.append(f"第{lineno}行：应为“日期,休/班,名称”")
            continue
        try:
            day = date.fromisoformat(parts[0].replace("/", "-"))
        except ValueError:
            errors.append(f"第{lineno}行：日期“{parts[0]}”格式不正确（应为 YYYY-MM-DD）")
            continue
        kind = parts[1].lower()
        if kind in _WORK_WORDS:
            is_workday = True
        elif kind in _REST_WORDS:
            is_workday = False
        else:
            errors.append(f"第{lineno}行：第二列应为“休”或“班”，实际为“{parts[1]}”")
            continue
        if day.year != year:
            errors.append(f"第{lineno}行：{day} 不在 {year} 年")
            continue
        if day in seen:
            errors.append(f"第{lineno}行：{day} 重复")
            continue
        if is_workday and day.weekday() < 5:
            errors.append(f"第{lineno}行：{day} 本来就是工作日，无需登记为调休上班")
            continue
        seen.add(day)
        rows.append(HolidayRow(day, is_workday, parts[2] if len(parts) > 2 else ""))
    if errors:
        raise ValidationFailed(
            "节假日数据有误，未导入任何内容：" + "；".join(errors), field_errors={"text": errors}
        )
    if not rows:
        raise ValidationFailed("没有可导入的节假日数据", field_errors={"text": "请至少填写一行"})
    return rows


def rows_from_package(year: int) -> list[HolidayRow]:
    """Holidays of a year as the chinese-calendar package knows them (to review before loading)."""
    import chinese_calendar

    if not workdays.is_known_year(year):
        raise ValidationFailed(f"chinese-calendar 尚无 {year} 年数据，请按国务院办公厅通知手工录入")
    rows = []
    day = date(year, 1, 1)
    from datetime import timedelta

    while day.year == year:
        try:
            workday = chinese_calendar.is_workday(day)
        except NotImplementedError:
            raise ValidationFailed(f"chinese-calendar 尚无 {year} 年数据") from None
        if workday != (day.weekday() < 5):
            info = workdays.day_info(day)
            rows.append(HolidayRow(day, workday, info.name))
        day += timedelta(days=1)
    return rows


@transaction.atomic
def calendar_load_year(*, by, year: int, rows: list[HolidayRow], source: str) -> CalendarYear:
    """Replace a year's holidays and make-up days (P7). Deadlines computed before stay as recorded."""
    from jiuzhu.orgs import authz
    from jiuzhu.orgs.roles import Perm

    membership = authz.require(by, Perm.CALENDAR_MANAGE) if by is not None else None
    if not (source or "").strip():
        raise ValidationFailed(
            "请填写依据（如国务院办公厅关于某年部分节假日安排的通知）", field_errors={"source": "必填"}
        )
    before = [
        {"date": d.date, "workday": d.is_workday, "name": d.name}
        for d in CalendarDay.objects.filter(date__year=year)
    ]
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=r.day, is_workday=r.is_workday, name=r.name) for r in rows]
    )
    entry, _ = CalendarYear.objects.update_or_create(
        year=year, defaults={"loaded_at": clock.now(), "loaded_by": by, "source": source.strip()}
    )
    audit.record(
        actor=by,
        membership=membership,
        action="calendar.load_year",
        obj=entry,
        before=before or None,
        after=[{"date": r.day, "workday": r.is_workday, "name": r.name} for r in rows],
        reason=source.strip(),
    )
    transaction.on_commit(workdays.invalidate)
    workdays.invalidate()
    return entry
