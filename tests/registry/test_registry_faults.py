"""Smaller faults of the registry seen in use: member counts in the search, the default assistance type of
an application, one name for one household."""

import pytest

from jiuzhu.core.masking import household_name
from tests.helpers import client_for, make_household, member

pytestmark = pytest.mark.django_db


def test_search_by_a_member_name_counts_every_member_of_the_household():
    make_household(
        members=[member("韩建军"), member("刘秀兰", "spouse"), member("韩小宝", "child")],
        address="安邦村7组1号",
    )
    c = client_for("ab_caseworker")
    for query in ({"q": "韩小宝"}, {"q": "安邦村7组1号"}):
        body = c.get("/registry/households/", query).content.decode()
        row = body.split("<td>安邦村7组1号</td>")[1].split("</tr>")[0]
        assert '<td class="text-end">3</td>' in row, query


@pytest.mark.parametrize("urban_rural, expected", [("rural", "dibao_rural"), ("urban", "dibao_urban")])
def test_A1_application_form_starts_on_the_dibao_of_the_households_kind(urban_rural, expected):
    household = make_household(urban_rural=urban_rural)
    body = client_for("ab_caseworker").get(f"/cases/new/?household={household.pk}").content.decode()
    assert f'<option value="{expected}" selected>' in body


def test_one_name_for_one_household_on_every_staff_page():
    household = make_household(members=[member("韩建军"), member("刘秀兰", "spouse")])
    assert str(household) == household_name("韩建军") == "韩建军户"
    c = client_for("ab_caseworker")
    pages = [
        f"/registry/households/{household.pk}/",
        f"/cases/new/?household={household.pk}",
        f"/registry/members/{household.members.get(relation='spouse').pk}/edit/",
    ]
    for page in pages:
        body = c.get(page).content.decode()
        assert "韩建军户" in body and "韩**户" not in body, page
