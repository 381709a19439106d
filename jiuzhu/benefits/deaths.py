"""Death records (死亡信息比对, DM1, S6): the civil-affairs or public-security list of deaths is matched
against the registry by ID number; matched members are marked as deceased, which the warning
`deceased_still_paid` then raises for every household still paid for them. Unmatched people (most of the
list) are counted, not errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import IO

from django.db import transaction

from jiuzhu.benefits.models import Enrolment
from jiuzhu.benefits.selectors import live_q
from jiuzhu.core import audit, clock, idnumber
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.tables import Table, open_table
from jiuzhu.orgs import authz
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.identity import id_indexes_of
from jiuzhu.registry.models import LeftReason, Member
from jiuzhu.registry.services.members import member_leave

ID_HEADERS = ("身份证号", "公民身份号码", "身份证号码")
DATE_HEADERS = ("死亡日期", "注销日期")


@dataclass
class DeathMatch:
    line: int
    member: Member
    died_on: date
    enrolled: bool


@dataclass
class DeathImport:
    matches: list[DeathMatch] = field(default_factory=list)
    unmatched: int = 0
    errors: list[str] = field(default_factory=list)
    applied: bool = False


def _date(text: str) -> date | None:
    text = text.strip().replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 8 else None
    except ValueError:
        return None


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    return next((header.index(n) for n in names if n in header), None)


def _read_deaths(table: Table) -> tuple[DeathImport, dict[str, tuple[int, date]]]:
    """Every row checked, streamed: the bad ones reported, the good ones by the blind index of the ID."""
    header = next(table.rows, None)
    if header is None:
        raise ValidationFailed("文件是空的", field_errors={"file": ["空文件"]})
    id_col, date_col = _column(header, ID_HEADERS), _column(header, DATE_HEADERS)
    if id_col is None or date_col is None:
        raise ValidationFailed("文件须有“身份证号”和“死亡日期”两列", field_errors={"file": ["缺少列"]})
    out = DeathImport()
    wanted: dict[str, tuple[int, date]] = {}
    today = clock.today()
    for line, row in enumerate(table.rows, start=2):
        if not any(row):
            continue
        number = row[id_col].upper() if id_col < len(row) else ""
        died = _date(row[date_col]) if date_col < len(row) else None
        problems = []
        try:
            idnumber.parse(number, today=today)
            number = idnumber.normalise(number)
        except ValidationFailed as exc:
            problems.append(exc.message)
        if died is None:
            problems.append("死亡日期无效")
        elif died > today:
            problems.append("死亡日期晚于今天")
        if problems or died is None:
            out.errors.append(f"第{line}行：" + "；".join(problems))
            continue
        for index in id_indexes_of(number):  # every configured key set (rotation)
            wanted[index] = (line, died)
    return out, wanted


def deaths_import(
    *, by, file_name: str, content: bytes | IO[bytes], apply: bool, commit_good_rows: bool = False
) -> DeathImport:
    """Read and check the list; with `apply`, mark every matched member deceased in one transaction —
    nothing if any row is bad, unless the user chose to skip the bad rows."""
    authz.require(by, Perm.DATA_IMPORT)
    with open_table(file_name, content, what="死亡信息文件") as table:
        out, wanted = _read_deaths(table)
    members = (
        Member.objects.filter(id_index__in=wanted, is_active=True)
        .filter(authz.scope_q(by, "area_code"))
        .select_related("household")
    )
    enrolled = set(
        Enrolment.objects.filter(live_q(), household_id__in=[m.household_id for m in members]).values_list(
            "household_id", flat=True
        )
    )
    found = set()
    for m in members:
        line, died = wanted[m.id_index]
        found.add(m.id_index)
        out.matches.append(DeathMatch(line, m, died, m.household_id in enrolled))
    out.matches.sort(key=lambda x: x.line)
    out.unmatched = len({line for line, _ in wanted.values()}) - len({wanted[i][0] for i in found})
    if not apply or (out.errors and not commit_good_rows):
        return out
    membership = authz.membership_for(by, Perm.DATA_IMPORT)
    with transaction.atomic():
        for match in out.matches:
            member_leave(by=by, member=match.member, on=match.died_on, reason=LeftReason.DECEASED)
        audit.record(
            actor=by,
            membership=membership,
            area_code=membership.organisation.jurisdiction_id if membership else "",
            action="benefit.deaths_import",
            object_type="registry.member",
            object_repr=f"死亡信息比对 {file_name}",
            after={
                "matched": len(out.matches),
                "enrolled": len(enrolled),
                "unmatched": out.unmatched,
                "skipped": len(out.errors),
            },
        )
    out.applied = True
    return out
