"""The states a case can be in, their Chinese labels and the groups the rest of the system asks about.

This module imports nothing of the app, so that the model (`Case.status` choices), the transition table, the
queues and other apps' reports can all name states without importing the workflow. Which moves lead from one
state to another is the business of `transitions.py`.
"""

from __future__ import annotations

from django.db import models


class State(models.TextChoices):
    SUBMITTED = "submitted", "待受理"
    INCOMPLETE = "incomplete", "待补齐材料"
    PRE_VERIFYING = "pre_verifying", "申请前核对中"
    ACCEPTED = "accepted", "已受理"
    VERIFYING = "verifying", "经济状况核对中"
    VERIFIED = "verified", "核对完成，待入户调查"
    INVESTIGATED = "investigated", "入户调查完成，待审批"
    REVIEWED = "reviewed", "民主评议完成，待审批"
    TOWNSHIP_REVIEWED = "township_reviewed", "乡镇已审核，待民政局审批"
    FILING = "filing", "待报民政局备案"
    TO_NOTICE = "to_notice", "审批同意，待张榜公示"
    NOTICE = "notice", "公示中"
    OBJECTION = "objection", "异议复核中"
    EMERGENCY_AIDED = "emergency_aided", "已先行救助，待补办登记"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "不予批准"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    WITHDRAWN = "withdrawn", "已撤回"


# Every application starts here, whatever the channel.
INITIAL = State.SUBMITTED
TERMINAL = frozenset({State.APPROVED, State.REJECTED, State.NOT_ACCEPTED, State.WITHDRAWN})
OPEN = frozenset(set(State.values) - TERMINAL)
# Up to the decision the applicant may withdraw at any point; after it there is nothing left to withdraw.
BEFORE_DECISION = frozenset(
    {
        State.SUBMITTED,
        State.INCOMPLETE,
        State.PRE_VERIFYING,
        State.ACCEPTED,
        State.VERIFYING,
        State.VERIFIED,
        State.INVESTIGATED,
        State.REVIEWED,
        State.TOWNSHIP_REVIEWED,
    }
)


def state_label(state: str) -> str:
    try:
        return State(state).label
    except ValueError:
        return state
