"""Registry additions: the DM2 register (deactivation, filters, export) and the import error download."""

import io
from datetime import date

import pytest
from python_calamine import CalamineWorkbook

from jiuzhu.core.models import AuditEvent
from jiuzhu.registry.models import NearRelative
from jiuzhu.registry.services.relatives import RelativeInput, relative_add, relative_deactivate
from tests.helpers import ANBANG, ERMALU, body_of, client_for, make_case, make_household, member, new_id, user

pytestmark = pytest.mark.django_db


def _relative(
    official="刘宏伟", unit="安邦乡人民政府", name="刘小红", area=ANBANG, by="ab_caseworker", number=None
):
    return relative_add(
        by=user(by),
        area_code=area,
        data=RelativeInput(official, "staff", unit, name, number or new_id(), "妹妹", date(2025, 1, 1)),
    )


def test_deactivate_from_the_page_keeps_the_entry_and_its_reason():
    number = new_id(female=True)
    entry = _relative(number=number)
    url = f"/registry/relatives/{entry.pk}/deactivate/"
    c = client_for("ab_caseworker")
    assert c.get(url).status_code == 200
    empty = c.post(url, {"reason": "  "})
    assert empty.status_code == 422 and NearRelative.objects.get(pk=entry.pk).is_active

    r = c.post(url, {"reason": "刘宏伟已调离社会救助岗位"})
    assert r.status_code == 302
    entry.refresh_from_db()
    assert entry.is_active is False and entry.deactivate_reason == "刘宏伟已调离社会救助岗位"
    assert entry.deactivated_on == date(2026, 11, 20)
    event = AuditEvent.objects.get(action="relative.deactivate", object_id=str(entry.pk))
    assert event.reason == "刘宏伟已调离社会救助岗位" and event.role == "township_caseworker"

    again = c.post(url, {"reason": "再次"})
    assert again.status_code == 422 and "已于" in again.content.decode()

    # A new application of that relative is no longer flagged.
    household = make_household(members=[member("刘小红", id_number=number)])
    assert not make_case(household).has_near_relative

    listed = c.get("/registry/relatives/").content.decode()
    assert "刘小红" not in listed
    listed = c.get("/registry/relatives/?status=inactive").content.decode()
    assert "刘小红" in listed and "已调离" in listed


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("ab_approver", 302),
        ("js_bureau", 302),
        ("js_finance", 403),  # in scope, no DM2 role
        ("emr_caseworker", 404),  # another township
        ("qj_bureau", 404),  # another county
    ],
)
def test_deactivate_role_by_scope(username, status):
    entry = _relative()
    r = client_for(username).post(f"/registry/relatives/{entry.pk}/deactivate/", {"reason": "离岗"})
    assert r.status_code == status
    entry.refresh_from_db()
    assert entry.is_active is (status != 302)


def test_list_filters_and_export():
    _relative(official="刘宏伟", unit="安邦乡人民政府", name="刘甲")
    _relative(official="李雪", unit="二马路街道办事处", name="李乙", area=ERMALU, by="emr_caseworker")
    stopped = _relative(
        official="马国庆", unit="二马路街道办事处", name="马丙", area=ERMALU, by="emr_caseworker"
    )
    relative_deactivate(by=user("emr_caseworker"), relative=stopped, reason="关系终止")
    c = client_for("js_bureau")

    def names(query: str) -> set[str]:
        page = c.get(f"/registry/relatives/?{query}").content.decode()
        return {n for n in ("刘甲", "李乙", "马丙") if n in page}

    assert names("") == {"刘甲", "李乙"}
    assert names("status=all") == {"刘甲", "李乙", "马丙"}
    assert names("status=inactive") == {"马丙"}
    assert names("official=二马路") == {"李乙"}
    assert names("official=刘宏伟") == {"刘甲"}
    assert names(f"area={ERMALU}&status=all") == {"李乙", "马丙"}
    assert names("q=李乙") == {"李乙"}

    r = c.get("/registry/relatives/?status=all&official=二马路&export=xlsx")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(body_of(r))).get_sheet_by_index(0).to_python()
    assert rows[0][-3:] == ["状态", "停用日期", "停用原因"]
    assert sorted(row[4] for row in rows[1:]) == ["李乙", "马丙"]
    assert next(row for row in rows[1:] if row[4] == "马丙")[-1] == "关系终止"


def test_api_filters_and_deactivate():
    entry = _relative(official="刘宏伟", name="刘丁")
    _relative(official="李雪", unit="二马路街道办事处", name="李戊", area=ERMALU, by="emr_caseworker")
    c = client_for("js_bureau")
    items = c.get(f"/api/v1/near-relatives?area={ANBANG}").json()["items"]
    assert {i["relative_name"] for i in items} >= {"刘丁"} and "李戊" not in {
        i["relative_name"] for i in items
    }
    items = c.get("/api/v1/near-relatives?official=二马路").json()["items"]
    assert {i["relative_name"] for i in items} == {"李戊"}

    url = f"/api/v1/near-relatives/{entry.pk}/deactivate"
    assert (
        client_for("emr_caseworker").post(url, {"reason": "x"}, content_type="application/json").status_code
        == 404
    )
    assert (
        client_for("js_finance").post(url, {"reason": "x"}, content_type="application/json").status_code
        == 403
    )
    assert c.post(url, {"reason": ""}, content_type="application/json").status_code == 422
    r = c.post(url, {"reason": "已调离"}, content_type="application/json")
    assert (
        r.status_code == 200 and r.json()["is_active"] is False and r.json()["deactivate_reason"] == "已调离"
    )
    assert c.post(url, {"reason": "已调离"}, content_type="application/json").status_code == 400
    inactive = c.get("/api/v1/near-relatives?status=inactive").json()["items"]
    assert [i["id"] for i in inactive] == [entry.pk]
    assert entry.pk not in [i["id"] for i in c.get("/api/v1/near-relatives").json()["items"]]


# --- household import: every error row downloadable ---------------------------------------------------


def _import_csv(households: int, bad: set[int]) -> tuple[bytes, dict[int, str]]:
    """Two-member households; member rows whose line is in `bad` get a broken check digit."""
    import csv

    from jiuzhu.registry.imports import layout
    from tests.helpers import ANBANG_VILLAGE

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([label for _, label, _ in layout.COLUMNS])
    numbers, line = {}, 1
    for i in range(households):
        for j, relation in enumerate(("户主", "配偶")):
            line += 1
            number = new_id()
            if line in bad:
                number = number[:-1] + ("0" if number[-1] != "0" else "1")
            numbers[line] = number
            w.writerow(
                [f"E{i:04d}", ANBANG_VILLAGE, f"安邦村{i}号", "", "", "", f"成员{i}-{j}", number, relation]
                + [""] * 3
                + ["否", "", "", "是", ""]
            )
    return out.getvalue().encode("utf-8-sig"), numbers


def test_import_job_keeps_every_error_row_for_download(monkeypatch, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jiuzhu.core.models import Job
    from jiuzhu.registry.imports import report

    monkeypatch.setattr(report, "ERRORS_SHOWN", 3)
    bad = {3, 6, 9, 12, 15, 18, 21}
    content, numbers = _import_csv(12, bad)
    c = client_for("ab_caseworker")
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/registry/import/", {"file": SimpleUploadedFile("h.csv", content)})
    job = Job.objects.get(pk=r["Location"].rstrip("/").split("/")[-1])
    assert job.status == "done", job.error
    # Each bad member row also makes its household lack a head or a spouse: count what the job counted.
    assert job.result["error_count"] >= len(bad) and len(job.result["errors"]) == 3
    assert job.result["errors_truncated"] is True

    page = c.get(f"/registry/import/jobs/{job.pk}/").content.decode()
    assert "下载全部错误行（Excel）" in page and "页面只列出前 3 条" in page

    r = c.get(f"/registry/import/jobs/{job.pk}/errors.xlsx")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    rows = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(r.streaming_content))).get_sheet_by_index(0)
    rows = rows.to_python()
    assert rows[0][:2] == ["行号", "错误说明"]
    lines = {int(row[0]): row for row in rows[1:]}
    assert bad <= set(lines)
    assert all("校验位" in lines[n][1] for n in bad)
    full = numbers[3]
    assert lines[3][8] == "成员0-1" and lines[3][9] != full and lines[3][9][-4:] == full[-4:]  # masked
    assert full not in str(rows)

    api = c.get(f"/api/v1/jobs/household-import/{job.pk}/errors.xlsx")
    assert api.status_code == 200 and api["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client_for("emr_caseworker").get(f"/registry/import/jobs/{job.pk}/errors.xlsx").status_code == 404

    # The commit job re-validates and keeps its own copy.
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(f"/registry/import/jobs/{job.pk}/commit/", {"mode": "good_only"})
    commit = Job.objects.get(pk=r["Location"].rstrip("/").split("/")[-1])
    assert commit.result["created_households"] == 12 - len(bad)
    assert c.get(f"/registry/import/jobs/{commit.pk}/errors.xlsx").status_code == 200


def test_no_error_download_for_a_clean_job(django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jiuzhu.core.models import Job

    content, _ = _import_csv(2, set())
    c = client_for("ab_caseworker")
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/registry/import/", {"file": SimpleUploadedFile("ok.csv", content)})
    job = Job.objects.get(pk=r["Location"].rstrip("/").split("/")[-1])
    assert job.result["error_count"] == 0 and "errors_file" not in job.result
    assert "下载全部错误行" not in c.get(f"/registry/import/jobs/{job.pk}/").content.decode()
    assert c.get(f"/registry/import/jobs/{job.pk}/errors.xlsx").status_code == 404
