"""Reads of cases in one place: what a user may see (scoped by jurisdiction, convention 5), the records of a
case that pages, the API, the services and the transition guards all ask about, and the sub-entities a request
names by id (a material, a member, a near relative), always looked up within the case already shown.
Nothing here writes, except the audit event of a sensitive read (A6)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import Q, QuerySet

from jiuzhu.cases.models import Case, CaseMaterial, EmergencyAid, MaterialRequirement
from jiuzhu.cases.models_backfill import BackfillRequest, BackfillStatus
from jiuzhu.cases.models_steps import DecisionMeeting, MeetingLevel, Outcome, PublicNotice, Verification
from jiuzhu.cases.routing import route_for
from jiuzhu.core import audit, clock
from jiuzhu.core.errors import Forbidden, NotFound
from jiuzhu.core.jurisdiction_codes import is_valid_code
from jiuzhu.core.jurisdiction_codes import prefix as code_prefix
from jiuzhu.orgs import authz
from jiuzhu.orgs.delegation import Route
from jiuzhu.orgs.models import Organisation, User
from jiuzhu.orgs.roles import OrgKind, Perm
from jiuzhu.orgs.selectors import county_bureau
from jiuzhu.registry.identity import id_indexes_of
from jiuzhu.registry.models import Member, NearRelative

# --- cases the user may see ---------------------------------------------------------------------------


def cases_visible_to(user: User) -> QuerySet[Case]:
    authz.require(user, Perm.VIEW)
    return Case.objects.filter(authz.scope_q(user, "area_code")).select_related("household", "applicant")


def get_case(user: User, pk) -> Case:
    try:
        return cases_visible_to(user).get(pk=pk)
    except (Case.DoesNotExist, ValueError):
        raise NotFound() from None


def get_case_by_number(user: User, number: str) -> Case:
    try:
        return cases_visible_to(user).get(number=number)
    except Case.DoesNotExist:
        raise NotFound() from None


def bulk_cases(user: User, ids: Iterable[object]) -> list[Case]:
    """The cases a bulk action names (the queue page's ticks, the API's `case_ids`): every one of them visible
    to the user, or NotFound — a case outside the jurisdiction is absent, as when named alone."""
    wanted = {_pk(i) for i in ids}
    if not wanted or None in wanted:
        raise NotFound("部分申请不存在或不在您的辖区范围内", field_errors={"case_ids": "无效"})
    cases = list(cases_visible_to(user).filter(pk__in=wanted))
    if len(cases) != len(wanted):
        raise NotFound("部分申请不存在或不在您的辖区范围内", field_errors={"case_ids": "无效"})
    return cases


def search_cases(
    user,
    *,
    number: str = "",
    q: str = "",
    id_number: str = "",
    area: str = "",
    assistance_type: str = "",
    status: str = "",
    channel: str = "",
    applied_from=None,
    applied_to=None,
) -> QuerySet[Case]:
    """Search by application number, name, exact ID number (blind index) and village: what a caseworker has
    at hand when a family calls."""
    qs = cases_visible_to(user)
    if number:
        qs = qs.filter(number__contains=number.strip())
    # Members are matched in subqueries (no join, no DISTINCT): the trigram and blind indexes serve them.
    if q:
        named = Member.objects.filter(name__contains=q).values("household_id")
        qs = qs.filter(Q(household__head_name__contains=q) | Q(household_id__in=named))
    if id_number:
        qs = qs.filter(
            household_id__in=Member.objects.filter(id_index__in=id_indexes_of(id_number)).values(
                "household_id"
            )
        )
    if area:
        qs = qs.filter(area_code__startswith=code_prefix(area) if is_valid_code(area) else area)
    if assistance_type:
        qs = qs.filter(assistance_type=assistance_type)
    if status:
        qs = qs.filter(status__in=status.split(","))
    if channel:
        qs = qs.filter(channel=channel)
    if applied_from:
        qs = qs.filter(applied_on__gte=applied_from)
    if applied_to:
        qs = qs.filter(applied_on__lte=applied_to)
    return qs


# --- sub-entities a request names, looked up within the case ------------------------------------------


def _pk(value: object) -> int | None:
    """An id as typed into a form or a URL: a whole number a database key can hold, else None."""
    raw = str(value).strip() if value is not None else ""
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def requirement(pk: object) -> MaterialRequirement:
    """A checklist item named by a receipt; whether it belongs to the case's checklist is the service's
    rule (A3), with its own message."""
    item = MaterialRequirement.objects.filter(pk=key).first() if (key := _pk(pk)) is not None else None
    if item is None:
        raise NotFound("没有这项材料要求")
    return item


def checklist_item(pk: object, *, county_code: str, assistance_type: str = "") -> MaterialRequirement:
    """An item of a county's materials checklist named by the checklist page or the API: a default item or
    the county's own — another county's items do not exist here."""
    key = _pk(pk)
    items = MaterialRequirement.objects.filter(scope_code__in=["", county_code])
    if assistance_type:
        items = items.filter(assistance_type=assistance_type)
    item = items.filter(pk=key).first() if key is not None else None
    if item is None:
        raise NotFound("没有这项材料")
    return item


def household_member(case: Case, pk: object) -> Member | None:
    """A member of the case's household (never of another household), or None."""
    key = _pk(pk)
    return case.household.members.filter(pk=key).first() if key is not None else None


def material_of(case: Case, pk: object) -> CaseMaterial:
    """A received material of this case (never another case's)."""
    material = case.materials.filter(pk=key).first() if (key := _pk(pk)) is not None else None
    if material is None:
        raise NotFound()
    return material


def near_relative_of(case: Case, pk: object) -> NearRelative:
    """A registry entry that matches a member of this case's household: only such an entry can be filed
    (DM2)."""
    key = _pk(pk)
    relative = (
        NearRelative.objects.filter(
            pk=key, relative_id_index__in=case.household.members.values("id_index")
        ).first()
        if key is not None
        else None
    )
    if relative is None:
        raise NotFound("该近亲属记录与本户成员不符")
    return relative


# --- the records of a case ----------------------------------------------------------------------------


def last_step_on(case: Case) -> date | None:
    return case.steps.order_by("-on").values_list("on", flat=True).first()


def covered_count(case: Case) -> int:
    """Members the assistance covers, as the household is registered now."""
    return case.household.members.filter(is_active=True, covered=True).count()


def open_notice(case: Case) -> PublicNotice | None:
    """The public notice running now (P2), if any."""
    return case.public_notices.filter(closed_on__isnull=True).order_by("-start_on").first()


def latest_meeting(case: Case) -> DecisionMeeting | None:
    return case.meetings.order_by("-held_on", "-id").first()


def approval_meeting(case: Case) -> DecisionMeeting | None:
    """The meeting that approved the case — the township's under delegation or the bureau's (P1, D1)."""
    return (
        case.meetings.filter(
            level__in=[MeetingLevel.TOWNSHIP_DECISION, MeetingLevel.BUREAU_DECISION], outcome=Outcome.APPROVE
        )
        .order_by("-held_on", "-id")
        .first()
    )


def reviewed_amount(case: Case):
    """The amount the township's review meeting forwarded to the bureau (two-level route)."""
    meeting = case.meetings.filter(level=MeetingLevel.TOWNSHIP_REVIEW).order_by("-held_on", "-id").first()
    return meeting.amount if meeting else None


def bureau_route(case: Case, on: date, amount=None) -> Route:
    """The route of a case the township has reviewed and forwarded: above-cap temporary aid stays with the
    bureau even when the bureau settles on a lower amount (the cap is judged on the amount forwarded)."""
    amounts = [a for a in (amount, reviewed_amount(case)) if a is not None]
    return route_for(case, on, max(amounts) if amounts else None)


def current_route(case: Case, day: date | None = None) -> Route:
    """The route shown on the case page: the one used if decided, else the one in force today."""
    meeting = latest_meeting(case)
    if meeting is not None and meeting.level != MeetingLevel.TOWNSHIP_REVIEW:
        return route_for(case, meeting.held_on, meeting.amount)
    return route_for(case, day or clock.today())


def bureau_of(case: Case) -> Organisation | None:
    return county_bureau(case.county_code)


def township_org(case: Case) -> Organisation | None:
    return Organisation.objects.filter(jurisdiction_id=case.township_code, kind=OrgKind.TOWNSHIP).first()


def authorities(case: Case, route: Route) -> tuple[str, str]:
    """D1: decision documents name the bureau as the deciding authority and, when delegated, the township
    as the handling unit."""
    bureau = bureau_of(case)
    township = township_org(case)
    return (bureau.name if bureau else "民政局"), (township.name if township and route.delegated else "")


def verification_visible(user: User, case: Case) -> bool:
    """A6: designated verification staff and the case's handlers only."""
    return any(
        authz.can(user, p, case.area_code)
        for p in (
            Perm.VERIFY_ECONOMICS,
            Perm.CASE_PROCESS,
            Perm.CASE_DECIDE_TOWNSHIP,
            Perm.CASE_DECIDE_BUREAU,
        )
    )


def verifications_for(user: User, case: Case) -> list[Verification]:
    """Read verification data; every read is logged (A6)."""
    if not verification_visible(user, case):
        raise Forbidden("核对数据仅限核对人员和本案经办人员查看（A6）")
    rows = list(case.verifications.select_related("verifier", "requested_by"))
    if rows:
        with transaction.atomic():
            audit.record(
                actor=user,
                membership=authz.membership_for(user, Perm.VIEW, case.area_code),
                action="verification.view",
                obj=case,
            )
    return rows


# --- emergency aid exceptions (P8) --------------------------------------------------------------------


def emergency_aids_visible_to(user: User) -> QuerySet[EmergencyAid]:
    """P8 emergency aid records of the cases the user can read."""
    return EmergencyAid.objects.filter(case__in=cases_visible_to(user)).select_related("case")


def registration_overdue(aid: EmergencyAid, today: date | None = None) -> bool:
    """P8: the registration was due and is still missing, or it was made after the due date (the same rule
    as `late_emergency_aids`, for one record)."""
    today = today or clock.today()
    return (aid.registered_on is None and aid.register_due_on < today) or aid.registration_late


def late_emergency_aids(user: User, *, kind: str = "", township: str = "") -> QuerySet[EmergencyAid]:
    """The P8 exceptions, for the page 办理时限 (/cases/deadlines/) and the API alike: registration overdue
    (see `registration_overdue`) or aid paid later than the hour limit. `kind`: "registration", "aid" or
    both."""
    registration = Q(registered_on__isnull=True, register_due_on__lt=clock.today()) | Q(
        registration_late=True
    )
    aid = Q(late=True)
    wanted = {"registration": registration, "aid": aid}.get(kind, registration | aid)
    qs = emergency_aids_visible_to(user).filter(wanted)
    if township:
        qs = qs.filter(case__township_code=township)
    return qs.order_by("register_due_on", "id")


# --- 补录 requests ----------------------------------------------------------------------------------


def backfill_requests_to_decide(user: User) -> QuerySet[BackfillRequest]:
    """Pending 补录 requests of the cases the user may decide them for (bureau officers of the county)."""
    authz.require(user, Perm.CASE_DECIDE_BUREAU)
    return (
        BackfillRequest.objects.filter(authz.scope_q(user, "case__area_code"), status=BackfillStatus.PENDING)
        .select_related("case", "requested_by")
        .order_by("requested_at", "id")
    )


def backfill_request_to_decide(user: User, pk: object) -> BackfillRequest:
    key = _pk(pk)
    if key is None:
        raise NotFound()
    try:
        return backfill_requests_to_decide(user).get(pk=key)
    except BackfillRequest.DoesNotExist:
        raise NotFound() from None
