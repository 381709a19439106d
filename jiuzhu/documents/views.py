"""Pages: issued documents, their PDFs and attachments, templates, and the public verification page."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.core import clock
from jiuzhu.core.errors import RECOVERABLE, NotFound
from jiuzhu.core.exports import stream_rows, xlsx_response
from jiuzhu.core.filetypes import AttachmentKind, download_name
from jiuzhu.core.forms import apply_error
from jiuzhu.core.jurisdiction_codes import county_code
from jiuzhu.core.listing import date_param, paginate, wants_export
from jiuzhu.core.selectors import events_for_object
from jiuzhu.documents import compose, kinds, rendering, selectors, services
from jiuzhu.documents.forms import AttachmentForm, DelegationLetterForm, PrefixForm, RevokeForm, TemplateForm
from jiuzhu.documents.models import IssuedDocument, NumberStatus
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import Jurisdiction, Organisation
from jiuzhu.orgs.roles import Perm
from jiuzhu.orgs.selectors import counties_visible_to, get_grant


def _file_response(handle, *, filename: str, content_type: str, inline: bool) -> FileResponse:
    response = FileResponse(handle, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    return response


def pdf_filename(document: IssuedDocument) -> str:
    return f"{document.title}-{document.number}.pdf"


# --- issued documents ----------------------------------------------------------------------------------


@login_required
@require_GET
def document_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    qs = selectors.documents_visible_to(request.user).order_by("-issued_at", "-id")
    f = request.GET
    if kind := f.get("kind", "").strip():
        qs = qs.filter(kind=kind)
    if start := date_param(request, "from"):
        qs = qs.filter(issued_at__date__gte=start)
    if end := date_param(request, "to"):
        qs = qs.filter(issued_at__date__lte=end)
    if number := f.get("number", "").strip():
        qs = qs.filter(number__contains=number)
    if f.get("revoked") in ("0", "1"):
        qs = qs.filter(revoked=f["revoked"] == "1")
    if wants_export(request):
        return xlsx_response(
            "已出具文书",
            ["出具时间", "文书种类", "文号", "标题", "发文机关", "承办单位", "出具人", "状态", "区划"],
            (
                (
                    d.issued_at,
                    d.kind_name,
                    d.number,
                    d.title,
                    d.authority_name,
                    d.handling_unit_name,
                    d.issued_by.get_full_name(),
                    "已作废" if d.revoked else "有效",
                    d.area_code,
                )
                for d in stream_rows(qs[:50000])
            ),
        )
    return render(
        request,
        "documents/document_list.html",
        {"page_title": "已出具文书", "listing": paginate(request, qs), "kinds": kinds.KIND_CHOICES, "f": f},
    )


@login_required
@require_GET
def number_register(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """发文登记: every 文号 given, with the document it became or the reason it is void."""
    qs = selectors.register_visible_to(request.user).order_by("organisation__name", "-year", "-serial")
    f = request.GET
    if year := f.get("year", "").strip():
        qs = qs.filter(year=int(year)) if year.isdigit() else qs.none()
    if status := f.get("status", "").strip():
        qs = qs.filter(status=status)
    if number := f.get("number", "").strip():
        qs = qs.filter(number__contains=number)
    if wants_export(request):
        return xlsx_response(
            "发文登记",
            [
                "发文单位",
                "年度",
                "序号",
                "文号",
                "文书种类",
                "标题",
                "状态",
                "取号时间",
                "取号人",
                "空号原因",
            ],
            (
                (
                    n.organisation.name,
                    n.year,
                    n.serial,
                    n.number,
                    n.get_kind_display(),
                    n.title,
                    n.get_status_display(),
                    n.reserved_at,
                    n.reserved_by.get_full_name() if n.reserved_by else "系统",
                    n.void_reason,
                )
                for n in stream_rows(qs[:50000])
            ),
        )
    return render(
        request,
        "documents/number_register.html",
        {
            "page_title": "发文登记",
            "listing": paginate(request, qs),
            "statuses": NumberStatus.choices,
            "f": f,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    document = selectors.get_document(request.user, pk)
    issue_perm = kinds.get(document.kind).issue_perm
    can_manage = authz.can(request.user, issue_perm, document.area_code)
    revoke_form = RevokeForm(prefix="v")
    upload_form = AttachmentForm(prefix="a", kinds=[AttachmentKind.SCAN])
    if request.method == "POST":
        authz.require(request.user, issue_perm, document.area_code)
        action = request.POST.get("action")
        if action == "revoke":
            revoke_form = RevokeForm(request.POST, prefix="v")
            if revoke_form.is_valid():
                try:
                    services.document_revoke(
                        by=request.user, document=document, reason=revoke_form.cleaned_data["reason"]
                    )
                except RECOVERABLE as exc:
                    apply_error(revoke_form, exc)
                else:
                    messages.success(request, f"已作废：{document.number}")
                    return redirect("document_detail", pk=document.pk)
        elif action == "upload":
            upload_form = AttachmentForm(request.POST, request.FILES, prefix="a", kinds=[AttachmentKind.SCAN])
            if upload_form.is_valid():
                try:
                    services.attachment_store(
                        by=request.user,
                        upload=upload_form.cleaned_data["file"],
                        kind=upload_form.cleaned_data["kind"],
                        note=upload_form.cleaned_data["note"],
                        area_code=document.area_code,
                        owner=document,
                        perm=issue_perm,
                    )
                except RECOVERABLE as exc:
                    apply_error(upload_form, exc)
                else:
                    messages.success(request, "已上传签章后的扫描件")
                    return redirect("document_detail", pk=document.pk)
        else:
            raise NotFound()
    return render(
        request,
        "documents/document_detail.html",
        {
            "page_title": document.title,
            "document": document,
            "verify_url": rendering.verify_url(str(document.uuid), document.content_sha256),
            "can_manage": can_manage,
            "revoke_form": revoke_form,
            "upload_form": upload_form,
            "upload_action": reverse("document_detail", args=[document.pk]),
            "attachments": selectors.attachments_of(request.user, document),
            "events": events_for_object(document),
        },
    )


@login_required
@require_GET
def document_pdf(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    document = selectors.get_document(request.user, pk)
    handle = services.document_open(by=request.user, document=document)
    return _file_response(
        handle,
        filename=pdf_filename(document),
        content_type="application/pdf",
        inline=request.GET.get("download") != "1",
    )


@login_required
@require_GET
def attachment_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    attachment = selectors.get_attachment(request.user, pk)
    handle = services.attachment_open(by=request.user, attachment=attachment)
    return _file_response(
        handle,
        filename=download_name(attachment.original_name, attachment.content_type),
        content_type=attachment.content_type,
        inline=attachment.inline,
    )


@login_required
@require_http_methods(["GET", "POST"])
def delegation_letter_issue(request: AuthenticatedHttpRequest, grant_pk: int) -> HttpResponse:
    """D5: print the delegation letter of a grant (bureau officers)."""
    grant = get_grant(request.user, grant_pk)
    authz.require(request.user, Perm.DELEGATION_MANAGE, grant.township_id)
    county = Jurisdiction.objects.get(code=county_code(grant.township_id))
    form = DelegationLetterForm(
        request.POST or None,
        initial={
            "plan_name": compose.default_plan_name(county),
            "legal_basis": "\n".join(compose.default_legal_basis(grant.township_id)),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            document = services.delegation_letter_issue(
                by=request.user,
                grant=grant,
                legal_basis=form.basis_lines(),
                plan_name=form.cleaned_data["plan_name"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已出具委托书：{document.number}")
            return redirect("document_detail", pk=document.pk)
    return render(
        request,
        "documents/delegation_letter_form.html",
        {
            "page_title": "出具委托书",
            "grant": grant,
            "form": form,
            "grants": compose.letter_grants(grant),
            "letters": selectors.delegation_letters_for_grant(request.user, grant),
        },
    )


# --- templates -----------------------------------------------------------------------------------------


def _template_kind(kind: str) -> kinds.DocKind:
    found = kinds.KINDS.get(kind)
    if found is None or not found.has_default:
        raise NotFound("没有这种文书模板")
    return found


@login_required
@require_http_methods(["GET", "POST"])
def template_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    county = selectors.template_county(request.user, request.GET.get("county"))
    orgs = list(
        Organisation.objects.filter(jurisdiction__code__startswith=county.code[:6]).select_related(
            "jurisdiction"
        )
    )
    orgs = [o for o in orgs if o.kind in ("government", "bureau", "township")]
    form = PrefixForm(request.POST or None, organisations=orgs)
    if request.method == "POST" and form.is_valid():
        org = next((o for o in orgs if str(o.pk) == form.cleaned_data["organisation"]), None)
        if org is None:
            raise NotFound()
        try:
            services.number_prefix_set(by=request.user, org=org, prefix=form.cleaned_data["prefix"])
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已设置{org.name}的文号字头")
            return redirect(f"{reverse('document_templates')}?county={county.code}")
    return render(
        request,
        "documents/template_list.html",
        {
            "page_title": "文书模板",
            "county": county,
            "counties": counties_visible_to(request.user).order_by("code"),
            "rows": selectors.template_table(request.user, county),
            "pending": [k for k in kinds.KINDS.values() if not k.has_default],
            "prefixes": [(o, services.prefix_for(o)) for o in orgs],
            "form": form,
            "year": clock.today().year,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    county = selectors.template_county(request.user, request.GET.get("county"))
    doc_kind = _template_kind(kind)
    current = selectors.current_template(kind, county.code)
    initial_html = current.html
    if (source := request.GET.get("from", "")).isdigit():
        initial_html = selectors.get_template_version(request.user, kind, county, int(source)).html
    form = TemplateForm(request.POST or None, initial={"html": initial_html})
    if request.method == "POST" and form.is_valid():
        try:
            row = services.template_save(
                by=request.user,
                kind=kind,
                county=county,
                html=form.cleaned_data["html"],
                note=form.cleaned_data["note"],
            )
        except RECOVERABLE as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已保存为第 {row.version} 版，此后出具的{doc_kind.name}使用此版本")
            return redirect(f"{reverse('document_template_edit', args=[kind])}?county={county.code}")
    return render(
        request,
        "documents/template_edit.html",
        {
            "page_title": f"编辑模板：{doc_kind.name}",
            "kind": doc_kind,
            "county": county,
            "current": current,
            "form": form,
            "sample_keys": sorted(doc_kind.sample()),
        },
    )


@login_required
@require_POST
def template_preview(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    """htmx: render the posted template with the sample content — as HTML in a frame, or as a PDF."""
    county = selectors.template_county(request.user, request.GET.get("county"))
    doc_kind = _template_kind(kind)
    source = request.POST.get("html", "")
    try:
        html = compose.render_sample(doc_kind, source, issued_on=clock.today())
    except RECOVERABLE as exc:
        return render(request, "documents/template_edit.html#preview", {"error": exc, "county": county})
    if request.GET.get("format") == "pdf":
        response = HttpResponse(rendering.render_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(doc_kind.name + '-样稿.pdf')}"
        return response
    return render(request, "documents/template_edit.html#preview", {"html": html, "county": county})


@login_required
@require_GET
def template_history(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    county = selectors.template_county(request.user, request.GET.get("county"))
    doc_kind = _template_kind(kind)
    versions = selectors.template_history(request.user, kind, county)
    shown = None
    if (v := request.GET.get("version", "")).isdigit():
        shown = selectors.get_template_version(request.user, kind, county, int(v))
    return render(
        request,
        "documents/template_history.html",
        {
            "page_title": f"模板历史：{doc_kind.name}",
            "kind": doc_kind,
            "county": county,
            "versions": versions,
            "current": selectors.current_template(kind, county.code),
            "shown": shown,
        },
    )


@login_required
@require_POST
def template_restore(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    county = selectors.template_county(request.user, request.GET.get("county"))
    doc_kind = _template_kind(kind)
    try:
        row = services.template_restore_default(by=request.user, kind=kind, county=county)
    except RECOVERABLE as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已恢复系统默认模板（第 {row.version} 版），历史版本仍保留")
    return redirect(f"{reverse('document_template_history', args=[doc_kind.code])}?county={county.code}")


# --- public verification -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, doc_uuid: str) -> HttpResponse:
    """Public (no login): is this document genuine? Shows only what is printed on it anyway."""
    code = request.POST.get("h") or request.GET.get("h", "")
    result = selectors.verify(doc_uuid, code)
    upload_result = None
    upload_error = ""
    upload = request.FILES.get("file") if request.method == "POST" else None
    if result.document is not None and upload is not None:
        if upload.size and upload.size > settings.UPLOAD_MAX_BYTES:
            upload_error = "文件过大，无法比对"
        else:
            upload_result = selectors.pdf_matches(result.document, upload.read())
    status = 404 if result.document is None else 200
    return render(
        request,
        "documents/verify.html",
        {
            "page_title": "文书真伪核验",
            "result": result,
            "code": code,
            "upload_result": upload_result,
            "upload_error": upload_error,
        },
        status=status,
    )
