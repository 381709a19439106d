"""Pages of enrolments and dynamic management (B1–B3, DM1–DM3)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.benefits import (
    calculators,
    deaths,
    for_cases,
    hooks,
    proposals,
    selectors,
    services,
    views_income,
)
from jiuzhu.benefits import forms as f
from jiuzhu.benefits.documents import issue_adjustment_notice
from jiuzhu.benefits.models import Enrolment, EnrolmentChange, EnrolmentStatus
from jiuzhu.cases import selectors as case_selectors
from jiuzhu.core import clock
from jiuzhu.core.errors import RECOVERABLE, NotFound
from jiuzhu.core.exports import stream_rows, xlsx_response
from jiuzhu.core.forms import apply_error
from jiuzhu.core.listing import paginate, wants_export
from jiuzhu.core.types import AssistanceType
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import Jurisdiction, Level
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry import selectors as registry
from jiuzhu.registry.models import Member

EXPORT_HEADERS = [
    "乡镇（街道）",
    "村（社区）",
    "户主",
    "身份证号",
    "救助类型",
    "状态",
    "起始发放月",
    "月金额",
    "保障人数",
    "开户银行",
    "账号",
    "下次核查",
    "计算依据",
]


def _names(codes) -> dict[str, str]:
    return dict(Jurisdiction.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _scope_names(user) -> dict[str, str]:
    """Names of the townships and villages in the user's jurisdiction, for an export read in chunks."""
    return dict(
        Jurisdiction.objects.filter(authz.scope_q(user, "code"), level__gte=Level.TOWNSHIP).values_list(
            "code", "name"
        )
    )


def _filter(request: AuthenticatedHttpRequest) -> selectors.EnrolmentFilter:
    g = request.GET
    return selectors.EnrolmentFilter(
        township=g.get("township", ""),
        assistance_type=g.get("type", ""),
        status=g.get("status", "live"),
        q=g.get("q", "").strip(),
        account=g.get("account", ""),
        review=g.get("review", ""),
    )


@login_required
@require_GET
def enrolment_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    qs = selectors.search_enrolments(request.user, _filter(request)).order_by(
        "township_code", "area_code", "id"
    )
    if wants_export(request):
        names = _scope_names(request.user)
        return xlsx_response(
            "保障对象",
            EXPORT_HEADERS,
            (
                (
                    names.get(e.township_code, ""),
                    names.get(e.area_code, ""),
                    e.household.head_name,
                    e.household.head_id_masked,
                    e.get_assistance_type_display(),
                    e.status_label,
                    f"{e.start_month:%Y-%m}",
                    e.amount,
                    e.covered_members,
                    e.bank_name,
                    e.account_masked,
                    e.next_review_on if e.on_rolls else None,
                    e.basis,
                )
                for e in stream_rows(qs[:200_000])
            ),
        )
    listing = paginate(request, qs)
    page = list(listing.object_list)
    return render(
        request,
        "benefits/enrolment_list.html",
        {
            "page_title": "保障对象",
            "listing": listing,
            "rows": page,
            "names": _names([e.township_code for e in page] + [e.area_code for e in page]),
            "townships": Jurisdiction.objects.filter(
                authz.scope_q(request.user, "code"), level=Level.TOWNSHIP
            ).order_by("code"),
            "types": [
                (v, label)
                for v, label in AssistanceType.choices
                if v in for_cases.DIBAO or v == AssistanceType.TEKUN
            ],
            "statuses": [
                ("live", "在保（含暂停、渐退）"),
                *((v, label) for v, label in EnrolmentStatus.choices if v != EnrolmentStatus.TERMINATED),
                (EnrolmentStatus.TERMINATED, "已终止或已停发"),
            ],
            "f": request.GET,
            "status_value": request.GET.get("status", "live"),
            "today": clock.today(),
        },
    )


@login_required
@require_GET
def reviews_due(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    try:
        days = max(0, min(int(request.GET.get("days", 30)), 366))
    except ValueError:
        days = 30
    qs = selectors.reviews_due(request.user, within_days=days)
    if t := request.GET.get("township"):
        qs = qs.filter(township_code=t)
    if wants_export(request):
        names = _scope_names(request.user)
        return xlsx_response(
            "定期核查",
            ["乡镇（街道）", "村（社区）", "户主", "救助类型", "月金额", "应核查日期"],
            (
                (
                    names.get(e.township_code, ""),
                    names.get(e.area_code, ""),
                    e.household.head_name,
                    e.get_assistance_type_display(),
                    e.amount,
                    e.next_review_on,
                )
                for e in stream_rows(qs[:200_000])
            ),
        )
    listing = paginate(request, qs)
    page = list(listing.object_list)
    return render(
        request,
        "benefits/reviews_due.html",
        {
            "page_title": "定期核查",
            "listing": listing,
            "rows": page,
            "days": days,
            "today": clock.today(),
            "names": _names([e.township_code for e in page] + [e.area_code for e in page]),
            "townships": Jurisdiction.objects.filter(
                authz.scope_q(request.user, "code"), level=Level.TOWNSHIP
            ).order_by("code"),
            "f": request.GET,
        },
    )


def _members(enrolment: Enrolment) -> QuerySet[Member]:
    return registry.active_members(enrolment.household).order_by("id")


def _forms(enrolment, data=None) -> dict:
    today = clock.today()
    return {
        "bank": f.BankAccountForm(
            data,
            prefix="bank",
            initial={
                "bank_name": enrolment.bank_name,
                "holder": enrolment.account_holder or enrolment.household.head_name,
            },
        ),
        "review": f.ReviewForm(data, prefix="review", initial=_review_initial(enrolment, today)),
        "suspend": f.ReasonForm(data, prefix="suspend"),
        "resume": f.ResumeForm(data, prefix="resume"),
        "terminate": f.TerminateForm(data, prefix="terminate", initial={"on": today}),
        "reassess": f.AssessmentForm(
            data,
            prefix="reassess",
            members=_members(enrolment),
            initial={"assessed_on": today, "care_form": enrolment.care_form},
        ),
    }


def _review_initial(enrolment, today) -> dict:
    """N2 渐退: a review of a household whose work income now reaches the standard starts as the proposed
    stop through the gradual-exit period; staff may still change it."""
    initial: dict = {"done_on": today}
    if enrolment.status == EnrolmentStatus.ACTIVE:
        proposal = proposals.review_proposal(enrolment)
        if proposal is not None:
            initial |= {
                "outcome": proposal.outcome,
                "gradual_exit": proposal.gradual_exit,
                "findings": proposal.text,
            }
    return initial


@login_required
@require_GET
def enrolment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.get_enrolment(request.user, pk)
    return _detail(request, enrolment, _forms(enrolment))


def _detail(request, enrolment, forms: dict, status: int = 200) -> HttpResponse:
    can_manage = authz.can(request.user, Perm.BENEFIT_MANAGE, enrolment.area_code)
    names = _names([enrolment.township_code, enrolment.area_code])
    return render(
        request,
        "benefits/enrolment_detail.html",
        {
            "page_title": f"{enrolment.household} · {enrolment.get_assistance_type_display()}",
            "e": enrolment,
            "household": enrolment.household,
            "names": names,
            "forms": forms,
            "changes": enrolment.changes.select_related("by", "notice_document"),
            "reviews": enrolment.reviews.select_related("by"),
            "assessments": enrolment.assessments.select_related("member"),
            "dishonesty": selectors.dishonesty_visible_to(request.user).filter(enrolment=enrolment),
            "ledger": enrolment.ledger_entries.select_related("payment").order_by("-month")[:24],
            "can_manage": can_manage,
            "lock": hooks.lock_reason(enrolment.county_code),
            "can_reveal": authz.can(request.user, Perm.PII_REVEAL, enrolment.area_code),
            "live": enrolment.status != EnrolmentStatus.TERMINATED,
            "proposal": proposals.review_proposal(enrolment) if can_manage else None,
            "levels": calculators.LEVELS,
            "selfcare_items": dict(calculators.SELFCARE_ITEMS),
        },
        status=status,
    )


@dataclass(frozen=True)
class Action:
    run: Callable  # (request, enrolment, cleaned_data) -> None
    done: str


def _review(r, e, d):
    services.periodic_review(
        by=r.user,
        enrolment=e,
        data=services.ReviewInput(
            done_on=d["done_on"],
            outcome=d["outcome"],
            findings=d["findings"],
            new_amount=d["new_amount"] or None,
            gradual_exit=d["gradual_exit"],
        ),
    )


def _reassess(r, e, d):
    member = registry.active_member(e.household, d["member"])
    if member is None:
        raise NotFound()
    services.reassess(
        by=r.user,
        enrolment=e,
        member=member,
        data=services.AssessmentInput(
            assessed_on=d["assessed_on"], unmet=d["unmet"], care_form=d["care_form"], assessors=d["assessors"]
        ),
    )


ACTIONS: dict[str, Action] = {
    "bank": Action(
        lambda r, e, d: services.bank_account_set(
            by=r.user, enrolment=e, bank_name=d["bank_name"], holder=d["holder"], account=d["account"]
        ),
        "已登记发放账户",
    ),
    "review": Action(_review, "已登记定期核查结果，调整自下月起生效"),
    "suspend": Action(
        lambda r, e, d: services.suspend(by=r.user, enrolment=e, reason=d["reason"]), "已暂停发放（自下月起）"
    ),
    "resume": Action(
        lambda r, e, d: services.resume(by=r.user, enrolment=e, reason=d["reason"], in_favour=d["in_favour"]),
        "已恢复发放（自下月起）",
    ),
    "terminate": Action(
        lambda r, e, d: services.terminate(
            by=r.user, enrolment=e, kind=d["kind"], reason=d["reason"], on=d["on"], to_recover=d["to_recover"]
        ),
        "已终止保障",
    ),
    "reassess": Action(_reassess, "已登记重新评估，金额自下月起按新等级发放"),
}


@login_required
@require_POST
def enrolment_act(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    enrolment = selectors.get_enrolment(request.user, pk)
    if action not in ACTIONS:
        raise NotFound()
    authz.require(request.user, Perm.BENEFIT_MANAGE, enrolment.area_code)
    forms = _forms(enrolment)
    forms[action] = _forms(enrolment, request.POST)[action]
    form = forms[action]
    if form.is_valid():
        try:
            ACTIONS[action].run(request, enrolment, form.cleaned_data)
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, ACTIONS[action].done)
            return redirect(reverse("enrolment_detail", args=[enrolment.pk]))
    # Keep what was typed; open the failed form (data-open) so the message is seen.
    return _detail(request, selectors.get_enrolment(request.user, pk), forms | {"failed": action}, status=422)


@login_required
@require_POST
def account_reveal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.get_enrolment(request.user, pk)
    number = services.account_reveal(by=request.user, enrolment=enrolment)
    return HttpResponse(f'<span class="jz-mono" data-testid="full-account">{number}</span>')


@login_required
@require_POST
def notice_issue(request: AuthenticatedHttpRequest, pk: int, change_pk: int) -> HttpResponse:
    enrolment = selectors.get_enrolment(request.user, pk)
    change = EnrolmentChange.objects.filter(pk=change_pk, enrolment=enrolment).first()
    if change is None:
        raise NotFound()
    try:
        document = issue_adjustment_notice(by=request.user, change=change)
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
        return redirect("enrolment_detail", pk=enrolment.pk)
    return redirect("document_detail", pk=document.pk)


@login_required
@require_GET
def dishonesty_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    qs = selectors.dishonesty_visible_to(request.user)
    if q := request.GET.get("q", "").strip():
        qs = qs.filter(household__head_name__contains=q)
    if wants_export(request):
        return xlsx_response(
            "失信记录",
            ["户主", "查实日期", "失信情形", "应追回（元）", "已追回（元）", "登记人"],
            (
                (
                    r.household.head_name,
                    r.found_on,
                    r.description,
                    r.to_recover,
                    r.recovered,
                    r.by.get_full_name(),
                )
                for r in stream_rows(qs[:200_000])
            ),
        )
    return render(
        request,
        "benefits/dishonesty_list.html",
        {"page_title": "失信记录", "listing": paginate(request, qs), "f": request.GET},
    )


# --- the case page: the self-care assessment and the calculation (B1, B2) ------------------------------


def case_panel(request: AuthenticatedHttpRequest, case) -> dict | None:
    if case.assistance_type == AssistanceType.LOW_INCOME:
        return views_income.low_income_panel(case)
    if case.assistance_type not in (*for_cases.DIBAO, AssistanceType.TEKUN):
        return None
    enrolment = getattr(case, "enrolment", None)
    deciding = case.status in ("accepted", "verified", "investigated", "reviewed", "township_reviewed")
    context = {
        "case": case,
        "enrolment": enrolment,
        "assessments": case.assessments.select_related("member"),
        "levels": calculators.LEVELS,
        "selfcare_items": dict(calculators.SELFCARE_ITEMS),
        "suggestion": for_cases.suggestion(case, clock.today()) if deciding else None,
    }
    if case.assistance_type in for_cases.DIBAO:
        context |= views_income.single_cover_context(request, case)
    if (
        case.assistance_type == AssistanceType.TEKUN
        and deciding
        and authz.can(request.user, Perm.CASE_PROCESS, case.area_code)
    ):
        context["assess_form"] = f.AssessmentForm(
            prefix="assess",
            members=registry.active_members(case.household),
            initial={"assessed_on": clock.today(), "member": case.applicant_id},
        )
    return context


@login_required
@require_POST
def case_assess(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = case_selectors.get_case(request.user, pk)
    form = f.AssessmentForm(request.POST, prefix="assess", members=registry.active_members(case.household))
    if not form.is_valid():
        messages.error(
            request,
            "自理能力评估未保存："
            + "；".join(
                f"{form.fields[k].label if k in form.fields else ''}：{'、'.join(str(e) for e in v)}"
                for k, v in form.errors.items()
            ),
        )
    else:
        d = form.cleaned_data
        member = registry.active_member(case.household, d["member"])
        if member is None:
            raise NotFound()
        try:
            row = services.assess_for_case(
                by=request.user,
                case=case,
                member=member,
                data=services.AssessmentInput(
                    assessed_on=d["assessed_on"],
                    unmet=d["unmet"],
                    care_form=d["care_form"],
                    assessors=d["assessors"],
                ),
            )
        except RECOVERABLE as exc:
            messages.error(request, f"自理能力评估未保存：{exc.message}")
        else:
            messages.success(request, f"已登记评估：{calculators.LEVELS[row.level]}")
    return redirect(reverse("case_detail", args=[case.pk]) + "#benefit")


SESSION_DEATHS = "benefits.deaths_upload"
DEATHS_SESSION_MAX = 2 * 1024 * 1024


@login_required
@require_http_methods(["GET", "POST"])
def deaths_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    """DM1, S6: match a death list against the registry; preview first, then mark the matched members. The
    previewed file is kept in the session, so confirming does not ask for it again."""
    authz.require(request.user, Perm.DATA_IMPORT)
    form = f.DeathImportForm(request.POST or None, request.FILES or None)
    result, kept = None, request.session.get(SESSION_DEATHS)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        apply = request.POST.get("apply") == "1"
        if upload is not None:
            # Kept in the session for the confirmation when small; a large list is checked from its file.
            name = upload.name
            content = upload.read() if upload.size <= DEATHS_SESSION_MAX else upload
        elif apply and kept:
            name, content = kept["name"], base64.b64decode(kept["content"])
        else:
            name, content = "", b""
            form.add_error("file", "请选择文件")
        if content:
            try:
                result = deaths.deaths_import(
                    by=request.user,
                    file_name=name,
                    content=content,
                    apply=apply,
                    commit_good_rows=form.cleaned_data["good_only"],
                )
            except RECOVERABLE as exc:
                apply_error(form, exc)
            else:
                if result.applied:
                    request.session.pop(SESSION_DEATHS, None)
                    messages.success(
                        request,
                        f"已登记 {len(result.matches)} 名死亡人员，其中在保家庭 "
                        f"{sum(m.enrolled for m in result.matches)} 户，请及时停发或调整",
                    )
                elif isinstance(content, bytes):
                    request.session[SESSION_DEATHS] = {
                        "name": name,
                        "content": base64.b64encode(content).decode(),
                    }
                kept = request.session.get(SESSION_DEATHS)
    return render(
        request,
        "benefits/deaths_import.html",
        {"page_title": "死亡信息比对", "form": form, "result": result, "kept": kept},
    )
