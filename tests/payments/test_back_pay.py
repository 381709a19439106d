"""补发 (back pay) is explicit: a late start, a payment the bank returned as failed, and the months of a
suspension that ended in the household's favour become 补发 the bureau approves; the next payroll pays
them as one 补发 line with its months — in the ledger, the bank file, the payment detail table, the
statistics and the household file — exactly once."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from jiuzhu.benefits import services as benefits
from jiuzhu.core import clock
from jiuzhu.core.errors import Forbidden, ValidationFailed
from jiuzhu.documents.models import IssuedDocument
from jiuzhu.payments.models import BackPay, BankFormat, LedgerEntry, Payment
from jiuzhu.payments.services import bank_files, reconciliation
from tests.helpers import (
    ANBANG,
    JIANSHAN,
    approved,
    client_for,
    d,
    enrolled,
    make_case,
    make_household,
    run_payroll,
    user,
)

pytestmark = pytest.mark.django_db


def at(day: str) -> None:
    clock.freeze(datetime.fromisoformat(day + "T09:00:00+08:00"))


def lines(enrolment, month: str) -> list[tuple[str, Decimal, str]]:
    return sorted(
        LedgerEntry.objects.filter(enrolment=enrolment, month=d(month)).values_list(
            "kind", "amount", "covers"
        )
    )


def paid_months(enrolment) -> list[str]:
    """Every month paid to the enrolment, by its own line or a 补发: each must appear once."""
    out = []
    for e in LedgerEntry.objects.filter(enrolment=enrolment).exclude(payment__status="failed"):
        out += e.covers.split("、") if e.kind == "back_pay" else [f"{e.month:%Y-%m}"]
    return sorted(out)


def decide(enrolment, approve=True, note="", by="js_bureau"):
    return client_for(by).post(
        f"/api/v1/payroll/back-pays/{enrolment.pk}/decide",
        {"approve": approve, "note": note},
        content_type="application/json",
    )


def bank_csv(month: str) -> str:
    fmt = BankFormat.objects.get(name="通用格式")
    export = bank_files.bank_file_create(
        by=user("js_finance"), county_code=JIANSHAN, month=d(month), bank_format=fmt, file_type="csv"
    )
    return export.content.decode("gb18030")


def test_back_pay_for_a_late_start_flows_into_the_next_payroll_exactly_once():
    other = enrolled(account="6217000000000000011")
    at("2026-12-01")
    run_payroll(month="2026-12-01")  # December's list is made ...
    # ... and then a case is approved whose payment starts in December (finalised on 30 November).
    late = approved(make_case(make_household()), final_on="2026-11-30").enrolment
    assert late.start_month == d("2026-12-01")
    benefits.bank_account_set(
        by=user("ab_caseworker"),
        enrolment=late,
        bank_name="农村信用社",
        holder="户主",
        account="6217000000000000022",
    )
    proposed = BackPay.objects.get(enrolment=late)
    assert (proposed.for_month, proposed.status, proposed.reason) == (
        d("2026-12-01"),
        "proposed",
        "late_start",
    )
    # Not silently paid: re-running December adds no line for it, and nothing is paid before approval.
    run_payroll(month="2026-12-01")
    assert lines(late, "2026-12-01") == []
    page = client_for("js_bureau").get("/payments/back-pay/").content.decode()
    assert late.household.head_name in page and "2026-12" in page and "起始发放月早于首次发放月" in page
    # Townships see it but may not approve; the bureau approves.
    assert decide(late, by="ab_approver").status_code == 403
    r = client_for("js_bureau").post(
        "/payments/back-pay/", {"enrolment": late.pk, "action": "approve", "note": "同意补发"}
    )
    assert r.status_code == 302
    assert BackPay.objects.get(enrolment=late).status == "approved"
    at("2027-01-04")
    run_payroll(month="2027-01-01")
    run_payroll(month="2027-01-01")  # twice: still once
    amount = late.amount
    assert lines(late, "2027-01-01") == [("back_pay", amount, "2026-12"), ("regular", amount, "")]
    assert paid_months(late) == ["2026-12", "2027-01"]
    assert BackPay.objects.get(enrolment=late).entry.month == d("2027-01-01")
    approved_tab = client_for("ab_caseworker").get("/payments/back-pay/?status=approved").content.decode()
    assert late.household.head_name in approved_tab and "2027-01 名单" in approved_tab
    assert client_for("js_bureau").get("/payments/back-pay/?status=approved&export=xlsx").status_code == 200
    # the bank file and the ledger page say 补发 with the month
    assert any("补发 2026-12" in row for row in bank_csv("2027-01-01").splitlines())
    ledger = (
        client_for("js_finance").get(f"/payments/ledger/?county={JIANSHAN}&month=2027-01").content.decode()
    )
    assert "补发 2026-12" in ledger
    # the payment detail table for the township head's signature
    run = late.ledger_entries.get(kind="back_pay").run_id
    assert client_for("ab_approver").post(f"/payments/runs/{run}/detail-table/{ANBANG}/").status_code == 302
    doc = IssuedDocument.objects.filter(kind="payment_detail_table").latest("pk")
    with doc.pdf.open("rb") as fh:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages)
    assert "补发" in text and "2026-12" in "".join(text.split()), text
    # statistics count it once as a household and show the 补发 amount
    stats = (
        client_for("js_bureau").get(f"/api/v1/payroll/statistics?county={JIANSHAN}&month=2027-01-01").json()
    )
    anbang = [s for s in stats if s["township_code"] == ANBANG]
    assert sum(s["back_pay_lines"] for s in anbang) == 1
    assert sum(Decimal(s["back_pay_amount"]) for s in anbang) == amount
    assert sum(s["households"] for s in anbang) == 2  # `other` and `late`, not three lines
    # the household file shows the approved 补发
    archive = client_for("ab_caseworker").get(f"/archive/households/{late.household_id}/").content.decode()
    assert "补发" in archive and "2026-12" in archive
    at("2027-02-01")
    run_payroll(month="2027-02-01")
    assert lines(late, "2027-02-01") == [("regular", amount, "")]
    assert paid_months(late) == ["2026-12", "2027-01", "2027-02"]
    assert paid_months(other) == ["2026-12", "2027-01", "2027-02"]


def _fail_payment(enrolment, month="2026-12-01"):
    payment = Payment.objects.get(entry__enrolment=enrolment, month=d(month))
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["参考号", "状态", "实发金额", "失败原因"],
            [bank_files.reference_of(payment.pk), "失败", "", "账户已销户"],
        ]
    )
    reconciliation.reconcile(
        by=user("js_finance"),
        county_code=JIANSHAN,
        month=d(month),
        file_name="回盘.csv",
        content=out.getvalue().encode("gb18030"),
        partial=True,
    )
    payment.refresh_from_db()
    assert payment.status == "failed"
    return payment


def test_a_failed_bank_payment_is_reissued_as_back_pay_after_the_account_is_corrected():
    e = enrolled(account="6217000000000000033")
    at("2026-12-01")
    run_payroll(month="2026-12-01")
    failed = _fail_payment(e)
    assert not BackPay.objects.filter(enrolment=e).exists()  # nothing until the account is corrected
    r = client_for("ab_caseworker").post(
        f"/benefits/{e.pk}/bank/",
        {"bank-bank_name": "工商银行", "bank-holder": "户主", "bank-account": "6222000000000000044"},
    )
    assert r.status_code == 302, r.content.decode()[:500]
    row = BackPay.objects.get(enrolment=e)
    assert (row.reason, row.for_month, row.amount, row.source_payment) == (
        "failed",
        d("2026-12-01"),
        failed.amount,
        failed,
    )
    # a second correction proposes nothing more
    benefits.bank_account_set(
        by=user("ab_caseworker"),
        enrolment=e,
        bank_name="工商银行",
        holder="户主",
        account="6222000000000000055",
    )
    assert BackPay.objects.filter(enrolment=e).count() == 1
    assert decide(e).status_code == 200
    at("2027-01-04")
    run_payroll(month="2027-01-01")
    run_payroll(month="2027-01-01")
    assert lines(e, "2027-01-01") == [("back_pay", failed.amount, "2026-12"), ("regular", e.amount, "")]
    line = LedgerEntry.objects.get(enrolment=e, kind="back_pay")
    assert line.account_masked.endswith("0055")  # paid to the corrected account
    assert paid_months(e) == ["2026-12", "2027-01"]
    assert "补发 2026-12" in bank_csv("2027-01-01")


def test_months_of_a_suspension_ended_in_the_households_favour_are_back_paid_once():
    e = enrolled(account="6217000000000000066")
    at("2026-12-01")
    run_payroll(month="2026-12-01")
    benefits.suspend(by=user("ab_caseworker"), enrolment=e, reason="群众举报有营运车辆，暂停核实")
    at("2027-01-04")
    run_payroll(month="2027-01-01")
    at("2027-02-01")
    run_payroll(month="2027-02-01")
    assert lines(e, "2027-01-01") == [] and lines(e, "2027-02-01") == []
    # an in-favour resumption must say why
    r = client_for("ab_caseworker").post(
        f"/api/v1/enrolments/{e.pk}/resume",
        {"reason": "", "in_favour": True},
        content_type="application/json",
    )
    assert r.status_code == 400 and not BackPay.objects.filter(enrolment=e).exists()
    r = client_for("ab_caseworker").post(
        f"/api/v1/enrolments/{e.pk}/resume",
        {"reason": "经核实车辆系亲属所有，举报不属实", "in_favour": True},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    rows = list(BackPay.objects.filter(enrolment=e).order_by("for_month"))
    assert [(r.for_month, r.reason) for r in rows] == [
        (d("2027-01-01"), "suspension"),
        (d("2027-02-01"), "suspension"),
    ]
    # the bureau may refuse only with a reason; refusing nothing twice is refused
    assert decide(e, approve=False).status_code == 400
    assert decide(e).status_code == 200
    assert decide(e).status_code == 400  # nothing left to decide
    at("2027-03-01")
    run_payroll(month="2027-03-01")
    run_payroll(month="2027-03-01")
    assert lines(e, "2027-03-01") == [
        ("back_pay", e.amount * 2, "2027-01、2027-02"),
        ("regular", e.amount, ""),
    ]
    assert paid_months(e) == ["2026-12", "2027-01", "2027-02", "2027-03"]


def test_a_resumption_without_finding_in_favour_pays_nothing_back():
    e = enrolled(account="6217000000000000077")
    at("2026-12-01")
    run_payroll(month="2026-12-01")
    benefits.suspend(by=user("ab_caseworker"), enrolment=e, reason="核实中")
    at("2027-01-04")
    run_payroll(month="2027-01-01")
    benefits.resume(by=user("ab_caseworker"), enrolment=e, reason="恢复")
    assert not BackPay.objects.filter(enrolment=e).exists()


def test_back_pay_decisions_need_the_bureau_and_stay_in_scope():
    e = enrolled(account="6217000000000000088")
    at("2026-12-01")
    run_payroll(month="2026-12-01")
    _fail_payment(e)
    benefits.bank_account_set(
        by=user("ab_caseworker"),
        enrolment=e,
        bank_name="工商银行",
        holder="户主",
        account="6222000000000000099",
    )
    from jiuzhu.payments.services.back_pay import back_pay_decide

    with pytest.raises(Forbidden):
        back_pay_decide(by=user("ab_approver"), enrolment=e, approve=True)
    with pytest.raises(ValidationFailed):
        back_pay_decide(by=user("js_bureau"), enrolment=e, approve=False, note="")
    assert decide(e, by="emr_caseworker").status_code == 404
    assert client_for("emr_caseworker").get("/api/v1/payroll/back-pays").json()["items"] == []
    assert len(client_for("ab_caseworker").get("/api/v1/payroll/back-pays").json()["items"]) == 1
    assert decide(e, approve=False, note="已线下补发现金").status_code == 200
    assert BackPay.objects.get(enrolment=e).status == "rejected"
    at("2027-01-04")
    run_payroll(month="2027-01-01")
    assert [k for k, _, _ in lines(e, "2027-01-01")] == ["regular"]
