"""The ledger and the payroll (B3, M2): frozen, set-based, idempotent, resumable, one run per county; bank
files, reconciliation (S11), statistics, detail tables."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiuzhu.benefits import services as benefits
from jiuzhu.core import clock
from jiuzhu.core.errors import Conflict, Forbidden, ValidationFailed
from jiuzhu.core.models import AuditEvent
from jiuzhu.payments import payroll, statistics
from jiuzhu.payments.models import BankFile, BankFormat, LedgerEntry, Payment, PayrollRun, RunStatus
from jiuzhu.payments.services import adjustments, bank_files, bank_formats, reconciliation
from tests.helpers import (
    ANBANG,
    ERMALU,
    JIANSHAN,
    body_of,
    client_for,
    d,
    enrolled,
    make_household,
    run_payroll,
    user,
)

pytestmark = pytest.mark.django_db
DEC = d("2026-12-01")


def _world():
    """Three payable households in 安邦乡, one in 二马路街道, one without an account."""
    payable = [enrolled(account=f"62170000000000000{i:02d}") for i in range(3)]
    payable.append(
        enrolled(
            make_household(by="emr_caseworker", area="230502004001", address="光明社区1号"),
            assistance_type="dibao_urban",
            account="6217000000000000099",
        )
    )
    missing = enrolled(account=None)
    clock.freeze(datetime(2026, 12, 1, 9))
    return payable, missing


def _snapshot(month=DEC):
    return sorted(
        LedgerEntry.objects.filter(month=month).values_list(
            "enrolment_id",
            "amount",
            "covered_members",
            "recipient_name",
            "account_masked",
            "basis",
            "township_code",
        )
    )


def _payments(month=DEC):
    return sorted(Payment.objects.filter(month=month).values_list("entry__enrolment_id", "amount", "status"))


def test_ledger_has_who_is_paid_what_and_why():
    payable, missing = _world()
    run = run_payroll()
    assert run.status == RunStatus.DONE and run.entries == 4 and run.townships_total >= 2
    entries = {e.enrolment_id: e for e in LedgerEntry.objects.filter(month=DEC)}
    assert set(entries) == {e.pk for e in payable} and missing.pk not in entries
    assert entries[payable[0].pk].amount == Decimal("1040.00") and "低保标准" in entries[payable[0].pk].basis
    assert run.total_amount == sum(e.amount for e in entries.values())
    assert Payment.objects.filter(month=DEC).count() == 4


def test_running_the_payroll_twice_gives_identical_output():
    _world()
    run_payroll()
    first, first_payments = _snapshot(), _payments()
    fmt = BankFormat.objects.get(name="通用格式")
    file1 = bank_files.bank_file_create(
        by=user("js_finance"), county_code=JIANSHAN, month=DEC, bank_format=fmt, file_type="csv"
    ).content
    again = run_payroll()
    assert again.status == RunStatus.DONE and again.entries == 4
    assert _snapshot() == first and _payments() == first_payments
    file2 = bank_files.bank_file_create(
        by=user("js_finance"), county_code=JIANSHAN, month=DEC, bank_format=fmt, file_type="csv"
    ).content
    assert file1 == file2


def test_a_payroll_killed_in_the_middle_and_run_again_is_complete_without_duplicates():
    _world()
    townships = payroll.townships_of(JIANSHAN)
    assert townships.index(ANBANG) > townships.index(ERMALU)  # the kill falls between the two

    class Killed(BaseException):  # not an Exception: nothing in the run may catch it, as with SIGKILL
        pass

    def kill(township):
        if township == ERMALU:
            raise Killed

    run = PayrollRun.objects.create(
        county_code=JIANSHAN,
        month=DEC,
        by=user("js_finance"),
        started_at=clock.now(),
        heartbeat_at=clock.now(),
        townships_total=len(townships),
    )
    payroll.after_township.append(kill)
    try:
        with pytest.raises(Killed):
            payroll.execute(run)
    finally:
        payroll.after_township.remove(kill)
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and 0 < run.townships_done < len(townships)
    assert LedgerEntry.objects.filter(month=DEC).count() == 1  # 二马路 done, 安邦 not yet
    with pytest.raises(Conflict):  # its heartbeat is fresh: it might still be working
        payroll.start(by=user("js_finance"), county_code=JIANSHAN, month=DEC)
    clock.freeze(clock.now() + payroll.stale_after() + timedelta(minutes=1))
    resumed = run_payroll()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "接续" in run.error
    assert resumed.status == RunStatus.DONE and resumed.entries == 4
    assert (
        LedgerEntry.objects.filter(month=DEC).count() == 4 and Payment.objects.filter(month=DEC).count() == 4
    )
    assert len({e for e, *_ in _snapshot()}) == 4


def test_never_two_runs_for_one_county_at_once():
    _world()
    PayrollRun.objects.create(
        county_code=JIANSHAN,
        month=DEC,
        by=user("js_finance"),
        started_at=clock.now(),
        heartbeat_at=clock.now(),
    )
    with pytest.raises(Conflict) as exc:
        payroll.start(by=user("js_finance"), county_code=JIANSHAN, month=DEC)
    assert "不能同时生成" in exc.value.message


def test_payroll_is_set_based_the_query_count_does_not_grow_with_households():
    _world()
    clock.freeze(datetime(2026, 11, 20, 10))
    more = [enrolled(account=None) for _ in range(12)]
    clock.freeze(datetime(2026, 12, 1, 9))
    with CaptureQueriesContext(connection) as few:
        run_payroll()
    assert LedgerEntry.objects.filter(month=DEC).count() == 4
    for i, e in enumerate(more):
        benefits.bank_account_set(
            by=user("ab_caseworker"),
            enrolment=e,
            bank_name="农商行",
            holder="x",
            account=f"62170000000001{i:05d}",
        )
    with CaptureQueriesContext(connection) as many:
        run_payroll()  # the same month again: the 12 new accounts join, nothing is duplicated
    assert LedgerEntry.objects.filter(month=DEC).count() == 16
    assert len(few) == len(many), (len(few), len(many))
    assert len(many) < 40 + 8 * len(payroll.townships_of(JIANSHAN))  # a few statements per township


def test_month_rules_for_generation():
    _world()
    with pytest.raises(ValidationFailed) as exc:  # January only after December's export day
        payroll.start(by=user("js_finance"), county_code=JIANSHAN, month=d("2027-01-01"))
    assert "25日" in exc.value.message
    with pytest.raises(ValidationFailed):
        payroll.start(by=user("js_finance"), county_code=JIANSHAN, month=d("2027-03-01"))
    with pytest.raises(Forbidden):
        payroll.start(by=user("js_bureau"), county_code=JIANSHAN, month=DEC)  # finance generates it


def test_a_closed_month_never_changes_when_the_household_does():
    payable, _ = _world()
    run_payroll()
    before = _snapshot()
    household = payable[0].household
    household.head_name = "改了名字"
    household.save(update_fields=["head_name"])
    benefits.bank_account_set(
        by=user("ab_caseworker"),
        enrolment=payable[0],
        bank_name="邮储银行",
        holder="x",
        account="6221000000000000001",
    )
    assert _snapshot() == before


def test_bank_file_in_the_banks_layout_xlsx_and_csv():
    _world()
    run_payroll()
    fmt = bank_formats.bank_format_save(
        by=user("js_finance"),
        county_code=JIANSHAN,
        name="尖山农商行",
        fields=["account", "name", "amount", "reference"],
        headers={"account": "收款账号"},
        encoding="gb18030",
    )
    r = client_for("js_finance").post(
        f"/payments/runs/{PayrollRun.objects.get().pk}/bank-file/",
        {"bank_format": fmt.pk, "file_type": "xlsx", "township": ""},
    )
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("收款账号", "户名", "金额", "参考号")
    assert len(rows) == 5 and {"6217000000000000000", "6217000000000000099"} <= {row[0] for row in rows[1:]}
    assert sum(Decimal(str(row[2])) for row in rows[1:]) == Decimal("4500.00")  # 3 × 1040 + 1380
    export = bank_files.bank_file_create(
        by=user("js_finance"),
        county_code=JIANSHAN,
        month=DEC,
        bank_format=fmt,
        file_type="csv",
        township_code=ERMALU,
    )
    lines = list(csv.reader(io.StringIO(export.content.decode("gb18030"))))
    assert lines[0] == ["收款账号", "户名", "金额", "参考号"] and len(lines) == 2 and lines[1][2] == "1380.00"
    assert BankFile.objects.count() == 2
    assert AuditEvent.objects.filter(action="payroll.bank_file").count() == 2
    with pytest.raises(ValidationFailed):
        bank_formats.bank_format_save(
            by=user("js_finance"), county_code=JIANSHAN, name="缺列", fields=["name"]
        )
    assert client_for("ab_caseworker").post(
        f"/payments/runs/{PayrollRun.objects.get().pk}/bank-file/",
        {"bank_format": fmt.pk, "file_type": "csv"},
    ).status_code in (403, 404)


def test_B3_one_bank_file_per_paying_bank():
    payable, _ = _world()
    benefits.bank_account_set(
        by=user("emr_caseworker"),
        enrolment=payable[3],
        bank_name="邮储银行",
        holder="x",
        account="6221000000000000001",
    )
    run_payroll()
    assert bank_files.paying_banks(JIANSHAN, DEC) == ["农村信用社", "邮储银行"]
    fmt = bank_formats.formats_for(JIANSHAN).first()
    r = client_for("js_finance").post(
        f"/payments/runs/{PayrollRun.objects.get().pk}/bank-file/",
        {"bank_format": fmt.pk, "file_type": "csv", "township": "", "bank": "邮储银行"},
    )
    assert r.status_code == 200
    export = BankFile.objects.get()
    assert export.paying_bank == "邮储银行" and export.lines == 1 and export.total == Decimal("1380.00")
    other = bank_files.bank_file_create(
        by=user("js_finance"),
        county_code=JIANSHAN,
        month=DEC,
        bank_format=fmt,
        file_type="csv",
        bank_name="农村信用社",
    )
    assert other.bank_file.lines == 3
    with pytest.raises(ValidationFailed) as exc:
        bank_files.bank_file_create(
            by=user("js_finance"),
            county_code=JIANSHAN,
            month=DEC,
            bank_format=fmt,
            file_type="csv",
            bank_name="花旗银行",
        )
    assert "没有在“花旗银行”开户" in exc.value.message and BankFile.objects.count() == 2


def _bank_results(rows):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["参考号", "状态", "实发金额", "失败原因"])
    w.writerows(rows)
    return out.getvalue().encode("gb18030")


def test_S11_reconciliation_and_consistency_rate(django_capture_on_commit_callbacks):
    _world()
    run_payroll()
    ps = list(Payment.objects.filter(month=DEC).order_by("id"))
    refs = [bank_files.reference_of(p.id) for p in ps]
    bad = _bank_results(
        [[refs[0], "成功", ps[0].amount, ""], ["JZ9999999999", "成功", "1", ""], [refs[1], "不知道", "", ""]]
    )
    with pytest.raises(ValidationFailed) as exc:
        reconciliation.reconcile(
            by=user("js_finance"), county_code=JIANSHAN, month=DEC, file_name="回盘.csv", content=bad
        )
    assert "第3行" in exc.value.message and "第4行" in exc.value.message
    assert not Payment.objects.filter(month=DEC).exclude(status="pending").exists()  # nothing partial
    record = reconciliation.reconcile(
        by=user("js_finance"),
        county_code=JIANSHAN,
        month=DEC,
        file_name="回盘.csv",
        content=bad,
        partial=True,
    )
    assert record.paid == 1 and record.unmatched == 1 and len(record.errors) == 2
    good = _bank_results(
        [
            [refs[0], "成功", ps[0].amount, ""],
            [refs[1], "成功", ps[1].amount, ""],
            [refs[2], "成功", ps[2].amount, ""],
            [refs[3], "失败", "", "账户已销户"],
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):  # the page queues a job (see test_reconcile_jobs)
        r = client_for("js_finance").post(
            "/payments/reconcile/",
            {"county": JIANSHAN, "month": "2026-12", "file": _upload("回盘.csv", good)},
        )
    assert r.status_code == 302 and "/payments/reconcile/jobs/" in r["Location"]
    c = statistics.consistency(JIANSHAN, DEC)
    assert (c.entries, c.consistent, c.failed) == (4, 3, 1) and c.rate == Decimal("75.0")
    assert Payment.objects.get(pk=ps[3].pk).failure_reason == "账户已销户"
    with pytest.raises(ValidationFailed):
        reconciliation.reconcile(
            by=user("js_finance"), county_code=JIANSHAN, month=DEC, file_name="x.xlsx", content=good
        )


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_statistics_by_township_and_type_with_export():
    _world()
    run_payroll()
    rows = {
        (r["township_code"], r["assistance_type"]): r
        for r in statistics.statistics(user("js_bureau"), county_code=JIANSHAN, month=DEC)[0]
    }
    assert rows[(ANBANG, "dibao_rural")]["households"] == 3 and rows[(ANBANG, "dibao_rural")]["persons"] == 6
    assert rows[(ERMALU, "dibao_urban")]["amount"] == Decimal("1380.00")
    r = client_for("js_bureau").get(f"/payments/statistics/?county={JIANSHAN}&month=2026-12&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body_of(r))).active
    assert any("安邦乡" in str(c) for row in sheet.iter_rows(values_only=True) for c in row)
    own, _ = statistics.statistics(user("ab_caseworker"), county_code=JIANSHAN, month=DEC)
    assert {r["township_code"] for r in own} == {ANBANG}  # township staff: their own township only


def test_S11_a_finished_run_keeps_the_months_figures_and_the_page_says_when():
    """The statistics and run pages read the figures the month's last run kept (the ledger only changes by a
    run), equal to counting the ledger again; township staff's figures are counted when asked."""
    _world()
    run = run_payroll()
    kept, at = statistics.statistics(user("js_bureau"), county_code=JIANSHAN, month=DEC)
    assert at == run.finished_at and at is not None
    assert kept == statistics.frozen(run).statistics
    figures = statistics.frozen(run)
    totals = statistics.month_totals(JIANSHAN, DEC)
    assert (figures.townships, figures.banks) == (totals.townships, totals.banks)
    PayrollRun.objects.filter(pk=run.pk).update(figures=None)  # as before runs kept them: counted now
    counted, at = statistics.statistics(user("js_bureau"), county_code=JIANSHAN, month=DEC)
    assert at is None and counted == kept and sum(r["households"] for r in kept) == 4
    assert statistics.statistics(user("ab_caseworker"), county_code=JIANSHAN, month=DEC)[1] is None
    again = run_payroll()  # the month run again: its last run's figures count
    assert statistics.last_run(JIANSHAN, DEC) == again
    assert statistics.statistics(user("js_bureau"), county_code=JIANSHAN, month=DEC) == (
        kept,
        again.finished_at,
    )
    page = (
        client_for("js_bureau").get(f"/payments/statistics/?county={JIANSHAN}&month=2026-12").content.decode()
    )
    assert f"统计于 {timezone.localtime(again.finished_at):%Y-%m-%d %H:%M}" in page
    run_page = client_for("js_bureau").get(f"/payments/runs/{run.pk}/").content.decode()
    assert "1,380.00" in run_page  # 二马路's line, from the kept figures


def test_payment_detail_table_for_the_township_heads_signature():
    _world()
    run = run_payroll()
    r = client_for("ab_approver").post(f"/payments/runs/{run.pk}/detail-table/{ANBANG}/")
    assert r.status_code == 302
    from jiuzhu.documents.models import IssuedDocument

    doc = IssuedDocument.objects.get(kind="payment_detail_table")
    assert doc.area_code == ANBANG and doc.pdf_size > 0
    assert client_for("emr_caseworker").post(
        f"/payments/runs/{run.pk}/detail-table/{ANBANG}/"
    ).status_code in (403, 404)


def test_monthly_adjustment_report_by_the_20th():
    from jiuzhu.registry.services.income_assets import income_add

    e = enrolled()
    income_add(
        by=user("ab_caseworker"),
        household=e.household,
        category="wage",
        description="务工",
        monthly_amount="440",
    )
    benefits.periodic_review(
        by=user("ab_caseworker"),
        enrolment=e,
        data=benefits.ReviewInput(
            done_on=d("2026-11-20"), outcome="decrease", findings="收入增加", new_amount="600"
        ),
    )
    r = client_for("ab_caseworker").post(f"/payments/adjustments/?township={ANBANG}")
    assert r.status_code == 302
    from jiuzhu.payments.models import AdjustmentReport

    report = AdjustmentReport.objects.get()
    assert report.changes == 2 and not report.late and report.document is not None  # start + decrease in Dec
    with pytest.raises(ValidationFailed):
        adjustments.adjustment_report_submit(by=user("ab_caseworker"), township_code=ANBANG, month=DEC)


def test_M1_a_table_that_cannot_be_rendered_leaves_no_report_and_voids_its_number(monkeypatch):
    from jiuzhu.core.models import AuditEvent
    from jiuzhu.documents import rendering
    from jiuzhu.documents.models import DocumentNumber
    from jiuzhu.payments.models import AdjustmentReport

    enrolled()

    def broken(html):
        raise OSError("font cache unreadable")

    monkeypatch.setattr(rendering, "render_pdf", broken)
    with pytest.raises(OSError):
        adjustments.adjustment_report_submit(by=user("ab_caseworker"), township_code=ANBANG, month=DEC)
    assert not AdjustmentReport.objects.exists()
    assert not AuditEvent.objects.filter(action="payroll.adjustment_report").exists()
    void = DocumentNumber.objects.get(kind="monthly_adjustment_table")
    assert void.status == "void" and "font cache unreadable" in void.void_reason
    monkeypatch.undo()
    report = adjustments.adjustment_report_submit(by=user("ab_caseworker"), township_code=ANBANG, month=DEC)
    assert report.document.register_entry.serial == void.serial + 1
    assert AuditEvent.objects.filter(action="payroll.adjustment_report").count() == 1


def test_api_start_poll_ledger_and_scope(django_capture_on_commit_callbacks):
    _world()
    with django_capture_on_commit_callbacks(execute=True):
        r = client_for("js_finance").post(
            "/api/v1/payroll/runs",
            {"county": JIANSHAN, "month": "2026-12-01"},
            content_type="application/json",
        )
    assert r.status_code == 202
    run = client_for("js_finance").get(f"/api/v1/payroll/runs/{r.json()['id']}").json()
    assert run["status"] == "done" and run["entries"] == 4
    county = client_for("js_bureau").get(f"/api/v1/payroll/ledger?county={JIANSHAN}&month=2026-12-01").json()
    township = (
        client_for("emr_caseworker").get(f"/api/v1/payroll/ledger?county={JIANSHAN}&month=2026-12-01").json()
    )
    assert county["count"] == 4 and township["count"] == 1
    assert all("6217 ****" in i["account_masked"] for i in county["items"])
    assert (
        client_for("ab_caseworker")
        .post(
            "/api/v1/payroll/runs",
            {"county": JIANSHAN, "month": "2026-12-01"},
            content_type="application/json",
        )
        .status_code
        == 404
    )  # outside a township's scope
    assert client_for("qj_bureau").get(f"/api/v1/payroll/runs/{run['id']}").status_code == 404
