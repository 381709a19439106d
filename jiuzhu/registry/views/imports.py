"""Pages of the household import: the upload (checked, then previewed by a background job), the job page
with its progress and errors, committing the previewed file, the error workbook and the template."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.exports import XLSX, attachment, xlsx_bytes
from jiuzhu.core.formtokens import one_time_form
from jiuzhu.core.models import Job
from jiuzhu.core.retention import log_download
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry import selectors
from jiuzhu.registry.forms import UploadForm
from jiuzhu.registry.imports.job import import_commit, import_start
from jiuzhu.registry.imports.layout import template_rows
from jiuzhu.registry.imports.report import open_error_workbook


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def household_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    authz.require(request.user, Perm.DATA_IMPORT)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_start(by=request.user, upload=form.cleaned_data["file"])
        except ValidationFailed as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("household_import_job", pk=job.pk)
    history = Job.objects.filter(kind=selectors.IMPORT_KIND, created_by=request.user)[:20]
    return render(
        request, "registry/import.html", {"page_title": "批量导入家庭", "form": form, "history": history}
    )


@login_required
@require_GET
def household_import_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = selectors.get_import_job(request.user, pk)
    template = "registry/import_job.html#progress" if request.htmx else "registry/import_job.html"
    return render(request, template, {"page_title": "导入进度", "job": job})


@login_required
@require_GET
def household_import_errors(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """Every error row of a finished import job as Excel (the page lists only the first ones)."""
    job = selectors.get_import_job(request.user, pk)
    fh, filename = open_error_workbook(job)
    log_download(by=request.user, obj=job, area_code=job.area_code, what=filename)  # full ID numbers (PI1)
    return FileResponse(fh, as_attachment=True, filename=filename, content_type=XLSX)


@login_required
@require_POST
@one_time_form
def household_import_commit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    preview = selectors.get_import_job(request.user, pk)
    commit = import_commit(by=request.user, preview=preview, mode=request.POST.get("mode", ""))
    return redirect("household_import_job", pk=commit.pk)


@login_required
@require_GET
def household_import_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    headers, example = template_rows()
    return attachment(xlsx_bytes("家庭导入模板", headers, example), "家庭导入模板.xlsx", XLSX)
