"""Bad input is answered 4xx with a Chinese message, never 5xx: unreadable uploads, dates before a policy
parameter took effect, mistyped filters and the NUL character (pages and API alike)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from jiuzhu.core import params
from tests.helpers import client_for, review, to_investigated, user

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
UUID = "123e4567-e89b-12d3-a456-426614174000"
UPLOADS = [
    ("ab_caseworker", "/api/v1/imports/households"),
    ("js_finance", "/api/v1/payroll/reconciliations"),
    (None, f"/api/v1/documents/verify/{UUID}/pdf"),
]


def _client(username):
    from django.test import Client

    return client_for(username) if username else Client()


def is_chinese_4xx(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert CHINESE.search(body["message"]), body
    return body


@pytest.mark.parametrize(("username", "url"), UPLOADS)
@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\x7f"],
)
def test_a_multipart_body_without_a_usable_boundary_is_400(username, url, content_type):
    response = _client(username).post(url, data=b"--x\r\nnot a part", content_type=content_type)
    body = is_chinese_4xx(response, 400)
    assert body["code"] == "invalid" and "boundary" in body["message"] and body["errors"]["file"]


@pytest.mark.parametrize(("username", "url"), UPLOADS)
def test_a_multipart_body_with_too_many_fields_is_400(username, url, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    boundary = "b"
    parts = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="f{i}"\r\n\r\nx\r\n' for i in range(5)
    )
    response = _client(username).post(
        url,
        data=(parts + f"--{boundary}--\r\n").encode(),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    is_chinese_4xx(response, 400)


def test_P_a_review_dated_before_anything_of_the_case_is_400_next_to_the_date():
    """R1 reads the panel sizes in force on the review day; a review "held" in 2000 is a wrong date (400),
    reported with the other problems of the input — not a missing parameter (500)."""
    case = to_investigated()
    response = client_for("ab_caseworker").post(
        f"/api/v1/cases/{case.pk}/review",
        {
            "held_on": "2000-01-01",
            "panel": ["甲"],
            "minutes": "一致认可",
            "votes_for": 1,
            "votes_against": 0,
            "all_signed": False,
        },
        content_type="application/json",
    )
    body = is_chinese_4xx(response, 400)
    assert body["errors"]["held_on"] == ["不能早于上一环节日期"] and body["errors"]["all_signed"]


def test_a_parameter_asked_for_a_day_before_its_first_value_is_400_with_that_day():
    c = client_for("js_bureau")
    body = is_chinese_4xx(c.get("/api/v1/params/dibao.standard.urban?on=0443-11-16"), 400)
    assert "0443-11-16" in body["message"] and "最早生效日期 2021-01-01" in body["message"]
    assert c.get("/api/v1/params/dibao.standard.urban?on=2026-11-20").status_code == 200
    assert c.get("/api/v1/params?on=0443-11-16").json() == []  # the list shows what is in force: nothing


def test_the_lookup_itself_tells_a_wrong_date_from_a_missing_setting():
    with pytest.raises(params.ParameterNotInForce) as early:
        params.get("review.panel_sizes", area_code="230502200000", on=date(2000, 1, 1))
    assert early.value.status == 400 and isinstance(early.value, params.MissingParameter)
    from jiuzhu.core.models import ParameterValue

    ParameterValue.objects.filter(key="dibao.standard.urban").delete()
    with pytest.raises(params.MissingParameter) as missing:
        params.get("dibao.standard.urban", area_code="610104000000", on=date(2026, 11, 20))
    assert missing.value.status == 500 and not isinstance(missing.value, params.ParameterNotInForce)


@pytest.mark.parametrize(
    "url",
    [
        "/orgs/jurisdictions/?level='",
        "/orgs/jurisdictions/?level=99",
        "/supervision/funds/?year=-1",
        "/supervision/funds/?year=99999999999999999999",
        "/settings/calendar/?year='",
        "/settings/calendar/?year=0",
    ],
)
def test_a_mistyped_filter_shows_the_default_list(url):
    response = client_for("js_bureau").get(url)
    assert response.status_code == 200


def test_a_mistyped_year_falls_back_to_this_year():
    page = client_for("js_bureau").get("/supervision/funds/?year=-1").content.decode()
    assert "2026年临时救助资金" in page or "2026年拨付记录" in page


@pytest.mark.parametrize("url", ["/cases/?q=%00", "/board/%00/", "/api/v1/cases?q=%00", "/verify/a%00b/"])
def test_the_nul_character_in_an_address_or_a_filter_is_400(url):
    response = client_for("js_bureau").get(url)
    assert response.status_code == 400
    text = response.content.decode()
    assert "空字符" in (response.json()["message"] if url.startswith("/api/") else text)


def test_review_service_reports_every_problem_at_once():
    """A wrong date no longer hides the other problems of the same input (one round trip for the user)."""
    from jiuzhu.cases.services import steps
    from jiuzhu.core.errors import ValidationFailed

    case = to_investigated()
    with pytest.raises(ValidationFailed) as exc:
        steps.review(
            by=user("ab_caseworker"),
            case=case,
            data=steps.ReviewInput(
                held_on=date(2026, 12, 1),
                panel=["甲"],
                minutes="",
                votes_for=1,
                votes_against=0,
                all_signed=False,
            ),
        )
    assert set(exc.value.field_errors) == {"held_on", "minutes", "all_signed"}
    review(case)  # and a correct one is saved
