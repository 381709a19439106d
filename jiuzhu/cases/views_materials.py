"""The bureau's page for the materials checklist (A3, A4): the county's list per assistance type."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jiuzhu.cases import materials_admin as admin
from jiuzhu.cases import selectors
from jiuzhu.cases.forms_materials import MaterialItemForm, RestoreForm
from jiuzhu.core.errors import RECOVERABLE, NotFound
from jiuzhu.core.exports import xlsx_response
from jiuzhu.core.forms import apply_error
from jiuzhu.core.formtokens import one_time_form
from jiuzhu.core.listing import wants_export
from jiuzhu.core.types import AssistanceType
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.orgs.selectors import counties_visible_to


def _county(request: AuthenticatedHttpRequest):
    authz.require(request.user, Perm.VIEW)
    counties = list(counties_visible_to(request.user).order_by("code"))
    if not counties:
        raise NotFound("您的账号没有所属县（区）")
    code = request.GET.get("county")
    if code is None:
        return counties[0], counties
    county = next((c for c in counties if c.code == code), None)
    if county is None:
        raise NotFound()
    return county, counties


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def checklist_page(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    county, counties = _county(request)
    atype = request.GET.get("type") or AssistanceType.DIBAO_RURAL
    if atype not in AssistanceType.values:
        raise NotFound()
    here = f"{request.path}?county={county.code}&type={atype}"
    add_form = MaterialItemForm(prefix="n", initial={"required": True})
    restore_form = RestoreForm(prefix="r")
    status = 200
    if request.method == "POST":
        authz.require(request.user, Perm.PARAMS_EDIT)  # 403 for roles without it, wherever they work
        authz.require(request.user, Perm.PARAMS_EDIT, county.code)
        action = request.POST.get("action", "")
        try:
            if action == "add":
                add_form = MaterialItemForm(request.POST, prefix="n")
                if not add_form.is_valid():
                    status = 422
                else:
                    d = add_form.cleaned_data
                    item = admin.item_add(
                        by=request.user,
                        county_code=county.code,
                        assistance_type=atype,
                        name=d["name"],
                        required=d["required"],
                        shared=d["shared"],
                        per_member=d["per_member"],
                        note=d["note"],
                    )
                    messages.success(request, f"已增加本县材料：{item.name}")
                    return redirect(here)
            elif action == "restore":
                restore_form = RestoreForm(request.POST, prefix="r")
                if restore_form.is_valid():
                    n = admin.defaults_restore(
                        by=request.user,
                        county_code=county.code,
                        assistance_type=atype,
                        reason=restore_form.cleaned_data["reason"],
                    )
                    messages.success(request, f"已恢复默认清单（撤销本县调整 {n} 项）")
                    return redirect(here)
                status = 422
            elif action in ("required", "optional", "deactivate"):
                item = selectors.checklist_item(
                    request.POST.get("item"), county_code=county.code, assistance_type=atype
                )
                if action == "deactivate":
                    default = admin.item_deactivate(by=request.user, county_code=county.code, item=item)
                    done = f"已停用“{item.name}”" + ("，恢复为默认要求" if default else "")
                else:
                    row = admin.item_set_required(
                        by=request.user, county_code=county.code, item=item, required=action == "required"
                    )
                    done = f"“{row.name}”已设为{'必需' if row.required else '非必需'}"
                messages.success(request, done)
                return redirect(here)
            else:
                raise NotFound()
        except RECOVERABLE as exc:
            status = 422
            if action == "add":
                apply_error(add_form, exc)
            elif action == "restore":
                apply_error(restore_form, exc)
            else:
                messages.error(request, exc.message)
    if wants_export(request):
        return xlsx_response(
            "申请材料清单",
            ["救助类型", "材料", "申请人须提交", "必需", "数据共享获取", "每位成员一份", "说明", "来源"],
            (
                (
                    label,
                    row.item.name,
                    row.demanded,
                    row.item.required,
                    row.item.shared,
                    row.item.per_member,
                    row.item.note,
                    row.source_label,
                )
                for value, label in AssistanceType.choices
                for row in admin.checklist(county.code, value)
            ),
            title=f"{county.name}社会救助申请材料清单",
        )
    rows = admin.checklist(county.code, atype)
    return render(
        request,
        "cases/materials_checklist.html",
        {
            "page_title": "申请材料清单",
            "county": county,
            "counties": counties,
            "atype": atype,
            "types": AssistanceType.choices,
            "rows": rows,
            "adjusted": any(r.item.scope_code for r in rows),
            "can_edit": authz.can(request.user, Perm.PARAMS_EDIT, county.code),
            "add_form": add_form,
            "restore_form": restore_form,
        },
        status=status,
    )
