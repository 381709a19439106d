"""Business actions owned by core: policy parameters and the holiday calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from jiuzhu.core import access, audit, clock, deadline_moves, params, statutory_holidays, workdays
from jiuzhu.core.arrangement import HolidayRow
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.models import CalendarDay, CalendarYear, ParameterValue
from jiuzhu.core.types import Actor


@transaction.atomic
def param_set(
    *,
    by: Actor | None,
    key: str,
    scope_code: str,
    effective_from: date,
    value: Any,
    reason: str,
    source: str = "",
) -> ParameterValue:
    """Set a parameter for a jurisdiction from a date (convention 7). Earlier values stay in history; a
    value for the same scope and date replaces the previous one, which points to its successor."""
    if scope_code and not access.area_exists(scope_code):
        raise ValidationFailed("适用区划不存在", field_errors={"scope_code": "不存在"})
    membership = access.require(by, access.PARAMS_EDIT, scope_code or None) if by is not None else None
    if by is not None and not scope_code and not access.is_global(by):
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
        created_by_id=by.pk if by is not None else None,
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


def rows_from_package(year: int) -> list[HolidayRow]:
    """Holidays of a year as the chinese-calendar package knows them (to review before loading)."""
    import chinese_calendar

    if not workdays.is_known_year(year):
        raise ValidationFailed(f"chinese-calendar 尚无 {year} 年数据，请按国务院办公厅通知手工录入")
    rows = []
    day = date(year, 1, 1)
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


@dataclass(frozen=True)
class DayChange:
    before: workdays.DayInfo
    after: workdays.DayInfo


@dataclass(frozen=True)
class CalendarPreview:
    """What loading an arrangement would change: days, and open deadlines (those of the user's jurisdiction
    listed, the others counted)."""

    year: int
    status: workdays.YearStatus
    rows: list[HolidayRow]
    changes: list[DayChange]
    recalculation: deadline_moves.Recalculation
    moves: list[deadline_moves.Move]
    moves_elsewhere: int
    # Statutory holidays (P7a) the arrangement leaves as working days: an official arrangement never does.
    missing_statutory: list[tuple[date, str]]


def _as_days(rows: list[HolidayRow]) -> dict[date, tuple[bool, str]]:
    return {r.day: (r.is_workday, r.name) for r in rows}


def calendar_preview(*, by: Actor, year: int, rows: list[HolidayRow]) -> CalendarPreview:
    """Reads only: the days whose working/rest status the arrangement changes, and the deadlines it moves."""
    access.require(by, access.CALENDAR_MANAGE)
    days = _as_days(rows)
    changes = []
    day = date(year, 1, 1)
    while day.year == year:
        before = workdays.day_info(day)
        with workdays.assuming(year, days):
            after = workdays.day_info(day)
        if before.workday != after.workday:
            changes.append(DayChange(before, after))
        day += timedelta(days=1)
    recalculation = deadline_moves.moves_if_loaded(year, days)
    visible = [m for m in recalculation.moves if access.in_scope(by, m.area_code)]
    missing = [
        (day, name)
        for day, name in statutory_holidays.holidays(year).items()
        if (days[day][0] if day in days else day.weekday() < 5)
    ]
    return CalendarPreview(
        year,
        workdays.year_status(year),
        rows,
        changes,
        recalculation,
        sorted(visible, key=lambda m: (m.after, m.key)),
        len(recalculation.moves) - len(visible),
        missing,
    )


@dataclass(frozen=True)
class CalendarLoad:
    year: CalendarYear
    recalculation: deadline_moves.Recalculation


def calendar_load_year(*, by: Actor | None, year: int, rows: list[HolidayRow], source: str) -> CalendarLoad:
    """Replace a year's holidays and make-up days (P7). Open deadlines the change moves are recomputed
    (P7a): stored ones are rewritten, each move is an event on its case, and one event counts the batch.

    The deadlines are worked out before the transaction (reads only), so the write itself stays short."""
    membership = access.require(by, access.CALENDAR_MANAGE) if by is not None else None
    source = (source or "").strip()
    if not source:
        raise ValidationFailed(
            "请填写依据（如国务院办公厅关于某年部分节假日安排的通知）", field_errors={"source": "必填"}
        )
    recalculation = deadline_moves.moves_if_loaded(year, _as_days(rows))
    with transaction.atomic():
        entry = _write_year(by=by, membership=membership, year=year, rows=rows, source=source)
        workdays.invalidate()
        _record_moves(by=by, membership=membership, year=year, entry=entry, recalculation=recalculation)
    transaction.on_commit(workdays.invalidate)
    workdays.invalidate()
    return CalendarLoad(entry, recalculation)


def _actor_area(membership) -> str:
    """The calendar is national; its events go to the loading officer's jurisdiction, whose auditors see them
    (the moved deadlines are each in their own county)."""
    return membership.organisation.jurisdiction_id if membership is not None else ""


def _write_year(
    *, by: Actor | None, membership, year: int, rows: list[HolidayRow], source: str
) -> CalendarYear:
    before = [
        {"date": d.date, "workday": d.is_workday, "name": d.name}
        for d in CalendarDay.objects.filter(date__year=year)
    ]
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=r.day, is_workday=r.is_workday, name=r.name) for r in rows]
    )
    entry, _ = CalendarYear.objects.update_or_create(
        year=year, defaults={"loaded_at": clock.now(), "loaded_by": by, "source": source}
    )
    audit.record(
        actor=by,
        membership=membership,
        action="calendar.load_year",
        obj=entry,
        area_code=_actor_area(membership),
        before=before or None,
        after=[{"date": r.day, "workday": r.is_workday, "name": r.name} for r in rows],
        reason=source,
    )
    return entry


def _record_moves(*, by: Actor | None, membership, year: int, entry: CalendarYear, recalculation) -> None:
    for source in deadline_moves.sources():
        moved = [m for m in recalculation.moves if m.source is source]
        if moved and source.store is not None:
            source.store(moved)
    for move in recalculation.moves:
        audit.record(
            actor=by,
            membership=membership,
            action=move.source.action,
            obj=move.obj,
            before={"deadline": move.source.label, "due_on": move.before},
            after={"deadline": move.source.label, "due_on": move.after},
            reason=f"导入{year}年节假日安排：{entry.source}",
        )
    audit.record(
        actor=by,
        membership=membership,
        action="calendar.recompute_deadlines",
        obj=entry,
        area_code=_actor_area(membership),
        after={
            "year": year,
            "checked": sum(recalculation.checked.values()),
            "moved": len(recalculation.moves),
            "by_deadline": recalculation.counts(),
        },
        reason=entry.source,
    )
