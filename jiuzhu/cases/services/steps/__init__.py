"""The procedure after intake, one module per stage: verification (A5), investigation and review (I1, R1),
decisions on both routes and filing with the bureau (P1, P5, D1, D3), notice, objections and approval
(P2–P4), and emergency aid (P8). Each action is one function that runs its move through `workflow.step`;
which moves exist is `transitions.py`, reads are `selectors.py`.

Pages, the API, other apps and tests call the actions through this package (`steps.decide(...)`), so that a
stage can be reorganised without touching them.
"""

from jiuzhu.cases.services.steps.decision import (
    MeetingInput,
    bureau_decide,
    decide,
    file_with_bureau,
    return_to_township,
    township_review,
)
from jiuzhu.cases.services.steps.emergency import emergency_aid, emergency_register
from jiuzhu.cases.services.steps.investigation import (
    InvestigationInput,
    ReviewInput,
    investigate,
    mark_disputed,
    review,
)
from jiuzhu.cases.services.steps.notice import (
    finalize,
    finalize_many,
    notice_content,
    post_notice,
    register_objection,
    resolve_objection,
)
from jiuzhu.cases.services.steps.verification import (
    VerificationResult,
    pre_verify_request,
    pre_verify_result,
    verify_request,
    verify_result,
)

__all__ = [
    "InvestigationInput",
    "MeetingInput",
    "ReviewInput",
    "VerificationResult",
    "bureau_decide",
    "decide",
    "emergency_aid",
    "emergency_register",
    "file_with_bureau",
    "finalize",
    "finalize_many",
    "investigate",
    "mark_disputed",
    "notice_content",
    "post_notice",
    "pre_verify_request",
    "pre_verify_result",
    "register_objection",
    "resolve_objection",
    "return_to_township",
    "review",
    "township_review",
    "verify_request",
    "verify_result",
]
