"""Hostile and oversized files are refused before they can hurt, through the pages and the API users take:
the 1.5 KB workbook that made the parser allocate 512 GiB (it killed the web server and the worker), a zip
bomb, a CSV with 10⁶ columns, files that are not what their name says, a parser that dies."""

import csv
import io

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from jiuzhu.core import tables
from jiuzhu.core.models import Job
from jiuzhu.payments.models import Payment
from jiuzhu.registry.models import NearRelative
from tests import hostile
from tests.helpers import ANBANG, JIANSHAN, client_for, new_id, payable_world, run_payroll

pytestmark = pytest.mark.django_db
IMPORT_API = "/api/v1/imports/households"


def _register_csv() -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["工作人员姓名", "身份", "所在单位", "近亲属姓名", "近亲属身份证号", "关系", "登记日期"])
    w.writerow(["王经办", "社会救助经办人员", "安邦乡民政办", "王小", new_id(), "子女", "2026-11-01"])
    return out.getvalue().encode("gbk")  # as Chinese Excel saves a CSV


def _relatives_import(c, name: str, content: bytes) -> str:
    r = c.post(
        "/registry/relatives/import/",
        {"area_code": ANBANG, "file": SimpleUploadedFile(name, content)},
        follow=True,
    )
    assert r.status_code == 200
    return r.content.decode()


def test_the_sparse_workbook_through_the_near_relatives_page_is_refused_and_the_server_goes_on():
    c = client_for("ab_caseworker")
    before = NearRelative.objects.count()
    page = _relatives_import(c, "名册.xlsx", hostile.sparse_workbook())
    assert len(hostile.sparse_workbook()) < 2000
    assert "名册文件已拒收：工作表范围为 XFD1048576，共 1,048,576 行、16,384 列" in page
    # Without a declared range only the parser finds the cells 512 GiB apart: it dies in its own process.
    page = _relatives_import(c, "名册.xlsx", hostile.sparse_workbook_without_dimension())
    assert "名册文件无法读取：解析时超出内存上限" in page and "A1 与 XFD1048576" in page
    assert NearRelative.objects.count() == before
    page = _relatives_import(c, "名册.csv", _register_csv())  # the same server, the next upload
    assert "已导入 1 条" in page and NearRelative.objects.count() == before + 1


def test_the_sparse_workbook_through_the_api_and_the_worker(django_capture_on_commit_callbacks):
    c = client_for("ab_caseworker")
    r = c.post(IMPORT_API, {"file": SimpleUploadedFile("家庭.xlsx", hostile.sparse_workbook())})
    assert r.status_code == 400 and r.json()["message"].startswith("文件已拒收：工作表范围为 XFD1048576")
    assert not Job.objects.exists()  # refused at upload: nothing stored or queued

    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(
            IMPORT_API, {"file": SimpleUploadedFile("家庭.xlsx", hostile.sparse_workbook_without_dimension())}
        )
    assert r.status_code == 202  # nothing in the first kilobytes gives it away: the worker's parser finds it
    job = c.get(f"/api/v1/jobs/household-import/{r.json()['id']}").json()
    assert job["status"] == "failed" and job["error"].startswith("文件无法读取：解析时超出内存上限")
    page = c.get(f"/registry/import/jobs/{job['id']}/").content.decode()
    assert "导入失败：文件无法读取" in page

    from tests.registry.test_import import _csv

    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(IMPORT_API, {"file": SimpleUploadedFile("家庭.csv", _csv(2))})
    assert c.get(f"/api/v1/jobs/household-import/{r.json()['id']}").json()["status"] == "done"


def test_a_zip_bomb_is_refused_at_upload():
    c = client_for("ab_caseworker")
    r = c.post(IMPORT_API, {"file": SimpleUploadedFile("家庭.xlsx", hostile.zip_bomb(40))})
    assert r.status_code == 400 and "疑似“压缩炸弹”" in r.json()["message"]
    page = c.post("/registry/import/", {"file": SimpleUploadedFile("家庭.xlsx", hostile.zip_bomb(40))})
    assert "疑似“压缩炸弹”" in page.content.decode()
    assert not Job.objects.exists()


def test_a_csv_with_a_million_columns_is_refused_at_upload():
    wide = ("身份证号" + ",x" * 1_000_000 + "\n").encode()
    c = client_for("ab_caseworker")
    r = c.post(IMPORT_API, {"file": SimpleUploadedFile("家庭.csv", wide)})
    assert r.status_code == 400 and "第1行超过 65,536 个字符" in r.json()["message"]
    page = c.post("/registry/import/", {"file": SimpleUploadedFile("家庭.csv", wide)}).content.decode()
    assert "第1行超过 65,536 个字符" in page
    assert not Job.objects.exists()


def test_a_file_claiming_to_be_a_workbook_that_is_not():
    c = client_for("ab_caseworker")
    page = c.post("/benefits/deaths/", {"file": SimpleUploadedFile("死亡.xlsx", hostile.PDF), "apply": "0"})
    assert "死亡信息文件只支持 .xlsx 或 .csv：“死亡.xlsx”名为 Excel 工作簿，内容却是PDF 文件" in (
        page.content.decode()
    )
    page = c.post("/registry/import/", {"file": SimpleUploadedFile("家庭.xlsx", "户编号,姓名\n".encode())})
    assert "“家庭.xlsx”名为 Excel 工作簿，内容却是文本" in page.content.decode()
    page = _relatives_import(c, "名册.xlsx", hostile.OLD_EXCEL)
    assert "内容却是旧版 Office 文件" in page and "请在 Excel 中另存为 .xlsx 工作簿" in page
    r = c.post(IMPORT_API, {"file": SimpleUploadedFile("家庭.xlsx", hostile.word_document())})
    assert r.status_code == 400 and "不是 Excel 工作簿，而是Word 文档" in r.json()["message"]
    assert not Job.objects.exists()


def _deaths_workbook() -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    book.add_worksheet().write_row(0, 0, ["姓名", "身份证号", "死亡日期"])
    book.close()
    return out.getvalue()


def test_a_parser_that_dies_fails_that_upload_only(
    tmp_path, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """A crash in native code, simulated by a parser killed with SIGKILL: on a page it is a message; in the
    worker (the bank's results: the header arrives, then the parser dies) the job says why."""
    c = client_for("ab_caseworker")
    monkeypatch.setattr(tables, "PARSER_SCRIPT", hostile.killed_parser(tmp_path))
    page = c.post("/benefits/deaths/", {"file": SimpleUploadedFile("死亡.xlsx", _deaths_workbook())})
    limit = f"（{settings.IMPORT_PARSER_MEMORY_BYTES // 1048576:,} MB）"
    message = f"死亡信息文件无法读取：解析时超出内存上限{limit}或解析程序异常退出"
    assert page.status_code == 200 and message in page.content.decode()

    payable_world()
    run_payroll()
    header = '{"rows": 5, "columns": 4}\n[["参考号", "状态", "实发金额", "失败原因"]]\n'
    monkeypatch.setattr(tables, "PARSER_SCRIPT", hostile.killed_parser(tmp_path, after=header))
    with django_capture_on_commit_callbacks(execute=True):
        r = client_for("js_finance").post(
            "/api/v1/payroll/reconciliations",
            {
                "county": JIANSHAN,
                "month": "2026-12-01",
                "file": SimpleUploadedFile("回盘.xlsx", _deaths_workbook()),
            },
        )
    assert r.status_code == 202
    job = Job.objects.get(pk=r.json()["id"])
    assert job.status == "done" and job.result["committed"] is False
    assert job.result["message"].startswith(
        "银行回盘文件无法读取：解析时超出内存上限（3,072 MB）或解析程序异常退出"
    )
    assert not Payment.objects.filter(reconciled_at__isnull=False).exists()
