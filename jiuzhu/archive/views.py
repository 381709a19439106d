"""Pages: the household file (AR1) with its completeness check, custody and archive download; bulk custody
transfer; the staff list of notice boards and the public board of a village (P2, S12)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.archive import boards, completeness, custody, hooks, selectors, services
from jiuzhu.archive import household_file as hf
from jiuzhu.archive.forms import BulkCustodyForm, CustodyForm, OwnerUploadForm
from jiuzhu.archive.models import CustodyBatch
from jiuzhu.cases.models import CaseMaterial
from jiuzhu.cases.models_steps import Investigation, PublicNotice, Review
from jiuzhu.core import clock
from jiuzhu.core.errors import RECOVERABLE, NotFound, ValidationFailed
from jiuzhu.core.forms import apply_error
from jiuzhu.core.listing import date_param
from jiuzhu.documents import services as document_services
from jiuzhu.documents.forms import AttachmentForm
from jiuzhu.documents.selectors import documents_of
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import Jurisdiction, Level
from jiuzhu.orgs.roles import Perm
from jiuzhu.orgs.selectors import counties_visible_to, county_bureau
from jiuzhu.registry.models import Household
from jiuzhu.registry.reads import household_read
from jiuzhu.registry.selectors import get_household

# --- the household file ----------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> hf.Filters:
    kinds = frozenset(k for k in request.GET.getlist("kind") if k in hf.ENTRY_KIND_LABELS)
    raw_case = request.GET.get("case", "").strip()
    case_id = int(raw_case) if raw_case.isdigit() else None
    return hf.Filters(
        kinds=kinds, case_id=case_id, start=date_param(request, "from"), end=date_param(request, "to")
    )


def upload_targets(household: Household, cases) -> list[tuple[str, str]]:
    """Where a scan or photo can be filed from the household file: the household, a case, or one of its
    records (the posted notice's photo is the usual one, P2)."""
    targets = [("household", "家庭（户籍、身份等材料）")]
    ids = [c.pk for c in cases]
    numbers = {c.pk: c.number for c in cases}
    for c in cases:
        targets.append((f"case:{c.pk}", f"申请 {c.number}"))
    for n in PublicNotice.objects.filter(case_id__in=ids).order_by("start_on"):
        targets.append((f"notice:{n.pk}", f"{numbers[n.case_id]} 公示照片（{n.start_on:%Y-%m-%d}起）"))
    for i in Investigation.objects.filter(case_id__in=ids).order_by("visited_on"):
        targets.append((f"investigation:{i.pk}", f"{numbers[i.case_id]} 入户调查（{i.visited_on:%Y-%m-%d}）"))
    for r in Review.objects.filter(case_id__in=ids).order_by("held_on"):
        targets.append((f"review:{r.pk}", f"{numbers[r.case_id]} 民主评议（{r.held_on:%Y-%m-%d}）"))
    for m in CaseMaterial.objects.filter(case_id__in=ids).select_related("requirement"):
        targets.append((f"material:{m.pk}", f"{numbers[m.case_id]} 材料：{m.requirement.name[:20]}"))
    return targets


def _owner(household: Household, cases, value: str):
    kind, _, pk = value.partition(":")
    ids = [c.pk for c in cases]
    if kind == "household":
        return household
    models = {
        "notice": PublicNotice,
        "investigation": Investigation,
        "review": Review,
        "material": CaseMaterial,
    }
    if kind == "case":
        found = next((c for c in cases if str(c.pk) == pk), None)
    elif kind in models and pk.isdigit():
        found = models[kind]._default_manager.filter(pk=int(pk), case_id__in=ids).first()
    else:
        found = None
    if found is None:
        raise NotFound()
    return found


def _file_context(request: HttpRequest, household: Household, **extra) -> dict:
    filters = _filters(request)
    cases = hf.cases_of(household)
    check = completeness.check_household(household, cases)
    current = custody.current_custody(household)
    custodians = custody.custodians_for(household)
    can_process = authz.can(request.user, Perm.CASE_PROCESS, household.area_code)
    custody_form = extra.pop("custody_form", None) or CustodyForm(
        custodians=custodians,
        initial={
            "on": clock.today(),
            "version": current.version if current else None,
            "to": next((o.pk for o in custodians if current is None or o.pk != current.custodian_id), None),
        },
    )
    targets = upload_targets(household, cases)
    owner_form = extra.pop("owner_form", None) or OwnerUploadForm(
        targets=targets, initial={"owner": request.GET.get("owner", "household")}
    )
    upload_form = extra.pop("upload_form", None) or AttachmentForm()
    village = Jurisdiction.objects.select_related("parent").filter(code=household.area_code).first()
    return {
        "page_title": f"一户一档：{household}",
        "household": household,
        "village": village,
        "entries": hf.entries(request.user, household, filters),
        "sections": hooks.sections_for(request.user, household),
        "entry_kinds": hf.ENTRY_KINDS,
        "filters": filters,
        "cases": cases,
        "check": check,
        "custody": current,
        "custody_history": custody.history(household),
        "custody_form": custody_form,
        "owner_form": owner_form,
        "upload_form": upload_form,
        "can_process": can_process,
        "can_download": authz.can(request.user, Perm.PII_REVEAL, household.area_code),
        "jobs": selectors.bundle_jobs_of(request.user).filter(params__household=household.pk)[:5]
        if authz.can(request.user, Perm.PII_REVEAL, household.area_code)
        else [],
        **extra,
    }


@login_required
@require_GET
def household_file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """AR1: one page per household with its whole file, in time order, filtered."""
    household = get_household(request.user, pk)
    household_read(by=request.user, household=household)  # the whole file: logged like a reveal (PI1)
    return render(request, "archive/household_file.html", _file_context(request, household))


@login_required
@require_POST
def household_custody(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = get_household(request.user, pk)
    authz.require(request.user, Perm.CASE_PROCESS, household.area_code)
    custodians = custody.custodians_for(household)
    form = CustodyForm(request.POST, custodians=custodians)
    if form.is_valid():
        to = next(o for o in custodians if str(o.pk) == form.cleaned_data["to"])
        try:
            kept = custody.custody_transfer(
                by=request.user,
                household=household,
                to=to,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
                location=form.cleaned_data["location"],
                expected_version=form.cleaned_data["version"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已登记：该户纸质档案由{kept.custodian.name}保管")
            return redirect(reverse("household_file", args=[household.pk]) + "#custody")
    context = _file_context(request, household, custody_form=form)
    return render(request, "archive/household_file.html", context, status=400)


@login_required
@require_POST
def household_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """File a scan, photo or video into the household file (e.g. the photo of the posted notice, P2)."""
    household = get_household(request.user, pk)
    authz.require(request.user, Perm.CASE_PROCESS, household.area_code)
    cases = hf.cases_of(household)
    owner_form = OwnerUploadForm(request.POST, targets=upload_targets(household, cases))
    upload_form = AttachmentForm(request.POST, request.FILES)
    if owner_form.is_valid() and upload_form.is_valid():
        owner = _owner(household, cases, owner_form.cleaned_data["owner"])
        try:
            document_services.attachment_store(
                by=request.user,
                upload=upload_form.cleaned_data["file"],
                kind=upload_form.cleaned_data["kind"],
                note=upload_form.cleaned_data["note"],
                area_code=household.area_code,
                owner=owner,
            )
        except RECOVERABLE as exc:
            apply_error(upload_form, exc)
        else:
            messages.success(request, "已归档")
            return redirect(reverse("household_file", args=[household.pk]) + "#upload")
    context = _file_context(request, household, owner_form=owner_form, upload_form=upload_form)
    return render(request, "archive/household_file.html", context, status=400)


@login_required
@require_POST
def household_bundle(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = get_household(request.user, pk)
    job = services.bundle_request(by=request.user, household=household)
    return redirect("bundle_job", pk=job.pk)


@login_required
@require_GET
def bundle_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = selectors.get_bundle_job(request.user, pk)
    household = Household.objects.filter(pk=job.params.get("household")).first()
    template = "archive/bundle_job.html#progress" if request.htmx else "archive/bundle_job.html"
    return render(request, template, {"page_title": "档案打包", "job": job, "household": household})


@login_required
@require_GET
def bundle_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    job = selectors.get_bundle_job(request.user, pk)
    try:
        handle = services.bundle_open(by=request.user, job=job)
    except ValidationFailed:
        raise NotFound("档案包尚未生成完成") from None
    response = FileResponse(handle, content_type="application/zip")
    name = job.result.get("filename") or f"档案-{job.pk}.zip"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


# --- bulk custody transfer (seed 000) --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def custody_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.DELEGATION_MANAGE)
    counties = [
        c
        for c in counties_visible_to(request.user).order_by("code")
        if authz.can(request.user, Perm.DELEGATION_MANAGE, c.code)
    ]
    code = request.POST.get("county") or request.GET.get("county") or (counties[0].code if counties else "")
    county = next((c for c in counties if c.code == code), None)
    if county is None:
        raise NotFound()
    townships = list(Jurisdiction.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("code"))
    bureau = county_bureau(county.code)
    if bureau is None:
        raise NotFound("本县（区）没有登记民政局机构")
    form = BulkCustodyForm(
        request.POST or None,
        counties=counties,
        townships=townships,
        initial={"county": county.code, "on": clock.today(), "urban_rural": "urban"},
    )
    plan = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("confirm") == "1":
            try:
                batch = custody.custody_bulk_transfer(
                    by=request.user,
                    county=county,
                    from_org=bureau,
                    on=data["on"],
                    basis=data["basis"],
                    urban_rural=data["urban_rural"],
                    township_codes=data["townships"],
                )
            except RECOVERABLE as exc:
                apply_error(form, exc)
            else:
                messages.success(
                    request,
                    f"已移交 {batch.moved} 户档案"
                    + (f"，{batch.skipped} 户所在乡镇（街道）无机构未移交" if batch.skipped else ""),
                )
                return redirect(f"{reverse('custody_bulk')}?county={county.code}")
        else:
            plan = custody.bulk_plan(
                user=request.user,
                county=county,
                from_org=bureau,
                urban_rural=data["urban_rural"],
                township_codes=data["townships"],
            )

    names = {t.code: t.name for t in townships}
    return render(
        request,
        "archive/custody_bulk.html",
        {
            "page_title": "档案批量移交",
            "form": form,
            "county": county,
            "bureau": bureau,
            "plan": plan,
            "plan_rows": [(names.get(c, c), n) for c, n in sorted(plan.by_township.items())] if plan else [],
            "batches": CustodyBatch.objects.filter(county_code=county.code).select_related(
                "from_org", "created_by"
            )[:20],
        },
    )


# --- notice boards (P2, S12) -----------------------------------------------------------------------------


@login_required
@require_GET
def board_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff: the boards of the villages in scope, with what each shows and the printed ones."""
    villages = list(selectors.villages_visible_to(request.user).select_related("parent").order_by("code"))
    today = clock.today()
    counts = boards.board_counts([v.code for v in villages], today)
    printed = {}
    for d in (
        documents_of(request.user, villages).filter(kind="notice_board", revoked=False).order_by("issued_at")
    ):
        printed[d.subject_id] = d
    rows = [
        (v, *counts[v.code], printed.get(v.code), authz.can(request.user, Perm.CASE_PROCESS, v.code))
        for v in villages
    ]
    return render(request, "archive/board_list.html", {"page_title": "公示栏", "rows": rows, "today": today})


@login_required
@require_POST
def board_print(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    village = selectors.get_village(request.user, code)
    try:
        document = services.board_issue(by=request.user, village=village)
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
        return redirect("boards")
    messages.success(request, f"已生成{document.title}（{document.number}），可打印张贴")
    return redirect("document_detail", pk=document.pk)


@require_GET
def board_public(request: HttpRequest, code: str) -> HttpResponse:
    """P2, S12: the public board of a village or community — no login, read-only, masked data only."""
    board = boards.board_for(code)
    return render(
        request, "archive/board_public.html", {"page_title": f"{board.village.name}公示栏", "board": board}
    )
