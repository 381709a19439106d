"""Checks at intake (A1, DM2): what staff must know before accepting — a member registered in another household,
another open application, current enrolment, a near relative of staff, the wrong township — shown with
reasons and stored on the case.

Each check is a function (case) → list of findings. Apps add checks (the benefits app adds "currently
enrolled"). Re-running the checks clears findings that no longer apply and adds new ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from jiuzhu.cases.models import Case, CheckCode, IntakeCheck
from jiuzhu.cases.states import OPEN
from jiuzhu.core import clock
from jiuzhu.core.types import AssistanceType
from jiuzhu.registry.models import Member, NearRelative


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    member_id: int | None = None
    data: dict = field(default_factory=dict)


CheckFn = Callable[[Case, list[Member]], list[Finding]]
CHECKS: list[CheckFn] = []


def register(check: CheckFn) -> CheckFn:
    CHECKS.append(check)
    return check


@register
def other_household(case: Case, members: list[Member]) -> list[Finding]:
    index = {m.id_index: m for m in members}
    others = (
        Member.objects.filter(id_index__in=index, is_active=True, household__is_active=True)
        .exclude(household_id=case.household_id)
        .select_related("household")
    )
    return [
        Finding(
            CheckCode.OTHER_HOUSEHOLD,
            f"{index[o.id_index].name}（{o.id_masked}）同时登记在{o.household.address}的{o.household}中",
            index[o.id_index].id,
            {"other_household": o.household_id},
        )
        for o in others
    ]


@register
def open_cases(case: Case, members: list[Member]) -> list[Finding]:
    index = {m.id_index: m for m in members}
    found = []
    rows = Member.objects.filter(id_index__in=index).values_list(
        "id_index",
        "household__cases__number",
        "household__cases__status",
        "household__cases__assistance_type",
        "household__cases__id",
    )
    seen = set()
    for id_index, number, status, assistance_type, case_id in rows:
        if case_id is None or case_id == case.id or status not in OPEN or (id_index, case_id) in seen:
            continue
        seen.add((id_index, case_id))
        m = index[id_index]
        found.append(
            Finding(
                CheckCode.OPEN_CASE,
                f"{m.name}所在家庭另有在办申请 {number}（{AssistanceType(assistance_type).label}）",
                m.id,
                {"case": number},
            )
        )
    return found


@register
def near_relatives(case: Case, members: list[Member]) -> list[Finding]:
    index = {m.id_index: m for m in members}
    return [
        Finding(
            CheckCode.NEAR_RELATIVE,
            f"{index[r.relative_id_index].name}是{r.official_unit}{r.get_official_role_display()}"
            f"{r.official_name}的{r.relation}：须完成近亲属备案后方可审批（DM2）",
            index[r.relative_id_index].id,
            {"relative": r.id},
        )
        for r in NearRelative.objects.filter(relative_id_index__in=index, is_active=True)
    ]


@register
def wrong_township(case: Case, members: list[Member]) -> list[Finding]:
    """A1: the township of household registration or of habitual residence."""
    household = case.household
    township = case.township_code[:9]
    places = {household.area_code[:9]}
    if household.hukou_area_code:
        places.add(household.hukou_area_code[:9])
    if township in places:
        return []
    return [
        Finding(
            CheckCode.WRONG_TOWNSHIP,
            "受理乡镇（街道）既不是该户的户籍地，也不是经常居住地（A1），请核实或告知其到户籍地/居住地申请",
        )
    ]


def run(case: Case) -> list[IntakeCheck]:
    """Store the current findings on the case; findings that no longer apply are cleared, not deleted."""
    members = list(case.household.members.filter(is_active=True))
    findings = [f for check in CHECKS for f in check(case, members)]
    now = clock.now()
    existing = {(c.code, c.member_id, c.message): c for c in case.checks.filter(cleared_at__isnull=True)}
    kept = set()
    for f in findings:
        key = (f.code, f.member_id, f.message)
        if key in existing:
            kept.add(key)
            continue
        IntakeCheck.objects.create(
            case=case, code=f.code, message=f.message, member_id=f.member_id, data=f.data, created_at=now
        )
    for key, check in existing.items():
        if key not in kept:
            check.cleared_at = now
            check.save(update_fields=["cleared_at"])
    flagged = any(f.code == CheckCode.NEAR_RELATIVE for f in findings)
    if case.has_near_relative != flagged:
        Case.objects.filter(pk=case.pk).update(has_near_relative=flagged)
        case.has_near_relative = flagged
    return list(case.checks.filter(cleared_at__isnull=True))


def missing_filings(case: Case) -> list:
    """Near-relative findings without a filing record: they block any decision (DM2). Judged on the
    household as it is now, not only as it was at intake: a member added later, or a relative imported
    into the register after intake, blocks the decision too."""
    filed = set(case.filings.values_list("relative_id", flat=True))
    stored = list(case.checks.filter(code=CheckCode.NEAR_RELATIVE, cleared_at__isnull=True))
    members = list(case.household.members.filter(is_active=True))
    fresh = near_relatives(case, members)
    seen = {c.data.get("relative") for c in stored}
    return [c for c in stored if c.data.get("relative") not in filed] + [
        f for f in fresh if f.data.get("relative") not in filed and f.data.get("relative") not in seen
    ]
