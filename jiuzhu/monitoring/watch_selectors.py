"""Reading the watch part: the household's current category, warnings and import jobs within the user's
scope."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from jiuzhu.benefits.models import Enrolment
from jiuzhu.benefits.selectors import live_q
from jiuzhu.cases.models_steps import Decision, Outcome
from jiuzhu.core.errors import NotFound
from jiuzhu.core.models import Job
from jiuzhu.core.types import AssistanceType
from jiuzhu.monitoring.models.watch import HouseholdCategory, MonitoringWarning
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm

IMPORT_KIND = "monitoring_import"

_BY_TYPE: dict[str, str] = {
    AssistanceType.TEKUN: HouseholdCategory.TEKUN,
    AssistanceType.DIBAO_URBAN: HouseholdCategory.DIBAO,
    AssistanceType.DIBAO_RURAL: HouseholdCategory.DIBAO,
    AssistanceType.LOW_INCOME: HouseholdCategory.LOW_INCOME,
}
_RANK: list[str] = [
    HouseholdCategory.TEKUN,
    HouseholdCategory.DIBAO,
    HouseholdCategory.LOW_INCOME,
    HouseholdCategory.NONE,
]


def household_categories(household_ids: Iterable[int]) -> dict[int, str]:
    """Each household's current category: 特困 or 低保 from a live enrolment, 低收入 from an approved 低收入
    recognition (its decision), otherwise none. Two queries for any number of households."""
    ids = list(set(household_ids))
    found: dict[int, str] = dict.fromkeys(ids, HouseholdCategory.NONE)

    def better(hid: int, category: str) -> None:
        if _RANK.index(category) < _RANK.index(found[hid]):
            found[hid] = category

    for hid, kind in Enrolment.objects.filter(live_q(), household_id__in=ids).values_list(
        "household_id", "assistance_type"
    ):
        if kind in _BY_TYPE:
            better(hid, _BY_TYPE[kind])
    for hid in Decision.objects.filter(
        case__household_id__in=ids, case__assistance_type=AssistanceType.LOW_INCOME, outcome=Outcome.APPROVE
    ).values_list("case__household_id", flat=True):
        better(hid, HouseholdCategory.LOW_INCOME)
    return found


def warnings_visible_to(user: User) -> QuerySet[MonitoringWarning]:
    authz.require(user, Perm.VIEW)
    return MonitoringWarning.objects.filter(authz.scope_q(user, "area_code"))


def get_warning(user: User, pk: int | str) -> MonitoringWarning:
    warning = (
        warnings_visible_to(user)
        .select_related("household", "member", "case", "review__change", "referral")
        .filter(pk=pk)
        .first()
    )
    if warning is None:
        raise NotFound("没有该预警")
    return warning


def get_import_job(user: User, pk: int | str) -> Job:
    """A 比对 import job: its creator's, or any within scope for those who may import or audit."""
    job = Job.objects.filter(pk=pk, kind=IMPORT_KIND).filter(authz.scope_q(user, "area_code")).first()
    if job is None or not (
        job.created_by_id == user.pk
        or authz.can(user, Perm.DATA_IMPORT, job.area_code or None)
        or authz.can(user, Perm.AUDIT_VIEW)
    ):
        raise NotFound("没有该导入任务")
    return job


def household_warnings_panel(request, household) -> dict | None:
    """The household page's panel of its monitoring warnings (hidden when there are none)."""
    warnings = list(
        warnings_visible_to(request.user)
        .filter(household=household)
        .select_related("case", "referral", "review__change")
        .order_by("-id")[:50]
    )
    return {"warnings": warnings} if warnings else None
