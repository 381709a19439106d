"""Business actions on organisations, staff, delegation grants and tokens. Each writes an audit event."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from jiuzhu.core import audit, clock
from jiuzhu.core.dates import ensure_not_before, ensure_not_future
from jiuzhu.core.errors import Forbidden, NotFound, ValidationFailed
from jiuzhu.core.filetypes import check_upload
from jiuzhu.core.types import Category
from jiuzhu.orgs import authz, passwords
from jiuzhu.orgs.models import (
    ApiToken,
    DelegationGrant,
    DelegationSuspension,
    Jurisdiction,
    Level,
    Membership,
    Organisation,
    SecondFactor,
    User,
)
from jiuzhu.orgs.roles import ADMIN_ROLES, ROLE_ORG_KINDS, Perm, Role

GRANT_FIELDS = [
    "township_id",
    "category",
    "valid_from",
    "valid_to",
    "letter_no",
    "signed_on",
    "phase",
    "revoked_on",
    "revoke_reason",
]


def _overlaps(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return (b_to is None or a_from <= b_to) and (a_to is None or b_from <= a_to)


def _grant_end(grant: DelegationGrant) -> date | None:
    ends = [d for d in (grant.valid_to, grant.revoked_on and grant.revoked_on - timedelta(days=1)) if d]
    return min(ends) if ends else None


@transaction.atomic
def grant_create(
    *,
    by: User,
    township: Jurisdiction,
    category: str,
    valid_from: date,
    valid_to: date | None,
    letter_no: str,
    signed_on: date,
    phase: str,
    letter_file: UploadedFile | None = None,
) -> DelegationGrant:
    """D1/D2: record a delegation letter. Only the bureau's side may do this (D4: no re-delegation)."""
    membership = authz.require(by, Perm.DELEGATION_MANAGE, township.code)
    if township.level != Level.TOWNSHIP:
        raise ValidationFailed(
            "只能向乡镇（街道）委托审批权限", field_errors={"township": "请选择乡镇（街道）"}
        )
    if category not in Category.values:
        raise ValidationFailed("救助类别无效", field_errors={"category": "无效"})
    letter_no = (letter_no or "").strip()
    if not letter_no:
        raise ValidationFailed("请填写委托书文号", field_errors={"letter_no": "必填"})
    ensure_not_future(signed_on, "委托书签署日期", field="signed_on")
    if valid_to is not None:
        ensure_not_before(valid_to, valid_from, "委托截止日", "起始日", field="valid_to")
    if letter_file is not None:
        # The scanned letter is served back inline: its type is checked by content, like every upload.
        try:
            check_upload(upload=letter_file, kind="scan")
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, field_errors={"letter_file": exc.message}) from exc
    Jurisdiction.objects.select_for_update().get(pk=township.pk)  # serialise grants of one township
    for other in DelegationGrant.objects.filter(township=township, category=category):
        if _overlaps(valid_from, valid_to, other.valid_from, _grant_end(other)):
            raise ValidationFailed(
                f"与已有委托（{other.letter_no}，{other.valid_from:%Y-%m-%d}起）的期间重叠，请先撤销或调整原委托",
                field_errors={"valid_from": "期间重叠"},
            )
    grant = DelegationGrant(
        township=township,
        category=category,
        valid_from=valid_from,
        valid_to=valid_to,
        letter_no=letter_no,
        signed_on=signed_on,
        phase=phase,
        created_by=by,
        created_at=clock.now(),
    )
    if letter_file is not None:
        grant.letter_file.save(letter_file.name, letter_file, save=False)
    grant.save()
    audit.record(
        actor=by,
        membership=membership,
        action="delegation.grant_create",
        obj=grant,
        after=audit.snapshot(grant, GRANT_FIELDS),
    )
    return grant


def _lock_grant(grant: DelegationGrant) -> DelegationGrant:
    return DelegationGrant.objects.select_for_update().select_related("township").get(pk=grant.pk)


@transaction.atomic
def grant_suspend(*, by: User, grant: DelegationGrant, start: date, reason: str) -> DelegationSuspension:
    """D4: suspension affects decisions from its start on, never past ones — so it cannot start before
    today."""
    membership = authz.require(by, Perm.DELEGATION_MANAGE, grant.township_id)
    grant = _lock_grant(grant)
    if not (reason or "").strip():
        raise ValidationFailed("请填写暂停原因", field_errors={"reason": "必填"})
    ensure_not_before(start, clock.today(), "暂停起始日", "今天（已作出的决定不受影响）", field="start")
    if grant.revoked_on is not None:
        raise ValidationFailed("该委托已撤销，无需暂停")
    if grant.suspensions.filter(end__isnull=True).exists():
        raise ValidationFailed("该委托已处于暂停状态")
    suspension = DelegationSuspension.objects.create(
        grant=grant, start=start, reason=reason.strip(), created_by=by, created_at=clock.now()
    )
    audit.record(
        actor=by,
        membership=membership,
        action="delegation.grant_suspend",
        obj=grant,
        after={"start": start, "reason": reason.strip()},
        reason=reason.strip(),
    )
    return suspension


@transaction.atomic
def grant_resume(*, by: User, grant: DelegationGrant, on: date, reason: str = "") -> DelegationSuspension:
    """Lift the open suspension: the grant applies again from `on`."""
    membership = authz.require(by, Perm.DELEGATION_MANAGE, grant.township_id)
    grant = _lock_grant(grant)
    suspension = grant.suspensions.select_for_update().filter(end__isnull=True).first()
    if suspension is None:
        raise ValidationFailed("该委托没有处于暂停状态")
    ensure_not_before(on, clock.today(), "恢复日期", "今天", field="on")
    ensure_not_before(on, suspension.start, "恢复日期", "暂停起始日", field="on")
    suspension.end = on - timedelta(days=1)
    suspension.lifted_by = by
    suspension.lifted_at = clock.now()
    suspension.lift_reason = reason.strip()
    suspension.save()
    audit.record(
        actor=by,
        membership=membership,
        action="delegation.grant_resume",
        obj=grant,
        after={"resume_on": on},
        reason=reason.strip(),
    )
    return suspension


@transaction.atomic
def grant_revoke(*, by: User, grant: DelegationGrant, on: date, reason: str) -> DelegationGrant:
    """D4: revocation from `on` (today or later); decisions already taken stay valid."""
    membership = authz.require(by, Perm.DELEGATION_MANAGE, grant.township_id)
    grant = _lock_grant(grant)
    if grant.revoked_on is not None:
        raise ValidationFailed(f"该委托已于{grant.revoked_on:%Y-%m-%d}撤销")
    if not (reason or "").strip():
        raise ValidationFailed("请填写撤销原因", field_errors={"reason": "必填"})
    ensure_not_before(on, clock.today(), "撤销生效日", "今天（已作出的决定不受影响）", field="on")
    before = audit.snapshot(grant, GRANT_FIELDS)
    grant.revoked_on = max(on, grant.valid_from)
    grant.revoke_reason = reason.strip()
    grant.revoked_by = by
    grant.save(update_fields=["revoked_on", "revoke_reason", "revoked_by"])
    audit.record(
        actor=by,
        membership=membership,
        action="delegation.grant_revoke",
        obj=grant,
        before=before,
        after=audit.snapshot(grant, GRANT_FIELDS),
        reason=reason.strip(),
    )
    return grant


# --- staff -------------------------------------------------------------------------------------------


@transaction.atomic
def staff_create(
    *,
    by: User | None,
    username: str,
    full_name: str,
    password: str,
    organisation: Organisation,
    role: str,
    phone: str = "",
    validate: bool = True,
) -> User:
    """A new account with the role it is for. Created by a system administrator, the password is temporary
    (changed at the first login, PI2) and the role waits for a security administrator to grant it (三员分立);
    `by=None` (loading demo or initial data) gives the role at once."""
    membership = (
        authz.require(by, Perm.STAFF_MANAGE, organisation.jurisdiction_id) if by is not None else None
    )
    username = (username or "").strip()
    if not username:
        raise ValidationFailed("请填写用户名", field_errors={"username": "必填"})
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(f"用户名“{username}”已存在", field_errors={"username": "已存在"})
    user = User(username=username, full_name=full_name.strip(), phone=phone.strip())
    if validate:
        try:
            validate_password(password, user)
        except DjangoValidationError as exc:
            raise ValidationFailed(
                "密码不符合要求：" + "；".join(exc.messages), field_errors={"password": exc.messages}
            ) from None
    user.security_stamp = secrets.token_hex(8)
    passwords.set_password(user, password, temporary=by is not None)
    if by is None:
        membership_add(by=None, user=user, organisation=organisation, role=role)
    else:
        _check_role(role, organisation)
        Membership.objects.create(
            user=user, organisation=organisation, role=role, is_active=False, created_at=clock.now()
        )
    audit.record(
        actor=by,
        membership=membership,
        action="staff.create",
        obj=user,
        area_code=organisation.jurisdiction_id,
        after={"username": username, "full_name": full_name, "role_requested": role},
    )
    return user


def _check_role(role: str, organisation: Organisation) -> None:
    if role not in Role.values:
        raise ValidationFailed("角色无效", field_errors={"role": "无效"})
    if organisation.kind not in ROLE_ORG_KINDS[role]:
        raise ValidationFailed(
            f"“{Role(role).label}”不能设在{organisation.get_kind_display()}",
            field_errors={"role": "与机构类型不符"},
        )


def _check_separation(user: User, role: str, organisation: Organisation) -> None:
    """三员分立: an administrator's account holds no other role, a business account no administrator role."""
    others = [
        m
        for m in Membership.objects.filter(user=user, is_active=True).select_related("organisation")
        if not (m.organisation_id == organisation.pk and m.role == role)
    ]
    if role in ADMIN_ROLES and others:
        raise ValidationFailed(
            f"“{Role(role).label}”须由专人担任，不能与其他岗位（{others[0].get_role_display()}）兼任",
            field_errors={"role": "三员分立"},
        )
    held = next((m for m in others if m.role in ADMIN_ROLES), None)
    if held is not None:
        raise ValidationFailed(
            f"{user.get_full_name()}担任“{held.get_role_display()}”，不能再兼任其他岗位",
            field_errors={"role": "三员分立"},
        )


def membership_add(
    *,
    by: User | None,
    user: User,
    organisation: Organisation,
    role: str,
    _authorised: Membership | None = None,
) -> Membership:
    """Give an account a role in an organisation; an ended (or requested) membership of the same role is taken
    up again. A security administrator's action (三员分立); nobody grants a role to themselves."""
    authorising = _authorised
    if by is not None and authorising is None:
        authorising = authz.require(by, Perm.ROLE_MANAGE, organisation.jurisdiction_id)
    if by is not None and by.pk == user.pk:
        raise ValidationFailed("不能为本人授予岗位，请由其他安全管理员办理", field_errors={"role": "本人"})
    _check_role(role, organisation)
    with transaction.atomic():
        if not user.is_active:
            raise ValidationFailed("该账号已停用，请先启用账号再分配岗位")
        User.objects.select_for_update().get(pk=user.pk)  # serialise grants to one account (separation)
        _check_separation(user, role, organisation)
        membership, created = Membership.objects.select_for_update().get_or_create(
            user=user,
            organisation=organisation,
            role=role,
            defaults={"created_at": clock.now(), "is_active": True},
        )
        if not created:
            if membership.is_active:
                raise ValidationFailed(
                    f"{user.get_full_name()}已在{organisation.name}担任“{Role(role).label}”",
                    field_errors={"role": "已有该岗位"},
                )
            membership.is_active = True
            membership.save(update_fields=["is_active"])
        audit.record(
            actor=by,
            membership=authorising,
            action="staff.membership_add",
            obj=membership,
            area_code=organisation.jurisdiction_id,
            after={"user": user.username, "role": role, "resumed": not created},
        )
    authz.forget(user)
    return membership


@transaction.atomic
def membership_end(*, by: User, membership: Membership, reason: str = "") -> Membership:
    """End one role of an account; its history (cases, audit events) stays attached to the account."""
    authorising = authz.require(by, Perm.ROLE_MANAGE, membership.organisation.jurisdiction_id)
    membership = (
        Membership.objects.select_for_update().select_related("user", "organisation").get(pk=membership.pk)
    )
    if not membership.is_active:
        raise ValidationFailed("该岗位已结束")
    if membership.user_id == by.pk:
        # An administrator ending their own role could lock the county out of staff management.
        raise ValidationFailed("不能结束本人的岗位，请由其他管理员办理")
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    audit.record(
        actor=by,
        membership=authorising,
        action="staff.membership_end",
        obj=membership,
        area_code=membership.organisation.jurisdiction_id,
        before={"user": membership.user.username, "role": membership.role, "active": True},
        after={"active": False},
        reason=(reason or "").strip(),
    )
    authz.forget(membership.user)
    return membership


def _account_authority(by: User, user: User, perm: str = Perm.STAFF_MANAGE) -> tuple[Membership | None, str]:
    """An account-wide action needs `perm` over every place where the account holds an active role:
    a county administrator must not lock out someone who also works for the city. Returns the authorising
    membership and the account's home area (for the audit chain)."""
    held = list(user.memberships.select_related("organisation").order_by("-is_active", "id"))
    if not held or not any(authz.in_scope(by, m.organisation.jurisdiction_id) for m in held):
        raise NotFound()
    if user.is_superuser and not authz.is_global(by):
        raise Forbidden("平台管理员账号只能由平台管理员办理")
    active = [m for m in held if m.is_active] or held
    authorising = None
    for m in active:
        area = m.organisation.jurisdiction_id
        if not authz.in_scope(by, area):
            raise Forbidden("该账号在您的辖区以外还有岗位，须由上级管理员办理")
        authorising = authz.require(by, perm, area)
    return authorising, active[0].organisation.jurisdiction_id


def _set_active(by: User, user: User, *, active: bool, reason: str) -> User:
    authorising, area = _account_authority(by, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        raise ValidationFailed("该账号未停用" if active else "该账号已停用")
    user.is_active = active
    revoked = 0
    if not active:
        # Deactivation ends everything the account had open: its sessions (the stamp is part of their hash)
        # and its tokens. Reactivation gives none of them back.
        user.security_stamp = secrets.token_hex(8)
        revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
    user.save(update_fields=["is_active", "security_stamp"])
    audit.record(
        actor=by,
        membership=authorising,
        action="staff.reactivate" if active else "staff.deactivate",
        obj=user,
        area_code=area,
        before={"active": not active},
        after={"active": active, **({"tokens_revoked": revoked} if not active else {})},
        reason=reason,
    )
    return user


@transaction.atomic
def staff_deactivate(*, by: User, user: User, reason: str) -> User:
    """A deactivated account cannot log in or use its tokens; its records and audit trail stay."""
    _account_authority(by, user)  # scope before input: another county's account is 404 whatever was typed
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写停用原因", field_errors={"reason": "必填"})
    if user.pk == by.pk:
        raise ValidationFailed("不能停用本人的账号")
    return _set_active(by, user, active=False, reason=reason)


@transaction.atomic
def staff_reactivate(*, by: User, user: User, reason: str = "") -> User:
    return _set_active(by, user, active=True, reason=(reason or "").strip())


# No 0/O, 1/l/I: the temporary password is read out over the phone.
_TEMP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    while True:
        raw = "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(12))
        if any(c.isdigit() for c in raw) and any(c.isalpha() for c in raw):
            return raw


@transaction.atomic
def staff_password_reset(*, by: User, user: User, reason: str = "") -> str:
    """Set a temporary password and return it (shown once, never stored or audited in clear). Changing
    the password ends the account's other sessions (Django checks the session's password hash)."""
    authorising, area = _account_authority(by, user)
    if user.pk == by.pk:
        raise ValidationFailed("本人密码请在“修改密码”页面修改")
    user = User.objects.select_for_update().get(pk=user.pk)
    raw = temporary_password()
    passwords.set_password(user, raw, temporary=True)  # to be changed at the first login (PI2)
    from axes.utils import reset as axes_reset

    # A user who locked themselves out is usually why the password is reset: lift the lockout too.
    axes_reset(username=user.username)
    audit.record(
        actor=by,
        membership=authorising,
        action="staff.password_reset",
        obj=user,
        area_code=area,
        reason=(reason or "").strip(),
    )
    return raw


@transaction.atomic
def staff_mfa_reset(*, by: User, user: User, reason: str) -> User:
    """A lost authenticator: the security administrator removes it (and its recovery codes) and ends the
    account's sessions; at the next login the account binds a new one (PI2, 三员分立)."""
    authorising, area = _account_authority(by, user, Perm.MFA_RESET)
    if user.pk == by.pk:
        raise ValidationFailed("不能重置本人的动态口令，请由其他安全管理员办理")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "请填写重置原因（如：手机丢失，已电话核实身份）", field_errors={"reason": "必填"}
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    removed, _ = SecondFactor.objects.filter(user=user).delete()
    user.recovery_codes.all().delete()
    user.security_stamp = secrets.token_hex(8)
    user.save(update_fields=["security_stamp"])
    audit.record(
        actor=by,
        membership=authorising,
        action="staff.mfa_reset",
        obj=user,
        area_code=area,
        after={"had_second_factor": bool(removed)},
        reason=reason,
    )
    return user


# --- tokens ------------------------------------------------------------------------------------------

TOKEN_SCOPES = ("read", "write")


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_issue(*, user: User, name: str, scopes: list[str], days: int | None = None) -> IssuedToken:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写令牌用途", field_errors={"name": "必填"})
    bad = [s for s in scopes if s not in TOKEN_SCOPES]
    if bad or not scopes:
        raise ValidationFailed("令牌权限范围无效，可选 read、write", field_errors={"scopes": "无效"})
    raw = "jz_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:10],
        token_hash=hash_token(raw),
        scopes=sorted(set(scopes)),
        created_at=clock.now(),
        expires_at=clock.now() + timedelta(days=days) if days else None,
    )
    home = authz.primary_membership(user)
    audit.record(
        actor=user,
        membership=home,
        action="token.issue",
        obj=token,
        area_code=home.area_code if home else "",
        after={"name": name, "scopes": token.scopes},
    )
    return IssuedToken(token, raw)


@transaction.atomic
def token_revoke(*, user: User, token: ApiToken) -> None:
    token = ApiToken.objects.select_for_update().get(pk=token.pk, user=user)
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        home = authz.primary_membership(user)
        audit.record(
            actor=user,
            membership=home,
            action="token.revoke",
            obj=token,
            area_code=home.area_code if home else "",
        )


def token_authenticate(raw: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= clock.now()):
        return None
    # last_used is bookkeeping, not a business action: no audit event, and at most once a minute.
    if token.last_used_at is None or clock.now() - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=clock.now())
    return token
