"""The dashboard's figures (S5, S11) kept as a snapshot per jurisdiction scope, shown with the time they were
computed: aggregating a province's cases on every visit costs seconds, the snapshot one read.

Users whose memberships cover the same jurisdictions see the same figures (the KPI reads are scoped by
jurisdiction prefix only), so one snapshot serves them all. A snapshot older than FRESH_FOR is recomputed
when the page is opened; the page's 重新计算 recomputes it at once; cron (`manage.py refresh_figures`)
recomputes every snapshot so the first visitor of the day does not wait. The complaint trend depends on the
viewer's role (S8), not only on the jurisdiction, and reads one year of complaints: it is not stored.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction

from jiuzhu.core import audit, clock
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.orgs.selectors import home_area
from jiuzhu.supervision import kpis, selectors
from jiuzhu.supervision.models import KpiSnapshot

FRESH_FOR = timedelta(minutes=30)


def scope_of(user: User) -> str:
    prefixes = authz.scope_prefixes(user)
    return "*" if prefixes is None else ",".join(prefixes)


def compute(user: User) -> list[kpis.Table]:
    townships = list(selectors.townships_for(user))
    return [
        kpis.processing_times(user, townships),
        kpis.backlog(user, townships),
        kpis.problem_data(user, townships),
        kpis.ledger_consistency(user, townships),
    ]


def dashboard_tables(user: User) -> tuple[list[kpis.Table], datetime]:
    """The stored figures of the user's scope and when they were computed; recomputed when stale."""
    authz.require(user, Perm.VIEW)
    snapshot = KpiSnapshot.objects.filter(scope=scope_of(user)).first()
    if snapshot is None or snapshot.computed_at < clock.now() - FRESH_FOR:
        snapshot = _store(user, compute(user))
    return [_table(t) for t in snapshot.tables], snapshot.computed_at


def figures_refresh(*, by: User) -> KpiSnapshot:
    """重新计算: the figures of the user's scope, now (an audited action: it loads the database)."""
    authz.require(by, Perm.VIEW)
    tables = compute(by)  # outside the transaction: seconds of reading at province scale
    with transaction.atomic():
        snapshot = _store(by, tables)
        audit.record(
            actor=by,
            action="figures.refresh",
            obj=snapshot,
            area_code=home_area(by),
            object_repr="监管概览数据",
        )
    return snapshot


def refresh_all() -> int:
    """Every stored scope again, as a viewer of it (cron); scopes whose viewer left are dropped."""
    done = 0
    for snapshot in KpiSnapshot.objects.select_related("computed_for").order_by("pk"):
        viewer = snapshot.computed_for
        if viewer is None or not viewer.is_active or scope_of(viewer) != snapshot.scope:
            snapshot.delete()
            continue
        _store(viewer, compute(viewer))
        done += 1
    return done


def _store(user: User, tables: list[kpis.Table]) -> KpiSnapshot:
    snapshot, _ = KpiSnapshot.objects.update_or_create(
        scope=scope_of(user),
        defaults={"tables": [_stored(t) for t in tables], "computed_at": clock.now(), "computed_for": user},
    )
    return snapshot


# A table's cells are numbers, texts, decimals, dates, booleans and blanks; JSON keeps the first two and
# the last two, the others are tagged so that charts and Excel get them back as they were.


def _stored(table: kpis.Table) -> dict:
    return {
        "code": table.code,
        "title": table.title,
        "headers": table.headers,
        "rows": [[_cell(v) for v in row] for row in table.rows],
        "rule": table.rule,
        "note": table.note,
    }


def _cell(value):
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _table(stored: dict) -> kpis.Table:
    rows = [[_value(v) for v in row] for row in stored["rows"]]
    return kpis.Table(
        stored["code"], stored["title"], stored["headers"], rows, stored["rule"], stored["note"]
    )


def _value(cell):
    if isinstance(cell, dict):
        if "decimal" in cell:
            return Decimal(cell["decimal"])
        if "date" in cell:
            return date.fromisoformat(cell["date"])
    return cell
