"""Pages of samples (S1, S2), inspections (S3, S4), findings and checklists."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.cases import selectors as case_selectors
from jiuzhu.core import clock
from jiuzhu.core.errors import RECOVERABLE, NotFound
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.forms import apply_error
from jiuzhu.core.formtokens import one_time_form
from jiuzhu.core.listing import paginate, wants_export
from jiuzhu.core.redirects import safe_next
from jiuzhu.documents.selectors import documents_of
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.supervision import forms as f
from jiuzhu.supervision import kpis, selectors
from jiuzhu.supervision.models import (
    AnswerResult,
    ChecklistItem,
    ChecklistKind,
    FindingStatus,
    Inspection,
    InspectionStatus,
    SampleItem,
    SampleKind,
    Severity,
)
from jiuzhu.supervision.services import inspections, sampling
from jiuzhu.supervision.views.common import bound, run_form, table_export


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def samples(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    counties = selectors.counties_for(request.user)
    can_draw = authz.can(request.user, Perm.SUPERVISE)
    form = f.DrawForm(
        request.POST or None, counties=counties, initial={"on": clock.today(), "kind": SampleKind.MONTHLY}
    )
    if request.method == "POST":
        authz.require(request.user, Perm.SUPERVISE)
        if form.is_valid():
            d = form.cleaned_data
            try:
                sample = sampling.sample_draw(
                    by=request.user, kind=d["kind"], county_code=d["county"], on=d["on"]
                )
            except RECOVERABLE as exc:
                apply_error(form, exc)
            else:
                messages.success(
                    request,
                    f"已抽取 {sample.drawn_count} 件（总体 {sample.population_count} 件），随机种子 {sample.seed}",
                )
                return redirect("sup_sample", pk=sample.pk)
    qs = selectors.samples_visible_to(request.user).order_by("-period_start", "-id")
    month = clock.today()
    townships = list(selectors.townships_for(request.user))
    cover = kpis.coverage(request.user, townships, month)
    if wants_export(request):
        if request.GET.get("table") == "coverage":
            return table_export(cover)
        return xlsx_response(
            "抽查批次",
            [
                "类别",
                "期间起",
                "期间止",
                "随机种子",
                "比例（%）",
                "最少",
                "总体",
                "抽中",
                "抽取人",
                "抽取时间",
            ],
            (
                (
                    s.get_kind_display(),
                    s.period_start,
                    s.period_end,
                    s.seed,
                    s.percent,
                    s.minimum,
                    s.population_count,
                    s.drawn_count,
                    s.drawn_by.get_full_name(),
                    s.drawn_at,
                )
                for s in qs
            ),
        )
    return render(
        request,
        "supervision/samples.html",
        {
            "page_title": "抽查",
            "listing": paginate(request, qs),
            "form": form,
            "can_draw": can_draw and counties,
            "coverage": cover,
        },
    )


@login_required
@require_GET
def sample_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    sample = selectors.get_sample(request.user, pk)
    items = list(sample.items.select_related("case", "household").order_by("township_code", "position"))
    done: dict[int | None, list[Inspection]] = {}
    for i in selectors.inspections_visible_to(request.user).filter(sample_item__sample=sample):
        done.setdefault(i.sample_item_id, []).append(i)
    check = sampling.verify(sample) if request.GET.get("verify") else None
    names = selectors.names()
    if wants_export(request):
        return xlsx_response(
            f"抽查对象-{sample.period_start:%Y%m}",
            ["序号", "乡镇（街道）", "申请编号", "户主", "类型", "检查"],
            (
                (
                    i.position,
                    names.get(i.township_code, ""),
                    i.case.number if i.case else "",
                    i.household.head_name,
                    i.case.get_assistance_type_display() if i.case else "",
                    "、".join(x.get_status_display() for x in done.get(i.pk, [])),
                )
                for i in items
            ),
        )
    return render(
        request,
        "supervision/sample_detail.html",
        {
            "page_title": str(sample),
            "sample": sample,
            "items": items,
            "done": done,
            "check": check,
            "names": names,
            "can_inspect": authz.can(request.user, Perm.SUPERVISE, sample.county_code),
            "default_kind": inspections.DEFAULT_KIND[sample.kind],
        },
    )


@login_required
@require_POST
def inspection_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Start a checklist on a sampled item (?item=) or any case in scope (?case=)."""
    item = None
    if request.POST.get("item"):
        sample_item = request.POST["item"]

        item = SampleItem.objects.filter(
            pk=sample_item if sample_item.isdigit() else 0,
            sample__in=selectors.samples_visible_to(request.user),
        ).first()
        if item is None or item.case_id is None:
            raise NotFound()
        case = case_selectors.get_case(request.user, item.case_id)
    else:
        case = case_selectors.get_case(request.user, request.POST.get("case", ""))
    form = f.StartInspectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择检查清单并填写检查日期")
        return redirect(safe_next(request, "sup_inspections"))  # only within this site
    d = form.cleaned_data
    try:
        inspection = inspections.inspection_start(
            by=request.user,
            case=case,
            kind=d["kind"],
            inspected_on=d["inspected_on"],
            sample_item=item,
            on_site=d["on_site"],
        )
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
        return redirect(safe_next(request, "sup_inspections"))  # only within this site
    return redirect("sup_inspection", pk=inspection.pk)


@login_required
@require_GET
def inspection_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    g = request.GET
    qs = selectors.inspections_visible_to(request.user).order_by("-inspected_on", "-id")
    if g.get("kind"):
        qs = qs.filter(kind=g["kind"])
    if g.get("status"):
        qs = qs.filter(status=g["status"])
    if g.get("township"):
        qs = qs.filter(township_code=g["township"])
    names = selectors.names()
    if wants_export(request):
        return xlsx_response(
            "检查",
            ["检查日期", "类别", "乡镇（街道）", "申请编号", "检查人", "状态", "结论"],
            (
                (
                    i.inspected_on,
                    i.get_kind_display(),
                    names.get(i.township_code, ""),
                    i.case.number,
                    i.inspector.get_full_name(),
                    i.get_status_display(),
                    i.conclusion,
                )
                for i in qs
            ),
        )
    return render(
        request,
        "supervision/inspection_list.html",
        {
            "page_title": "检查",
            "listing": paginate(request, qs),
            "f": g,
            "names": names,
            "kinds": ChecklistKind.choices,
            "statuses": InspectionStatus.choices,
            "townships": selectors.townships_for(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def inspection_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.get_inspection(request.user, pk)
    answers = list(inspection.answers.select_related("item"))
    action = request.POST.get("action") if request.method == "POST" else None
    errors: dict = {}
    if action:
        authz.require(request.user, Perm.SUPERVISE, inspection.area_code)
    if action == "answers":
        data = [
            inspections.AnswerInput(
                answer_id=a.pk,
                result=request.POST.get(f"result_{a.pk}", ""),
                evidence=request.POST.get(f"evidence_{a.pk}", ""),
                note=request.POST.get(f"note_{a.pk}", ""),
            )
            for a in answers
        ]
        try:
            inspections.inspection_answer(
                by=request.user,
                inspection=inspection,
                answers=data,
                expected_version=int(request.POST.get("version") or 0) or None,
            )
        except RECOVERABLE as exc:
            messages.error(request, exc.message)
            errors = exc.field_errors
            for a, given in zip(answers, data, strict=True):
                a.result, a.evidence, a.note = given.result, given.evidence, given.note
        else:
            messages.success(request, "已保存检查结果")
            return redirect("sup_inspection", pk=pk)
    complete = bound(request, "complete", f.CompleteForm, version=inspection.version, severity=Severity.MINOR)
    finding = bound(request, "finding", f.FindingForm, found_on=clock.today(), severity=Severity.MINOR)
    if action == "complete":
        done = run_form(
            request,
            complete,
            lambda d: inspections.inspection_complete(
                by=request.user,
                inspection=inspection,
                conclusion=d["conclusion"],
                severity=d["severity"],
                expected_version=d["version"],
            ),
            "检查已完成，不符合的项目已记为问题",
            f"/supervision/inspections/{pk}/",
        )
        if done:
            return done
    if action == "finding":
        done = run_form(
            request,
            finding,
            lambda d: inspections.finding_record(
                by=request.user,
                inspection=inspection,
                description=d["description"],
                severity=d["severity"],
                rule=d["rule"],
                found_on=d["found_on"],
            ),
            "已记录问题",
            f"/supervision/inspections/{pk}/",
        )
        if done:
            return done
    if action == "report":
        try:
            document = inspections.report_issue(by=request.user, inspection=inspection)
        except RECOVERABLE as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已出具检查报告 {document.number}")
            return redirect("sup_inspection", pk=pk)

    return render(
        request,
        "supervision/inspection_detail.html",
        {
            "page_title": "检查",
            "inspection": inspection,
            "answers": answers,
            "errors": errors,
            "results": AnswerResult.choices,
            "complete": complete,
            "finding": finding,
            "findings": inspection.findings.order_by("id"),
            "can_edit": authz.can(request.user, Perm.SUPERVISE, inspection.area_code)
            and inspection.status == InspectionStatus.DRAFT,
            "can_report": authz.can(request.user, Perm.SUPERVISE, inspection.area_code)
            and inspection.status == InspectionStatus.COMPLETED,
            "documents": documents_of(request.user, [inspection]),
            "township": selectors.names().get(inspection.township_code, ""),
        },
    )


@login_required
@require_GET
def finding_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    g = request.GET
    qs = selectors.findings_visible_to(request.user).order_by("-found_on", "-id")
    if g.get("status"):
        qs = qs.filter(status=g["status"])
    if g.get("severity"):
        qs = qs.filter(severity=g["severity"])
    if g.get("township"):
        qs = qs.filter(township_code=g["township"])
    names = selectors.names()
    if wants_export(request):
        return xlsx_response(
            "发现问题",
            ["发现日期", "乡镇（街道）", "申请编号", "来源", "严重程度", "依据", "问题", "状态", "整改情况"],
            (
                (
                    x.found_on,
                    names.get(x.township_code, ""),
                    x.case.number if x.case else "",
                    x.get_source_display(),
                    x.get_severity_display(),
                    x.rule,
                    x.description,
                    x.get_status_display(),
                    x.rectification,
                )
                for x in qs
            ),
        )
    return render(
        request,
        "supervision/finding_list.html",
        {
            "page_title": "发现问题",
            "listing": paginate(request, qs),
            "f": g,
            "names": names,
            "statuses": FindingStatus.choices,
            "severities": Severity.choices,
            "townships": selectors.townships_for(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    finding = selectors.get_finding(request.user, pk)
    url = f"/supervision/findings/{pk}/"
    rectify = bound(request, "rectify", f.RectifyForm, rectified_on=clock.today())
    close = bound(request, "close", f.NoteForm)
    action = request.POST.get("action")
    if action == "rectify":
        done = run_form(
            request,
            rectify,
            lambda d: inspections.finding_rectify(
                by=request.user,
                finding=finding,
                rectified_on=d["rectified_on"],
                rectification=d["rectification"],
            ),
            "已登记整改情况",
            url,
        )
        if done:
            return done
    elif action == "close":
        done = run_form(
            request,
            close,
            lambda d: inspections.finding_close(by=request.user, finding=finding, note=d["note"]),
            "问题已销号",
            url,
        )
        if done:
            return done
    return render(
        request,
        "supervision/finding_detail.html",
        {
            "page_title": "发现问题",
            "finding": finding,
            "rectify": rectify,
            "close": close,
            "can_rectify": finding.status == FindingStatus.OPEN
            and authz.can(request.user, Perm.WARNING_HANDLE, finding.area_code),
            "can_close": finding.status != FindingStatus.CLOSED
            and authz.can(request.user, Perm.SUPERVISE, finding.area_code),
            "matters": finding.matters.all(),
            "township": selectors.names().get(finding.township_code, ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def checklists(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    authz.require(request.user, Perm.SUPERVISE)
    counties = selectors.counties_for(request.user)
    county = next(
        (c for c in counties if c.code == request.GET.get("county")), counties[0] if counties else None
    )
    form = f.ChecklistItemForm(request.POST or None)
    if request.method == "POST" and county is not None:
        done = run_form(
            request,
            form,
            partial(_save_item, request, county.code),
            "已保存本县（区）检查项目",
            f"/supervision/checklists/?county={county.code}",
        )
        if done:
            return done
    kinds = []
    for code, label in ChecklistKind.choices:
        items = inspections.checklist_for(code, county.code) if county else []
        own = (
            ChecklistItem.objects.filter(kind=code, scope_code=county.code, is_active=False) if county else []
        )
        kinds.append((code, label, items, own))
    if wants_export(request):
        return xlsx_response(
            "检查清单",
            ["清单", "编码", "检查内容", "依据", "查验材料", "适用"],
            (
                (label, i.code, i.text, i.rule, i.evidence_hint, "本县（区）" if i.scope_code else "全国")
                for _, label, items, _ in kinds
                for i in items
            ),
        )
    return render(
        request,
        "supervision/checklists.html",
        {
            "page_title": "检查清单",
            "kinds": kinds,
            "form": form,
            "county": county,
            "counties": counties,
        },
    )


def _save_item(request, county_code: str, d: dict):
    return inspections.checklist_item_save(
        by=request.user,
        county_code=county_code,
        kind=d["kind"],
        code=d["code"],
        text=d["text"],
        rule=d["rule"],
        evidence_hint=d["evidence_hint"],
        sort=d["sort"],
        is_active=d["is_active"],
    )
