"""A1 under load: two registrations of one person at the same moment, and one form posted twice at once —
exactly one household either way (PostgreSQL: real concurrent transactions)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from jiuzhu.core.errors import DomainError
from jiuzhu.registry.models import Household, Member
from tests.helpers import ANBANG_VILLAGE, make_household, member, new_id, user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is tested on PostgreSQL"),
]


def _race(fns):
    barrier = threading.Barrier(len(fns))
    results: list = []

    def worker(fn):
        from django.db import connection as conn

        try:
            barrier.wait()
            results.append(fn())
        except DomainError as exc:
            results.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_A1_two_registrations_of_one_person_at_once(transactional_world):
    number = new_id()
    results = _race(
        [
            lambda i=i: make_household(members=[member("韩建军", id_number=number)], address=f"安邦村{i}号")
            for i in range(2)
        ]
    )
    assert sum(isinstance(r, Household) for r in results) == 1
    loser = next(r for r in results if isinstance(r, DomainError))
    assert "在户成员" in loser.message
    assert Member.objects.filter(is_active=True, name="韩建军").count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_form_posted_twice_at_once_creates_one_household(transactional_world):
    data = {
        "area_code": ANBANG_VILLAGE,
        "address": "安邦村9组9号",
        "m-TOTAL_FORMS": "1",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "30",
        "m-0-name": "韩建军",
        "m-0-id_number": new_id(),
        "m-0-relation": "head",
        "m-0-work_ability": "full",
        "m-0-employment": "farming",
        "m-0-covered": "on",
        "_form_token": "race" * 8,
    }
    caseworker = user("ab_caseworker")

    def post():
        c = Client()
        c.force_login(caseworker)
        return c.post("/registry/households/new/", data).status_code

    assert _race([post, post]) == [302, 302]
    assert Household.objects.filter(address="安邦村9组9号").count() == 1
