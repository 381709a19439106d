"""The API as served: every app's router added to the API kit's object, in the order the docs list them.

Why here: the kit (`jiuzhu.api`) sits below every business app and cannot import them; the assembly, like
urls.py, sits above them all. urls.py imports `api` from here, so the routers are in place before the first
request.
"""

from __future__ import annotations

from jiuzhu.api.api import api
from jiuzhu.archive.api import router as archive_router
from jiuzhu.benefits.api import router as benefits_router
from jiuzhu.cases.api import router as cases_router
from jiuzhu.cases.api_backfill import router as backfill_router
from jiuzhu.cases.api_steps import router as steps_router
from jiuzhu.cases.materials_api import router as materials_router
from jiuzhu.console.api import router as console_router
from jiuzhu.documents.api import router as documents_router
from jiuzhu.events.api import router as events_router
from jiuzhu.monitoring.api_register import router as register_router
from jiuzhu.monitoring.api_watch import router as monitoring_watch_router
from jiuzhu.orgs.api import router as orgs_router
from jiuzhu.payments.api import router as payments_router
from jiuzhu.registry.api import router as registry_router
from jiuzhu.supervision.api import router as supervision_router

__all__ = ["api"]

for router in (
    orgs_router,
    console_router,
    registry_router,
    cases_router,
    steps_router,
    backfill_router,
    materials_router,
    documents_router,
    benefits_router,
    payments_router,
    archive_router,
    supervision_router,
    monitoring_watch_router,
    register_router,
    events_router,
):
    api.add_router("/", router)
