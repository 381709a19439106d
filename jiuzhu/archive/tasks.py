"""Background work of the archive app: building a household's archive download, with progress."""

from __future__ import annotations

from django_tasks import task

from jiuzhu.archive import bundle
from jiuzhu.core import jobs


@task()
def build_household_archive(job_id: int) -> None:

    jobs.run(job_id, bundle.build)
