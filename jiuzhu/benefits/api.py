"""API of benefits: enrolments, their history and dynamic management, self-care assessments — the same
services and selectors as the pages."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jiuzhu.api.idempotency import not_idempotent
from jiuzhu.api.schemas import Id, Line, PageNumber, Paragraph, Word, responses
from jiuzhu.benefits import calculators, for_cases, proposals, selectors, services, single_cover
from jiuzhu.benefits.documents import issue_adjustment_notice
from jiuzhu.benefits.models import CareForm, EnrolmentChange, ReviewOutcome
from jiuzhu.cases import selectors as case_selectors
from jiuzhu.core import clock
from jiuzhu.core.errors import NotFound, ValidationFailed
from jiuzhu.core.types import AssistanceType, LowIncomeCategory
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.registry import selectors as registry

router = Router(tags=["待遇与动态管理"])


class EnrolmentOut(Schema):
    id: int
    case_id: Id
    household_id: int
    head_name: str
    assistance_type: str
    area_code: str
    township_code: str
    status: str
    status_label: str = Field(..., description="今日所见状态：停发或渐退期满后为“已停发（发放至…）”")
    on_rolls: bool = Field(..., description="今日是否仍在保（未终止，且未过停发或渐退的最后发放月）")
    start_month: date
    end_month: date | None
    gradual_exit_from: date | None = Field(None, description="渐退起始月（渐退期发放至 end_month）")
    suspended_from: date | None
    amount: Decimal
    next_amount: Decimal | None
    next_from: date | None
    covered_members: int
    basis: str
    selfcare_level: str
    care_form: str
    bank_name: str
    account_masked: str
    next_review_on: date | None
    version: int

    @staticmethod
    def resolve_head_name(obj) -> str:
        return obj.household.head_name

    @staticmethod
    def resolve_on_rolls(obj) -> bool:
        return obj.on_rolls


class ChangeOut(Schema):
    id: int
    kind: str
    effective_month: date
    amount_before: Decimal | None
    amount_after: Decimal | None
    reason: str
    breakdown: str
    notice_document_id: int | None
    created_at: datetime


class EnrolmentDetailOut(EnrolmentOut):
    changes: list[ChangeOut]

    @staticmethod
    def resolve_changes(obj) -> list:
        return list(obj.changes.all())


class EnrolmentFilter(Schema):
    township: str = ""
    assistance_type: str = ""
    status: str = Field(
        "live", description="live（在保，含暂停和渐退）、active、gradual_exit、suspended、terminated 或空"
    )
    q: str = ""
    account: str = Field("", description="missing：未登记发放账户")
    review: str = Field("", description="due：30 日内到期；overdue：已逾期")


def _detail(enrolment):
    return enrolment


@router.get("/enrolments", response=responses(list[EnrolmentOut], read_only=True), summary="查询保障对象")
@paginate(PageNumber)
def enrolment_list(request: AuthenticatedHttpRequest, f: Query[EnrolmentFilter]):
    return selectors.search_enrolments(
        request.user,
        selectors.EnrolmentFilter(
            township=f.township,
            assistance_type=f.assistance_type,
            status=f.status,
            q=f.q.strip(),
            account=f.account,
            review=f.review,
        ),
    ).order_by("id")


@router.get(
    "/enrolments/{enrolment_id}",
    response=responses(EnrolmentDetailOut, read_only=True),
    summary="保障对象详情及变更记录",
)
def enrolment_detail(request: AuthenticatedHttpRequest, enrolment_id: Id):
    return _detail(selectors.get_enrolment(request.user, enrolment_id))


class BankAccountIn(Schema):
    bank_name: Line
    holder: Line
    account: Word = Field(..., description="银行账号，加密保存，返回时脱敏")


@router.put(
    "/enrolments/{enrolment_id}/bank-account",
    response=responses(EnrolmentDetailOut),
    summary="登记或变更发放账户（B3）",
)
def bank_account(request: AuthenticatedHttpRequest, enrolment_id: Id, payload: BankAccountIn):
    enrolment = selectors.get_enrolment(request.user, enrolment_id)
    return _detail(
        services.bank_account_set(
            by=request.user,
            enrolment=enrolment,
            bank_name=payload.bank_name,
            holder=payload.holder,
            account=payload.account,
        )
    )


class AccountRevealOut(Schema):
    account: str


@router.post(
    "/enrolments/{enrolment_id}/reveal-account",
    response=responses(AccountRevealOut),
    summary="查看完整银行账号（记录日志）",
)
@not_idempotent  # the full account number is never kept in the idempotency table
def reveal_account(request: AuthenticatedHttpRequest, enrolment_id: Id):
    enrolment = selectors.get_enrolment(request.user, enrolment_id)
    return {"account": services.account_reveal(by=request.user, enrolment=enrolment)}


class BenefitReviewIn(Schema):
    done_on: date
    outcome: ReviewOutcome = Field(..., description="keep 维持、increase 增发、decrease 减发、stop 停发")
    findings: Paragraph
    new_amount: Decimal | None = Field(
        None, description="增发/减发后的月金额；低保留空按当前家庭收入重新计算"
    )
    gradual_exit: bool = False


@router.post(
    "/enrolments/{enrolment_id}/reviews",
    response=responses(EnrolmentDetailOut, status=201),
    summary="登记定期核查结果（DM1，下月生效）",
)
def review(request: AuthenticatedHttpRequest, enrolment_id: Id, payload: BenefitReviewIn):
    enrolment = selectors.get_enrolment(request.user, enrolment_id)
    services.periodic_review(
        by=request.user,
        enrolment=enrolment,
        data=services.ReviewInput(
            done_on=payload.done_on,
            outcome=payload.outcome,
            findings=payload.findings,
            new_amount=payload.new_amount,
            gradual_exit=payload.gradual_exit,
        ),
    )
    return Status(201, _detail(selectors.get_enrolment(request.user, enrolment_id)))


class BenefitReasonIn(Schema):
    reason: Paragraph


@router.post(
    "/enrolments/{enrolment_id}/suspend", response=responses(EnrolmentDetailOut), summary="暂停发放（下月起）"
)
def suspend(request: AuthenticatedHttpRequest, enrolment_id: Id, payload: BenefitReasonIn):
    enrolment = selectors.get_enrolment(request.user, enrolment_id)
    return _detail(services.suspend(by=request.user, enrolment=enrolment, reason=payload.reason))


class EnrolmentResumeIn(BenefitReasonIn):
    in_favour: bool = Field(False, description="核实无误：暂停期间的月份作为补发报民政局审批")


@router.post(
    "/enrolments/{enrolment_id}/resume", response=responses(EnrolmentDetailOut), summary="恢复发放（下月起）"
)
def resume(request: AuthenticatedHttpRequest, enrolment_id: Id, payload: EnrolmentResumeIn):
    enrolment = selectors.get_enrolment(request.user, enrolment_id)
    return _detail(
        services.resume(
            by=request.user, enrolment=enrolment, reason=payload.reason, in_favour=payload.in_favour
        )
    )


class TerminateIn(Schema):
    kind: Word = Field(
        ..., description="death 死亡、moved 迁出、voluntary 自愿退出、fraud 骗取救助、other 其他"
    )
    on: date
    reason: Paragraph
    to_recover: Decimal | None = None


@router.post(
    "/enrolments/{enrolment_id}/terminate", response=responses(EnrolmentDetailOut), summary="终止保障（DM3）"
)
def terminate(request: AuthenticatedHttpRequest, enrolment_id: Id, payload: TerminateIn):
    enrolment = selectors.get_enrolment(request.user, enrolment_id)
    return _detail(
        services.terminate(
            by=request.user,
            enrolment=enrolment,
            kind=payload.kind,
            reason=payload.reason,
            on=payload.on,
            to_recover=payload.to_recover,
        )
    )


class AssessmentIn(Schema):
    member_id: Id
    assessed_on: date
    unmet: list[Line] = Field(
        default_factory=list, description="达不到的指标：eat、dress、bed、toilet、walk、bathe"
    )
    care_form: CareForm = Field(..., description="dispersed 分散供养、centralised 集中供养")
    assessors: Line


class AssessmentOut(Schema):
    id: int
    member_id: Id
    assessed_on: date
    unmet: list[str]
    level: str
    care_form: str
    assessors: str


def _input(payload: AssessmentIn) -> services.AssessmentInput:
    return services.AssessmentInput(
        assessed_on=payload.assessed_on,
        unmet=payload.unmet,
        care_form=payload.care_form,
        assessors=payload.assessors,
    )


@router.post(
    "/enrolments/{enrolment_id}/assessments",
    response=responses(AssessmentOut, status=201),
    summary="特困自理能力重新评估（B2，下月起按新等级发放）",
)
def reassess(request: AuthenticatedHttpRequest, enrolment_id: Id, payload: AssessmentIn):
    enrolment = selectors.get_enrolment(request.user, enrolment_id)
    member = registry.active_member(enrolment.household, payload.member_id)
    if member is None:
        raise NotFound("该成员不在本户")
    return Status(
        201, services.reassess(by=request.user, enrolment=enrolment, member=member, data=_input(payload))
    )


@router.post(
    "/cases/{case_id}/assessments",
    response=responses(AssessmentOut, status=201),
    summary="特困申请的自理能力评估（B2）",
)
def case_assess(request: AuthenticatedHttpRequest, case_id: Id, payload: AssessmentIn):
    case = case_selectors.get_case(request.user, case_id)
    member = registry.active_member(case.household, payload.member_id)
    if member is None:
        raise NotFound("该成员不在本户")
    return Status(
        201, services.assess_for_case(by=request.user, case=case, member=member, data=_input(payload))
    )


class CalculationOut(Schema):
    amount: Decimal
    breakdown: str


@router.get(
    "/cases/{case_id}/calculation",
    response=responses(CalculationOut, read_only=True),
    summary="按当前家庭信息测算待遇金额（B1、B2）",
)
def case_calculation(request: AuthenticatedHttpRequest, case_id: Id):
    case = case_selectors.get_case(request.user, case_id)
    result = for_cases.suggestion(case, clock.today())
    if result is None:
        raise NotFound("该申请暂无法测算金额（特困须先评估自理能力）")
    return {"amount": result.amount, "breakdown": result.breakdown}


class ProposalOut(Schema):
    outcome: str = Field(..., description="建议的核查结论（stop 停发）")
    gradual_exit: bool = Field(..., description="建议实行渐退（收入增加来自就业，N2）")
    text: str


class ProposalWrapOut(Schema):
    proposal: ProposalOut | None


@router.get(
    "/enrolments/{enrolment_id}/review-proposal",
    response=responses(ProposalWrapOut, read_only=True),
    summary="按当前家庭信息给出定期核查建议（渐退，N2）",
)
def review_proposal(request: AuthenticatedHttpRequest, enrolment_id: Id):
    enrolment = selectors.get_enrolment(request.user, enrolment_id)
    return {"proposal": proposals.review_proposal(enrolment)}


class SingleCoverIn(Schema):
    member_id: Id


class SingleCoverOut(Schema):
    member_id: int
    member_name: str
    reason: str


@router.put(
    "/cases/{case_id}/single-cover",
    response=responses(SingleCoverOut),
    summary="登记单人保：低保边缘家庭中重残、重病成员单独纳入低保（N2）",
)
def single_cover_set(request: AuthenticatedHttpRequest, case_id: Id, payload: SingleCoverIn):
    case = case_selectors.get_case(request.user, case_id)
    member = registry.active_member(case.household, payload.member_id)
    if member is None:
        raise ValidationFailed("成员不属于本户", field_errors={"member_id": "不属于本户"})
    cover = single_cover.single_cover_set(by=request.user, case=case, member=member)
    return {"member_id": member.pk, "member_name": member.name, "reason": cover.reason}


@router.delete(
    "/cases/{case_id}/single-cover", response=responses(None, status=204), summary="取消单人保（N2）"
)
def single_cover_clear(request: AuthenticatedHttpRequest, case_id: Id):
    case = case_selectors.get_case(request.user, case_id)
    single_cover.single_cover_clear(by=request.user, case=case)
    return Status(204, None)


class LowIncomeCategoryOut(Schema):
    category: str = Field(..., description="edge 低保边缘家庭；rigid_expense 刚性支出困难家庭；other 其他")
    category_label: str
    text: str = Field(..., description="判定的计算过程")


@router.get(
    "/cases/{case_id}/low-income-category",
    response=responses(LowIncomeCategoryOut, read_only=True),
    summary="按当前家庭信息测算低收入家庭类别（N1；批准时按批准日判定并记入决定）",
)
def low_income_category(request: AuthenticatedHttpRequest, case_id: Id):
    case = case_selectors.get_case(request.user, case_id)
    if case.assistance_type != AssistanceType.LOW_INCOME:
        raise NotFound("只有低收入家庭认定申请有类别")
    result = for_cases.low_income_preview(case, clock.today())
    if result is None:
        raise NotFound("暂无法测算（请检查政策参数）")
    return {
        "category": result.category,
        "category_label": LowIncomeCategory(result.category).label,
        "text": result.text,
    }


class BenefitNoticeOut(Schema):
    document_id: int
    number: str


@router.post(
    "/enrolments/{enrolment_id}/changes/{change_id}/notice",
    response=responses(BenefitNoticeOut, status=201),
    summary="出具低保金调整（停发）告知书（DM1）",
)
def notice(request: AuthenticatedHttpRequest, enrolment_id: Id, change_id: Id):
    enrolment = selectors.get_enrolment(request.user, enrolment_id)
    change = EnrolmentChange.objects.filter(pk=change_id, enrolment=enrolment).first()
    if change is None:
        raise NotFound()
    document = issue_adjustment_notice(by=request.user, change=change)
    return Status(201, {"document_id": document.pk, "number": document.number})


class LevelsOut(Schema):
    items: list[dict]
    levels: dict[str, str]


@router.get(
    "/selfcare-items", response=responses(LevelsOut, read_only=True), summary="自理能力评估指标与等级"
)
def selfcare_items(request: AuthenticatedHttpRequest):
    return {
        "items": [{"code": c, "name": n} for c, n in calculators.SELFCARE_ITEMS],
        "levels": calculators.LEVELS,
    }
