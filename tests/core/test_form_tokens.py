"""Every create form carries a one-time token and its view honours it (core.formtokens)."""

import pytest
from django.urls import resolve, reverse

from jiuzhu.core import formtokens
from tests.helpers import client_for, make_household

pytestmark = pytest.mark.django_db

CREATE_FORMS = [
    ("household_new", "ab_caseworker"),
    ("discoveries", "ab_assistant"),
    ("relatives", "js_bureau"),
    ("household_import", "js_bureau"),
    ("staff", "js_admin"),
    ("grant_create", "js_bureau"),
    ("webhooks", "js_admin"),
    ("materials_checklist", "js_bureau"),
    ("sup_samples", "js_inspector"),
    ("sup_matter_new", "js_inspector"),
    ("sup_complaint_new", "js_bureau"),
]


def _honours_tokens(url: str) -> bool:
    view = resolve(url.split("?")[0]).func
    while view is not None:
        if view.__code__ is formtokens.one_time_form(lambda r: r).__code__:
            return True
        view = getattr(view, "__wrapped__", None)
    return False


@pytest.mark.parametrize("name, username", CREATE_FORMS)
def test_create_form_carries_a_token_its_view_honours(name, username):
    url = reverse(name)
    body = client_for(username).get(url).content.decode()
    assert f'name="{formtokens.FIELD}"' in body
    assert _honours_tokens(url)


@pytest.mark.parametrize("path", ["/members/new/", "/income/", "/assets/"])
def test_household_page_forms_carry_tokens(path):
    household = make_household()
    c = client_for("ab_caseworker")
    page = (
        f"/registry/households/{household.pk}/"
        if path != "/members/new/"
        else f"/registry/households/{household.pk}/members/new/"
    )
    assert f'name="{formtokens.FIELD}"' in c.get(page).content.decode()
    assert _honours_tokens(f"/registry/households/{household.pk}{path}")
    case_page = f"/cases/new/?household={household.pk}"
    assert f'name="{formtokens.FIELD}"' in c.get(case_page).content.decode()
    assert _honours_tokens(case_page)
