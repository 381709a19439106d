"""API: supervision (S1–S11), one module per area, mirroring `supervision/services/`. Same services and scoped
selectors as the pages; same 403/404 rules. `router` gathers them for `jiuzhu.routers`."""

from ninja import Router

from jiuzhu.supervision.api import (
    alerts,
    capacity,
    complaints,
    escalation,
    inspections,
    kpis,
    queue,
    sampling,
    scores,
)

router = Router()
for module in (sampling, inspections, alerts, escalation, complaints, scores, kpis, capacity, queue):
    router.add_router("", module.router)
