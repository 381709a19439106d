"""Pages of the near-relative register (DM2): the list with its filters and export, entering one entry,
taking one off the active register with a reason, and importing a register from a file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.core import clock
from jiuzhu.core.errors import RECOVERABLE, ValidationFailed
from jiuzhu.core.exports import stream_rows, xlsx_response
from jiuzhu.core.forms import apply_error
from jiuzhu.core.formtokens import one_time_form
from jiuzhu.core.listing import paginate, wants_export
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import Jurisdiction, Level
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry import selectors
from jiuzhu.registry.forms import RelativeDeactivateForm, RelativeForm, RelativeImportForm
from jiuzhu.registry.imports.relatives_file import relative_rows
from jiuzhu.registry.models import RelativeRole
from jiuzhu.registry.services import relatives


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def relative_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
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
            relatives.relative_add(
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
                for r in stream_rows(qs)
            ),
        )
    return render(
        request,
        "registry/relatives.html",
        {
            "page_title": "近亲属备案名册",
            "form": form,
            "listing": paginate(request, qs),
            "f": f,
            "status": f.get("status", "active"),
            "areas": selectors.areas_for(request.user),
            "roles": RelativeRole.choices,
            "import_form": RelativeImportForm(areas=areas),
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def relative_deactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """DM2: take an entry off the active register, with the reason (the entry itself is kept)."""
    relative = selectors.get_relative(request.user, pk)
    authz.require(request.user, Perm.RELATIVE_REGISTRY, relative.area_code)
    form = RelativeDeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            relatives.relative_deactivate(
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


@login_required
@require_POST
@one_time_form
def relative_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.RELATIVE_REGISTRY)
    areas = list(Jurisdiction.objects.filter(authz.scope_q(request.user, "code")))
    form = RelativeImportForm(request.POST, request.FILES, areas=areas)
    if not form.is_valid():
        messages.error(request, "请选择区划和文件")
        return redirect("relatives")
    upload = form.cleaned_data["file"]
    try:
        rows = relative_rows(upload.name, upload)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("relatives")
    outcome = relatives.relative_import(
        by=request.user,
        area_code=form.cleaned_data["area_code"],
        rows=rows,
        commit_good_rows=form.cleaned_data["good_only"],
    )
    if outcome.errors:
        messages.warning(request, f"发现 {len(outcome.errors)} 行有误：" + "；".join(outcome.errors[:20]))
    messages.info(request, f"已导入 {outcome.created} 条" if outcome.created else "未导入任何记录")
    return redirect("relatives")
