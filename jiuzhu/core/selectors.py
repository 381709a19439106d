"""Reads owned by core: an object's timeline, the parameter table and history (callers scope the object or area)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from jiuzhu.core import params
from jiuzhu.core.models import AuditEvent, ParameterValue


def events_for_object(obj, *, include_reads: bool = False) -> QuerySet[AuditEvent]:
    """The timeline of one object; callers fetched `obj` through its own scoping selector. Reads (".view"
    events) stay in the audit trail but not in the timeline, which shows what was done."""
    qs = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    if not include_reads:
        qs = qs.exclude(action__endswith=".view")
    return qs.order_by("at", "id")


@dataclass(frozen=True)
class ParamRow:
    definition: params.ParamDef
    resolved: params.Resolved | None
    own: ParameterValue | None  # a value set at exactly this jurisdiction and in force

    @property
    def display(self) -> str:
        if self.resolved is None:
            return "（未设置）"
        return params.display(self.definition.key, self.resolved.value)


def parameter_table(*, area_code: str, on: date) -> list[ParamRow]:
    rows = []
    for key, definition in params.PARAMS.items():
        try:
            resolved = params.resolve(key, area_code=area_code, on=on)
        except params.MissingParameter:
            resolved = None
        own = None
        if resolved is not None and resolved.scope_code == area_code:
            own = ParameterValue.objects.get(pk=resolved.row_id)
        rows.append(ParamRow(definition, resolved, own))
    rows.sort(key=lambda r: (r.definition.group, r.definition.key))
    return rows


def parameter_history(key: str, *, area_code: str) -> QuerySet[ParameterValue]:
    return (
        ParameterValue.objects.filter(key=key, scope_code__in=params.scope_chain(area_code))
        .select_related("created_by", "superseded_by")
        .order_by("-effective_from", "-id")
    )
