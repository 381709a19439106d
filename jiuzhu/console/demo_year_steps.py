"""The monthly steps of the demo year (see demo_year): families registering and applying, and the payroll
month from ledger to bank file to reconciliation. Each step only starts lives; the walk runs them on their days."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta

from jiuzhu.benefits.models import Enrolment
from jiuzhu.benefits.services import AssessmentInput, assess_for_case, bank_account_set
from jiuzhu.cases import checks
from jiuzhu.cases.demo import _complete, _u
from jiuzhu.cases.models import Case, Channel
from jiuzhu.cases.profiles import ALWAYS, profile_of
from jiuzhu.cases.services import intake, steps
from jiuzhu.cases.transitions import sources_of
from jiuzhu.console.demo_year import COUNTY, TOWNSHIPS, VILLAGES, Life, Walk
from jiuzhu.console.demo_year_people import family
from jiuzhu.core import clock
from jiuzhu.core.dates import next_month
from jiuzhu.core.exports import SafeCsvWriter
from jiuzhu.payments import cycle, payroll
from jiuzhu.payments.models import (
    BackPay,
    BackPayStatus,
    BankFile,
    Payment,
    PaymentStatus,
    PayrollRun,
    Reconciliation,
    RunStatus,
)
from jiuzhu.payments.services import back_pay, bank_files, bank_formats, reconciliation
from jiuzhu.registry.models import Household, NearRelative
from jiuzhu.registry.services.households import household_create
from jiuzhu.registry.services.income_assets import income_add
from jiuzhu.supervision import demo as supervision_demo

# What becomes of an application, with its weight; the lives still under way when the walk reaches today
# add the states in between.
FATES = [
    ("approved", 70),
    ("rejected", 9),
    ("withdrawn", 5),
    ("incomplete", 5),
    ("refused", 3),
    ("stalled", 8),
]
# The larger townships' weight in where families live (the others 1).
LARGER = {"230502200000": 3, "230502004000": 3}
# The first applications of the walk end each of these ways, so that even a small demo shows them all.
FIRST_FATES = ["rejected", "refused", "incomplete", "withdrawn"]
# Why a counter refuses an application outright (不予受理, with a written notice).
REFUSALS = [
    "申请人户籍和经常居住地均不在本乡镇（街道），请到户籍地或居住地申请",
    "家庭成员名下有非生活必需的机动车辆，明显不符合条件",
    "申请人已在其他乡镇（街道）享受同类救助",
]
# The types families apply for, with their weight (a household of one old person applies for 特困).
TYPES = [("dibao", 72), ("low_income", 10), ("linshi_expense", 8), ("tekun", 10)]
OBJECTION_SHARE = 0.04
FAILED_PAYMENT_SHARE = 0.004  # a few accounts closed or frozen each month, as banks report
FINANCE = "js_finance"
BUREAU = "js_bureau"
BANK_NAMES = ["农村信用社", "中国邮政储蓄银行", "中国农业银行"]


def pick(walk: Walk, weighted: list[tuple[str, int]]) -> str:
    return walk.rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def open_day(day: date) -> date:
    """Approvals and payment changes wait from the decision day to the next month's ledger (M1): the 2nd of
    the next month."""
    decision = cycle.days(COUNTY, day).decision
    return day if 2 <= day.day < decision else (next_month(day) + timedelta(days=1))


# --- families and their applications ---------------------------------------------------------------------


def applications_month(walk: Walk, month: date) -> None:
    """An even share of the county's households still to come arrive at the township this month; most
    apply. The other steps of the month (emergency aid, a relative of staff) plan their families first
    (`plan_families`), so that the county has the number of households asked for."""
    months_left = (walk.end.year - month.year) * 12 + walk.end.month - month.month + 1
    remaining = max(0, walk.households - walk.counts["families_planned"])
    share = remaining // months_left + (
        1 if walk.rng.random() < (remaining % months_left) / months_left else 0
    )
    plan_families(walk, share)
    for _ in range(share):
        day = month + timedelta(days=walk.rng.randrange(0, 27))
        walk.later(_family_life(walk, day))


def plan_families(walk: Walk, count: int) -> None:
    """Count families a step will register in the walk's months (against the households asked for)."""
    walk.counts["families_planned"] += count


# 聊城 (东昌府区, orgs.demo_liaocheng): a small county on its own procedure, beside 尖山区.
LIAOCHENG_TEAM = {
    "worker": "lc_ty_caseworker",
    "approver": "lc_ty_approver",
    "verifier": "lc_verifier",
    "profile": "liaocheng",
    "types": "dibao",
}
LIAOCHENG_VILLAGES = ["371502101201", "371502101202"]


# 綦江 打通镇 (the pilot town): its decisions are filed with the bureau before the notice (备案).
QIJIANG_TEAM = {
    "worker": "qj_dt_caseworker",
    "approver": "qj_dt_approver",
    "verifier": "qj_verifier",
    "types": "dibao",  # the town holds delegation for 低保 and 特困 only
}
QIJIANG_VILLAGES = ["500110011201", "500110011202", "500110011203"]


def liaocheng_month(walk: Walk, month: date) -> None:
    """A family or two a month at 堂邑镇, verified before they apply."""
    _small_county_month(walk, month, LIAOCHENG_TEAM, LIAOCHENG_VILLAGES)


def qijiang_month(walk: Walk, month: date) -> None:
    """A family or two a month at 打通镇, whose approvals are filed with the 綦江 bureau."""
    _small_county_month(walk, month, QIJIANG_TEAM, QIJIANG_VILLAGES)


def _small_county_month(walk: Walk, month: date, team: dict[str, str], villages: list[str]) -> None:
    for _ in range(max(1, walk.households // 400)):
        day = month + timedelta(days=walk.rng.randrange(0, 27))
        walk.later(_family_life(walk, day, team=team, villages=villages))


def _family_life(
    walk: Walk,
    day: date,
    *,
    team: dict[str, str] | None = None,
    villages: list[str] | None = None,
    applies: bool = False,
) -> Life:
    yield day
    household, team = register_family(walk, team=team, villages=villages)
    if not applies and walk.rng.random() < 0.15:
        return  # registered only (a family known to the township, no application this year)
    alone = household.members.count() == 1
    if "types" in team:
        kind = walk.rng.choice(team["types"].split())
    else:  # the first families of the county apply for each type, so that even a small demo has them all
        first = ("low_income", "linshi_expense")
        kind = next((k for k in first if not walk.counts[f"applied:{k}"]), None) or pick(walk, TYPES)
    if kind == "tekun" and not alone:
        kind = "dibao"
    elif alone and "types" not in team and (not walk.counts["applied:tekun"] or walk.rng.random() < 0.4):
        kind = "tekun"  # one person, mostly old: 特困 is what such a person usually applies for
    if kind == "dibao":
        kind = "dibao_rural" if household.area_code[9:10] == "2" else "dibao_urban"
    yield from application_life(walk, household, kind, team)


def register_family(
    walk: Walk, *, team: dict[str, str] | None = None, villages: list[str] | None = None
) -> tuple[Household, dict[str, str]]:
    """A family registers today at a township of the county (or at `team`'s, in one of `villages`)."""
    if team is None or villages is None:
        township = _township(walk)
        team, villages = TOWNSHIPS[township], VILLAGES[township]
    village = walk.rng.choice(villages)
    people, address, incomes = family(walk, village, clock.today())
    household = household_create(
        by=_u(team["worker"]), area_code=village, address=address, members=people, phone=_phone(walk)
    )
    for category, description, amount in incomes:
        income_add(
            by=_u(team["worker"]),
            household=household,
            category=category,
            description=description,
            monthly_amount=amount,
        )
    walk.made.append(household)
    walk.counts["households"] += 1
    return household, team


def _township(walk: Walk) -> str:
    """One family in each township first, so that even a small demo has them all; then 安邦乡 and 二马路街道,
    the larger ones, take a bigger share."""
    townships = sorted(TOWNSHIPS)
    walk.counts["families_jianshan"] += 1
    if walk.counts["families_jianshan"] <= len(townships):
        return townships[walk.counts["families_jianshan"] - 1]
    return walk.rng.choices(townships, weights=[LARGER.get(t, 1) for t in townships])[0]


def _phone(walk: Walk) -> str:
    return walk.rng.choice(["139", "138", "158", "186"]) + f"{walk.rng.randrange(0, 10**8):08d}"


REASONS = {
    "dibao_rural": ["家庭收入低于当地低保标准", "因病致贫，丧失劳动能力", "年老体弱，无稳定收入"],
    "dibao_urban": ["下岗失业，无稳定收入", "重病致贫", "离异独自抚养子女"],
    "tekun": ["无劳动能力、无生活来源、无法定赡养义务人"],
    "low_income": ["家庭收入略高于低保标准，申请低收入家庭认定"],
    "linshi_expense": ["子女大学学费支出较大", "住院医疗费用自付部分较大", "房屋失火，生活暂时困难"],
}


def _verification(walk: Walk, *, over: bool) -> steps.VerificationResult:
    return steps.VerificationResult(
        completed_on=clock.today(),
        result="pass",
        per_capita_income=str(walk.rng.randrange(900, 1400) if over else walk.rng.randrange(0, 420)),
        findings="未发现车辆、存款和工商登记" if not over else "发现经营收入",
    )


def application_life(walk: Walk, household: Household, kind: str, team: dict[str, str]) -> Life:
    fate = team.get("fate") or _fate(walk)
    head = household.members.get(relation="head")
    case = intake.case_create(
        by=_u(team["worker"]),
        household=household,
        channel=Channel.COUNTER,
        data=intake.CaseInput(
            kind,
            head,
            clock.today(),
            walk.rng.choice(REASONS[kind]),
            requested_amount="3000.00" if kind == "linshi_expense" else None,
        ),
    )
    walk.counts[f"applied:{kind}"] += 1
    if fate == "refused":  # clearly not eligible: refused at the counter with a written notice (A4)
        intake.refuse(by=_u(team["worker"]), case=case, reasons=[walk.rng.choice(REFUSALS)])
        walk.counts["notices:not_eligible"] += 1
        return
    if fate == "incomplete":  # one notice of everything missing (一次性告知); most bring it within days
        intake.notify_missing(by=_u(team["worker"]), case=case)
        walk.counts["notices:missing"] += 1
        if walk.rng.random() < 0.4:
            return
        yield walk.after(3, 8)
        fate = "approved"
        _complete(case, team["worker"], on=clock.today())
    else:
        _complete(case, team["worker"])
    over = fate == "rejected"
    before = team.get("profile") == "liaocheng"  # 先核对、后申请
    if before:
        yield walk.after(0, 1)
        steps.pre_verify_request(by=_u(team["worker"]), case=case, on=clock.today())
        yield walk.after(2, 5)
        steps.pre_verify_result(by=_u(team["verifier"]), case=case, data=_verification(walk, over=False))
    yield walk.after(1, 2)
    intake.accept(by=_u(team["worker"]), case=case, accepted_on=clock.today())
    if fate == "withdrawn":
        yield walk.after(2, 6)
        intake.withdraw(
            by=_u(team["worker"]), case=case, on=clock.today(), reason="申请人家庭情况好转，主动撤回"
        )
        return
    if not before:
        yield walk.after(1, 2)
        steps.verify_request(by=_u(team["worker"]), case=case, on=clock.today())
        yield walk.after(2, 5)
        steps.verify_result(by=_u(team["verifier"]), case=case, data=_verification(walk, over=over))
    if fate == "stalled":
        return  # waits for the home visit
    yield walk.after(2, 6)
    staff = [_u(team["worker"]).pk, _u(team["approver"]).pk]
    steps.investigate(
        by=_u(team["worker"]),
        case=case,
        data=steps.InvestigationInput(
            visited_on=clock.today(),
            investigator_ids=staff,
            home_visit="入户查看住房、家电和生活状况，与申报一致",
            neighbour_interviews="走访邻居两户，反映情况属实",
            conclusion="家庭困难情况属实" if not over else "家庭有稳定经营收入",
            investigators_signed=True,
            applicant_signed=True,
        ),
    )
    if kind == "tekun":
        assess_for_case(
            by=_u(team["worker"]),
            case=case,
            member=head,
            data=AssessmentInput(
                assessed_on=clock.today(),
                unmet=walk.rng.sample(
                    ["eat", "dress", "bed", "toilet", "walk", "bathe"], walk.rng.randint(0, 4)
                ),
                care_form="dispersed",
                assessors="经办人、村协理员",
            ),
        )
    if profile_of(case).review == ALWAYS:
        yield walk.after(1, 3)
        _review(case, team, "评议小组认为该户情况属实" if not over else "评议小组认为该户收入较高")
    yield open_day(walk.after(1, 4))
    _file_near_relatives(walk, case, team)
    outcome = "reject" if over else "approve"
    meeting = steps.MeetingInput(
        held_on=clock.today(),
        attendees=[{"name": "分管领导", "title": "副乡（镇）长"}, {"name": "经办人", "title": "民政助理"}],
        minutes="经集体研究",
        outcome=outcome,
        amount="2000.00" if kind == "linshi_expense" else None,
        reasons="家庭人均收入高于当地低保标准" if over else "",
    )
    if "bureau" in team:  # before delegation: the township reviews, the bureau decides (D3)
        steps.township_review(by=_u(team["approver"]), case=case, data=meeting)
        yield open_day(walk.after(3, 8))
        meeting = replace(meeting, held_on=clock.today(), attendees=[{"name": "局长", "title": "民政局"}])
        steps.bureau_decide(by=_u(team["bureau"]), case=case, data=meeting)
    else:
        steps.decide(by=_u(team["approver"]), case=case, data=meeting)
    case.refresh_from_db()
    walk.counts[f"decided:{outcome}"] += 1
    if over:
        return
    if case.status in sources_of("file_with_bureau"):
        yield walk.after(1, 1)
        steps.file_with_bureau(by=_u(team["worker"]), case=case, on=clock.today())
        case.refresh_from_db()
    if case.status in sources_of("post_notice"):
        yield walk.after(1, 2)
        notice = steps.post_notice(by=_u(team["worker"]), cases=[case], start_on=clock.today())[0]
        if not walk.counts["objections"] or walk.rng.random() < OBJECTION_SHARE:
            yield from _objection(walk, case, team, notice.end_on)
        yield open_day(notice.end_on + timedelta(days=walk.rng.randrange(1, 4)))
        case.refresh_from_db()
        if case.status in sources_of("finalize"):
            steps.finalize(by=_u(team.get("bureau", team["approver"])), case=case, on=clock.today())
            walk.counts["approved"] += 1
    case = Case.objects.get(pk=case.pk)
    enrolment = getattr(case, "enrolment", None)
    if enrolment is not None:
        yield open_day(walk.after(1, 5))
        bank_account_set(
            by=_u(team["worker"]),
            enrolment=enrolment,
            bank_name=walk.rng.choice(BANK_NAMES),
            holder=household.head_name,
            account="62170" + f"{walk.rng.randrange(0, 10**14):014d}",
        )


def _fate(walk: Walk) -> str:
    fate = next((f for f in FIRST_FATES if not walk.counts[f"fate:{f}"]), None) or pick(walk, FATES)
    walk.counts[f"fate:{fate}"] += 1
    return fate


def _file_near_relatives(walk: Walk, case: Case, team: dict[str, str]) -> None:
    """DM2: an applicant who is a registered close relative of staff is filed (近亲属备案) before the
    decision, which the product refuses without it."""
    for finding in checks.missing_filings(case):
        relative = NearRelative.objects.get(pk=finding.data["relative"])
        intake.file_near_relative(
            by=_u(team["worker"]),
            case=case,
            relative=relative,
            filed_on=clock.today(),
            note=f"申请人系{relative.official_unit}{relative.official_name}的{relative.relation}，已按规定备案，"
            "该工作人员回避本案",
        )
        walk.counts["near_relative_filings"] += 1


def _review(case: Case, team: dict[str, str], minutes: str) -> None:
    steps.review(
        by=_u(team["worker"]),
        case=case,
        data=steps.ReviewInput(
            held_on=clock.today(),
            panel=["村支书", "村主任", "党员代表", "群众代表甲", "群众代表乙"],
            minutes=minutes,
            votes_for=5,
            votes_against=0,
            all_signed=True,
        ),
    )


def _objection(walk: Walk, case: Case, team: dict[str, str], end_on: date) -> Life:
    """A neighbour objects during the notice; the township re-examines (with a review where the county's
    procedure asks for one) and finds it unfounded, and the notice runs on."""
    yield min(end_on, walk.after(1, 3))
    steps.register_objection(
        by=_u(team["worker"]),
        case=case,
        received_on=clock.today(),
        content="反映该户子女有稳定工作收入",
        raised_by="村民（匿名）",
    )
    walk.counts["objections"] += 1
    yield min(end_on, walk.after(0, 2))
    if team.get("profile") == "liaocheng":
        _review(case, team, "经评议，子女在外务工收入不稳定，异议不成立")
    steps.resolve_objection(
        by=_u(team["worker"]),
        case=case,
        handled_on=clock.today(),
        outcome="unfounded",
        handling="经复核，子女在外务工收入不稳定，已按规定计算，异议不成立",
    )


# --- before delegation ------------------------------------------------------------------------------------

# 尖山区 delegated approval to its townships on 2021-07-01 (orgs.demo). A few applications of the months before,
# decided by the bureau on the two-level route, are the baseline the supervision overview compares with (S5).
# Early enough in the year that the bureau's last decision (two months after a late application at most) falls
# before delegation, which would refuse it.
BASELINE_MONTHS = [date(2021, 1, 1), date(2021, 2, 1), date(2021, 3, 1)]
BASELINE_TOWNSHIPS = ["230502004000", "230502200000"]


def baseline(walk: Walk) -> None:
    per_month = max(2, walk.households // 200)
    for month in BASELINE_MONTHS:
        for _ in range(per_month):
            township = walk.rng.choice(BASELINE_TOWNSHIPS)
            team = {**TOWNSHIPS[township], "bureau": BUREAU, "types": "dibao", "fate": "approved"}
            day = month + timedelta(days=walk.rng.randrange(0, 20))
            walk.later(_family_life(walk, day, team=team, villages=VILLAGES[township], applies=True))


# --- the payroll month ------------------------------------------------------------------------------------


def payroll_month(walk: Walk, month: date) -> None:
    walk.later(_payroll_life(walk, month), first=True)


def _payroll_life(walk: Walk, month: date) -> Life:
    """Ledger on the ledger day, the bank file on the export day, the bank's results two days later."""
    days = cycle.days(COUNTY, month)
    yield month.replace(day=days.ledger)
    finance = _u(FINANCE)
    run = payroll.start(by=finance, county_code=COUNTY, month=month)
    assert run.job_id is not None  # a run is created with its job
    payroll.generate_payroll.call(run.job_id)  # now, as the worker would
    run.refresh_from_db()
    if run.status != RunStatus.DONE:
        raise RuntimeError(f"demo payroll {month:%Y-%m} did not finish: {run.error}")
    walk.counts["payroll_months"] += 1
    if Payment.objects.filter(county_code=COUNTY, month=month).exists():
        yield from _payroll_rest(walk, month, exported=False)


def payroll_in_flight(walk: Walk, since: date) -> None:
    """On resuming: the payroll months the earlier walk left between ledger and reconciliation go on."""
    for month in PayrollRun.objects.filter(county_code=COUNTY, status=RunStatus.DONE).values_list(
        "month", flat=True
    ):
        reconciled = Reconciliation.objects.filter(county_code=COUNTY, month=month).exists()
        if reconciled or not Payment.objects.filter(county_code=COUNTY, month=month).exists():
            continue
        exported = BankFile.objects.filter(county_code=COUNTY, month=month).exists()
        walk.later(_payroll_rest(walk, month, exported=exported, after=since), first=True)


def _payroll_rest(walk: Walk, month: date, *, exported: bool, after: date | None = None) -> Life:
    """The bank file on the export day, the bank's results two days later (never before `after`)."""
    days = cycle.days(COUNTY, month)
    earliest = after + timedelta(days=1) if after else month
    if not exported:
        yield max(earliest, month.replace(day=days.export))
        bank_files.bank_file_create(
            by=_u(FINANCE),
            county_code=COUNTY,
            month=month,
            bank_format=bank_formats.formats_for(COUNTY)[0],
            file_type="csv",
        )
    yield max(earliest, month.replace(day=days.export) + timedelta(days=2))
    reconciliation.reconcile(
        by=_u(FINANCE),
        county_code=COUNTY,
        month=month,
        file_name=f"回盘-{month:%Y%m}.csv",
        content=_bank_results(walk, month),
    )
    walk.counts["reconciled_months"] += 1
    failed = Payment.objects.filter(county_code=COUNTY, month=month, status=PaymentStatus.FAILED)
    for enrolment in Enrolment.objects.filter(pk__in=failed.values("entry__enrolment")):
        walk.later(_repay_life(walk, enrolment))


def _bank_results(walk: Walk, month: date) -> bytes:
    """What the bank sends back: every payment made, a few refused (closed or frozen accounts)."""
    payments = list(Payment.objects.filter(county_code=COUNTY, month=month).values_list("pk", "amount"))
    refused = set(
        walk.rng.sample([pk for pk, _ in payments], min(len(payments), _failures(walk, len(payments))))
    )
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(["参考号", "状态", "实发金额", "失败原因"])
    for pk, amount in payments:
        if pk in refused:
            writer.writerow(
                [bank_files.reference_of(pk), "失败", "", walk.rng.choice(["账户已销户", "账户冻结"])]
            )
            walk.counts["failed_payments"] += 1
        else:
            writer.writerow([bank_files.reference_of(pk), "成功", amount, ""])
    return out.getvalue().encode("gb18030")


def _failures(walk: Walk, payments: int) -> int:
    """A few a month, whatever the size of the demo."""
    return max(walk.rng.randint(0, 2), round(payments * FAILED_PAYMENT_SHARE))


def _repay_life(walk: Walk, enrolment: Enrolment) -> Life:
    """The family brings a new account book; the failed months are proposed as 补发 and the bureau approves
    them for the next payroll."""
    team = TOWNSHIPS[enrolment.township_code]
    yield open_day(walk.after(2, 6))
    bank_account_set(
        by=_u(team["worker"]),
        enrolment=enrolment,
        bank_name=walk.rng.choice(BANK_NAMES),
        holder=enrolment.household.head_name,
        account="62170" + f"{walk.rng.randrange(0, 10**14):014d}",
    )
    if not BackPay.objects.filter(enrolment=enrolment, status=BackPayStatus.PROPOSED).exists():
        return  # a failed 补发 line: its months, already approved, go back in the queue by themselves
    yield open_day(walk.after(1, 3))
    if not BackPay.objects.filter(enrolment=enrolment, status=BackPayStatus.PROPOSED).exists():
        return  # decided in the meantime, with the months of another failed payment of the same family
    back_pay.back_pay_decide(by=_u(BUREAU), enrolment=enrolment, approve=True, note="账户已更正，同意补发")
    walk.counts["back_pay_approved"] += 1


def completed_payroll_months() -> int:
    return PayrollRun.objects.filter(county_code=COUNTY, status=RunStatus.DONE).count()


SCAN_DAY = 12
# --- supervision ------------------------------------------------------------------------------------------


def supervision_month(walk: Walk, month: date) -> None:
    """Mid-month the bureau scans for warnings, draws the month's sample and inspects, follows up and scores
    (the showcase's supervision loader, run on each month's day instead of once today)."""
    walk.later(_supervision_life(month))


def _supervision_life(month: date) -> Life:
    yield month.replace(day=SCAN_DAY)
    supervision_demo.load()
