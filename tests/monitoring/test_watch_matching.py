"""比对 matching at scale: the two ways a file is matched (the scope's indexes read once, or one query per
chunk) find the same people, in scope only, under every configured key set (a rotation half done)."""

import dataclasses
import os

import pytest

from jiuzhu.core import idnumber
from jiuzhu.core.models import Job
from jiuzhu.keyconfig import KeySet
from jiuzhu.monitoring import watch_import
from tests.helpers import ANBANG, client_for, make_household, member, new_id
from tests.monitoring.watch_helpers import csv_file, import_file

pytestmark = pytest.mark.django_db
HEADER = ["身份证号", "事项", "日期"]


def _file(numbers: list[str]) -> bytes:
    return csv_file(HEADER, [[n, "迁出", "2026-11-01"] for n in numbers])


@pytest.mark.parametrize("whole_scope", [True, False])
def test_both_matching_paths_find_the_same_people_in_scope_under_old_and_new_keys(
    settings, monkeypatch, whole_scope
):
    here = [new_id() for _ in range(3)]
    for k, number in enumerate(here):
        make_household(members=[member(f"比对{k}", id_number=number)])  # 安邦 (the helpers' default)
    elsewhere = new_id()
    make_household(
        by="emr_caseworker", area="230502004001", members=[member("二马路人", id_number=elsewhere)]
    )
    # A rotation to SM4 under way: the people above are still indexed under key set 1 (AES).
    old = settings.KEYS
    settings.KEYS = dataclasses.replace(
        old, current=KeySet(2, "sm4", os.urandom(32), os.urandom(32)), old={1: old.current}
    )
    make_household(members=[member("新索引", id_number=(fresh := new_id()))])  # indexed under key set 2
    chosen = []

    def decide(rows_expected, members_in_scope):
        chosen.append(whole_scope)
        return whole_scope

    monkeypatch.setattr(watch_import, "reads_whole_scope", decide)
    monkeypatch.setattr(watch_import, "CHUNK", 2)  # several chunks for a small file
    unknown = idnumber.make("11010119900101123")
    # A number written with spaces and a lower-case x is the same person (normalised once, then indexed).
    spaced = here[0][:6] + " " + here[0][6:-1] + here[0][-1].lower()
    warnings = import_file(
        client_for("ab_caseworker"), "gongan", _file([spaced, here[1], unknown, elsewhere, here[2], fresh])
    )
    assert chosen == [whole_scope, whole_scope]  # the preview, then the import
    assert sorted(w.member.name for w in warnings) == ["新索引", "比对0", "比对1", "比对2"]
    assert all(w.township_code == ANBANG for w in warnings)  # 二马路's person is out of scope


def test_the_same_record_twice_in_a_file_or_a_file_imported_again_makes_one_warning():
    number = new_id()
    make_household(members=[member("重复人", id_number=number)])
    c = client_for("ab_caseworker")
    twice = _file([number, number])
    [warning] = import_file(c, "gongan", twice)
    assert warning.status == "open" and warning.verify_method == "" and warning.confirmed is None
    assert import_file(c, "gongan", twice) == []
    done = Job.objects.filter(kind="monitoring_import", params__mode="all").latest("pk")
    assert (done.result["created"], done.result["already"]) == (0, 1)
