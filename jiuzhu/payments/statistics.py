"""Figures of a month's payment: households, persons and amounts per township and assistance type from the
frozen ledger, and how far the bank paid what the ledger says (S11). Reads only; the pages, the API and the
supervision dashboard show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.payments.models import EntryKind, LedgerEntry, Payment, PaymentStatus, PayrollRun, RunStatus


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


def _by_township_and_type(lines: QuerySet[LedgerEntry]) -> list[dict[str, Any]]:
    return list(
        lines.values("township_code", "assistance_type")
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


def freeze(county_code: str, month: date) -> dict[str, Any]:
    """The month's figures when a run finishes, kept on the run (`PayrollRun.figures`). Ledger lines are written
    only by a run's townships (the regular lines and the 补发 lines), so they hold until the month is run again;
    at province scale each page view would otherwise aggregate 2·10^5 lines (COUNT DISTINCT: 200–270 ms)."""
    totals = month_totals(county_code, month)
    lines = LedgerEntry.objects.filter(county_code=county_code, month=month)
    return {"statistics": _by_township_and_type(lines), "townships": totals.townships, "banks": totals.banks}


@dataclass(frozen=True)
class Frozen:
    statistics: list[dict[str, Any]]
    townships: list[dict[str, Any]]
    banks: list[str]
    at: datetime  # when the run that computed them finished


def frozen(run: PayrollRun | None) -> Frozen | None:
    """The figures a finished run kept, or None (a run not done, or one finished before runs kept them)."""
    if run is None or run.status != RunStatus.DONE or not run.figures or run.finished_at is None:
        return None
    return Frozen(
        _thaw(run.figures["statistics"]),
        _thaw(run.figures["townships"]),
        run.figures["banks"],
        run.finished_at,
    )


def _thaw(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Amounts back to Decimal (JSON keeps them as strings)."""
    money = ("amount", "back_pay_amount", "total")
    return [{k: Decimal(v) if k in money else v for k, v in row.items()} for row in rows]


def last_run(county_code: str, month: date) -> PayrollRun | None:
    return (
        PayrollRun.objects.filter(county_code=county_code, month=month).order_by("-started_at", "-id").first()
    )


def statistics(user: User, *, county_code: str, month: date) -> tuple[list[dict[str, Any]], datetime | None]:
    """Households, persons and amounts by township × assistance type for a month (from the frozen ledger),
    within the user's scope, and when they were computed: county staff get the figures the month's last run
    kept (None: computed now, for township staff or a month not run to the end)."""
    authz.require(user, Perm.VIEW)
    if authz.in_scope(user, county_code) and (kept := frozen(last_run(county_code, month))):
        return kept.statistics, kept.at
    lines = LedgerEntry.objects.filter(county_code=county_code, month=month)
    return _by_township_and_type(lines.filter(authz.scope_q(user, "area_code"))), None


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
