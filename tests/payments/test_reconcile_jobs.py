"""S11: importing the bank's results runs as a background job with progress, for files of
10⁵–10⁶ rows; the page and the API poll it. All or nothing unless the user chooses `partial`."""

import csv
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jiuzhu.core import clock, jobs
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.models import AuditEvent, Job
from jiuzhu.payments import selectors, statistics
from jiuzhu.payments.models import Payment, Reconciliation
from jiuzhu.payments.services import bad_rows, bank_files, bank_results, reconcile_job, reconciliation
from tests.helpers import JIANSHAN, QIJIANG, client_for, d, payable_world, run_payroll, user

pytestmark = pytest.mark.django_db
DEC = d("2026-12-01")
PAGE = "/payments/reconcile/"
API = "/api/v1/payroll/reconciliations"


@pytest.fixture
def payments():
    """Four payments of December 2026 in 尖山区 (three in 安邦乡, one in 二马路街道), in id order."""
    payable_world()
    run_payroll()
    return list(Payment.objects.filter(month=DEC).order_by("id"))


def _csv(rows, header=("参考号", "状态", "实发金额", "失败原因")) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode("gb18030")


def _ref(p: Payment) -> str:
    return bank_files.reference_of(p.pk)


def _good(ps):
    """Two paid as listed, one paid 20 yuan less (inconsistent), one failed."""
    return [
        [_ref(ps[0]), "成功", ps[0].amount, ""],
        [_ref(ps[1]), "成功", "", ""],
        [_ref(ps[2]), "成功", ps[2].amount - 20, ""],
        [_ref(ps[3]), "失败", "", "账户已销户"],
    ]


def _post_page(c: Client, content: bytes, capture, name="回盘.csv", **extra):
    with capture(execute=True):
        return c.post(
            PAGE + f"?county={JIANSHAN}",
            {"month": "2026-12", "file": SimpleUploadedFile(name, content), **extra},
        )


def _job_of(r) -> Job:
    assert r.status_code == 302, r.content.decode()[:500]
    return Job.objects.get(pk=r["Location"].rstrip("/").split("/")[-1])


def _reconciled():
    return Payment.objects.filter(month=DEC).exclude(status="pending").count()


def test_the_page_queues_a_job_whose_page_shows_progress_then_the_result(
    payments, django_capture_on_commit_callbacks, monkeypatch
):
    ps = payments
    seen = []
    real = jobs.progress

    def spy(job_id, **kw):
        seen.append((kw.get("phase"), kw.get("done"), kw.get("total")))
        real(job_id, **kw)

    monkeypatch.setattr(jobs, "progress", spy)
    monkeypatch.setattr(bank_results, "MATCH_CHUNK", 2)  # progress every two rows of this small file
    c = client_for("js_finance")
    r = _post_page(c, _csv(_good(ps)), django_capture_on_commit_callbacks)
    job = _job_of(r)
    assert r["Location"] == f"/payments/reconcile/jobs/{job.pk}/"
    assert job.status == "done", job.error
    assert job.kind == selectors.RECONCILE_KIND and job.area_code == JIANSHAN and job.file.name  # file stored
    # Progress: the checking every MATCH_CHUNK rows, then the one writing transaction.
    assert seen == [
        ("逐行核对回盘", 0, 4),
        ("逐行核对回盘", 2, 4),
        ("逐行核对回盘", 4, 4),
        ("写入数据库（全部成功或全部不写入）", 0, 4),
        ("写入数据库（全部成功或全部不写入）", 4, 4),
    ]
    assert (job.done, job.total, job.percent, job.phase) == (4, 4, 100, "完成")
    result = job.result
    assert result["committed"] is True
    counts = {k: result[k] for k in ("rows", "paid", "failed", "inconsistent", "unusable")}
    assert counts == {"rows": 4, "paid": 3, "failed": 1, "inconsistent": 1, "unusable": 0}
    assert result["consistency"] == {"entries": 4, "consistent": 2, "failed": 1, "pending": 0, "rate": "50.0"}
    assert result["bad_rows"] == [[4, _ref(ps[2]), "differs", str(ps[2].amount - 20), str(ps[2].amount)]]
    assert Reconciliation.objects.get(pk=result["reconciliation"]).paid == 3
    assert AuditEvent.objects.filter(action="payroll.reconcile").count() == 1  # one event, as before
    p1, p2, p3 = (Payment.objects.get(pk=p.pk) for p in ps[1:])
    assert p1.status == "paid" and p1.paid_amount == ps[1].amount  # no amount: the listed one
    assert p2.paid_amount == ps[2].amount - 20 and p3.failure_reason == "账户已销户"

    page = c.get(r["Location"]).content.decode()
    assert 'data-status="done"' in page and "hx-get" not in page  # finished: no more polling
    assert 'data-testid="consistency"' in page and "50.0%" in page
    assert "已导入回盘：成功 3 笔，失败 1 笔，未匹配 0 笔" in page
    assert (
        f"实发金额 {ps[2].amount - 20} 与名单金额 {ps[2].amount} 不一致" in page
        and "已按银行实发金额入账" in page
    )
    assert (
        f'href="/payments/reconcile/jobs/{job.pk}/"' in c.get(PAGE + f"?county={JIANSHAN}").content.decode()
    )


def test_the_job_page_polls_while_the_job_runs(payments):
    queued = reconcile_job.reconcile_start(
        by=user("js_finance"),
        county_code=JIANSHAN,
        month=DEC,
        file_name="回盘.csv",
        content=_csv(_good(payments)),
    )  # not run: its on-commit callback is never executed in this test
    jobs.progress(queued.pk, phase="逐行核对回盘", done=5000, total=20000)
    Job.objects.filter(pk=queued.pk).update(status="running")
    c = client_for("js_finance")
    url = f"/payments/reconcile/jobs/{queued.pk}/"
    page = c.get(url).content.decode()
    assert f'hx-get="{url}"' in page and 'data-status="running"' in page
    assert "逐行核对回盘（5000/20000）" in page and "25%" in page
    fragment = c.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert "hx-trigger" in fragment.content.decode()
    Job.objects.filter(pk=queued.pk).update(status="done", result={"committed": True, "bad_rows": []})
    done = c.get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"  # finished: the whole page is loaded again, with the result


def test_one_bad_row_commits_nothing_unless_partial(payments, django_capture_on_commit_callbacks):
    ps = payments
    rows = [*_good(ps), ["JZ9999999999", "成功", "1", ""], [_ref(ps[0]), "不知道", "", ""]]
    c = client_for("js_finance")
    job = _job_of(_post_page(c, _csv(rows), django_capture_on_commit_callbacks))
    assert job.status == "done" and job.result["committed"] is False
    assert job.result["message"].startswith("回盘文件有 2 行无法导入，未作任何更改：")
    assert [b[:3] for b in job.result["bad_rows"]] == [
        [4, _ref(ps[2]), "differs"],
        [6, "JZ9999999999", "unmatched"],
        [7, _ref(ps[0]), "state"],
    ]
    assert _reconciled() == 0 and not Reconciliation.objects.exists()
    assert not AuditEvent.objects.filter(action="payroll.reconcile").exists()
    page = c.get(f"/payments/reconcile/jobs/{job.pk}/").content.decode()
    assert "回盘文件有 2 行无法导入，未作任何更改" in page
    assert "参考号“JZ9999999999”不在2026年12月的发放名单中" in page
    assert "状态“不知道”无法识别（应为 成功 或 失败）" in page and "未导入（整份文件未导入）" in page
    # Every bad row as Excel.
    r = c.get(f"/payments/reconcile/jobs/{job.pk}/rows.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    got = list(sheet.iter_rows(values_only=True))
    assert got[0] == ("行号", "参考号", "问题", "处理") and len(got) == 4
    assert got[2] == (
        6,
        "JZ9999999999",
        "参考号“JZ9999999999”不在2026年12月的发放名单中",
        "未导入（整份文件未导入）",
    )

    partial = _job_of(_post_page(c, _csv(rows), django_capture_on_commit_callbacks, partial="on"))
    result = partial.result
    assert result["committed"] is True and (result["paid"], result["failed"], result["unusable"]) == (3, 1, 2)
    assert result["unmatched"] == 1 and _reconciled() == 4
    record = Reconciliation.objects.get(pk=result["reconciliation"])
    assert record.errors == [
        "第6行：参考号“JZ9999999999”不在2026年12月的发放名单中",
        "第7行：状态“不知道”无法识别（应为 成功 或 失败）",
        f"第4行：实发金额 {ps[2].amount - 20} 与名单金额 {ps[2].amount} 不一致",
    ]
    # The last row for a reference wins; row 7 could not be used, so row 2's 成功 stands.
    assert Payment.objects.get(pk=ps[0].pk).status == "paid"


def test_many_bad_rows_are_listed_in_part_and_stored_as_excel_by_the_job(
    payments, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(bad_rows, "BAD_ROWS_SHOWN", 2)
    rows = [[f"JZ{9_000_000_000 + i:010d}", "成功", "", ""] for i in range(5)]  # a file of another county
    c = client_for("js_finance")
    job = _job_of(_post_page(c, _csv(rows), django_capture_on_commit_callbacks))
    assert job.result["unusable"] == 5 and len(job.result["bad_rows"]) == 5  # all of them on the job
    assert job.result["rows_file"].endswith(f"reconcile-{job.pk}-rows.xlsx")
    page = c.get(f"/payments/reconcile/jobs/{job.pk}/").content.decode()
    assert "共 5 行，页面只列出前 2 行" in page and page.count("不在2026年12月的发放名单中") == 2
    r = c.get(f"/payments/reconcile/jobs/{job.pk}/rows.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("回盘.csv", b"", "所提交的是空文件"),  # the form's own check
        ("回盘.csv", b"\r\n", "回盘文件须有“参考号”和“状态”两列"),
        ("回盘.csv", "参考号,金额\r\nJZ0000000001,10\r\n".encode(), "回盘文件须有“参考号”和“状态”两列"),
        ("回盘.txt", b"JZ0000000001", "银行回盘文件只支持 .xlsx 或 .csv"),
        ("回盘.xlsx", b"PK\x03\x04 not really a workbook", "银行回盘文件无法读取"),
    ],
)
def test_the_file_shape_is_checked_at_once_and_the_form_keeps_its_input(payments, name, content, message):
    r = client_for("js_finance").post(
        PAGE + f"?county={JIANSHAN}",
        {"month": "2026-12", "partial": "on", "file": SimpleUploadedFile(name, content)},
    )
    page = r.content.decode()
    assert r.status_code == 422 and message in page
    assert 'value="2026-12"' in page and re.search(r'name="partial"[^>]*checked', page)  # input kept
    assert not Job.objects.filter(kind=selectors.RECONCILE_KIND).exists()  # nothing stored or queued


def test_reconcile_through_the_api(payments, django_capture_on_commit_callbacks):
    ps = payments
    c = client_for("js_finance")
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(
            API,
            {
                "county": JIANSHAN,
                "month": "2026-12-01",
                "file": SimpleUploadedFile("回盘.csv", _csv(_good(ps))),
            },
        )
    assert r.status_code == 202, r.content
    body = r.json()
    assert (
        body["status"] == "queued" and body["params"]["month"] == "2026-12-01"
    )  # as answered, before the run
    job = c.get(f"{API}/jobs/{body['id']}").json()
    assert job["status"] == "done" and job["percent"] == 100 and job["phase"] == "完成"
    assert job["result"]["committed"] is True and job["result"]["consistency"]["rate"] == "50.0"
    assert (job["result"]["paid"], job["result"]["failed"], job["result"]["inconsistent"]) == (3, 1, 1)
    assert c.get(f"{API}?county={JIANSHAN}").json()["count"] == 1  # the import record, as before

    bad = _csv([[_ref(ps[0]), "成功", "abc", ""], [_ref(ps[1]), "成功", "NaN", ""]])
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(API, {"county": JIANSHAN, "month": "2026-12-01", "file": SimpleUploadedFile("r.csv", bad)})
    refused = c.get(f"{API}/jobs/{r.json()['id']}").json()["result"]
    assert refused["committed"] is False and refused["bad_rows"] == [
        [2, _ref(ps[0]), "amount", "abc", ""],
        [3, _ref(ps[1]), "amount", "NaN", ""],
    ]
    assert "实发金额“abc”不是数字" in refused["message"]

    empty = c.post(API, {"county": JIANSHAN, "month": "2026-12-01", "file": SimpleUploadedFile("r.csv", b"")})
    assert empty.status_code == 400 and empty.json()["message"] == "文件是空的"


def test_a_job_that_fails_shows_why_in_chinese(payments, django_capture_on_commit_callbacks):
    """The finance post was withdrawn between the upload and the worker's turn: the job fails, nothing
    is written, and its page says why."""
    from jiuzhu.orgs.models import Membership

    with django_capture_on_commit_callbacks(execute=True):
        job = reconcile_job.reconcile_start(
            by=user("js_finance"),
            county_code=JIANSHAN,
            month=DEC,
            file_name="r.csv",
            content=_csv(_good(payments)),
        )
        Membership.objects.filter(user__username="js_finance").update(is_active=False)
    job.refresh_from_db()
    assert job.status == "failed" and job.error.startswith("上传人已无权导入") and _reconciled() == 0
    page = client_for("js_bureau").get(f"/payments/reconcile/jobs/{job.pk}/")
    assert page.status_code == 403  # the bureau officer does not reconcile either
    Membership.objects.filter(user__username="js_finance").update(is_active=True)
    page = client_for("js_finance").get(f"/payments/reconcile/jobs/{job.pk}/").content.decode()
    assert 'data-testid="job-error"' in page and f"导入失败：{job.error}" in page


def _other_county_finance() -> Client:
    from jiuzhu.orgs.models import Membership, Organisation, User
    from jiuzhu.orgs.roles import OrgKind, Role

    u = User.objects.create_user(username="qj_finance", full_name="綦江财务")
    Membership.objects.create(
        user=u,
        organisation=Organisation.objects.get(jurisdiction_id=QIJIANG, kind=OrgKind.BUREAU),
        role=Role.FINANCE,
        created_at=clock.now(),
    )
    c = Client()
    c.force_login(u)
    return c


def test_role_and_scope(payments, django_capture_on_commit_callbacks):
    content = _csv(_good(payments))
    finance = client_for("js_finance")
    job = _job_of(_post_page(finance, content, django_capture_on_commit_callbacks))
    page, api = f"/payments/reconcile/jobs/{job.pk}/", f"{API}/jobs/{job.pk}"
    assert finance.get(page).status_code == 200 and finance.get(api).status_code == 200
    assert finance.get(page + "rows.xlsx").status_code == 200  # the inconsistent row

    township = client_for("ab_caseworker")  # sees its county's cycle, but reconciles nothing
    assert township.get(PAGE + f"?county={JIANSHAN}").status_code == 404
    r = township.post(
        PAGE + f"?county={JIANSHAN}", {"month": "2026-12", "file": SimpleUploadedFile("r.csv", content)}
    )
    assert r.status_code == 404
    assert township.get(page).status_code == 404 and township.get(api).status_code == 404
    r = township.post(
        API, {"county": JIANSHAN, "month": "2026-12-01", "file": SimpleUploadedFile("r.csv", content)}
    )
    assert r.status_code == 404

    auditor = client_for("js_auditor")  # in the county, without the role
    assert auditor.get(page).status_code == 403 and auditor.get(api).status_code == 403
    r = auditor.post(
        API, {"county": JIANSHAN, "month": "2026-12-01", "file": SimpleUploadedFile("r.csv", content)}
    )
    assert r.status_code == 403

    other = _other_county_finance()
    assert other.get(page).status_code == 404 and other.get(api).status_code == 404
    assert other.get(page + "rows.xlsx").status_code == 404
    r = other.post(
        API, {"county": JIANSHAN, "month": "2026-12-01", "file": SimpleUploadedFile("r.csv", content)}
    )
    assert r.status_code == 404
    assert Job.objects.filter(kind=selectors.RECONCILE_KIND).count() == 1


def test_queries_do_not_grow_with_the_rows(payments):
    """No query per row: a chunk of rows is matched with one query, payments are written in batches."""
    ps = payments
    rows = [[f"JZ{9_000_000_000 + i:010d}", "成功", "1", ""] for i in range(3000)]  # not in the list
    rows += [[_ref(p), "成功", p.amount, ""] for p in ps] * 300  # the same four payments, again and again
    with CaptureQueriesContext(connection) as queries:
        record = reconciliation.reconcile(
            by=user("js_finance"),
            county_code=JIANSHAN,
            month=DEC,
            file_name="big.csv",
            content=_csv(rows),
            partial=True,
        )
    assert record.rows == 4200 and record.unmatched == 3000 and record.paid == 1200
    assert len(queries) < 40, [q["sql"][:120] for q in queries.captured_queries]
    assert _reconciled() == 4 and Payment.objects.get(pk=ps[0].pk).paid_amount == ps[0].amount
    outcome = bank_results.ReconcileOutcome()
    with pytest.raises(ValidationFailed) as exc:
        reconciliation.reconcile(
            by=user("js_finance"),
            county_code=JIANSHAN,
            month=DEC,
            file_name="big.csv",
            content=_csv(rows),
            outcome=outcome,
        )
    assert exc.value.message.startswith(
        "回盘文件有 3000 行无法导入，未作任何更改："
    ) and exc.value.message.endswith("……")
    assert len(outcome.bad_rows) == 3000  # every one of them, for the job's result


def test_an_xlsx_from_the_bank(payments):
    ps = payments
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["参考号", "状态", "实发金额", "失败原因", "银行流水号"])
    for p in ps:
        sheet.append([_ref(p), "成功", float(p.amount), None, f"B{p.pk}"])
    buffer = io.BytesIO()
    book.save(buffer)
    record = reconciliation.reconcile(
        by=user("js_finance"),
        county_code=JIANSHAN,
        month=DEC,
        file_name="回盘.xlsx",
        content=buffer.getvalue(),
    )
    assert record.paid == 4 and record.errors == []
    assert statistics.consistency(JIANSHAN, DEC).rate == Decimal("100.0")
    assert Payment.objects.get(pk=ps[1].pk).bank_reference == f"B{ps[1].pk}"
