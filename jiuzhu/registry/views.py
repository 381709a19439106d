"""Pages of the household registry, the near-relative registry, discovery reports and the bulk import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.core import clock, jobs, tables
from jiuzhu.core.errors import RECOVERABLE, NotFound, ValidationFailed
from jiuzhu.core.exports import XLSX, attachment, xlsx_bytes, xlsx_response
from jiuzhu.core.forms import apply_error
from jiuzhu.core.listing import paginate, wants_export
from jiuzhu.core.models import Job
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry import importer, reads, selectors, services, tasks
from jiuzhu.registry.forms import (
    AssetForm,
    DeclineForm,
    DiscoveryForm,
    HouseholdEditForm,
    HouseholdForm,
    IncomeForm,
    LeaveForm,
    MemberEditForm,
    MemberForm,
    MemberFormSet,
    RelativeDeactivateForm,
    RelativeForm,
    RelativeImportForm,
    UploadForm,
)
from jiuzhu.registry.models import Asset, IncomeItem, Relation, UrbanRural
from jiuzhu.registry.services import RelativeInput


def villages_for(user, perm: str = Perm.HOUSEHOLD_EDIT):
    """Villages and communities where the user may act (the choice lists of forms)."""
    qs = Jurisdiction.objects.filter(authz.scope_q(user, "code"), level=Level.VILLAGE).select_related(
        "parent"
    )
    return [v for v in qs.order_by("code") if authz.can(user, perm, v.code)]


def areas_for(user):
    """Townships and villages the user sees, for list filters."""
    return Jurisdiction.objects.filter(authz.scope_q(user, "code"), level__gte=Level.TOWNSHIP).order_by(
        "code"
    )


# --- households ---------------------------------------------------------------------------------------


@login_required
@require_GET
def household_list(request: HttpRequest) -> HttpResponse:
    f = request.GET
    qs = selectors.search_households(
        request.user,
        q=f.get("q", "").strip(),
        id_number=f.get("id_number", "").strip(),
        area=f.get("area", ""),
        urban_rural=f.get("urban_rural", ""),
    )
    qs = qs.order_by("-id")
    if wants_export(request):
        names = dict(Jurisdiction.objects.filter(level=Level.VILLAGE).values_list("code", "name"))
        return xlsx_response(
            "家庭登记",
            ["户主", "户主身份证号", "村（社区）", "住址", "城乡", "在户人数", "联系电话", "登记时间"],
            (
                (
                    h.head_name,
                    h.head_id_masked,
                    names.get(h.area_code, h.area_code),
                    h.address,
                    h.get_urban_rural_display(),
                    h.member_count,
                    h.phone,
                    h.created_at,
                )
                for h in qs
            ),
        )
    return render(
        request,
        "registry/household_list.html",
        {
            "page_title": "家庭登记",
            "listing": paginate(request, qs),
            "f": f,
            "areas": areas_for(request.user),
            "urban_rural": UrbanRural.choices,
            "can_add": authz.can(request.user, Perm.HOUSEHOLD_EDIT),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_new(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.HOUSEHOLD_EDIT)
    villages = villages_for(request.user)
    form = HouseholdForm(request.POST or None, villages=villages)
    formset = MemberFormSet(
        request.POST or None,
        prefix="m",
        initial=[{"relation": Relation.HEAD, "covered": True}] if request.method == "GET" else None,
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        d = form.cleaned_data
        try:
            household = services.household_create(
                by=request.user,
                area_code=d["area_code"],
                address=d["address"],
                urban_rural=d["urban_rural"],
                hukou_area_code=d["hukou_area_code"],
                hukou_address=d["hukou_address"],
                phone=d["phone"],
                members=formset.inputs(),
            )
        except RECOVERABLE as exc:
            _spread_member_errors(form, formset, exc)
        else:
            messages.success(request, f"已登记家庭：{household.address}")
            return redirect("household_detail", pk=household.pk)
    return render(
        request, "registry/household_form.html", {"page_title": "登记家庭", "form": form, "formset": formset}
    )


def _spread_member_errors(form, formset, exc) -> None:
    """Field errors named members.<i>.<field> go to the i-th member form; the rest to the household form."""
    rest = {}
    for key, msgs in exc.field_errors.items():
        if key.startswith("members."):
            parts = key.split(".")
            if len(parts) == 3 and parts[1].isdigit():
                forms_with_data = [f for f in formset.forms if f.has_changed()]
                index = int(parts[1])
                if index < len(forms_with_data) and parts[2] in forms_with_data[index].fields:
                    for m in msgs:
                        forms_with_data[index].add_error(parts[2], m)
                    continue
        rest[key] = msgs
    form.add_error(None, exc.message)
    for key, msgs in rest.items():
        if key in form.fields:
            for m in msgs:
                form.add_error(key, m)


@login_required
@require_GET
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household(request.user, pk)
    reads.household_read(by=request.user, household=household)  # a full read is logged like a reveal
    return _detail_page(request, household)


def _detail_page(request, household, *, income_form=None, asset_form=None, status: int = 200) -> HttpResponse:
    """The household page; a failed income or asset form comes back bound, keeping what was typed."""
    members = list(household.members.order_by("-is_active", "relation", "id"))
    from jiuzhu.cases.selectors import cases_visible_to

    can_edit = authz.can(request.user, Perm.HOUSEHOLD_EDIT, household.area_code)
    return render(
        request,
        "registry/household_detail.html",
        {
            "page_title": str(household),
            "household": household,
            "members": members,
            "village": Jurisdiction.objects.select_related("parent").filter(code=household.area_code).first(),
            "incomes": household.incomes.select_related("member"),
            "assets": household.assets.all(),
            "summary": selectors.income_summary(household),
            "cases": cases_visible_to(request.user).filter(household=household).order_by("-id"),
            "can_edit": can_edit,
            "can_reveal": authz.can(request.user, Perm.PII_REVEAL, household.area_code),
            "can_apply": authz.can(request.user, Perm.CASE_CREATE, household.area_code),
            "income_form": income_form or IncomeForm(members=[m for m in members if m.is_active]),
            "asset_form": asset_form or AssetForm(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household(request.user, pk)
    authz.require(request.user, Perm.HOUSEHOLD_EDIT, household.area_code)
    initial = {name: getattr(household, name) for name in services.HOUSEHOLD_FIELDS} | {
        "version": household.version
    }
    form = HouseholdEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        version = d.pop("version")
        try:
            services.household_update(by=request.user, household=household, expected_version=version, **d)
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "家庭信息已保存")
            return redirect("household_detail", pk=household.pk)
    return render(
        request,
        "registry/simple_form.html",
        {
            "page_title": "修改家庭信息",
            "form": form,
            "back": household,
            "title": f"修改家庭信息：{household.address}",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_new(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household(request.user, pk)
    authz.require(request.user, Perm.HOUSEHOLD_EDIT, household.area_code)
    form = MemberEditForm(
        request.POST or None,
        initial={"version": household.version, "relation": Relation.CHILD, "covered": True},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.member_add(
                by=request.user,
                household=household,
                data=form.to_input(),
                expected_version=form.cleaned_data["version"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已增加家庭成员")
            return redirect("household_detail", pk=household.pk)
    return render(
        request,
        "registry/simple_form.html",
        {
            "page_title": "增加家庭成员",
            "form": form,
            "back": household,
            "title": f"增加家庭成员：{household}",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member(request.user, pk)
    authz.require(request.user, Perm.HOUSEHOLD_EDIT, member.area_code)
    household = member.household
    initial = {f: getattr(member, f) for f in MemberForm.base_fields if hasattr(member, f)}
    # Neither the number nor the full birth date is put back into the form: beside the masked number the
    # birth date would complete it (mask rule, core.masking).
    initial |= {"id_number": "", "birth_date": None, "version": household.version}
    form = MemberEditForm(request.POST or None, initial=initial)
    form.fields["id_number"].required = False
    form.fields["id_number"].help_text = f"当前：{member.id_masked}。不修改请留空；更正时须完整录入新号码"
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(
                by=request.user,
                member=member,
                data=form.to_input(),
                expected_version=form.cleaned_data["version"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "成员信息已保存")
            return redirect("household_detail", pk=household.pk)
    leave = LeaveForm(initial={"version": household.version, "on": clock.today()})
    return render(
        request,
        "registry/member_form.html",
        {
            "page_title": "修改家庭成员",
            "form": form,
            "leave": leave,
            "member": member,
            "household": household,
        },
    )


@login_required
@require_POST
def member_leave(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member(request.user, pk)
    authz.require(request.user, Perm.HOUSEHOLD_EDIT, member.area_code)
    form = LeaveForm(request.POST)
    if form.is_valid():
        try:
            services.member_leave(
                by=request.user,
                member=member,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except RECOVERABLE as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{member.name}已登记离户")
    else:
        messages.error(request, "请填写离户日期和原因")
    return redirect("household_detail", pk=member.household_id)


@login_required
@require_POST
def member_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The "show full number" action: role-checked and written to the audit trail."""
    member = selectors.get_member(request.user, pk)
    number = services.member_reveal_id(by=request.user, member=member)
    return HttpResponse(f'<span class="jz-mono" data-testid="full-id">{number}</span>')


@login_required
@require_POST
def income_new(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household(request.user, pk)
    authz.require(request.user, Perm.HOUSEHOLD_EDIT, household.area_code)
    members = list(household.members.filter(is_active=True))
    form = IncomeForm(request.POST, members=members)
    if form.is_valid():
        d = form.cleaned_data
        member = next((m for m in members if str(m.pk) == d["member"]), None)
        try:
            services.income_add(
                by=request.user,
                household=household,
                category=d["category"],
                description=d["description"],
                monthly_amount=d["monthly_amount"],
                member=member,
                excluded=d["excluded"],
                excluded_reason=d["excluded_reason"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记收入")
            return redirect(f"/registry/households/{household.pk}/#income")
    messages.error(request, "收入信息有误，未保存，请按提示修改")
    return _detail_page(request, household, income_form=form, status=422)


@login_required
@require_POST
def income_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = IncomeItem.objects.filter(
        pk=pk, household__in=selectors.households_visible_to(request.user)
    ).first()
    if item is None:
        raise NotFound()
    services.income_remove(by=request.user, item=item)
    messages.success(request, "已删除收入记录")
    return redirect(f"/registry/households/{item.household_id}/#income")


@login_required
@require_POST
def asset_new(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household(request.user, pk)
    authz.require(request.user, Perm.HOUSEHOLD_EDIT, household.area_code)
    form = AssetForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.asset_add(
                by=request.user,
                household=household,
                kind=d["kind"],
                description=d["description"],
                value=d["value"],
                quantity=d["quantity"],
                unit=d["unit"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记财产")
            return redirect(f"/registry/households/{household.pk}/#assets")
    messages.error(request, "财产信息有误，未保存，请按提示修改")
    return _detail_page(request, household, asset_form=form, status=422)


@login_required
@require_POST
def asset_delete(request: HttpRequest, pk: int) -> HttpResponse:
    asset = Asset.objects.filter(pk=pk, household__in=selectors.households_visible_to(request.user)).first()
    if asset is None:
        raise NotFound()
    services.asset_remove(by=request.user, asset=asset)
    messages.success(request, "已删除财产记录")
    return redirect(f"/registry/households/{asset.household_id}/#assets")


# --- near relatives -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def relative_list(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.RELATIVE_REGISTRY)
    areas = [
        a
        for a in Jurisdiction.objects.filter(
            authz.scope_q(request.user, "code"), level__lte=Level.VILLAGE
        ).order_by("code")
        if authz.can(request.user, Perm.RELATIVE_REGISTRY, a.code)
    ]
    form = RelativeForm(request.POST or None, areas=areas, initial={"registered_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.relative_add(
                by=request.user, area_code=form.cleaned_data["area_code"], data=form.to_input()
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记近亲属")
            return redirect("relatives")
    f = request.GET
    qs = selectors.filter_relatives(
        selectors.relatives_visible_to(request.user),
        q=f.get("q", "").strip(),
        official=f.get("official", "").strip(),
        area=f.get("area", ""),
        role=f.get("role", ""),
        status=f.get("status", "active"),
    ).order_by("area_code", "official_name", "id")
    if wants_export(request):
        names = dict(
            Jurisdiction.objects.filter(authz.scope_q(request.user, "code")).values_list("code", "name")
        )
        return xlsx_response(
            "近亲属备案名册",
            [
                "所属区划",
                "工作人员",
                "身份",
                "单位",
                "近亲属",
                "身份证号",
                "关系",
                "登记日期",
                "状态",
                "停用日期",
                "停用原因",
            ],
            (
                (
                    names.get(r.area_code, r.area_code),
                    r.official_name,
                    r.get_official_role_display(),
                    r.official_unit,
                    r.relative_name,
                    r.relative_id_masked,
                    r.relation,
                    r.registered_on,
                    "有效" if r.is_active else "已停用",
                    r.deactivated_on,
                    r.deactivate_reason,
                )
                for r in qs
            ),
        )
    from jiuzhu.registry.models import RelativeRole

    return render(
        request,
        "registry/relatives.html",
        {
            "page_title": "近亲属备案名册",
            "form": form,
            "listing": paginate(request, qs),
            "f": f,
            "status": f.get("status", "active"),
            "areas": areas_for(request.user),
            "roles": RelativeRole.choices,
            "import_form": RelativeImportForm(areas=areas),
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def relative_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """DM2: take an entry off the active register, with the reason (the entry itself is kept)."""
    relative = selectors.get_relative(request.user, pk)
    authz.require(request.user, Perm.RELATIVE_REGISTRY, relative.area_code)
    form = RelativeDeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.relative_deactivate(
                by=request.user, relative=relative, reason=form.cleaned_data["reason"]
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request, f"已停用：{relative.official_name}的{relative.relation}{relative.relative_name}"
            )
            return redirect("relatives")
    return render(
        request,
        "registry/relative_deactivate.html",
        {"page_title": "停用近亲属记录", "form": form, "relative": relative},
        status=422 if request.method == "POST" else 200,
    )


RELATIVE_HEADERS = {
    "工作人员姓名": "official_name",
    "身份": "official_role",
    "所在单位": "official_unit",
    "近亲属姓名": "relative_name",
    "近亲属身份证号": "relative_id",
    "关系": "relation",
    "登记日期": "registered_on",
}


@login_required
@require_POST
def relative_import(request: HttpRequest) -> HttpResponse:
    from datetime import date

    from jiuzhu.registry.models import RelativeRole

    authz.require(request.user, Perm.RELATIVE_REGISTRY)
    areas = list(Jurisdiction.objects.filter(authz.scope_q(request.user, "code")))
    form = RelativeImportForm(request.POST, request.FILES, areas=areas)
    if not form.is_valid():
        messages.error(request, "请选择区划和文件")
        return redirect("relatives")
    upload = form.cleaned_data["file"]
    try:
        table = _read_table(upload)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("relatives")
    roles = {label: value for value, label in RelativeRole.choices} | {v: v for v in RelativeRole.values}
    rows = []
    for raw in table:
        try:
            registered = date.fromisoformat(raw.get("registered_on", "").replace("/", "-")[:10])
        except ValueError:
            registered = None  # reported by the check as a missing date
        rows.append(
            RelativeInput(
                raw.get("official_name", ""),
                roles.get(raw.get("official_role", ""), raw.get("official_role", "")),
                raw.get("official_unit", ""),
                raw.get("relative_name", ""),
                raw.get("relative_id", ""),
                raw.get("relation", ""),
                registered,
            )
        )
    outcome = services.relative_import(
        by=request.user,
        area_code=form.cleaned_data["area_code"],
        rows=rows,
        commit_good_rows=form.cleaned_data["good_only"],
    )
    if outcome.errors:
        messages.warning(request, f"发现 {len(outcome.errors)} 行有误：" + "；".join(outcome.errors[:20]))
    messages.info(request, f"已导入 {outcome.created} 条" if outcome.created else "未导入任何记录")
    return redirect("relatives")


def _read_table(upload) -> list[dict[str, str]]:
    """A register as dicts keyed by RELATIVE_HEADERS (a few hundred rows, so all at once)."""
    with tables.open_table(upload.name, upload, what="名册文件") as table:
        header = [RELATIVE_HEADERS.get(h) for h in next(table.rows, [])]
        if not any(header):
            raise ValidationFailed("文件是空的，或没有名册的列（工作人员姓名、近亲属姓名等）")
        return [{k: v for k, v in zip(header, row, strict=False) if k} for row in table.rows if any(row)]


# --- discovery (A2) -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def discovery_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.discoveries_visible_to(request.user)
    if status := request.GET.get("status"):
        qs = qs.filter(status=status)
    villages = villages_for(request.user, Perm.DISCOVERY_REPORT)
    form = DiscoveryForm(request.POST or None, villages=villages, initial={"reported_on": clock.today()})
    if request.method == "POST":
        authz.require(request.user, Perm.DISCOVERY_REPORT)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.discovery_create(
                    by=request.user,
                    area_code=d["area_code"],
                    family_name=d["family_name"],
                    address=d["address"],
                    phone=d["phone"],
                    situation=d["situation"],
                    suggested_type=d["suggested_type"],
                    reported_on=d["reported_on"],
                )
            except RECOVERABLE as exc:
                apply_error(form, exc)
            else:
                messages.success(request, "已报告，乡镇（街道）将联系该户")
                return redirect("discoveries")
    if wants_export(request):
        return xlsx_response(
            "主动发现报告",
            ["发现日期", "家庭联系人", "住址", "困难情况", "状态", "报告人"],
            (
                (
                    r.reported_on,
                    r.family_name,
                    r.address,
                    r.situation,
                    r.get_status_display(),
                    r.reported_by.get_full_name(),
                )
                for r in qs
            ),
        )
    from jiuzhu.registry.models import DiscoveryStatus

    return render(
        request,
        "registry/discoveries.html",
        {
            "page_title": "主动发现",
            "listing": paginate(request, qs),
            "form": form if villages else None,
            "statuses": DiscoveryStatus.choices,
            "f": request.GET,
            "decline_form": DeclineForm(),
            "can_convert": authz.can(request.user, Perm.CASE_CREATE),
        },
    )


@login_required
@require_POST
def discovery_decline(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.get_discovery(request.user, pk)
    form = DeclineForm(request.POST)
    try:
        services.discovery_decline(
            by=request.user, report=report, note=form.cleaned_data["note"] if form.is_valid() else ""
        )
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已记录：本户不同意申请")
    return redirect("discoveries")


# --- bulk import (issue 3 item 7) ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def household_import(request: HttpRequest) -> HttpResponse:
    membership = authz.require(request.user, Perm.DATA_IMPORT)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            tables.check_table(upload.name, upload)
        except ValidationFailed as exc:
            form.add_error("file", exc.message)
        else:
            area = membership.organisation.jurisdiction_id if membership else ""
            job = jobs.create(
                by=request.user,
                kind=tasks.IMPORT_KIND,
                area_code=area,
                params={"filename": upload.name, "mode": "preview"},
                upload=upload,
            )
            jobs.enqueue(tasks.import_households, job)
            return redirect("household_import_job", pk=job.pk)
    history = Job.objects.filter(kind=tasks.IMPORT_KIND, created_by=request.user)[:20]
    return render(
        request, "registry/import.html", {"page_title": "批量导入家庭", "form": form, "history": history}
    )


def _job(request: HttpRequest, pk: int) -> Job:
    from jiuzhu.registry.selectors import get_import_job

    return get_import_job(request.user, pk)


@login_required
@require_GET
def household_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    template = "registry/import_job.html#progress" if request.htmx else "registry/import_job.html"
    return render(request, template, {"page_title": "导入进度", "job": job})


@login_required
@require_GET
def household_import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """Every error row of a finished import job as Excel (the page lists only the first ones)."""
    from django.http import FileResponse

    job = _job(request, pk)
    fh, filename = importer.open_error_workbook(job)
    from jiuzhu.core.retention import log_download

    log_download(by=request.user, obj=job, area_code=job.area_code, what=filename)  # full ID numbers (PI1)
    return FileResponse(fh, as_attachment=True, filename=filename, content_type=XLSX)


@login_required
@require_POST
def household_import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    authz.require(request.user, Perm.DATA_IMPORT)
    mode = request.POST.get("mode")
    if mode not in ("all", "good_only") or job.params.get("mode") != "preview" or job.status != "done":
        raise ValidationFailed("请先完成校验，再选择导入方式")
    commit = jobs.create(
        by=request.user,
        kind=tasks.IMPORT_KIND,
        area_code=job.area_code,
        params={"filename": job.params["filename"], "mode": mode, "preview_job": job.pk},
    )
    commit.file.name = job.file.name  # the same stored file, validated again before writing
    commit.save(update_fields=["file"])
    jobs.enqueue(tasks.import_households, commit)
    return redirect("household_import_job", pk=commit.pk)


@login_required
@require_GET
def household_import_template(request: HttpRequest) -> HttpResponse:
    headers, example = importer.template_rows()
    return attachment(xlsx_bytes("家庭导入模板", headers, example), "家庭导入模板.xlsx", XLSX)
