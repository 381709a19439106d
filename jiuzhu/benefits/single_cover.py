"""单人保 (N2): a member with a severe disability or a listed serious illness, in a 低保边缘 household, may be
enrolled alone with the amount of a one-person household. Staff mark the member on the 低保 case before the
decision; the calculator then pays one person on that member's own income, and the check runs again on the
day of the decision."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from jiuzhu.benefits import income_rules
from jiuzhu.benefits.models import SingleCover
from jiuzhu.cases.models import Case
from jiuzhu.core import audit, clock, params
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.money import fmt
from jiuzhu.core.types import AssistanceType
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.models import Member

DIBAO = (AssistanceType.DIBAO_URBAN, AssistanceType.DIBAO_RURAL)
# Cases still before their decision: the member can be chosen or changed.
OPEN_STATES = (
    "submitted",
    "incomplete",
    "pre_verifying",
    "accepted",
    "verifying",
    "verified",
    "investigated",
    "reviewed",
)


def check(case: Case, member: Member, on: date) -> str:
    """The reason `member` may be covered alone on `on`, or ValidationFailed saying what is missing."""
    county = case.county_code
    if case.assistance_type not in DIBAO:
        raise ValidationFailed("单人保只适用于低保申请")
    if not params.get("dibao.single.enabled", area_code=county, on=on):
        raise ValidationFailed("本县（区）未实行单人保（政策参数“实行单人保”）")
    if member.household_id != case.household_id or not member.is_active:
        raise ValidationFailed("单人保的成员须为本户在户成员", field_errors={"member": "不属于本户"})
    reason = income_rules.single_reason(member, county_code=county, on=on)
    if reason is None:
        raise ValidationFailed(
            f"{member.name}不符合单人保条件：须为政策参数所列等级的残疾人，或患所列重特大疾病（N2）",
            field_errors={"member": "不符合单人保条件"},
        )
    edge = income_rules.edge_test(case.household, county_code=county, on=on)
    if edge.per_head < edge.standard:
        raise ValidationFailed(
            f"家庭人均月收入 {fmt(edge.per_head)} 元低于低保标准 {fmt(edge.standard)} 元，应按整户申请低保，"
            "不适用单人保"
        )
    if not edge.passes:
        raise ValidationFailed(f"该户不是低保边缘家庭，不适用单人保：{edge.text}")
    return f"{member.name}{reason}，所在家庭为低保边缘家庭（{edge.text}）"


@transaction.atomic
def single_cover_set(*, by: User, case: Case, member: Member) -> SingleCover:
    """Mark the 低保 case as 单人保 for `member` (replacing an earlier choice)."""
    membership = authz.require(by, Perm.CASE_PROCESS, case.area_code)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status not in OPEN_STATES:
        raise ValidationFailed("审批会议之后不能再变更单人保")
    reason = check(case, member, clock.today())
    cover, _ = SingleCover.objects.update_or_create(
        case=case, defaults={"member": member, "reason": reason[:200], "by": by, "created_at": clock.now()}
    )
    audit.record(
        actor=by,
        membership=membership,
        action="benefit.single_cover",
        obj=case,
        after={"member": member.pk, "reason": reason[:200]},
    )
    return cover


@transaction.atomic
def single_cover_clear(*, by: User, case: Case) -> None:
    membership = authz.require(by, Perm.CASE_PROCESS, case.area_code)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status not in OPEN_STATES:
        raise ValidationFailed("审批会议之后不能再变更单人保")
    deleted, _ = SingleCover.objects.filter(case=case).delete()
    if deleted:
        audit.record(actor=by, membership=membership, action="benefit.single_cover_clear", obj=case)


def cover_of(case: Case) -> SingleCover | None:
    return SingleCover.objects.filter(case=case).select_related("member").first()


def member_of(case_id: int) -> Member | None:
    """The one member an enrolment from this case covers under 单人保, if any."""
    cover = SingleCover.objects.filter(case_id=case_id).select_related("member").first()
    return cover.member if cover else None
