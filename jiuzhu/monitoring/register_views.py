"""Pages of the low-income population register and of a household's assistance chain."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jiuzhu.core.listing import choice_param, paginate, wants_export
from jiuzhu.monitoring import chain, register_export
from jiuzhu.monitoring import register_selectors as selectors
from jiuzhu.monitoring.models import Origin, RegisterCategory
from jiuzhu.orgs import authz
from jiuzhu.orgs.http import AuthenticatedHttpRequest
from jiuzhu.orgs.models import Jurisdiction, Level
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry import selectors as registry
from jiuzhu.registry.models import Household

MONITORING_KINDS = ("warning", "verification", "referral")
# What the person was granted and paid, with the decisions and changes that set it.
ASSISTANCE_KINDS = ("decision", "assistance", "change", "review")


def _filter(request: AuthenticatedHttpRequest) -> selectors.RegisterFilter:
    g = request.GET
    return selectors.RegisterFilter(
        category=choice_param(request, "category", RegisterCategory.values),
        township=g.get("township", "").strip()[:12],
        village=g.get("village", "").strip()[:12],
        origin=choice_param(request, "origin", Origin.values),
    )


def _names(codes) -> dict[str, str]:
    return dict(Jurisdiction.objects.filter(code__in=set(codes)).values_list("code", "name"))


@login_required
@require_GET
def register_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    f = _filter(request)
    qs = selectors.search_register(request.user, f)
    if wants_export(request):
        return register_export.export_response(by=request.user, qs=qs, filters=f.__dict__)
    listing = paginate(request, qs)
    rows = list(listing.object_list)
    townships = Jurisdiction.objects.filter(
        authz.scope_q(request.user, "code"), level=Level.TOWNSHIP
    ).order_by("code")
    villages = (
        Jurisdiction.objects.filter(
            authz.scope_q(request.user, "code"), level=Level.VILLAGE, parent_id=f.township
        ).order_by("code")
        if f.township
        else []
    )
    return render(
        request,
        "monitoring/register_list.html",
        {
            "page_title": "低收入人口",
            "listing": listing,
            "rows": rows,
            "names": _names([e.township_code for e in rows] + [e.area_code for e in rows]),
            "townships": townships,
            "villages": villages,
            "categories": RegisterCategory.choices,
            "origins": Origin.choices,
            "f": f,
            "can_reveal": authz.can(request.user, Perm.PII_REVEAL),
        },
    )


@login_required
@require_GET
def register_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One person in the register: category, where they came from, their monitoring history (the chain's
    warnings and verifications) and the assistance given."""
    entry = selectors.get_entry(request.user, pk)
    entries = chain.chain_for(entry.household)
    return render(
        request,
        "monitoring/register_detail.html",
        {
            "page_title": f"低收入人口：{entry.member.name}",
            "entry": entry,
            "monitoring": [e for e in entries if e.kind in MONITORING_KINDS],
            "assistance": [e for e in entries if e.kind in ASSISTANCE_KINDS],
            "names": _names([entry.township_code, entry.area_code]),
            "can_reveal": authz.can(request.user, Perm.PII_REVEAL, entry.area_code),
        },
    )


def chain_context(household: Household) -> dict:
    entries = chain.chain_for(household)
    return {
        "household": household,
        "entries": entries,
        "repeats": chain.repeated_needs(entries, chain.same_need_days(household)),
        "days": chain.same_need_days(household),
        "kinds": chain.KIND_LABELS,
        "needs": chain.NEED_LABELS,
    }


@login_required
@require_GET
def household_chain(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    household = registry.get_household(request.user, pk)
    return render(
        request,
        "monitoring/chain.html",
        {"page_title": f"救助链：{household}", **chain_context(household)},
    )


def household_panel(request: AuthenticatedHttpRequest, household: Household) -> dict:
    """The household page's panel: the chain's latest entries and any repeated need, with a link to all."""
    context = chain_context(household)
    context["latest"] = list(reversed(context["entries"]))[:8]
    return context
