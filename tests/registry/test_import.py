"""The household import — every bad row reported, all or nothing unless the user chooses otherwise."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiuzhu.core.models import Job
from jiuzhu.registry.imports import checking, layout, writing
from jiuzhu.registry.models import Household, Member
from tests.helpers import ANBANG_VILLAGE, client_for, new_id, user

pytestmark = pytest.mark.django_db

HEADER = [label for _, label, _ in layout.COLUMNS]


def _csv(households: int, *, bad_line: int | None = None) -> bytes:
    """`households` two-member households; optionally one member row with a broken check digit."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(HEADER)
    line = 1
    for i in range(households):
        for j, relation in enumerate(("户主", "配偶")):
            line += 1
            number = new_id()
            if line == bad_line:
                number = number[:-1] + ("0" if number[-1] != "0" else "1")
            w.writerow(
                [
                    f"H{i:05d}",
                    ANBANG_VILLAGE,
                    f"安邦村{i}号",
                    "",
                    "",
                    "",
                    f"成员{i}-{j}",
                    number,
                    relation,
                    "",
                    "",
                    "",
                    "否",
                    "",
                    "",
                    "是",
                    "",
                ]
            )
    return out.getvalue().encode("utf-8-sig")


def _upload(c, content: bytes, name: str = "households.csv"):
    return c.post("/registry/import/", {"file": SimpleUploadedFile(name, content)})


def test_one_bad_row_in_a_thousand(django_capture_on_commit_callbacks):
    c = client_for("ab_caseworker")
    content = _csv(500, bad_line=377)  # 1 000 member rows
    before = Household.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        r = _upload(c, content)
    job = Job.objects.get(pk=r["Location"].rstrip("/").split("/")[-1])
    assert job.status == "done", job.error
    assert job.result["rows"] == 1000 and job.result["error_count"] == 1
    assert job.result["errors"][0].startswith("第377行：") and "校验位不正确" in job.result["errors"][0]
    bad_number = content.decode("utf-8-sig").splitlines()[376].split(",")[7]
    assert bad_number[-4:] in job.result["errors"][0] and bad_number not in str(job.result)  # masked
    assert (
        job.result["good_households"] == 499 and Household.objects.count() == before
    )  # preview writes nothing
    page = c.get(f"/registry/import/jobs/{job.pk}/").content.decode()
    assert "第377行" in page and "仅导入无误的 499 户" in page

    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(f"/registry/import/jobs/{job.pk}/commit/", {"mode": "all"})
    all_job = Job.objects.get(pk=r["Location"].rstrip("/").split("/")[-1])
    assert all_job.result["committed"] is False and Household.objects.count() == before

    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(f"/registry/import/jobs/{job.pk}/commit/", {"mode": "good_only"})
    good_job = Job.objects.get(pk=r["Location"].rstrip("/").split("/")[-1])
    assert good_job.result["created_households"] == 499 and good_job.result["created_members"] == 998
    # The pages of both commit jobs show their outcome and still list the error rows (was 500).
    for job_done in (all_job, good_job):
        page = c.get(f"/registry/import/jobs/{job_done.pk}/")
        assert page.status_code == 200 and "第377行" in page.content.decode()
        assert c.get(f"/registry/import/jobs/{job_done.pk}/errors.xlsx").status_code == 200
    assert "已导入 499 户、998 人，跳过有误家庭 1 户" in page.content.decode()
    assert Household.objects.count() == before + 499
    assert Member.objects.filter(household__external_key="H00000").count() == 2


def test_importing_the_same_people_again_is_refused_row_by_row(django_capture_on_commit_callbacks):
    rows = layout.read_rows("a.csv", _csv(3))
    preview = checking.validate(user("ab_caseworker"), rows)
    writing.commit(user("ab_caseworker"), preview, good_only=False, source="a.csv")
    again = checking.validate(user("ab_caseworker"), rows)
    assert len(again.errors) == 6 and all("已登记在" in e for e in again.errors)


def test_household_level_errors():
    content = "\n".join(
        [
            ",".join(HEADER),
            f"A,{ANBANG_VILLAGE},x,,,,甲,{new_id()},配偶,,,,否,,,是,",
            f"B,230502004001,y,,,,乙,{new_id()},户主,,,,否,,,是,",
            f"C,999999999999,z,,,,丙,{new_id()},户主,,,,否,,,否,",
        ]
    ).encode()
    preview = checking.validate(user("ab_caseworker"), layout.read_rows("x.csv", content))
    text = "；".join(preview.errors)
    assert "每户须有且只有一名户主" in text  # household A has no head
    assert "不在您的辖区" in text  # household B is in 二马路街道
    assert "不存在" in text and "不计入保障人数时须填写原因" in text  # household C


def test_wrong_type_and_too_large_are_refused_before_any_work(settings):
    c = client_for("ab_caseworker")
    r = _upload(c, b"PK\x03\x04 not really", "households.csv")
    assert "只支持 .xlsx 或 .csv" in r.content.decode()
    r = _upload(c, b"%PDF-1.4", "households.xlsx")
    assert "只支持 .xlsx 或 .csv" in r.content.decode()
    settings.IMPORT_MAX_BYTES = 100
    r = _upload(c, _csv(5))
    assert "文件过大" in r.content.decode()
    assert not Job.objects.exists()


def test_xlsx_template_round_trip():
    c = client_for("ab_caseworker")
    template = c.get("/registry/import/template.xlsx")
    rows = layout.read_rows("t.xlsx", template.content)
    assert rows[0]["name"] == "张三" and rows[1]["relation"] == "配偶"
    preview = checking.validate(user("js_bureau"), rows)
    assert preview.errors == [] and len(preview.good) == 1


def test_import_through_the_api(django_capture_on_commit_callbacks):
    c = client_for("ab_caseworker")
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/api/v1/imports/households", {"file": SimpleUploadedFile("h.csv", _csv(4))})
    assert r.status_code == 202
    job_id = r.json()["id"]
    assert c.get(f"/api/v1/jobs/household-import/{job_id}").json()["result"]["good_households"] == 4
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(
            f"/api/v1/imports/households/{job_id}/commit", {"mode": "all"}, content_type="application/json"
        )
    result = c.get(f"/api/v1/jobs/household-import/{r.json()['id']}").json()["result"]
    assert result["created_households"] == 4
    assert client_for("emr_caseworker").get(f"/api/v1/jobs/household-import/{job_id}").status_code == 404
    bad = c.post("/api/v1/imports/households", {"file": SimpleUploadedFile("h.xlsx", b"plain text")})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
