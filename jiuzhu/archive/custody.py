"""Custody of the paper files (AR1; seed 000 "纸质档案乡级仍由安邦乡保管，原由区民政局负责保管的城市社会救助
档案全部移交各街道办事处自行保管"): register, transfer one file, transfer many at once. Each action runs in a
transaction, locks what it changes and writes an audit event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import F, QuerySet

from jiuzhu.archive.models import CustodyBatch, CustodyTransfer, FileCustody
from jiuzhu.core import audit, clock
from jiuzhu.core.dates import ensure_not_before, ensure_not_future
from jiuzhu.core.errors import Conflict, NotFound, ValidationFailed
from jiuzhu.core.jurisdiction_codes import county_code, township_code
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Organisation, User
from jiuzhu.orgs.roles import OrgKind, Perm
from jiuzhu.registry.models import Household, UrbanRural

CHUNK = 2000


def custodians_for(household: Household) -> list[Organisation]:
    """Who may keep a household's paper file: its township (乡/街道) or its county's bureau."""
    return list(
        Organisation.objects.filter(
            jurisdiction_id__in=[township_code(household.area_code), county_code(household.area_code)],
            kind__in=[OrgKind.TOWNSHIP, OrgKind.BUREAU],
        )
        .select_related("jurisdiction")
        .order_by("-jurisdiction__level", "id")
    )


def current_custody(household: Household) -> FileCustody | None:
    """Internal read: the caller fetched `household` through its scoped selector."""
    return FileCustody.objects.select_related("custodian").filter(household=household).first()


def history(household: Household) -> QuerySet[CustodyTransfer]:
    return (
        CustodyTransfer.objects.filter(household=household)
        .select_related("from_org", "to_org", "batch", "created_by")
        .order_by("on", "id")
    )


def custody_transfer(
    *,
    by: User,
    household: Household,
    to: Organisation,
    on: date,
    reason: str,
    location: str = "",
    expected_version: int | None = None,
) -> FileCustody:
    """AR1: register where a household's paper file is kept, or hand it over to another keeper (the
    township or the county bureau). A file already kept by `to` is refused, so a repeat does nothing."""
    membership = authz.require(by, Perm.CASE_PROCESS, household.area_code)
    reason = (reason or "").strip()
    location = (location or "").strip()[:100]
    if to.pk not in {o.pk for o in custodians_for(household)}:
        raise ValidationFailed(
            f"{to.name}不能保管该户档案：只能由所在乡镇（街道）或县（区）民政局保管",
            field_errors={"to": "不可选"},
        )
    ensure_not_future(on, "移交日期", field="on")
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()  # one hand-over at a time
        custody = FileCustody.objects.select_related("custodian").filter(household=household).first()
        now = clock.now()
        if custody is None:
            if not reason:
                reason = "建立档案"
            custody = FileCustody.objects.create(
                household=household, custodian=to, since=on, location=location, updated_at=now
            )
            before = None
            action = "custody.register"
            from_org = None
        else:
            if expected_version is not None and custody.version != expected_version:
                raise Conflict()
            if custody.custodian_id == to.pk:
                raise ValidationFailed(
                    f"该户档案已由{to.name}保管（自{custody.since:%Y-%m-%d}起）",
                    field_errors={"to": "无需移交"},
                )
            if not reason:
                raise ValidationFailed("请填写移交原因", field_errors={"reason": "必填"})
            ensure_not_before(on, custody.since, "移交日期", "上次保管起始日", field="on")
            before = {
                "custodian": custody.custodian.name,
                "since": custody.since,
                "location": custody.location,
            }
            from_org = custody.custodian
            custody.custodian = to
            custody.since = on
            custody.location = location
            custody.version += 1
            custody.updated_at = now
            custody.save()
            action = "custody.transfer"
        transfer = CustodyTransfer.objects.create(
            household=household,
            from_org=from_org,
            to_org=to,
            on=on,
            reason=reason[:200],
            location=location,
            area_code=household.area_code,
            created_by=by,
            created_at=now,
        )
        audit.record(
            actor=by,
            membership=membership,
            action=action,
            obj=household,
            before=before,
            after={"custodian": to.name, "since": on, "location": location, "transfer": transfer.pk},
            reason=reason,
        )
    return custody


@dataclass(frozen=True)
class BulkPlan:
    """What a bulk transfer would move: per township, how many files, and files it cannot move."""

    by_township: dict[str, int]
    without_keeper: dict[str, int]  # township code → files whose township has no organisation

    @property
    def total(self) -> int:
        return sum(self.by_township.values())


def _bulk_queryset(*, county: str, from_org: Organisation, urban_rural: str, township_codes: list[str]):
    qs = FileCustody.objects.filter(custodian=from_org, household__area_code__startswith=county[:6])
    if urban_rural:
        qs = qs.filter(household__urban_rural=urban_rural)
    if township_codes:
        from django.db.models import Q

        q = Q(pk__in=[])
        for code in township_codes:
            q |= Q(household__area_code__startswith=code[:9])
        qs = qs.filter(q)
    return qs


def _township_orgs(county: str) -> dict[str, Organisation]:
    return {
        o.jurisdiction_id: o
        for o in Organisation.objects.filter(
            kind=OrgKind.TOWNSHIP, jurisdiction__code__startswith=county[:6], jurisdiction__level=4
        ).order_by("-id")
    }


def bulk_plan(
    *, user: User, county: Jurisdiction, from_org: Organisation, urban_rural: str, township_codes: list[str]
) -> BulkPlan:
    """A read for the confirmation page: counts only, scoped to the county the user manages."""
    authz.require(user, Perm.DELEGATION_MANAGE, county.code)
    orgs = _township_orgs(county.code)
    counts: dict[str, int] = {}
    for area in _bulk_queryset(
        county=county.code, from_org=from_org, urban_rural=urban_rural, township_codes=township_codes
    ).values_list("household__area_code", flat=True):
        counts[township_code(area)] = counts.get(township_code(area), 0) + 1
    return BulkPlan(
        {c: n for c, n in counts.items() if c in orgs}, {c: n for c, n in counts.items() if c not in orgs}
    )


def custody_bulk_transfer(
    *,
    by: User,
    county: Jurisdiction,
    from_org: Organisation,
    on: date,
    basis: str,
    urban_rural: str = UrbanRural.URBAN,
    township_codes: list[str] | None = None,
) -> CustodyBatch:
    """Seed 000: when authority is delegated, move every file kept by `from_org` (normally the bureau) in
    the county — urban ones only by default — to the township (street office) of each household. Set-based:
    one UPDATE and one bulk INSERT per township and chunk, one audit event for the batch with its counts; the
    transfer rows point at the batch, so each household's history shows the move."""
    membership = authz.require(by, Perm.DELEGATION_MANAGE, county.code)
    if county.level != 3:
        raise ValidationFailed("请选择县（区）", field_errors={"county": "须为县（区）"})
    if not from_org.jurisdiction_id.startswith(county.code[:6]):
        raise NotFound()
    basis = (basis or "").strip()
    if not basis:
        raise ValidationFailed("请填写移交依据（如委托书或实施方案文号）", field_errors={"basis": "必填"})
    if urban_rural not in ("", *UrbanRural.values):
        raise ValidationFailed("城乡属性无效", field_errors={"urban_rural": "无效"})
    ensure_not_future(on, "移交日期", field="on")
    codes = sorted({c for c in (township_codes or []) if c.startswith(county.code[:6])})
    orgs = _township_orgs(county.code)
    now = clock.now()
    with transaction.atomic():
        qs = _bulk_queryset(
            county=county.code, from_org=from_org, urban_rural=urban_rural, township_codes=codes
        )
        rows = list(
            qs.select_for_update(of=("self",)).values_list(
                "pk", "household_id", "household__area_code", "since"
            )
        )
        late = [r for r in rows if r[3] > on]
        if late:
            raise ValidationFailed(
                f"有 {len(late)} 户档案的保管起始日晚于移交日期 {on:%Y-%m-%d}，请调整移交日期",
                field_errors={"on": "早于保管起始日"},
            )
        batch = CustodyBatch.objects.create(
            county_code=county.code,
            from_org=from_org,
            urban_rural=urban_rural,
            township_codes=codes,
            on=on,
            basis=basis[:200],
            created_by=by,
            created_at=now,
        )
        per_township: dict[str, list[tuple]] = {}
        skipped = 0
        for row in rows:
            code = township_code(row[2])
            if code in orgs:
                per_township.setdefault(code, []).append(row)
            else:
                skipped += 1
        moved = 0
        for code, items in sorted(per_township.items()):
            target = orgs[code]
            for start in range(0, len(items), CHUNK):
                chunk = items[start : start + CHUNK]
                FileCustody.objects.filter(pk__in=[r[0] for r in chunk]).update(
                    custodian=target, since=on, location="", version=F("version") + 1, updated_at=now
                )
                CustodyTransfer.objects.bulk_create(
                    [
                        CustodyTransfer(
                            household_id=r[1],
                            from_org=from_org,
                            to_org=target,
                            on=on,
                            reason=f"批量移交：{basis}"[:200],
                            batch=batch,
                            area_code=r[2],
                            created_by=by,
                            created_at=now,
                        )
                        for r in chunk
                    ],
                    batch_size=CHUNK,
                )
                moved += len(chunk)
        batch.moved = moved
        batch.skipped = skipped
        batch.save(update_fields=["moved", "skipped"])
        audit.record(
            actor=by,
            membership=membership,
            action="custody.bulk_transfer",
            obj=batch,
            after={
                "from": from_org.name,
                "urban_rural": urban_rural,
                "townships": {code: len(items) for code, items in per_township.items()},
                "moved": moved,
                "skipped": skipped,
                "on": on,
            },
            reason=basis,
        )
    return batch
