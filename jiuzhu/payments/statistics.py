"""Figures of a month's payment: households, persons and amounts per township and assistance type from the
frozen ledger, and how far the bank paid what the ledger says (S11). Reads only; the pages, the API and the
supervision dashboard show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.payments.models import LedgerEntry, Payment, PaymentStatus


def township_totals(county_code: str, month: date) -> QuerySet[LedgerEntry, dict[str, Any]]:
    """Lines, persons and amount of the month's ledger per township (the run page)."""
    return (
        LedgerEntry.objects.filter(county_code=county_code, month=month)
        .values("township_code")
        .annotate(n=Count("id"), persons=Sum("covered_members"), total=Sum("amount"))
        .order_by("township_code")
    )


def statistics(user: User, *, county_code: str, month: date) -> QuerySet[LedgerEntry, dict[str, Any]]:
    """Households, persons and amounts by township × assistance type for a month (from the frozen ledger),
    within the user's scope."""
    authz.require(user, Perm.VIEW)
    return (
        LedgerEntry.objects.filter(county_code=county_code, month=month)
        .filter(authz.scope_q(user, "area_code"))
        .values("township_code", "assistance_type")
        .annotate(households=Count("id"), persons=Sum("covered_members"), amount=Sum("amount"))
        .order_by("township_code", "assistance_type")
    )


@dataclass(frozen=True)
class Consistency:
    entries: int
    consistent: int
    failed: int
    pending: int

    @property
    def rate(self) -> Decimal:
        return (
            (Decimal(self.consistent) * 100 / self.entries).quantize(Decimal("0.1"))
            if self.entries
            else Decimal("0")
        )


def consistency(county_code: str, month: date, township_code: str = "") -> Consistency:
    """S11: the share of ledger lines the bank paid with exactly the ledger's amount."""
    qs = Payment.objects.filter(county_code=county_code, month=month)
    if township_code:
        qs = qs.filter(township_code=township_code)
    agg = qs.aggregate(
        n=Count("id"),
        ok=Count("id", filter=Q(status=PaymentStatus.PAID, paid_amount=F("amount"))),
        failed=Count("id", filter=Q(status=PaymentStatus.FAILED)),
        pending=Count("id", filter=Q(status=PaymentStatus.PENDING)),
    )
    return Consistency(agg["n"], agg["ok"], agg["failed"], agg["pending"])
