"""Is the household file complete? The S3 checklist (seed 003: 身份证、户口本、困难情况说明、入户调查记录、核对
授权书、公示记录、有争议对象的民主评议记录是否齐全；是否及时建立档案；是否在村公布), item by item, with what
is missing and where to fix it (AR1, S3).

An item is `ok`, `missing` (due and absent: the file is incomplete), `pending` (the case has not reached that
step yet) or `na` (does not apply to this case). Reads only; the caller fetched the household through its
scoped selector.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from jiuzhu.archive.models import FileCustody
from jiuzhu.benefits.models import Enrolment, EnrolmentStatus
from jiuzhu.cases.materials import requirements_for, signers
from jiuzhu.cases.models import Case, SignatureKind
from jiuzhu.cases.models_steps import Outcome, PublicNotice
from jiuzhu.cases.states import State
from jiuzhu.core import clock
from jiuzhu.core.filetypes import AttachmentKind
from jiuzhu.core.types import AssistanceType
from jiuzhu.documents.models import Attachment, IssuedDocument
from jiuzhu.registry.models import Household

OK = "ok"
MISSING = "missing"
PENDING = "pending"
NA = "na"
STATUS_LABELS = {OK: "齐全", MISSING: "缺失", PENDING: "未到该环节", NA: "不适用"}

NOT_STARTED = frozenset({State.SUBMITTED, State.INCOMPLETE, State.PRE_VERIFYING})
CLOSED_EARLY = frozenset({State.NOT_ACCEPTED, State.WITHDRAWN})
# The case has passed the home investigation, the democratic review, the decision, the notice.
PAST_INVESTIGATION = frozenset(
    {
        State.INVESTIGATED,
        State.REVIEWED,
        State.TOWNSHIP_REVIEWED,
        State.FILING,
        State.TO_NOTICE,
        State.NOTICE,
        State.OBJECTION,
        State.APPROVED,
        State.REJECTED,
    }
)
PAST_REVIEW = PAST_INVESTIGATION - {State.INVESTIGATED, State.REVIEWED}
NOTICE_DUE = frozenset({State.NOTICE, State.OBJECTION, State.APPROVED})
DECIDED = frozenset({State.APPROVED, State.REJECTED})


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    rule: str
    status: str
    note: str = ""
    fix_url: str = ""
    fix_label: str = ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def missing(self) -> bool:
        return self.status == MISSING


@dataclass(frozen=True)
class CaseCheck:
    case: Case
    items: list[Item]

    @property
    def missing(self) -> list[Item]:
        return [i for i in self.items if i.missing]


@dataclass(frozen=True)
class Completeness:
    household_items: list[Item]
    cases: list[CaseCheck] = field(default_factory=list)

    @property
    def missing(self) -> list[tuple[Case | None, Item]]:
        out: list[tuple[Case | None, Item]] = [(None, i) for i in self.household_items if i.missing]
        for check in self.cases:
            out += [(check.case, i) for i in check.missing]
        return out

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def counts(self) -> dict[str, int]:
        items = list(self.household_items) + [i for c in self.cases for i in c.items]
        return {s: sum(1 for i in items if i.status == s) for s in STATUS_LABELS}


def _file_url(household: Household, anchor: str, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("household_file", args=[household.pk]) + (f"?{query}" if query else "") + f"#{anchor}"


def _case_url(case: Case, anchor: str = "") -> str:
    return reverse("case_detail", args=[case.pk]) + (f"#{anchor}" if anchor else "")


def _material_item(case: Case, code: str, label: str, *, shared_ok: bool) -> Item | None:
    req = next((r for r in requirements_for(case.assistance_type, case.county_code) if r.code == code), None)
    if req is None:
        return None
    received = case.materials.filter(requirement__code=code).exists()
    if received:
        return Item(code, label, "S3、A3", OK, "已收到")
    if req.shared and shared_ok:
        return Item(code, label, "S3、A3", OK, "通过部门数据共享获取，不要求申请人提供")
    if case.status in NOT_STARTED:
        return Item(code, label, "S3、A3", PENDING, "受理前补齐")
    return Item(code, label, "S3、A3", MISSING, "未登记收到", _case_url(case, "materials"), "登记材料")


def _authorisation(case: Case) -> Item:
    label = "家庭经济状况核对授权书"
    signed = set(case.signatures.filter(kind=SignatureKind.AUTHORISATION).values_list("member_id", flat=True))
    lacking = [m.name for m in signers(case) if m.pk not in signed]
    if not lacking:
        return Item("authorisation", label, "S3、A5", OK, "成年成员均已签署")
    if case.status in NOT_STARTED:
        return Item("authorisation", label, "S3、A5", PENDING, "受理前补齐")
    return Item(
        "authorisation",
        label,
        "S3、A5",
        MISSING,
        "未签署：" + "、".join(lacking),
        _case_url(case, "signatures"),
        "登记签署",
    )


def _investigation(case: Case) -> Item:
    label = "入户调查记录（调查人员和申请人签字）"
    inv = case.investigations.order_by("-visited_on", "-id").first()
    if inv is not None:
        unsigned = [
            w
            for w, ok in (("调查人员", inv.investigators_signed), ("申请人", inv.applicant_signed))
            if not ok
        ]
        if not unsigned:
            return Item("investigation", label, "S3、I1", OK, f"{inv.visited_on:%Y-%m-%d} 入户，已签字")
        return Item(
            "investigation",
            label,
            "S3、I1",
            MISSING,
            "、".join(unsigned) + "未签字",
            _case_url(case),
            "补签后重新登记",
        )
    if case.status in PAST_INVESTIGATION:
        return Item(
            "investigation", label, "S3、I1", MISSING, "没有入户调查记录", _case_url(case), "登记入户调查"
        )
    return Item("investigation", label, "S3、I1", PENDING)


def _review(case: Case) -> Item:
    label = "民主评议记录（有争议的）"
    review = case.reviews.order_by("-held_on", "-id").first()
    needed = case.disputed or review is not None
    if not needed:
        return Item("review", label, "S3、R1", NA, "无争议，未进行民主评议")
    if review is not None:
        if review.all_signed:
            return Item("review", label, "S3、R1", OK, f"{review.held_on:%Y-%m-%d} 评议，全体成员已签字")
        return Item("review", label, "S3、R1", MISSING, "评议成员未全部签字", _case_url(case), "补签")
    if case.status in PAST_REVIEW:
        return Item(
            "review", label, "S3、R1", MISSING, "有争议但没有民主评议记录", _case_url(case), "查看申请"
        )
    return Item("review", label, "S3、R1", PENDING, "有争议，须民主评议")


def _notice_record(case: Case, emergency: bool, notices: list[PublicNotice]) -> Item:
    label = "公示记录"
    if emergency or case.status == State.REJECTED:
        return Item("notice", label, "S3、P2", NA, "不予批准或急难救助，无需公示")
    if notices:
        n = notices[0]
        return Item("notice", label, "S3、P2", OK, f"{n.start_on:%Y-%m-%d}至{n.end_on:%Y-%m-%d}，{n.places}")
    if case.status in NOTICE_DUE:
        return Item("notice", label, "S3、P2", MISSING, "没有公示记录", _case_url(case), "查看申请")
    return Item("notice", label, "S3、P2", PENDING)


def _village_publication(
    case: Case, household: Household, emergency: bool, notices: list[PublicNotice]
) -> Item:
    label = "在村（居）公布（公示照片存档）"
    if emergency or case.status == State.REJECTED:
        return Item("village", label, "S3、P2、S12", NA)
    if not notices:
        return Item("village", label, "S3、P2、S12", PENDING if case.status not in NOTICE_DUE else MISSING)
    photos = Attachment.objects.filter(
        owner_type=ContentType.objects.get_for_model(PublicNotice),
        owner_id__in=[str(n.pk) for n in notices],
        kind__in=[AttachmentKind.PHOTO, AttachmentKind.SCAN],
    ).count()
    if photos:
        return Item("village", label, "S3、P2、S12", OK, f"已存档 {photos} 张公示照片")
    return Item(
        "village",
        label,
        "S3、P2、S12",
        MISSING,
        "没有张贴公示的照片",
        _file_url(household, "upload", owner=f"notice:{notices[0].pk}"),
        "上传公示照片",
    )


def _decision(case: Case) -> Item:
    label = "审批决定"
    decision = getattr(case, "decision", None)
    if decision is not None:
        what = "批准" if decision.outcome == Outcome.APPROVE else "不予批准"
        return Item(
            "decision",
            label,
            "S3、P1、P3",
            OK,
            f"{decision.decided_on:%Y-%m-%d} {what}（{decision.authority_name}）",
        )
    if case.status in DECIDED:
        return Item("decision", label, "S3、P1", MISSING, "没有审批决定记录", _case_url(case))
    return Item("decision", label, "S3、P1", PENDING)


def _decision_notice(case: Case, emergency: bool) -> Item:
    decision = getattr(case, "decision", None)
    if emergency:
        kind, label = "emergency_registration", "急难型临时救助登记表已出具"
    elif decision is not None and decision.outcome == Outcome.REJECT:
        kind, label = "rejection_notice", "不予批准告知书已出具"
    else:
        kind, label = "approval_notice", "批准通知书已出具"
    if decision is None:
        return Item("decision_notice", "批准通知书或不予批准告知书已出具", "S3、P4", PENDING)
    issued = IssuedDocument.objects.filter(
        kind=kind,
        subject_type=ContentType.objects.get_for_model(Case),
        subject_id=str(case.pk),
        revoked=False,
    ).first()
    if issued is not None:
        return Item("decision_notice", label, "S3、P4", OK, f"{issued.number}（{issued.issued_at:%Y-%m-%d}）")
    return Item(
        "decision_notice", label, "S3、P4", MISSING, "尚未出具", _case_url(case, "documents"), "出具文书"
    )


def _benefit_items(case: Case) -> list[Item]:
    """DM1, S3: after approval the file must hold a written notice for every decrease or stop, and the
    periodic review must be on time."""

    enrolment = Enrolment.objects.filter(case=case).first()
    if enrolment is None:
        return []
    url = reverse("enrolment_detail", args=[enrolment.pk])
    changes = [c for c in enrolment.changes.all() if c.needs_notice]
    unissued = [c for c in changes if c.notice_document_id is None]
    label = "减发、停发、终止的书面告知已出具"
    if not changes:
        notices = Item("change_notices", label, "S3、DM1", NA, "没有减发或停发")
    elif unissued:
        what = "、".join(f"{c.effective_month:%Y年%m月}{c.get_kind_display()}" for c in unissued)
        notices = Item("change_notices", label, "S3、DM1", MISSING, f"尚未出具：{what}", url, "出具告知书")
    else:
        notices = Item("change_notices", label, "S3、DM1", OK, f"{len(changes)} 份均已出具")
    label = "定期核查按时完成"
    due = enrolment.next_review_on
    if enrolment.status == EnrolmentStatus.TERMINATED:
        review = Item("periodic_review", label, "S3、DM1", NA, "已终止保障")
    elif due is None or due >= clock.today():
        review = Item(
            "periodic_review", label, "S3、DM1", OK, f"下次核查 {due:%Y-%m-%d} 前" if due else "未到核查期"
        )
    else:
        review = Item(
            "periodic_review", label, "S3、DM1", MISSING, f"应于 {due:%Y-%m-%d} 前完成", url, "登记核查"
        )
    return [notices, review]


def check_case(case: Case, household: Household) -> CaseCheck:
    """S3 for one case, as far as the case has gone."""
    items: list[Item]
    if case.status in CLOSED_EARLY:
        items = [Item("closed", "不予受理或已撤回", "A4", NA, case.status_label)]
        if case.status == State.NOT_ACCEPTED:
            issued = IssuedDocument.objects.filter(
                kind="not_eligible_notice",
                subject_type=ContentType.objects.get_for_model(Case),
                subject_id=str(case.pk),
                revoked=False,
            ).exists()
            items = [
                Item(
                    "not_eligible_notice",
                    "不予受理告知书已出具",
                    "A4",
                    OK if issued else MISSING,
                    "" if issued else "尚未出具",
                    "" if issued else _case_url(case, "documents"),
                    "" if issued else "出具文书",
                )
            ]
        return CaseCheck(case, items)
    emergency = case.assistance_type == AssistanceType.LINSHI_EMERGENCY
    notices = list(case.public_notices.order_by("-start_on", "-id"))
    items = []
    if not emergency:
        for code, label in (("id_hukou", "身份证、户口簿"), ("hardship_statement", "困难情况说明")):
            item = _material_item(case, code, label, shared_ok=True)
            if item is not None:
                items.append(item)
        items.append(_authorisation(case))
        items.append(_investigation(case))
        items.append(_review(case))
        items.append(_notice_record(case, emergency, notices))
        items.append(_village_publication(case, household, emergency, notices))
    items.append(_decision(case))
    items.append(_decision_notice(case, emergency))
    items += _benefit_items(case)
    return CaseCheck(case, items)


def check_household(household: Household, cases: list[Case]) -> Completeness:
    """AR1, S3: the whole file. A household with an accepted case must have its paper file registered
    with a keeper (是否及时建立档案)."""
    custody = FileCustody.objects.select_related("custodian").filter(household=household).first()
    label = "档案已建立（纸质档案保管单位已登记）"
    if custody is not None:
        archive = Item(
            "archive", label, "S3、AR1", OK, f"{custody.custodian.name}保管，自{custody.since:%Y-%m-%d}起"
        )
    elif any(c.status not in NOT_STARTED | CLOSED_EARLY for c in cases):
        archive = Item(
            "archive",
            label,
            "S3、AR1",
            MISSING,
            "未登记保管单位",
            _file_url(household, "custody"),
            "登记保管单位",
        )
    else:
        archive = Item("archive", label, "S3、AR1", PENDING, "受理后建档")
    return Completeness([archive], [check_case(c, household) for c in cases])
