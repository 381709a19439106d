"""API of the registry: households, members, income, assets, near relatives, discovery reports, bulk import —
the same services and selectors as the pages."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import FileResponse
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from jiuzhu.api.idempotency import not_idempotent
from jiuzhu.api.schemas import Id, JobState, PageNumber, responses
from jiuzhu.core import clock
from jiuzhu.core.dates import age_on
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.exports import XLSX
from jiuzhu.core.retention import log_download
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry import reads, selectors
from jiuzhu.registry.imports import job as household_import
from jiuzhu.registry.imports.report import open_error_workbook
from jiuzhu.registry.models import (
    AssetKind,
    Disability,
    Employment,
    ExpenseKind,
    Household,
    IncomeCategory,
    LeftReason,
    Relation,
    RelativeRole,
    Schooling,
    UrbanRural,
    WorkAbility,
)
from jiuzhu.registry.services import discovery, households, income_assets, members, relatives
from jiuzhu.registry.services.member_input import MemberInput
from jiuzhu.registry.services.relatives import RelativeInput

router = Router(tags=["家庭登记"])
CODE = r"^\d{12}$"


class MemberOut(Schema):
    """A member as every reader may see it: masked ID number, and of the birth date only the year and the
    age (the mask rule, core.masking; the full number is `POST /members/{id}/reveal`, logged)."""

    id: int
    name: str
    id_masked: str
    birth_year: int
    age: int
    sex: str
    relation: str
    hukou_area_code: str
    disability: str
    disability_grade: int | None
    work_ability: str
    serious_illness: bool
    schooling: str
    employment: str
    covered: bool
    covered_note: str
    is_active: bool
    left_on: date | None
    left_reason: str

    @staticmethod
    def resolve_birth_year(obj) -> int:
        return obj.birth_date.year

    @staticmethod
    def resolve_age(obj) -> int:
        return age_on(obj.birth_date, clock.today())


class IncomeOut(Schema):
    id: int
    category: str
    description: str
    monthly_amount: Decimal
    member_id: int | None
    excluded: bool
    excluded_reason: str
    started_on: date | None


class ExpenseOut(Schema):
    id: int
    kind: str
    description: str
    amount: Decimal
    paid_on: date
    member_id: int | None


class AssetOut(Schema):
    id: int
    kind: str
    description: str
    quantity: Decimal | None
    unit: str
    value: Decimal | None


class HouseholdOut(Schema):
    id: int
    area_code: str
    address: str
    urban_rural: str
    hukou_area_code: str
    hukou_address: str
    phone: str
    head_name: str
    head_id_masked: str
    version: int
    created_at: datetime


class IncomeSummaryOut(Schema):
    counted: Decimal
    excluded: Decimal
    covered: int
    per_head: Decimal | None


class HouseholdDetailOut(HouseholdOut):
    members: list[MemberOut]
    incomes: list[IncomeOut]
    assets: list[AssetOut]
    expenses: list[ExpenseOut]
    income_summary: IncomeSummaryOut


class HouseholdFilter(Schema):
    q: str | None = Field(
        None, max_length=60, description="姓名或住址包含（同名较多时只列最近登记的 1000 户）"
    )
    id_number: str | None = Field(None, max_length=20, description="完整身份证号（精确匹配）")
    area: str | None = Field(None, pattern=CODE, description="区划代码（乡镇或村）")
    urban_rural: UrbanRural | None = None


@router.get("/households", response=responses(list[HouseholdOut], read_only=True), summary="查询家庭")
@paginate(PageNumber)
def household_list(request: AuthenticatedHttpRequest, f: Query[HouseholdFilter]):
    return selectors.search_households(
        request.user,
        q=f.q or "",
        id_number=f.id_number or "",
        area=f.area or "",
        urban_rural=f.urban_rural or "",
    ).order_by("-id")


def _detail(household: Household) -> dict[str, Any]:
    out = HouseholdOut.from_orm(household).dict()
    out["members"] = list(selectors.members_of(household))
    out["incomes"] = list(selectors.incomes_of(household))
    out["assets"] = list(selectors.assets_of(household))
    out["expenses"] = list(selectors.expenses_of(household))
    out["income_summary"] = selectors.income_summary(household)
    return out


@router.get(
    "/households/{household_id}", response=responses(HouseholdDetailOut, read_only=True), summary="家庭详情"
)
def household_detail(request: AuthenticatedHttpRequest, household_id: Id):
    household = selectors.get_household(request.user, household_id)
    reads.household_read(by=request.user, household=household)  # a full read is logged like a reveal
    return _detail(household)


class MemberIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    id_number: str = Field(..., min_length=1, max_length=20)
    relation: Relation
    birth_date: date | None = None
    sex: str | None = Field(None, pattern="^[MF]$")
    hukou_area_code: str = Field("", max_length=12)
    disability: Disability = Disability.NONE
    disability_grade: int | None = Field(None, ge=1, le=4)
    work_ability: WorkAbility = WorkAbility.FULL
    serious_illness: bool = False
    illness_note: str = Field("", max_length=200)
    schooling: Schooling = Schooling.NONE
    employment: Employment = Employment.NONE
    covered: bool = True
    covered_note: str = Field("", max_length=200)

    def to_input(self) -> MemberInput:
        return MemberInput(**self.dict())


class HouseholdIn(Schema):
    area_code: str = Field(..., pattern=CODE, description="居住村（社区）区划代码")
    address: str = Field(..., min_length=1, max_length=200)
    urban_rural: UrbanRural | None = None
    hukou_area_code: str = Field("", max_length=12)
    hukou_address: str = Field("", max_length=200)
    phone: str = Field("", max_length=20)
    members: list[MemberIn] = Field(..., min_length=1, max_length=30)


@router.post("/households", response=responses(HouseholdDetailOut, status=201), summary="登记家庭")
def household_create(request: AuthenticatedHttpRequest, payload: HouseholdIn):
    household = households.household_create(
        by=request.user,
        area_code=payload.area_code,
        address=payload.address,
        urban_rural=payload.urban_rural or "",
        hukou_area_code=payload.hukou_area_code,
        hukou_address=payload.hukou_address,
        phone=payload.phone,
        members=[m.to_input() for m in payload.members],
    )
    return Status(201, _detail(household))


class HouseholdPatch(Schema):
    version: int = Field(..., description="读取时的版本号；他人已修改时返回 409")
    address: str | None = Field(None, min_length=1, max_length=200)
    urban_rural: UrbanRural | None = None
    hukou_area_code: str | None = Field(None, max_length=12)
    hukou_address: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=20)


@router.patch("/households/{household_id}", response=responses(HouseholdDetailOut), summary="修改家庭信息")
def household_update(request: AuthenticatedHttpRequest, household_id: Id, payload: HouseholdPatch):
    household = selectors.get_household(request.user, household_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if k != "version" and v is not None}
    household = households.household_update(
        by=request.user, household=household, expected_version=payload.version, **changes
    )
    return _detail(household)


class MemberAddIn(MemberIn):
    version: int | None = None


@router.post(
    "/households/{household_id}/members", response=responses(MemberOut, status=201), summary="增加成员"
)
def member_add(request: AuthenticatedHttpRequest, household_id: Id, payload: MemberAddIn):
    household = selectors.get_household(request.user, household_id)
    data = payload.dict()
    version = data.pop("version")
    member = members.member_add(
        by=request.user, household=household, data=MemberInput(**data), expected_version=version
    )
    return Status(201, member)


@router.put("/members/{member_id}", response=responses(MemberOut), summary="修改成员")
def member_update(request: AuthenticatedHttpRequest, member_id: Id, payload: MemberAddIn):
    member = selectors.get_member(request.user, member_id)
    data = payload.dict()
    version = data.pop("version")
    return members.member_update(
        by=request.user, member=member, data=MemberInput(**data), expected_version=version
    )


class LeaveIn(Schema):
    on: date
    reason: LeftReason
    version: int | None = None


@router.post("/members/{member_id}/leave", response=responses(MemberOut), summary="成员离户")
def member_leave(request: AuthenticatedHttpRequest, member_id: Id, payload: LeaveIn):
    member = selectors.get_member(request.user, member_id)
    return members.member_leave(
        by=request.user, member=member, on=payload.on, reason=payload.reason, expected_version=payload.version
    )


class TransferIn(Schema):
    to_household_id: int = Field(..., ge=1, description="迁入家庭")
    relation: Relation = Field(..., description="在迁入家庭中与户主关系")
    on: date = Field(..., description="迁移日期")
    reason: str = Field(..., min_length=1, max_length=200, description="迁移原因")
    version: int | None = Field(None, description="原家庭读取时的版本号；他人已修改时返回 409")


@router.post(
    "/members/{member_id}/transfer",
    response=responses(MemberOut, status=201),
    summary="成员迁移（迁出原家庭、迁入另一家庭）",
)
def member_transfer(request: AuthenticatedHttpRequest, member_id: Id, payload: TransferIn):
    member = selectors.get_member(request.user, member_id)
    target = selectors.get_household(request.user, payload.to_household_id)
    moved = members.member_transfer(
        by=request.user,
        member=member,
        to_household=target,
        on=payload.on,
        relation=payload.relation,
        reason=payload.reason,
        expected_version=payload.version,
    )
    return Status(201, moved)


class RevealOut(Schema):
    id_number: str


@router.post(
    "/members/{member_id}/reveal", response=responses(RevealOut), summary="查看完整身份证号（记入审计）"
)
@not_idempotent  # the full ID number is never kept in the idempotency table
def member_reveal(request: AuthenticatedHttpRequest, member_id: Id):
    member = selectors.get_member(request.user, member_id)
    return {"id_number": members.member_reveal_id(by=request.user, member=member)}


def _member_of(household, member_id: int | None):
    """The active member an income or spending row names, refused when it is not of this household."""
    member = selectors.active_member(household, member_id) if member_id else None
    if member_id and member is None:
        raise ValidationFailed("成员不属于本户", field_errors={"member_id": "不属于本户"})
    return member


class IncomeIn(Schema):
    category: IncomeCategory
    description: str = Field(..., min_length=1, max_length=200)
    monthly_amount: str = Field(..., max_length=20, description='月均金额（元），如 "1200.50"')
    member_id: Id | None = None
    excluded: bool = False
    excluded_reason: str = Field("", max_length=200)
    started_on: date | None = Field(None, description="新就业的开始日期（工资性收入，须注明成员）")


@router.post(
    "/households/{household_id}/incomes", response=responses(IncomeOut, status=201), summary="登记收入"
)
def income_add(request: AuthenticatedHttpRequest, household_id: Id, payload: IncomeIn):
    household = selectors.get_household(request.user, household_id)
    member = _member_of(household, payload.member_id)
    item = income_assets.income_add(
        by=request.user,
        household=household,
        category=payload.category,
        description=payload.description,
        monthly_amount=payload.monthly_amount,
        member=member,
        excluded=payload.excluded,
        excluded_reason=payload.excluded_reason,
        started_on=payload.started_on,
    )
    return Status(201, item)


@router.delete("/incomes/{income_id}", response=responses(None, status=204), summary="删除收入")
def income_delete(request: AuthenticatedHttpRequest, income_id: Id):
    item = selectors.get_income_item(request.user, income_id)
    income_assets.income_remove(by=request.user, item=item)
    return Status(204, None)


class AssetIn(Schema):
    kind: AssetKind
    description: str = Field(..., min_length=1, max_length=200)
    quantity: str | None = Field(None, max_length=20)
    unit: str = Field("", max_length=10)
    value: str | None = Field(None, max_length=20)


@router.post(
    "/households/{household_id}/assets", response=responses(AssetOut, status=201), summary="登记财产"
)
def asset_add(request: AuthenticatedHttpRequest, household_id: Id, payload: AssetIn):
    household = selectors.get_household(request.user, household_id)
    asset = income_assets.asset_add(
        by=request.user,
        household=household,
        kind=payload.kind,
        description=payload.description,
        value=payload.value,
        quantity=payload.quantity,
        unit=payload.unit,
    )
    return Status(201, asset)


@router.delete("/assets/{asset_id}", response=responses(None, status=204), summary="删除财产")
def asset_delete(request: AuthenticatedHttpRequest, asset_id: Id):
    asset = selectors.get_asset(request.user, asset_id)
    income_assets.asset_remove(by=request.user, asset=asset)
    return Status(204, None)


class ExpenseIn(Schema):
    kind: ExpenseKind
    description: str = Field(..., min_length=1, max_length=200)
    amount: str = Field(..., max_length=20, description='金额（元），如 "3200.00"')
    paid_on: date
    member_id: Id | None = None


@router.post(
    "/households/{household_id}/expenses",
    response=responses(ExpenseOut, status=201),
    summary="登记刚性支出",
)
def expense_add(request: AuthenticatedHttpRequest, household_id: Id, payload: ExpenseIn):
    household = selectors.get_household(request.user, household_id)
    member = _member_of(household, payload.member_id)
    expense = income_assets.expense_add(
        by=request.user,
        household=household,
        kind=payload.kind,
        description=payload.description,
        amount=payload.amount,
        paid_on=payload.paid_on,
        member=member,
    )
    return Status(201, expense)


@router.delete("/expenses/{expense_id}", response=responses(None, status=204), summary="删除刚性支出")
def expense_delete(request: AuthenticatedHttpRequest, expense_id: Id):
    expense = selectors.get_expense(request.user, expense_id)
    income_assets.expense_remove(by=request.user, expense=expense)
    return Status(204, None)


# --- near relatives -----------------------------------------------------------------------------------


class RelativeOut(Schema):
    id: int
    area_code: str
    official_name: str
    official_role: str
    official_unit: str
    relative_name: str
    relative_id_masked: str
    relation: str
    registered_on: date
    is_active: bool
    deactivated_on: date | None
    deactivate_reason: str


class RelativeIn(Schema):
    official_name: str = Field(..., min_length=1, max_length=60)
    official_role: RelativeRole
    official_unit: str = Field(..., max_length=120)
    relative_name: str = Field(..., min_length=1, max_length=60)
    relative_id: str = Field(..., max_length=20)
    relation: str = Field(..., min_length=1, max_length=40)
    registered_on: date

    def to_input(self) -> RelativeInput:
        return RelativeInput(**self.dict())


class RelativeCreateIn(RelativeIn):
    area_code: str = Field(..., pattern=CODE)


class RelativeFilter(Schema):
    q: str | None = Field(None, max_length=60, description="工作人员或近亲属姓名包含")
    official: str | None = Field(None, max_length=120, description="工作人员姓名或所在单位包含")
    area: str | None = Field(None, pattern=CODE, description="乡镇（街道）或村（社区）区划代码")
    role: RelativeRole | None = None
    status: Literal["active", "inactive", "all"] = Field(
        "active", description="active 有效；inactive 已停用；all 全部"
    )


@router.get(
    "/near-relatives", response=responses(list[RelativeOut], read_only=True), summary="近亲属备案名册"
)
@paginate(PageNumber)
def relative_list(request: AuthenticatedHttpRequest, f: Query[RelativeFilter]):
    authz.require(request.user, Perm.RELATIVE_REGISTRY)
    qs = selectors.filter_relatives(
        selectors.relatives_visible_to(request.user),
        q=f.q or "",
        official=f.official or "",
        area=f.area or "",
        role=f.role or "",
        status=f.status,
    )
    return qs.order_by("id")


class RelativeDeactivateIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


@router.post(
    "/near-relatives/{relative_id}/deactivate", response=responses(RelativeOut), summary="停用近亲属记录"
)
def relative_deactivate(request: AuthenticatedHttpRequest, relative_id: Id, payload: RelativeDeactivateIn):
    relative = selectors.get_relative(request.user, relative_id)
    return relatives.relative_deactivate(by=request.user, relative=relative, reason=payload.reason)


@router.post("/near-relatives", response=responses(RelativeOut, status=201), summary="登记近亲属")
def relative_add(request: AuthenticatedHttpRequest, payload: RelativeCreateIn):
    data = payload.dict()
    area = data.pop("area_code")
    return Status(201, relatives.relative_add(by=request.user, area_code=area, data=RelativeInput(**data)))


class RelativeImportIn(Schema):
    area_code: str = Field(..., pattern=CODE)
    rows: list[RelativeIn] = Field(..., min_length=1, max_length=20000)
    good_only: bool = Field(False, description="有错误时仍导入无误的行；否则全部不导入")


class ImportOutcomeOut(Schema):
    created: int
    errors: list[str]


@router.post("/near-relatives/import", response=responses(ImportOutcomeOut), summary="导入近亲属名册")
def relative_import(request: AuthenticatedHttpRequest, payload: RelativeImportIn):
    outcome = relatives.relative_import(
        by=request.user,
        area_code=payload.area_code,
        rows=[r.to_input() for r in payload.rows],
        commit_good_rows=payload.good_only,
    )
    return {"created": outcome.created, "errors": outcome.errors}


# --- discovery ----------------------------------------------------------------------------------------


class DiscoveryOut(Schema):
    id: int
    area_code: str
    household_id: int | None
    family_name: str
    address: str
    situation: str
    suggested_type: str
    reported_on: date
    status: str
    consent_on: date | None


class DiscoveryIn(Schema):
    area_code: str = Field(..., pattern=CODE)
    family_name: str = Field(..., min_length=1, max_length=60)
    address: str = Field(..., min_length=1, max_length=200)
    phone: str = Field("", max_length=20)
    situation: str = Field(..., min_length=1, max_length=4000)
    suggested_type: str = Field("", max_length=20)
    reported_on: date
    household_id: Id | None = None


@router.get("/discoveries", response=responses(list[DiscoveryOut], read_only=True), summary="主动发现报告")
@paginate(PageNumber)
def discovery_list(request: AuthenticatedHttpRequest, status: str | None = None):
    qs = selectors.discoveries_visible_to(request.user)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


@router.post("/discoveries", response=responses(DiscoveryOut, status=201), summary="报告困难家庭（A2）")
def discovery_create(request: AuthenticatedHttpRequest, payload: DiscoveryIn):
    household = selectors.get_household(request.user, payload.household_id) if payload.household_id else None
    data = payload.dict()
    data.pop("household_id")
    return Status(201, discovery.discovery_create(by=request.user, household=household, **data))


class DeclineIn(Schema):
    note: str = Field(..., min_length=1, max_length=200)


@router.post("/discoveries/{report_id}/decline", response=responses(DiscoveryOut), summary="本户不同意申请")
def discovery_decline(request: AuthenticatedHttpRequest, report_id: Id, payload: DeclineIn):
    report = selectors.get_discovery(request.user, report_id)
    return discovery.discovery_decline(by=request.user, report=report, note=payload.note)


# --- bulk import --------------------------------------------------------------------------------------


class JobOut(JobState):
    id: int
    kind: str
    status: str
    phase: str
    total: int
    done: int
    percent: int
    result: dict
    error: str
    created_at: datetime
    finished_at: datetime | None


@router.post(
    "/imports/households",
    response=responses(JobOut, status=202),
    summary="上传家庭导入文件（先校验，不写入）",
)
def import_upload(request: AuthenticatedHttpRequest, file: File[UploadedFile]):
    job = household_import.import_start(by=request.user, upload=file)
    job.refresh_from_db()
    return Status(202, job)


@router.get(
    "/jobs/household-import/{job_id}", response=responses(JobOut, read_only=True), summary="导入进度与结果"
)
def import_job(request: AuthenticatedHttpRequest, job_id: Id):
    return selectors.get_import_job(request.user, job_id)


@router.get(
    "/jobs/household-import/{job_id}/errors.xlsx",
    response=responses(None, read_only=True),
    summary="下载全部错误行（Excel）",
    openapi_extra={"responses": {200: {"description": "Excel", "content": {XLSX: {}}}}},
)
def import_errors(request: AuthenticatedHttpRequest, job_id: Id):
    job = selectors.get_import_job(request.user, job_id)
    fh, filename = open_error_workbook(job)
    log_download(by=request.user, obj=job, area_code=job.area_code, what=filename)  # full ID numbers (PI1)
    return FileResponse(fh, as_attachment=True, filename=filename, content_type=XLSX)


class CommitIn(Schema):
    mode: str = Field(
        ..., pattern="^(all|good_only)$", description="all：有错误则全部不导入；good_only：仅导入无误的家庭"
    )


@router.post(
    "/imports/households/{job_id}/commit", response=responses(JobOut, status=202), summary="确认导入"
)
def import_commit(request: AuthenticatedHttpRequest, job_id: Id, payload: CommitIn):
    preview = selectors.get_import_job(request.user, job_id)
    job = household_import.import_commit(by=request.user, preview=preview, mode=payload.mode)
    job.refresh_from_db()
    return Status(202, job)
