"""Reads of the archive app, scoped to the user (convention 5). The public board reads are in `boards`."""

from __future__ import annotations

from django.db.models import QuerySet

from jiuzhu.archive.boards import villages_q
from jiuzhu.archive.services import BUNDLE_KIND
from jiuzhu.core.errors import NotFound
from jiuzhu.core.models import Job
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import Jurisdiction, Level
from jiuzhu.orgs.roles import Perm


def villages_visible_to(user) -> QuerySet[Jurisdiction]:
    authz.require(user, Perm.VIEW)
    return Jurisdiction.objects.filter(level=Level.VILLAGE).filter(villages_q(authz.scope_prefixes(user)))


def get_village(user, code: str) -> Jurisdiction:
    found = villages_visible_to(user).select_related("parent").filter(code=code).first()
    if found is None:
        raise NotFound()
    return found


def bundle_jobs_of(user) -> QuerySet[Job]:
    """A user's own archive downloads (personal data: nobody else's are listed)."""
    authz.require(user, Perm.VIEW)
    return Job.objects.filter(kind=BUNDLE_KIND, created_by=user).filter(authz.scope_q(user, "area_code"))


def get_bundle_job(user, pk: int) -> Job:
    job = bundle_jobs_of(user).filter(pk=pk).first()
    if job is None:
        raise NotFound()
    return job
