"""Reading a year's holiday arrangement (调休) as typed or pasted on the calendar page (P7).

Accepted, one entry a line, freely mixed:
- a short table: `2027-02-05 至 2027-02-11 春节`, `2027-02-14 补班`, `2027-01-01 元旦`;
- one day per line as before: `2027-02-06,休,春节`, `2027-02-14,班,春节调休`;
- lines of the State Council's notice: `二、春节：2月5日（除夕）至11日放假调休，共7天。2月14日（周日）上班。`
  (a month-day without a year is in the year being loaded; `至11日` ends in the start's month).

Every bad line is reported at once, in Chinese with its line number; nothing is loaded unless all are good.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from jiuzhu.core import tables
from jiuzhu.core.errors import ValidationFailed

MAX_RANGE_DAYS = 31

_WORK_WORDS = {"班", "上班", "补班", "调休上班", "工作日", "workday", "work", "1", "是"}
_REST_WORDS = {"休", "休息", "放假", "放假调休", "调休放假", "假", "holiday", "rest", "0", "否"}

_DATE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?:\s*日)?"
    r"|(?P<mm>\d{1,2})\s*月\s*(?P<md>\d{1,2})(?:\s*日)?"
    r"|(?P<dd>\d{1,2})\s*日"
)
# Between two dates: a range (`至`, or a tab between the start and end columns pasted from a spreadsheet) …
_RANGE_SEPARATOR = re.compile(r"^\s*(至|到|~|～|—+|–|－|-{1,2})\s*$|^\t+$")
# … anything else lists separate days (`2月14日、2月28日上班`).
_HEADING = re.compile(r"^\s*(?:(?:[一二三四五六七八九十]+|\d+)\s*[、.．]\s*)?([^\d：:]{1,12}?)\s*[：:]")
_NOTE = re.compile(r"[（(][^）)]*[）)]")
_IGNORED = re.compile(r"^(共\d+天|与周末连休|调休|(周|星期)[一二三四五六日天])$")
_WORD_SPLIT = re.compile(r"[\s,，、：:]+")


@dataclass(frozen=True)
class HolidayRow:
    day: date
    is_workday: bool
    name: str


class _LineError(Exception):
    pass


def parse_arrangement(year: int, text: str) -> list[HolidayRow]:
    """The rest days and make-up working days of `year` that `text` lists (see the module docstring)."""
    rows: list[HolidayRow] = []
    errors: list[str] = []
    seen: dict[date, int] = {}
    for lineno, raw in enumerate(tables.text_lines(text or "", what="节假日数据"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            line_rows = _parse_line(year, line)
        except _LineError as exc:
            errors.append(f"第{lineno}行：{exc}")
            continue
        problems = []
        for row in line_rows:
            if row.day in seen:
                problems.append(f"{row.day} 重复（第{seen[row.day]}行已填写）")
            elif row.is_workday and row.day.weekday() < 5:
                problems.append(f"{row.day} 本来就是工作日，无需登记为调休上班")
        if problems:
            errors.append(f"第{lineno}行：" + "；".join(problems))
            continue
        for row in line_rows:
            seen[row.day] = lineno
        rows.extend(line_rows)
    if errors:
        raise ValidationFailed(
            f"节假日安排有 {len(errors)} 行有误，未导入任何内容，请按提示修改", field_errors={"text": errors}
        )
    if not rows:
        raise ValidationFailed("没有可导入的节假日安排", field_errors={"text": "请至少填写一行"})
    return sorted(rows, key=lambda r: r.day)


def _parse_line(year: int, line: str) -> list[HolidayRow]:
    line = _NOTE.sub("", line)
    heading = ""
    if match := _HEADING.match(line):
        heading = match.group(1)
        line = line[match.end() :]
    if _is_one_day_table_row(line):
        return _one_day_table_row(year, line)
    rows: list[HolidayRow] = []
    for clause in re.split(r"[。；;]", line):
        if clause.strip():
            rows.extend(_parse_clause(year, clause, heading))
    if not rows:
        raise _LineError("没有找到日期（应为 YYYY-MM-DD 或 M月D日）")
    return rows


def _is_one_day_table_row(line: str) -> bool:
    match = _DATE.match(line)
    if not (match and match.group("y")) or len(_DATE.findall(line)) != 1:
        return False
    return bool(re.match(r"\s*[,，\t]", line[match.end() :]))


def _one_day_table_row(year: int, line: str) -> list[HolidayRow]:
    """The one-day-a-line table `日期,休/班,名称`: the second column must say which."""
    parts = [p.strip() for p in re.split(r"[,，\t]", line)]
    day = _to_date(year, _DATE.match(parts[0]), None)  # type: ignore[arg-type]
    kind = parts[1].lower() if len(parts) > 1 else ""
    if kind in _WORK_WORDS:
        is_workday = True
    elif kind in _REST_WORDS:
        is_workday = False
    else:
        raise _LineError(f"第二列应为“休”或“班”，实际为“{parts[1] if len(parts) > 1 else ''}”")
    _check_year(year, day)
    name = ",".join(p for p in parts[2:] if p) or ("调休上班" if is_workday else "")
    return [HolidayRow(day, is_workday, name[:40])]


def _parse_clause(year: int, clause: str, heading: str) -> list[HolidayRow]:
    matches = list(_DATE.finditer(clause))
    words = _words(_DATE.sub(" ", clause))
    if not matches:
        if any(not _IGNORED.match(w) and w not in _WORK_WORDS | _REST_WORDS for w in words):
            raise _LineError(f"“{clause.strip()}”中没有可识别的日期（应为 YYYY-MM-DD 或 M月D日）")
        return []
    days: list[date] = []
    previous: date | None = None
    i = 0
    while i < len(matches):
        start = _to_date(year, matches[i], previous)
        if i + 1 < len(matches) and _RANGE_SEPARATOR.match(clause[matches[i].end() : matches[i + 1].start()]):
            end = _to_date(year, matches[i + 1], start)
            if end < start:
                raise _LineError(f"结束日期 {end} 早于开始日期 {start}")
            if (end - start).days >= MAX_RANGE_DAYS:
                raise _LineError(f"{start} 至 {end} 超过 {MAX_RANGE_DAYS} 天，请检查日期")
            days.extend(start + timedelta(days=n) for n in range((end - start).days + 1))
            previous = end
            i += 2
        else:
            days.append(start)
            previous = start
            i += 1
    for day in days:
        _check_year(year, day)
    is_workday = _kind(words)
    names = [w for w in words if w not in _WORK_WORDS | _REST_WORDS and not _IGNORED.match(w)]
    for w in names:
        if re.search(r"\d{3,}", w):
            raise _LineError(f"无法识别“{w}”（日期应为 YYYY-MM-DD 或 M月D日）")
    name = heading or " ".join(names)
    if is_workday:
        name = f"{name}调休" if heading else (name or "调休上班")
    return [HolidayRow(day, is_workday, name[:40]) for day in days]


def _words(text: str) -> list[str]:
    return [w for w in _WORD_SPLIT.split(re.sub(r"至|到|~|～|—+|–|－", " ", text)) if w and w != "-"]


def _kind(words: list[str]) -> bool:
    """True for make-up working days; a line that does not say is a holiday (`2027-01-01 元旦`)."""
    work = any(w in _WORK_WORDS for w in words)
    rest = any(w in _REST_WORDS for w in words)
    if work and rest:
        raise _LineError("同一句中既有“放假”又有“上班”，请分成两句或两行")
    return work


def _to_date(year: int, match: re.Match, previous: date | None) -> date:
    text = match.group(0).strip()
    try:
        if match.group("y"):
            return date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        if match.group("mm"):
            return date(year, int(match.group("mm")), int(match.group("md")))
        if previous is None:
            raise _LineError(f"“{text}”缺少月份")
        return date(previous.year, previous.month, int(match.group("dd")))
    except ValueError:
        raise _LineError(f"日期“{text}”不存在或格式不正确（应为 YYYY-MM-DD 或 M月D日）") from None


def _check_year(year: int, day: date) -> None:
    if day.year != year:
        raise _LineError(f"{day} 不在 {year} 年")
