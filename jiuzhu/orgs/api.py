"""API: the current user, jurisdictions, delegation grants and the who-decides query."""

from datetime import date, datetime

from django.db.models import Q
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jiuzhu.api.idempotency import not_idempotent
from jiuzhu.api.schemas import ErrorOut, Id, PageNumber, responses
from jiuzhu.core import clock
from jiuzhu.core.errors import NotFound, ValidationFailed
from jiuzhu.core.types import AssistanceType, Category
from jiuzhu.orgs import authz, services
from jiuzhu.orgs.delegation import grant_state_on, who_decides
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import DelegationGrant, GrantPhase, Level, User
from jiuzhu.orgs.roles import Role, perms_of
from jiuzhu.orgs.selectors import (
    accounts_visible_to,
    get_account,
    get_grant,
    get_jurisdiction,
    get_membership,
    grants_visible_to,
    jurisdictions_visible_to,
    organisations_visible_to,
)

router = Router(tags=["组织与权限"])


class MembershipOut(Schema):
    organisation: str
    organisation_id: int
    jurisdiction_code: str
    role: str
    role_label: str
    permissions: list[str]


class MeOut(Schema):
    username: str
    full_name: str
    memberships: list[MembershipOut]


@router.get("/me", response=responses(MeOut, read_only=True), summary="当前用户及其岗位、权限")
def me(request: AuthenticatedHttpRequest):
    return {
        "username": request.user.username,
        "full_name": request.user.get_full_name(),
        "memberships": [
            {
                "organisation": m.organisation.name,
                "organisation_id": m.organisation_id,
                "jurisdiction_code": m.organisation.jurisdiction_id,
                "role": m.role,
                "role_label": m.get_role_display(),
                "permissions": sorted(perms_of(m.role)),
            }
            for m in authz.memberships(request.user)
        ],
    }


class JurisdictionOut(Schema):
    code: str
    name: str
    level: int
    level_label: str
    parent_code: str | None
    kind: str
    urban_rural: str

    @staticmethod
    def resolve_level_label(obj) -> str:
        return obj.get_level_display()

    @staticmethod
    def resolve_parent_code(obj) -> str | None:
        return obj.parent_id


class JurisdictionFilter(Schema):
    parent: str | None = Field(None, pattern=r"^\d{12}$", description="上级区划代码")
    level: int | None = Field(None, ge=1, le=5, description="1省 2市 3县 4乡镇 5村社区")
    q: str | None = Field(None, max_length=40, description="名称包含")


@router.get(
    "/jurisdictions", response=responses(list[JurisdictionOut], read_only=True), summary="辖区内的行政区划"
)
@paginate(PageNumber)
def jurisdiction_list(request: AuthenticatedHttpRequest, filters: Query[JurisdictionFilter]):
    qs = jurisdictions_visible_to(request.user).order_by("code")
    if filters.parent:
        qs = qs.filter(parent_id=filters.parent)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    return qs


@router.get(
    "/jurisdictions/{code}", response=responses(JurisdictionOut, read_only=True), summary="一个行政区划"
)
def jurisdiction_detail(request: AuthenticatedHttpRequest, code: str):
    return get_jurisdiction(request.user, code)


class GrantOut(Schema):
    id: int
    township_code: str
    township_name: str
    category: str
    valid_from: date
    valid_to: date | None
    letter_no: str
    signed_on: date
    phase: str
    revoked_on: date | None
    revoke_reason: str
    state_today: str
    has_letter_file: bool
    created_at: datetime


def _grant_out(grant: DelegationGrant) -> dict:

    return {
        "id": grant.id,
        "township_code": grant.township_id,
        "township_name": grant.township.name,
        "category": grant.category,
        "valid_from": grant.valid_from,
        "valid_to": grant.valid_to,
        "letter_no": grant.letter_no,
        "signed_on": grant.signed_on,
        "phase": grant.phase,
        "revoked_on": grant.revoked_on,
        "revoke_reason": grant.revoke_reason,
        "state_today": grant_state_on(grant, clock.today(), list(grant.suspensions.all())),
        "has_letter_file": bool(grant.letter_file),
        "created_at": grant.created_at,
    }


class GrantFilter(Schema):
    township: str | None = Field(None, pattern=r"^\d{12}$")
    category: Category | None = None


@router.get("/delegation/grants", response=responses(list[GrantOut], read_only=True), summary="审批权限委托")
@paginate(PageNumber)
def grant_list(request: AuthenticatedHttpRequest, filters: Query[GrantFilter]):
    qs = grants_visible_to(request.user).order_by("township_id", "category", "valid_from")
    if filters.township:
        qs = qs.filter(township_id=filters.township)
    if filters.category:
        qs = qs.filter(category=filters.category)
    return [_grant_out(g) for g in qs]


@router.get("/delegation/grants/{grant_id}", response=responses(GrantOut, read_only=True), summary="一项委托")
def grant_detail(request: AuthenticatedHttpRequest, grant_id: Id):
    return _grant_out(get_grant(request.user, grant_id))


class GrantIn(Schema):
    township: str = Field(..., pattern=r"^\d{12}$")
    category: Category
    valid_from: date
    valid_to: date | None = None
    letter_no: str = Field(..., min_length=1, max_length=60)
    signed_on: date
    phase: GrantPhase


@router.post("/delegation/grants", response=responses(GrantOut, status=201), summary="登记委托（民政局）")
def grant_create(request: AuthenticatedHttpRequest, payload: GrantIn):
    grant = services.grant_create(
        by=request.user,
        township=get_jurisdiction(request.user, payload.township),
        category=payload.category,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        letter_no=payload.letter_no,
        signed_on=payload.signed_on,
        phase=payload.phase,
    )
    return Status(201, _grant_out(get_grant(request.user, grant.pk)))


class SuspendIn(Schema):
    start: date
    reason: str = Field(..., min_length=1, max_length=2000)


class ResumeIn(Schema):
    on: date
    reason: str = Field("", max_length=2000)


class RevokeIn(Schema):
    on: date
    reason: str = Field(..., min_length=1, max_length=2000)


@router.post("/delegation/grants/{grant_id}/suspend", response=responses(GrantOut), summary="暂停委托")
def grant_suspend(request: AuthenticatedHttpRequest, grant_id: Id, payload: SuspendIn):
    grant = get_grant(request.user, grant_id)
    services.grant_suspend(by=request.user, grant=grant, start=payload.start, reason=payload.reason)
    return _grant_out(get_grant(request.user, grant_id))


@router.post("/delegation/grants/{grant_id}/resume", response=responses(GrantOut), summary="恢复委托")
def grant_resume(request: AuthenticatedHttpRequest, grant_id: Id, payload: ResumeIn):
    grant = get_grant(request.user, grant_id)
    services.grant_resume(by=request.user, grant=grant, on=payload.on, reason=payload.reason)
    return _grant_out(get_grant(request.user, grant_id))


@router.post("/delegation/grants/{grant_id}/revoke", response=responses(GrantOut), summary="撤销委托")
def grant_revoke(request: AuthenticatedHttpRequest, grant_id: Id, payload: RevokeIn):
    grant = get_grant(request.user, grant_id)
    services.grant_revoke(by=request.user, grant=grant, on=payload.on, reason=payload.reason)
    return _grant_out(get_grant(request.user, grant_id))


class WhoDecidesOut(Schema):
    decider: str = Field(..., description="township：乡镇（街道）以民政局名义审批；bureau：民政局审批")
    delegated: bool
    label: str
    reason: str
    township_code: str
    category: str
    day: date
    grant_id: int | None


class WhoDecidesQuery(Schema):
    township: str = Field(..., pattern=r"^\d{12}$")
    assistance_type: AssistanceType
    day: date


@router.get(
    "/delegation/who-decides",
    response=responses(WhoDecidesOut, read_only=True),
    summary="某日某类申请由谁审批（D1、D3）",
)
def who_decides_endpoint(request: AuthenticatedHttpRequest, q: Query[WhoDecidesQuery]):
    township = get_jurisdiction(request.user, q.township)
    if township.level != Level.TOWNSHIP:
        raise ValidationFailed("请指定乡镇（街道）的区划代码", field_errors={"township": "不是乡镇（街道）"})
    route = who_decides(township_code=township.code, assistance_type=q.assistance_type, day=q.day)
    return {
        "decider": route.decider,
        "delegated": route.delegated,
        "label": route.label,
        "reason": route.reason,
        "township_code": route.township_code,
        "category": route.category,
        "day": route.day,
        "grant_id": route.grant_id,
    }


# --- staff accounts (administrator) ------------------------------------------------------------------


class StaffMembershipOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    jurisdiction_code: str
    role: str
    role_label: str
    is_active: bool
    created_at: datetime


class StaffAccountOut(Schema):
    id: int
    username: str
    full_name: str
    phone: str
    is_active: bool
    last_login: datetime | None
    memberships: list[StaffMembershipOut]

    @staticmethod
    def resolve_memberships(obj: User) -> list[dict]:
        held = sorted(obj.memberships.all(), key=lambda m: (not m.is_active, m.pk))
        return [
            {
                "id": m.pk,
                "organisation_id": m.organisation_id,
                "organisation": m.organisation.name,
                "jurisdiction_code": m.organisation.jurisdiction_id,
                "role": m.role,
                "role_label": m.get_role_display(),
                "is_active": m.is_active,
                "created_at": m.created_at,
            }
            for m in held
        ]


def _account_out(account: User) -> User:
    return User.objects.prefetch_related("memberships__organisation").get(pk=account.pk)


class StaffAccountFilter(Schema):
    q: str | None = Field(None, max_length=60, description="姓名或用户名包含")
    active: bool | None = Field(None, description="账号是否有效；不填表示全部")


@router.get(
    "/staff/accounts",
    response=responses(list[StaffAccountOut], read_only=True),
    summary="辖区内的工作人员账号",
)
@paginate(PageNumber)
def staff_account_list(request: AuthenticatedHttpRequest, filters: Query[StaffAccountFilter]):
    qs = accounts_visible_to(request.user)
    if filters.q:
        qs = qs.filter(Q(full_name__contains=filters.q) | Q(username__contains=filters.q))
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return qs.prefetch_related("memberships__organisation")


@router.get(
    "/staff/accounts/{user_id}",
    response=responses(StaffAccountOut, read_only=True),
    summary="一个工作人员账号",
)
def staff_account_detail(request: AuthenticatedHttpRequest, user_id: Id):
    return _account_out(get_account(request.user, user_id))


class StaffMembershipIn(Schema):
    organisation_id: Id
    role: Role


@router.post(
    "/staff/accounts/{user_id}/memberships",
    response=responses(StaffAccountOut, status=201),
    summary="为账号增加岗位（系统管理员）",
)
def staff_membership_add(request: AuthenticatedHttpRequest, user_id: Id, payload: StaffMembershipIn):
    account = get_account(request.user, user_id)
    organisation = organisations_visible_to(request.user).filter(pk=payload.organisation_id).first()
    if organisation is None:
        raise NotFound("未找到该单位，或不在您的辖区范围内")
    services.membership_add(by=request.user, user=account, organisation=organisation, role=payload.role)
    return Status(201, _account_out(account))


class StaffReasonIn(Schema):
    reason: str = Field("", max_length=500)


class StaffDeactivateIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


@router.post(
    "/staff/memberships/{membership_id}/end", response=responses(StaffAccountOut), summary="结束岗位"
)
def staff_membership_end(request: AuthenticatedHttpRequest, membership_id: Id, payload: StaffReasonIn):
    membership = get_membership(request.user, membership_id)
    services.membership_end(by=request.user, membership=membership, reason=payload.reason)
    return _account_out(membership.user)


@router.post("/staff/accounts/{user_id}/deactivate", response=responses(StaffAccountOut), summary="停用账号")
def staff_deactivate(request: AuthenticatedHttpRequest, user_id: Id, payload: StaffDeactivateIn):
    account = services.staff_deactivate(
        by=request.user, user=get_account(request.user, user_id), reason=payload.reason
    )
    return _account_out(account)


@router.post("/staff/accounts/{user_id}/reactivate", response=responses(StaffAccountOut), summary="启用账号")
def staff_reactivate(request: AuthenticatedHttpRequest, user_id: Id, payload: StaffReasonIn):
    account = services.staff_reactivate(
        by=request.user, user=get_account(request.user, user_id), reason=payload.reason
    )
    return _account_out(account)


class StaffPasswordResetOut(Schema):
    username: str
    temporary_password: str = Field(..., description="临时密码，只返回这一次")


@router.post(
    "/staff/accounts/{user_id}/password-reset",
    response=responses(StaffPasswordResetOut),
    summary="重置密码（返回临时密码）",
)
@not_idempotent  # the temporary password is never kept in the idempotency table
def staff_password_reset(request: AuthenticatedHttpRequest, user_id: Id, payload: StaffReasonIn):
    account = get_account(request.user, user_id)
    raw = services.staff_password_reset(by=request.user, user=account, reason=payload.reason)
    return {"username": account.username, "temporary_password": raw}


__all__ = ["ErrorOut", "router"]
