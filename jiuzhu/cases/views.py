"""Pages of applications: the list, a new application from every staff channel, and the case page with its
printouts and files. What staff do on the page is posted to `views_actions.py`; the step panel is built in
`views_steps.py`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.cases import documents as case_documents
from jiuzhu.cases import hooks, selectors
from jiuzhu.cases.emergency_paperwork import key_of, outstanding
from jiuzhu.cases.forms import (
    AcceptForm,
    CaseForm,
    FilingForm,
    RefuseForm,
    WithdrawForm,
)
from jiuzhu.cases.materials import missing_items, requirements_for, signers
from jiuzhu.cases.models import Case, CaseMaterial, CaseNotice, Channel, NoticeKind, SignatureKind
from jiuzhu.cases.services import files, intake
from jiuzhu.cases.states import State
from jiuzhu.cases.transitions import (
    TRANSITIONS,
    available_actions,
    can,
    sources_of,
)
from jiuzhu.cases.views_backfill import backfill_context
from jiuzhu.cases.views_steps import ACTIONS, step_context
from jiuzhu.core import clock
from jiuzhu.core.errors import RECOVERABLE, NotFound
from jiuzhu.core.exports import stream_rows, xlsx_response
from jiuzhu.core.forms import apply_error
from jiuzhu.core.formtokens import one_time_form
from jiuzhu.core.listing import date_param, paginate, wants_export
from jiuzhu.core.selectors import events_for_object
from jiuzhu.core.types import AssistanceType
from jiuzhu.documents import kinds
from jiuzhu.documents.forms import AttachmentForm
from jiuzhu.documents.selectors import attachments_visible_to, documents_of
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import Jurisdiction, Level, User
from jiuzhu.orgs.roles import Perm, Role
from jiuzhu.registry import selectors as registry
from jiuzhu.registry.models import NearRelative, UrbanRural
from jiuzhu.registry.selectors import areas_for


@login_required
@require_GET
def case_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    f = request.GET
    qs = selectors.search_cases(
        request.user,
        number=f.get("number", ""),
        q=f.get("q", "").strip(),
        id_number=f.get("id_number", "").strip(),
        area=f.get("area", ""),
        assistance_type=f.get("type", ""),
        status=f.get("status", ""),
        channel=f.get("channel", ""),
        applied_from=date_param(request, "from"),
        applied_to=date_param(request, "to"),
    ).order_by("-applied_on", "-id")
    if wants_export(request):
        names = dict(Jurisdiction.objects.filter(level__gte=Level.TOWNSHIP).values_list("code", "name"))
        return xlsx_response(
            "救助申请",
            [
                "申请编号",
                "户主",
                "类型",
                "渠道",
                "申请日期",
                "受理乡镇（街道）",
                "村（社区）",
                "状态",
                "近亲属",
            ],
            (
                (
                    c.number,
                    c.household.head_name,
                    c.get_assistance_type_display(),
                    c.get_channel_display(),
                    c.applied_on,
                    names.get(c.township_code, ""),
                    names.get(c.household.area_code, ""),
                    c.status_label,
                    c.has_near_relative,
                )
                for c in stream_rows(qs)
            ),
        )

    return render(
        request,
        "cases/case_list.html",
        {
            "page_title": "救助申请",
            "listing": paginate(request, qs),
            "f": f,
            "areas": areas_for(request.user),
            "types": AssistanceType.choices,
            "states": State.choices,
            "channels": Channel.choices,
            "can_add": authz.can(request.user, Perm.CASE_CREATE),
        },
    )


def _townships_for(user: User, household) -> list[Jurisdiction]:
    """Where this household may apply (A1: registration or residence), among places the user works in."""
    codes = {household.township_code}
    if household.hukou_area_code:
        codes.add(household.hukou_area_code[:9] + "000")
    places = Jurisdiction.objects.filter(code__in=codes, level=Level.TOWNSHIP)
    allowed = [t for t in places if authz.in_scope(user, t.code) or authz.in_scope(user, household.area_code)]
    own = [
        m.organisation.jurisdiction
        for m in authz.memberships(user)
        if m.organisation.jurisdiction.level == Level.TOWNSHIP and m.organisation.jurisdiction not in allowed
    ]
    return allowed + own


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def case_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.CASE_CREATE)
    discovery = None
    if request.GET.get("discovery"):
        discovery = registry.get_discovery(request.user, request.GET["discovery"])
    if not request.GET.get("household"):
        q = request.GET.get("q", "").strip()
        idn = request.GET.get("id_number", "").strip()
        found = registry.search_households(request.user, q=q, id_number=idn)[:30] if (q or idn) else []
        return render(
            request,
            "cases/case_pick_household.html",
            {
                "page_title": "登记申请",
                "found": found,
                "searched": bool(q or idn),
                "q": q or (discovery.family_name if discovery else ""),
                "id_number": idn,
                "discovery": discovery,
                "can_register": authz.can(request.user, Perm.HOUSEHOLD_EDIT),
            },
        )
    household = registry.get_household(request.user, request.GET["household"])
    authz.require(request.user, Perm.CASE_CREATE, household.area_code)
    members = list(household.members.filter(is_active=True))
    head = next((m for m in members if m.is_head), None)
    initial = {
        # The 低保 of the household's kind: a rural family would otherwise start on 城市低保, the first choice.
        "assistance_type": AssistanceType.DIBAO_RURAL
        if household.urban_rural == UrbanRural.RURAL
        else AssistanceType.DIBAO_URBAN,
        "applied_on": clock.today(),
        "applicant": head.pk if head else None,
        "township_code": household.township_code,
        "consent_on": clock.today(),
    }
    if discovery is not None:
        initial |= {"assistance_type": discovery.suggested_type, "reason": discovery.situation}
    form = CaseForm(
        request.POST or None,
        members=members,
        townships=_townships_for(request.user, household),
        from_discovery=discovery is not None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = intake.CaseInput(
            assistance_type=d["assistance_type"],
            applicant=next(m for m in members if str(m.pk) == d["applicant"]),
            applied_on=d["applied_on"],
            reason=d["reason"],
            requested_amount=d["requested_amount"],
            township_code=d["township_code"],
        )
        try:
            if discovery is not None:
                case = intake.case_from_discovery(
                    by=request.user,
                    report=discovery,
                    household=household,
                    data=data,
                    consent_on=d["consent_on"] or clock.today(),
                )
            else:
                channel = (
                    Channel.VILLAGE
                    if authz.roles(request.user) == {Role.VILLAGE_ASSISTANT}
                    else Channel.COUNTER
                )
                case = intake.case_create(by=request.user, household=household, data=data, channel=channel)
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已登记申请 {case.number}")
            return redirect("case_detail", pk=case.pk)
    return render(
        request,
        "cases/case_form.html",
        {"page_title": "登记申请", "form": form, "household": household, "discovery": discovery},
    )


def _materials_view(case: Case):
    """The checklist as shown on the case page: each item with its state."""
    received: dict[int, list[CaseMaterial]] = {}
    for m in case.materials.select_related("requirement", "member", "received_by"):
        received.setdefault(m.requirement_id, []).append(m)
    members = list(case.household.members.filter(is_active=True))
    rows = []
    for req in requirements_for(case.assistance_type, case.county_code):
        got = received.get(req.id, [])
        if req.per_member:
            for member in members:
                mine = [g for g in got if g.member_id == member.id]
                rows.append({"req": req, "member": member, "received": mine[0] if mine else None})
        else:
            rows.append({"req": req, "member": None, "received": got[0] if got else None})
    return rows


@login_required
@require_GET
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return case_page(request, selectors.get_case(request.user, pk))


def filing_form(relative_pk: int, data=None) -> FilingForm:
    """One near-relative filing form per flagged relative; element ids stay unique on the page."""
    return FilingForm(
        data,
        auto_id=f"id_filing{relative_pk}_%s",
        initial={"relative": relative_pk, "filed_on": clock.today()},
    )


def case_page(request: AuthenticatedHttpRequest, case: Case, *, bound: dict | None = None) -> HttpResponse:
    """The case page. `bound` holds a form the user submitted with errors (a step by its action, a filing
    as "filing"): it is shown open in its place with what was typed and every error next to its field."""
    bound = bound or {}
    signed = {(s.member_id, s.kind): s for s in case.signatures.all()}
    signature_rows = [
        {
            "member": m,
            "items": [(kind, label, signed.get((m.id, kind))) for kind, label in SignatureKind.choices],
        }
        for m in signers(case)
    ]
    relatives = {
        r.id: r
        for r in NearRelative.objects.filter(
            id__in=[c.data.get("relative") for c in case.checks.all() if c.data.get("relative")]
        )
    }
    filed = {f.relative_id: f for f in case.filings.all()}
    failed_filing = bound.get("filing")
    checks = []
    for c in case.checks.filter(cleared_at__isnull=True):
        relative = relatives.get(c.data.get("relative"))
        form = None
        if relative is not None and relative.pk not in filed:
            mine = failed_filing is not None and str(failed_filing.data.get("relative")) == str(relative.pk)
            form = failed_filing if mine else filing_form(relative.pk)
        checks.append((c, relative, filed.get(c.data.get("relative")), form))
    can_process = authz.can(request.user, Perm.CASE_PROCESS, case.area_code)
    context = {
        "page_title": case.number,
        "case": case,
        "household": case.household,
        "township": Jurisdiction.objects.filter(code=case.township_code).first(),
        "materials": _materials_view(case),
        "signature_rows": signature_rows,
        "signature_kinds": SignatureKind.choices,
        "checks": checks,
        "missing": missing_items(case),
        "notices": case.notices.all(),
        "actions": available_actions(case, request.user),
        "events": events_for_object(case),
        "can_process": can_process,
        "intake_open": can(case, "intake_records"),
        "acceptance_open": case.status in sources_of("accept"),
        "today": clock.today(),
        "accept_form": bound.get("accept")
        or AcceptForm(initial={"version": case.version, "accepted_on": clock.today()}),
        "refuse_form": bound.get("refuse") or RefuseForm(),
        "withdraw_form": bound.get("withdraw") or WithdrawForm(initial={"on": clock.today()}),
    }

    context |= step_context(request, case, {k: v for k, v in bound.items() if k in ACTIONS})
    # Written notices of intake are issued by their own buttons (A4): one button each, not a second here.
    context["issuable"] = [
        (k, kinds.name_of(k))
        for k in case_documents.issuable(case)
        if k not in case_documents.ISSUED_WITH_NOTICE
        and authz.can(request.user, kinds.get(k).issue_perm, case.area_code)
    ]
    context["documents"] = documents_of(request.user, [case]).order_by("-issued_at")
    context |= _files(request, case)
    context["case_panels"] = hooks.panels_for(request, case)
    context |= backfill_context(case)
    context |= emergency_context(request, case)
    return render(request, "cases/case_detail.html", context)


def emergency_context(request: AuthenticatedHttpRequest, case: Case) -> dict:
    """P8: while an aided case waits for its registration, what the normal path's paperwork still lacks."""
    if case.status != State.EMERGENCY_AIDED:
        return {}
    aid = getattr(case, "emergency", None)
    return {
        "emergency_outstanding": [(key_of(m), m) for m in outstanding(case)],
        "emergency_waivers": case.emergency_waivers.select_related("waived_by"),
        "emergency_overdue": aid is not None and clock.today() > aid.register_due_on,
        "can_waive": authz.can(request.user, Perm.CASE_DECIDE_BUREAU, case.area_code),
    }


def done_redirect(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    """After a step: the case page again, with the new state (htmx navigates the whole page there)."""
    url = reverse("case_detail", args=[case.pk])
    if request.htmx:
        return HttpResponse(headers={"HX-Redirect": url})
    return redirect(url + "#steps")


def form_with_errors(request: AuthenticatedHttpRequest, case: Case, key: str, form) -> HttpResponse:
    """A form submitted with errors comes back as typed, each error next to its field: in place (htmx), or
    as the whole case page with that form open, which then brings the first wrong field into view."""
    if request.htmx:
        template = "cases/_filing_form.html" if key.startswith("filing") else "cases/_step_form.html"
        return render(
            request,
            template,
            {"case": case, "t": TRANSITIONS.get(key), "form": form, "relative_pk": form.data.get("relative")},
        )
    return case_page(request, case, bound={key: form})


@login_required
@require_POST
def issue_document(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    """Issue one of the case's official documents as a numbered PDF (DOMAIN §8)."""

    case = selectors.get_case(request.user, pk)
    try:
        document = case_documents.issue(by=request.user, case=case, kind=kind)
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
        return back_to_case(case)
    messages.success(request, f"已出具{document.title}（{document.number}）")
    return redirect("document_detail", pk=document.pk)


def _files(request: AuthenticatedHttpRequest, case: Case) -> dict:
    """Attachments of the case and of its materials and records, grouped for the page (AR1)."""

    owners = [case, *case.materials.all(), *case.investigations.all()]
    keys: dict[tuple[int | None, str], Model] = {
        (ContentType.objects.get_for_model(o).pk, str(o.pk)): o for o in owners
    }
    grouped: dict = {}
    rows = attachments_visible_to(request.user).filter(
        owner_type_id__in={k[0] for k in keys}, owner_id__in={k[1] for k in keys}
    )
    for a in rows:
        if (a.owner_type_id, a.owner_id) in keys:
            grouped.setdefault(keys[(a.owner_type_id, a.owner_id)], []).append(a)
    targets = [("case", "本申请")] + [
        (f"investigation:{i.pk}", f"入户调查 {i.visited_on:%Y-%m-%d}") for i in case.investigations.all()
    ]
    return {
        "files": grouped,
        "material_files": {m.pk: grouped.get(m, []) for m in case.materials.all()},
        "upload_form": AttachmentForm(prefix="f"),
        "upload_targets": targets,
    }


@login_required
@require_POST
def attach(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Upload a scan, photo or video to the case or one of its records (I1 photos and video, AR1)."""

    case = selectors.get_case(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES, prefix="f")
    if not form.is_valid():
        messages.error(request, "请选择文件和类别")
        return back_to_case(case)
    try:
        files.attach(
            by=request.user,
            case=case,
            owner_ref=request.POST.get("owner", "case"),
            upload=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
            note=form.cleaned_data["note"],
        )
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已上传")
    return back_to_case(case)


def back_to_case(case: Case) -> HttpResponse:
    return redirect(reverse("case_detail", args=[case.pk]))


@login_required
@require_GET
def case_notice(request: AuthenticatedHttpRequest, pk: int, notice_pk: int) -> HttpResponse:
    """A printable written notice (A4): the one-time notice or the not-eligible notice."""
    case = selectors.get_case(request.user, pk)
    notice = CaseNotice.objects.filter(pk=notice_pk, case=case).first()
    if notice is None:
        raise NotFound()
    township = Jurisdiction.objects.filter(code=case.township_code).first()
    return render(
        request,
        "cases/notice_print.html",
        {
            "page_title": notice.get_kind_display(),
            "case": case,
            "notice": notice,
            "township": township,
            "is_missing": notice.kind == NoticeKind.MISSING_MATERIALS,
        },
    )
