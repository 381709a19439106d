"""Random sequences of actions by random roles never yield an approved case that
skipped a step its profile requires, never let a township decide without a grant in force that day, and
never store a future date."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jiuzhu.cases.models import Case
from jiuzhu.cases.models_steps import (
    CaseStep,
    Decision,
    DecisionMeeting,
    Investigation,
    MeetingLevel,
    PublicNotice,
    Review,
    StepKind,
    Verification,
)
from jiuzhu.cases.profiles import ALWAYS, DISPUTED, profile_of
from jiuzhu.cases.services import intake, steps
from jiuzhu.cases.states import State
from jiuzhu.core import clock
from jiuzhu.core.errors import DomainError
from jiuzhu.orgs import services as org_services
from jiuzhu.orgs.delegation import who_decides
from jiuzhu.orgs.models import DelegationGrant
from tests.helpers import (
    ANBANG,
    DATONG,
    DONGXI,
    complete_intake,
    make_case,
    make_household,
    meeting,
    township_staff_ids,
    user,
)

pytestmark = pytest.mark.django_db

PLACES = {
    ANBANG: ("ab_caseworker", "230502200201"),
    DATONG: ("qj_bureau", "500110011201"),
    DONGXI: ("qj_bureau", "500110009201"),
}
USERS = [
    "ab_caseworker",
    "ab_approver",
    "ab_verifier",
    "ab_assistant",
    "js_bureau",
    "js_inspector",
    "js_finance",
    "qj_dt_caseworker",
    "qj_dt_approver",
    "qj_dx_caseworker",
    "qj_dx_approver",
    "qj_bureau",
    "qj_verifier",
]
ACTIONS = [
    "accept",
    "verify_request",
    "verify_result",
    "investigate",
    "mark_disputed",
    "review",
    "decide",
    "township_review",
    "bureau_decide",
    "file_with_bureau",
    "post_notice",
    "object",
    "resolve_objection",
    "finalize",
    "withdraw",
    "notify_missing",
    "suspend_grant",
]


def _do(action: str, who, case: Case, on):
    if action == "accept":
        intake.accept(by=who, case=case, accepted_on=on)
    elif action == "verify_request":
        steps.verify_request(by=who, case=case, on=on)
    elif action == "verify_result":
        steps.verify_result(by=who, case=case, data=steps.VerificationResult(completed_on=on, result="pass"))
    elif action == "investigate":
        steps.investigate(
            by=who,
            case=case,
            data=steps.InvestigationInput(
                visited_on=on,
                investigator_ids=township_staff_ids(case),
                home_visit="x",
                conclusion="y",
                investigators_signed=True,
                applicant_signed=True,
            ),
        )
    elif action == "mark_disputed":
        steps.mark_disputed(by=who, case=case, reason="有争议")
    elif action == "review":
        steps.review(
            by=who,
            case=case,
            data=steps.ReviewInput(
                held_on=on,
                panel=list("甲乙丙丁戊"),
                minutes="m",
                votes_for=5,
                votes_against=0,
                all_signed=True,
            ),
        )
    elif action in ("decide", "township_review", "bureau_decide"):
        getattr(steps, action)(by=who, case=case, data=meeting(on=on.isoformat()))
    elif action == "file_with_bureau":
        steps.file_with_bureau(by=who, case=case, on=on)
    elif action == "post_notice":
        steps.post_notice(by=who, cases=[case], start_on=on)
    elif action == "object":
        steps.register_objection(by=who, case=case, received_on=on, content="异议")
    elif action == "resolve_objection":
        steps.resolve_objection(by=who, case=case, handled_on=on, outcome="unfounded", handling="复核")
    elif action == "finalize":
        steps.finalize(by=who, case=case, on=on)
    elif action == "withdraw":
        intake.withdraw(by=who, case=case, on=on, reason="撤回")
    elif action == "notify_missing":
        intake.notify_missing(by=who, case=case, issued_on=on)
    elif action == "suspend_grant":
        grant = DelegationGrant.objects.filter(township_id=case.township_code, category="dibao").first()
        if grant is not None:
            org_services.grant_suspend(by=who, grant=grant, start=on, reason="抽查整改")


def _invariants(case: Case) -> None:
    today = clock.today()
    # Never a future date, anywhere a step stores one.
    for model, field in (
        (CaseStep, "on"),
        (Verification, "completed_on"),
        (Investigation, "visited_on"),
        (Review, "held_on"),
        (DecisionMeeting, "held_on"),
        (PublicNotice, "start_on"),
        (Decision, "decided_on"),
    ):
        assert not model.objects.filter(case=case, **{f"{field}__gt": today}).exists(), model.__name__
    # A township decision needs a grant in force on the day of the decision (D1, D3).
    for m in DecisionMeeting.objects.filter(case=case, level=MeetingLevel.TOWNSHIP_DECISION):
        assert who_decides(
            township_code=case.township_code, assistance_type=case.assistance_type, day=m.held_on
        ).delegated
    if case.status != State.APPROVED:
        return
    kinds = set(case.steps.values_list("kind", flat=True))
    profile = profile_of(case)
    assert StepKind.ACCEPT in kinds and StepKind.INVESTIGATE in kinds and StepKind.NOTICE_START in kinds
    assert StepKind.VERIFY_RESULT in kinds or StepKind.PRE_VERIFY in kinds
    assert StepKind.DECIDE in kinds
    if profile.review == ALWAYS or (profile.review == DISPUTED and case.disputed):
        assert StepKind.REVIEW in kinds
    decision = case.decision
    if profile.file_with_bureau and decision.route == "township":
        assert StepKind.FILE in kinds
    notice = case.public_notices.order_by("-start_on").first()
    assert decision.decided_on > notice.end_on


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    place=st.sampled_from(sorted(PLACES)),
    moves=st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.sampled_from(USERS), st.integers(-2, 4)),
        min_size=3,
        max_size=30,
    ),
    disputed_first=st.booleans(),
)
def test_random_walks_keep_the_rules(place, moves, disputed_first):
    creator, village = PLACES[place]
    # Start close to today so that some moves land in the future and must be refused.
    case = make_case(
        make_household(by=creator, area=village), by=creator, applied_on=clock.today() - timedelta(days=12)
    )
    complete_intake(case, by="js_bureau" if place == ANBANG else "qj_bureau")
    if disputed_first:
        moves = [("accept", "js_bureau", 1), ("mark_disputed", "js_bureau", 0), *moves]
    day = case.applied_on
    for action, username, step_days in moves:
        # Happy-path actions in the right order are far likelier to reach approval; mix them in.
        on = day + timedelta(days=step_days)
        case.refresh_from_db()
        try:
            _do(action, user(username), case, on)
        except DomainError:
            pass
        else:
            day = max(day, on)
        case.refresh_from_db()
        _invariants(case)


def test_a_happy_walk_reaches_approval_so_the_property_is_not_vacuous():
    case = make_case(applied_on=clock.today() - timedelta(days=40))
    complete_intake(case)
    day = case.applied_on
    for action, username, step_days in [
        ("accept", "ab_caseworker", 1),
        ("verify_request", "ab_caseworker", 1),
        ("verify_result", "ab_verifier", 2),
        ("investigate", "ab_caseworker", 1),
        ("decide", "ab_approver", 2),
        ("post_notice", "ab_caseworker", 1),
        ("finalize", "ab_approver", 8),
    ]:
        day += timedelta(days=step_days)
        _do(action, user(username), case, day)
        case.refresh_from_db()
    _invariants(case)
    assert case.status == State.APPROVED


HAPPY = {
    ANBANG: [
        ("accept", "ab_caseworker"),
        ("verify_request", "ab_caseworker"),
        ("verify_result", "ab_verifier"),
        ("investigate", "ab_caseworker"),
        ("review", "ab_caseworker"),
        ("decide", "ab_approver"),
        ("post_notice", "ab_caseworker"),
        ("finalize", "ab_approver"),
    ],
    DATONG: [
        ("accept", "qj_dt_caseworker"),
        ("verify_request", "qj_dt_caseworker"),
        ("verify_result", "qj_verifier"),
        ("investigate", "qj_dt_caseworker"),
        ("review", "qj_dt_caseworker"),
        ("decide", "qj_dt_approver"),
        ("file_with_bureau", "qj_dt_caseworker"),
        ("post_notice", "qj_dt_caseworker"),
        ("finalize", "qj_dt_approver"),
    ],
    DONGXI: [
        ("accept", "qj_dx_caseworker"),
        ("verify_request", "qj_dx_caseworker"),
        ("verify_result", "qj_verifier"),
        ("investigate", "qj_dx_caseworker"),
        ("review", "qj_dx_caseworker"),
        ("township_review", "qj_dx_approver"),
        ("bureau_decide", "qj_bureau"),
        ("post_notice", "qj_dx_caseworker"),
        ("finalize", "qj_bureau"),
    ],
}
APPROVED_SEEN: list[bool] = []


TOWNSHIP_APPROVER = {ANBANG: "ab_approver", DATONG: "qj_dt_approver", DONGXI: "qj_dx_approver"}


def _pinned_examples(test):
    """Every single skipped step of every place, and the township trying to decide (with and without a
    suspension): the random search alone finds specific gates too rarely."""
    for place in PLACES:
        for i in range(9):
            test = example(
                place=place,
                skips={i},
                swap=None,
                township_tries_to_decide=False,
                suspend_on_decision_day=False,
                decide_tomorrow=False,
            )(test)
        for tries, suspend, tomorrow in (
            (True, False, False),
            (True, True, False),
            (False, True, False),
            (False, False, True),
            (True, False, True),
        ):
            test = example(
                place=place,
                skips=set(),
                swap=None,
                township_tries_to_decide=tries,
                suspend_on_decision_day=suspend,
                decide_tomorrow=tomorrow,
            )(test)
    return test


BUREAU_OFFICER = {ANBANG: "js_bureau", DATONG: "qj_bureau", DONGXI: "qj_bureau"}


@_pinned_examples
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    place=st.sampled_from(sorted(PLACES)),
    skips=st.sets(st.integers(0, 8), max_size=2),
    swap=st.one_of(st.none(), st.tuples(st.integers(0, 8), st.sampled_from(USERS))),
    township_tries_to_decide=st.booleans(),
    suspend_on_decision_day=st.booleans(),
    decide_tomorrow=st.booleans(),
)
def test_perturbed_happy_paths_keep_the_rules(
    place, skips, swap, township_tries_to_decide, suspend_on_decision_day, decide_tomorrow
):
    """The happy path of each place with steps skipped, a role swapped, the township trying to decide itself
    (also on the bureau route) and the grant suspended from the decision day."""
    creator, village = PLACES[place]
    today = clock.today()
    case = make_case(
        make_household(by=creator, area=village), by=creator, applied_on=today - timedelta(days=30)
    )
    complete_intake(case, by="js_bureau" if place == ANBANG else "qj_bureau")
    # Suspensions start today at the earliest (D4), so with one the decision is dated today.
    decision_day = today if suspend_on_decision_day else today - timedelta(days=14)
    if decide_tomorrow:
        decision_day = today + timedelta(days=1)  # paper dated in the future must be refused
    moves = []
    for i, (action, username) in enumerate(HAPPY[place]):
        if i in skips:
            continue
        if swap and swap[0] == i:
            username = swap[1]
        if action in ("decide", "township_review"):
            if suspend_on_decision_day:
                moves.append(("suspend_grant", BUREAU_OFFICER[place], today))
            if township_tries_to_decide:
                moves.append(("decide", TOWNSHIP_APPROVER[place], decision_day))
            moves.append((action, username, decision_day))
            continue
        moves.append((action, username, None))
    day = case.applied_on
    for action, username, fixed in moves:
        on = fixed or (day + timedelta(days=8 if action == "finalize" else 1))
        case.refresh_from_db()
        try:
            _do(action, user(username), case, on)
        except DomainError:
            pass
        else:
            day = max(day, on) if action != "suspend_grant" else day
        case.refresh_from_db()
        _invariants(case)
    APPROVED_SEEN.append(case.status == State.APPROVED)


def test_perturbed_paths_do_reach_approval():
    """Runs after the property above (file order): some walks must have been approved, or it proved nothing."""
    if not APPROVED_SEEN:
        pytest.skip("the property test did not run in this process")
    assert sum(APPROVED_SEEN) >= 3, f"only {sum(APPROVED_SEEN)} of {len(APPROVED_SEEN)} walks were approved"
