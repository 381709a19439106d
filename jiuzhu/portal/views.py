"""Citizen portal pages (mobile first, no login). Thin: parse, call `services`/`selectors`, render."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.cases.services.online import OnlineAsset, OnlineIncome
from jiuzhu.core import clock
from jiuzhu.core.errors import RECOVERABLE, DomainError, NotFound, ValidationFailed
from jiuzhu.core.forms import apply_error
from jiuzhu.core.listing import paginate
from jiuzhu.core.middleware import client_ip
from jiuzhu.core.types import AssistanceType
from jiuzhu.documents import compose
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.portal import phone as phone_codes
from jiuzhu.portal import selectors, services
from jiuzhu.portal.forms import (
    ApplicationForm,
    AssetFormSet,
    ComplaintForm,
    IncomeFormSet,
    MemberFormSet,
    ObjectionForm,
    QueryForm,
)
from jiuzhu.registry.models import Relation
from jiuzhu.registry.services.member_input import MemberInput

SESSION_ACCESS = "portal_access"
SESSION_SUBMITTED = "portal_submitted"
SESSION_COMPLAINT = "portal_complaint"


def _page(
    request: HttpRequest, template: str, context: dict | None = None, status: int = 200
) -> HttpResponse:
    context = context or {}
    county = context.get("county")
    # The county's own published hotline (S12) once it is known; the portal-wide number otherwise.
    number = compose.hotline(county.code, clock.today()) if county else ""
    base = {"hotline": number or settings.JIUZHU_PORTAL_HOTLINE}
    return render(request, template, base | context, status=status)


def _too_many(
    request: HttpRequest, exc: services.TooManyRequests, template: str, context: dict
) -> HttpResponse:
    response = _page(request, template, context | {"error": exc.message}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return _page(request, "portal/home.html")


@require_GET
def policies(request: HttpRequest) -> HttpResponse:
    county = selectors.county(request.GET.get("county"))
    types = [(code, label, selectors.TYPE_SUMMARIES.get(code, "")) for code, label in AssistanceType.choices]
    return _page(
        request,
        "portal/policies.html",
        {"county": county, "counties": selectors.counties(), "types": types},
    )


@require_GET
def materials(request: HttpRequest, assistance_type: str) -> HttpResponse:
    if assistance_type not in AssistanceType.values:
        raise Http404
    county = selectors.county(request.GET.get("county"))
    rows = selectors.materials(assistance_type, county.code if county else "")
    return _page(
        request,
        "portal/materials.html",
        {
            "county": county,
            "counties": selectors.counties(),
            "assistance_type": assistance_type,
            "assistance_label": AssistanceType(assistance_type).label,
            "summary": selectors.TYPE_SUMMARIES.get(assistance_type, ""),
            "needed": [r for r in rows if r.needed],
            "shared": [r for r in rows if not r.needed],
        },
    )


def _members(form: ApplicationForm, formset) -> list[MemberInput]:
    head = MemberInput(
        name=form.cleaned_data["head_name"],
        id_number=form.cleaned_data["head_id_number"],
        relation=Relation.HEAD,
    )
    others = [
        MemberInput(
            name=f.cleaned_data["name"],
            id_number=f.cleaned_data["id_number"],
            relation=f.cleaned_data["relation"],
        )
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]
    return [head, *others]


def _signers(form: ApplicationForm, formset) -> list[tuple[str, str, str]]:
    """The head (household phone + code) and each member who gave a phone, in form order (members.N); none
    when no codes can be sent (the adults sign at the window)."""
    if "head_code" not in form.fields:
        return []
    out = [(form.cleaned_data["head_id_number"], form.cleaned_data["phone"], form.cleaned_data["head_code"])]
    for f in formset.forms:
        d = f.cleaned_data
        if d and d.get("phone"):
            out.append((d["id_number"], d["phone"], d["code"]))
    return out


def _owner(members: list[MemberInput], name: str, label: str) -> str:
    """The ID number of the member named `name` ('' for the whole household)."""
    name = (name or "").strip()
    if not name:
        return ""
    found = [m.id_number for m in members if m.name.strip() == name]
    if not found:
        raise ValidationFailed(f"{label}的“{name}”不是所填的家庭成员", field_errors={"owner": name})
    return found[0]


def _declared(members: list[MemberInput], incomes, assets):
    rows_in = [
        OnlineIncome(
            category=d["category"],
            description=d["description"],
            monthly_amount=d["monthly_amount"],
            member_id_number=_owner(members, d["owner"], "收入人"),
        )
        for d in (f.cleaned_data for f in incomes.forms)
        if d
    ]
    rows_as = [
        OnlineAsset(
            kind=d["kind"],
            description=d["description"],
            value=d["value"] or None,
            quantity=d["quantity"] or None,
            unit=d["unit"],
            member_id_number=_owner(members, d["owner"], "财产所有人"),
        )
        for d in (f.cleaned_data for f in assets.forms)
        if d
    ]
    return rows_in, rows_as


def _place_member_errors(form: ApplicationForm, formset, error: DomainError) -> None:
    """members.0.* belongs to the head's fields, members.N.* to the N-th extra row."""
    rest: dict[str, list[str]] = {}
    for key, msgs in error.field_errors.items():
        parts = key.split(".")
        if parts[0] == "members" and len(parts) == 3 and parts[1].isdigit():
            i, name = int(parts[1]), parts[2]
            if i == 0 and f"head_{name}" in form.fields:
                for m in msgs:
                    form.add_error(f"head_{name}", m)
                continue
            if 0 < i <= len(formset.forms) and name in formset.forms[i - 1].fields:
                for m in msgs:
                    formset.forms[i - 1].add_error(name, m)
                continue
        rest[key] = msgs
    apply_error(form, DomainError(error.message, field_errors=rest))


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """A3: the online application (最多跑一次)."""
    county = selectors.county(request.GET.get("county") or request.POST.get("county"))
    if county is None:
        return _page(request, "portal/pick_county.html", {"counties": selectors.counties(), "next": "apply"})
    villages = selectors.villages_by_township(county.code)
    initial_type = request.GET.get("type") if request.GET.get("type") in AssistanceType.values else None
    form = ApplicationForm(
        request.POST or None,
        request.FILES or None,
        villages=villages,
        items=selectors.upload_items(county.code),
        initial={"assistance_type": initial_type} if initial_type else None,
        codes=phone_codes.available(),
    )
    formset = MemberFormSet(request.POST or None, prefix="m")
    incomes = IncomeFormSet(request.POST or None, prefix="inc")
    assets = AssetFormSet(request.POST or None, prefix="ast")
    context = {
        "form": form,
        "formset": formset,
        "incomes": incomes,
        "assets": assets,
        "county": county,
        "codes": "head_code" in form.fields,
    }
    valid = [x.is_valid() for x in (form, formset, incomes, assets)]  # every form's errors shown at once
    if request.method == "POST" and all(valid):
        data = form.cleaned_data
        members = _members(form, formset)
        try:
            declared_incomes, declared_assets = _declared(members, incomes, assets)
            case = services.application_submit(
                data=services.PortalApplication(
                    area_code=data["area_code"],
                    address=data["address"],
                    phone=data["phone"],
                    members=members,
                    assistance_type=data["assistance_type"],
                    reason=data["reason"],
                    requested_amount=data["requested_amount"] or None,
                    consent_verification=data["consent_verification"],
                    consent_commitment=data["consent_commitment"],
                    uploads=data["uploads"],
                    signers=_signers(form, formset),
                    incomes=declared_incomes,
                    assets=declared_assets,
                    items=form.item_uploads(),
                ),
                ip=client_ip(request),
            )
        except services.TooManyRequests as exc:
            return _too_many(request, exc, "portal/apply.html", context)
        except RECOVERABLE as exc:
            _place_member_errors(form, formset, exc)
        else:
            request.session[SESSION_SUBMITTED] = {"number": case.number, "township": case.township_code}
            return redirect("portal:apply_done")
    return _page(request, "portal/apply.html", context, status=400 if request.method == "POST" else 200)


@require_POST
def phone_code(request: HttpRequest) -> JsonResponse:
    """Send a one-time code to the phone typed in the application form (called by the page's script)."""
    try:
        masked = services.phone_code_send(phone=request.POST.get("phone", ""), ip=client_ip(request))
    except services.TooManyRequests as exc:
        return JsonResponse({"ok": False, "message": exc.message}, status=429)
    except RECOVERABLE as exc:
        return JsonResponse({"ok": False, "message": exc.message}, status=400)
    return JsonResponse({"ok": True, "message": f"验证码已发送至 {masked}，10 分钟内有效"})


@require_GET
def apply_done(request: HttpRequest) -> HttpResponse:
    submitted = request.session.get(SESSION_SUBMITTED)
    if not submitted:
        return redirect("portal:apply")
    return _page(request, "portal/apply_done.html", {"number": submitted["number"]})


@require_http_methods(["GET", "POST"])
def status_query(request: HttpRequest) -> HttpResponse:
    """Follow an application: number + ID number of a household member (rate-limited; a wrong pair reveals
    nothing)."""
    form = QueryForm(request.POST or None, initial={"number": request.GET.get("number", "")[:20]})
    if request.method == "POST" and form.is_valid():
        try:
            access = services.status_query(
                number=form.cleaned_data["number"],
                id_number=form.cleaned_data["id_number"],
                ip=client_ip(request),
            )
        except services.TooManyRequests as exc:
            return _too_many(request, exc, "portal/query.html", {"form": form})
        except RECOVERABLE as exc:
            form.add_error(None, exc.message)
        else:
            request.session.cycle_key()
            request.session[SESSION_ACCESS] = access.as_session()
            return redirect("portal:status_case")
    return _page(request, "portal/query.html", {"form": form}, status=400 if form.errors else 200)


def _access(request: HttpRequest) -> services.Access | None:
    return selectors.access_from_session(request.session.get(SESSION_ACCESS))


def _expired(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_ACCESS, None)
    messages.info(request, "查询已超时，请重新输入申请编号和身份证号")
    return redirect("portal:status_query")


@require_GET
def status_case(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    if access is None:
        return _expired(request)
    try:
        view = selectors.case_view(access)
    except NotFound:
        return _expired(request)
    return _page(
        request,
        "portal/case.html",
        {
            "case": view,
            "notices": selectors.intake_notices(access),
            "documents": selectors.documents(access),
            "objections": selectors.objections(access),
            "objection_form": ObjectionForm() if view.can_object else None,
        },
    )


@require_GET
def status_document(request: HttpRequest, document_id: int) -> HttpResponseBase:
    access = _access(request)
    if access is None:
        return _expired(request)
    document = selectors.document(access, document_id)
    response = FileResponse(
        services.document_open(access=access, document=document), content_type="application/pdf"
    )
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(document.number + '.pdf')}"
    return response


@require_POST
def status_objection(request: HttpRequest) -> HttpResponse:
    """P3: a household member objects during the public notice."""
    access = _access(request)
    if access is None:
        return _expired(request)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            services.objection_submit(
                access=access, content=form.cleaned_data["content"], contact=form.cleaned_data["contact"]
            )
        except RECOVERABLE as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "异议已提交，乡镇（街道）将进行复核并告知您结果")
    else:
        messages.error(request, "请填写异议内容（5–2000 字）")
    return redirect("portal:status_case")


@require_POST
def status_leave(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_ACCESS, None)
    return redirect("portal:home")


@require_http_methods(["GET", "POST"])
def complaint(request: HttpRequest) -> HttpResponse:
    """S8, S12: complaints and reports; anonymous allowed."""
    form = ComplaintForm(request.POST or None, areas=selectors.areas_for_complaints())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            found = services.complaint_submit(
                kind=data["kind"],
                area_code=data["area_code"],
                content=data["content"],
                name=data["name"],
                phone=data["phone"],
                case_number=data["case_number"],
                ip=client_ip(request),
            )
        except services.TooManyRequests as exc:
            return _too_many(request, exc, "portal/complaint.html", {"form": form})
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            request.session[SESSION_COMPLAINT] = found.number
            return redirect("portal:complaint_done")
    return _page(request, "portal/complaint.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def complaint_done(request: HttpRequest) -> HttpResponse:
    number = request.session.get(SESSION_COMPLAINT)
    if not number:
        return redirect("portal:complaint")
    return _page(request, "portal/complaint_done.html", {"number": number})


@login_required
@require_GET
def staff_complaints(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Bureau staff: complaints from the portal waiting for the supervision app (S8)."""
    rows = selectors.complaints_visible_to(request.user)
    listing = paginate(request, rows)
    return render(request, "portal/staff_complaints.html", {"listing": listing, "page_title": "群众投诉举报"})
