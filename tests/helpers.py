"""Helpers and names shared by the tests."""

from __future__ import annotations

from django.test import Client


def user(username: str):
    from jiuzhu.orgs.models import User

    return User.objects.get(username=username)


def client_for(username: str) -> Client:
    c = Client()
    c.force_login(user(username))
    return c


# The demo users by role, in 尖山区 (county) and its townships 安邦乡 and 二马路街道.
COUNTY_USERS = {
    "admin": "js_admin",
    "bureau_officer": "js_bureau",
    "bureau_inspector": "js_inspector",
    "finance": "js_finance",
    "auditor": "js_auditor",
    "verifier": "js_verifier",
}
ANBANG_USERS = {
    "township_caseworker": "ab_caseworker",
    "township_approver": "ab_approver",
    "verifier": "ab_verifier",
    "village_assistant": "ab_assistant",
}
ERMALU_USERS = {
    "township_caseworker": "emr_caseworker",
    "township_approver": "emr_approver",
    "village_assistant": "emr_assistant",
}
ALL_JIANSHAN_USERS = sorted({*COUNTY_USERS.values(), *ANBANG_USERS.values(), *ERMALU_USERS.values()})

JIANSHAN = "230502000000"
ANBANG = "230502200000"
ANBANG_VILLAGE = "230502200201"
ERMALU = "230502004000"
QIJIANG = "500110000000"
DATONG = "500110011000"
DONGXI = "500110009000"
LIANHU = "610104000000"
