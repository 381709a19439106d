"""Reports read from the replica only where that is safe (core.replica): GET requests of the pages marked for it,
before the request's first write and outside a transaction."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from jiuzhu.core.replica import REPLICA, ReplicaRouter, reads_from_replica
from jiuzhu.orgs.models import User

router = ReplicaRouter()


def _seen(method: str, body) -> list:
    seen: list = []

    @reads_from_replica
    def view(request):
        body(seen)
        return HttpResponse()

    view(getattr(RequestFactory(), method)("/supervision/"))
    return seen


def test_report_reads_go_to_the_replica_until_the_first_write():
    def body(seen):
        seen.append(router.db_for_read(User))
        seen.append(router.db_for_write(User))
        seen.append(router.db_for_read(User))

    assert _seen("get", body) == [REPLICA, "default", None]


@pytest.mark.django_db
def test_reads_inside_a_transaction_and_posts_and_other_pages_stay_on_the_primary():
    def in_transaction(seen):
        with transaction.atomic():
            seen.append(router.db_for_read(User))

    assert _seen("get", in_transaction) == [None]
    assert _seen("post", lambda seen: seen.append(router.db_for_read(User))) == [None]
    assert router.db_for_read(User) is None  # outside a marked page
    assert router.allow_migrate(REPLICA, "cases") is False and router.allow_migrate("default", "cases")
