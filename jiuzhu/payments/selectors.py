"""One scoping function per payments object, shared by the pages and the API: outside the user's counties an
object does not exist (404); in scope without the role, 403."""

from __future__ import annotations

from jiuzhu.core.errors import NotFound
from jiuzhu.core.models import Job
from jiuzhu.orgs import authz
from jiuzhu.orgs.roles import Perm
from jiuzhu.orgs.selectors import counties_visible_to
from jiuzhu.payments.models import PayrollRun
from jiuzhu.payments.services import RECONCILE_KIND


def get_run(user, pk: int) -> PayrollRun:
    run = PayrollRun.objects.filter(pk=pk).select_related("job", "by").first()
    if run is None or not counties_visible_to(user).filter(code=run.county_code).exists():
        raise NotFound()
    return run


def get_reconcile_job(user, pk: int, *, full: bool = True) -> Job:
    """`full=False` leaves out the result (every bad row: large) for progress polling."""
    qs = Job.objects.filter(pk=pk, kind=RECONCILE_KIND)
    job = (qs if full else qs.defer("result")).first()
    if job is None:
        raise NotFound()
    authz.require(user, Perm.RECONCILE, job.area_code)
    return job
