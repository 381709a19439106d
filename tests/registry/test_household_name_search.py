"""Name search of households at scale: a name many households share lists the newest of them, read off the
matched ids (never off every household of the scope), each filter applied before the limit; the export has
them all; ID search goes through the blind index."""

from __future__ import annotations

import pytest

from jiuzhu.registry import selectors
from tests.helpers import ANBANG_VILLAGE, client_for, make_household, member, new_id, user

pytestmark = pytest.mark.django_db
ERMALU_VILLAGE = "230502004001"


@pytest.fixture
def limit_of_three(monkeypatch):
    monkeypatch.setattr(selectors, "NAME_MATCH_LIMIT", 3)


def households(n: int, name: str, by: str = "ab_caseworker", area: str = ANBANG_VILLAGE, **kw) -> list:
    return [make_household(by=by, area=area, members=[member(f"{name}{i}")], **kw) for i in range(n)]


def test_a_common_name_lists_the_newest_matches_up_to_the_limit(limit_of_three):
    anbang = households(5, "张伟")
    households(2, "张伟", by="emr_caseworker", area=ERMALU_VILLAGE)  # newer, outside 安邦乡
    page = client_for("ab_caseworker").get("/registry/households/?q=张伟")
    shown = list(page.context["listing"].object_list)
    # The limit is applied after the scope: the newer 二马路 households take none of the three places.
    assert shown == anbang[:-4:-1]
    assert "仅列出最近登记的 3 户" in page.content.decode()
    bureau = list(client_for("js_bureau").get("/registry/households/?q=张伟").context["listing"].object_list)
    assert len(bureau) == 3 and all(h.area_code == ERMALU_VILLAGE for h in bureau[:2])


def test_a_name_below_the_limit_lists_every_match_without_the_note(limit_of_three):
    found = households(2, "李娜")
    households(2, "王芳")
    page = client_for("ab_caseworker").get("/registry/households/?q=李娜")
    assert list(page.context["listing"].object_list) == found[::-1]
    assert "仅列出最近登记" not in page.content.decode()


def test_filters_apply_before_the_limit(limit_of_three):
    rural = households(2, "刘洋", urban_rural="rural")
    households(4, "刘洋", urban_rural="urban")
    shown = selectors.search_households(user("js_bureau"), q="刘洋", urban_rural="rural").order_by("-id")
    assert list(shown) == rural[::-1]
    inactive_match = selectors.search_households(user("js_bureau"), q="刘洋", active=False)
    assert not inactive_match.exists()


def test_a_member_who_is_not_the_head_is_found_and_counted_once(limit_of_three):
    household = make_household(
        members=[member("陈明"), member("陈明亮", "child", id_kw={"birth": "20100101"})]
    )
    found = selectors.search_households(user("ab_caseworker"), q="陈明")
    assert list(found) == [household] and found[0].member_count == 2


def test_the_export_has_every_match(limit_of_three):
    households(5, "赵磊")
    response = client_for("ab_caseworker").get("/registry/households/?q=赵磊&export=xlsx")
    assert response.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(load_workbook(BytesIO(body), read_only=True).active.iter_rows(values_only=True))
    assert sum(1 for r in rows if r and str(r[0]).startswith("赵磊")) == 5


def test_id_search_goes_through_the_blind_index():
    number = new_id()
    household = make_household(members=[member("孙丽", id_number=number)])
    qs = selectors.search_households(user("ab_caseworker"), id_number=number)
    sql = str(qs.query)
    assert "id_index" in sql and number not in sql
    assert list(qs) == [household]
