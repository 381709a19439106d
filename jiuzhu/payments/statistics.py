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
from jiuzhu.payments.models import EntryKind, LedgerEntry, Payment, PaymentStatus


def township_totals(county_code: str, month: date) -> QuerySet[LedgerEntry, dict[str, Any]]:
    """Lines, persons and amount of the month's ledger per township (the run page)."""
    return (
        LedgerEntry.objects.filter(county_code=county_code, month=month)
        .values("township_code")
        .annotate(n=Count("id"), persons=Sum("covered_members"), total=Sum("amount"))
        .order_by("township_code")
    )


@dataclass(frozen=True)
class MonthTotals:
    townships: list[dict[str, Any]]  # township_code, n (lines), persons, total: as `township_totals`
    banks: list[str]  # the banks that hold recipients' accounts (`bank_files.paying_banks`)


def month_totals(county_code: str, month: date) -> MonthTotals:
    """The run page's county figures from one pass over the month's ledger (2·10^5 lines at province scale):
    the totals per township and the paying banks, grouped by both in the database."""
    townships: dict[str, dict[str, Any]] = {}
    banks: set[str] = set()
    rows = (
        LedgerEntry.objects.filter(county_code=county_code, month=month)
        .values("township_code", "bank_name")
        .annotate(n=Count("id"), persons=Sum("covered_members", default=0), total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        code = row["township_code"]
        t = townships.setdefault(code, {"township_code": code, "n": 0, "persons": 0, "total": Decimal("0")})
        t["n"] += row["n"]
        t["persons"] += row["persons"]
        t["total"] += row["total"]
        if row["bank_name"]:
            banks.add(row["bank_name"])
    return MonthTotals([townships[c] for c in sorted(townships)], sorted(banks))


def statistics(user: User, *, county_code: str, month: date) -> QuerySet[LedgerEntry, dict[str, Any]]:
    """Households, persons and amounts by township × assistance type for a month (from the frozen ledger),
    within the user's scope."""
    authz.require(user, Perm.VIEW)
    return (
        LedgerEntry.objects.filter(county_code=county_code, month=month)
        .filter(authz.scope_q(user, "area_code"))
        .values("township_code", "assistance_type")
        # 补发 first: once `amount` names the total, Sum("amount") would mean the annotation.
        .annotate(
            back_pay_lines=Count("id", filter=Q(kind=EntryKind.BACK_PAY)),
            back_pay_amount=Sum("amount", filter=Q(kind=EntryKind.BACK_PAY), default=Decimal("0")),
        )
        .annotate(
            households=Count("household_id", distinct=True),
            persons=Sum("covered_members", filter=Q(kind=EntryKind.REGULAR), default=0),
            amount=Sum("amount"),
        )
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
