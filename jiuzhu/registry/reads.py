"""Reads of one household's full data (members, disabilities, illnesses, income, assets) are logged like
reveals of an ID number (PI1): who looked at which household, when, from where."""

from __future__ import annotations

from django.db import transaction

from jiuzhu.core import audit
from jiuzhu.orgs import authz
from jiuzhu.orgs.roles import Perm

# "pii." events stay out of the event feed and the business timelines (api.events, staff pages).
audit.register_actions({"pii.view_household": "查看家庭完整信息"})


def household_read(*, by, household) -> None:
    membership = authz.require(by, Perm.VIEW, household.area_code)
    with transaction.atomic():
        audit.record(actor=by, membership=membership, action="pii.view_household", obj=household)
