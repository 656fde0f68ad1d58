"""Human labels for the codes stored in the database, translated at display time.

Templates call e.g. `labels.status(s.status)`; a code without a label shows as itself, which a
test catches (every enum member must have a label).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.models import (
    Channel, ConversionType, Decision, HearingStatus, MemberKind, ObserverState, RatingLevel, Role, Status,
)

ROLE = {
    Role.RESIDENT.value: _l("Resident"),
    Role.DEPARTMENT_STAFF.value: _l("Department staff"),
    Role.OFFICE_STAFF.value: _l("Suggestion office staff"),
    Role.HEARING_AUTHORITY.value: _l("Hearing authority"),
    Role.ADMIN.value: _l("Administrator"),
}

STATUS = {
    Status.SUBMITTED.value: _l("Submitted, awaiting acceptance"),
    Status.NEEDS_INFO.value: _l("More information needed"),
    Status.WITHDRAWN.value: _l("Withdrawn"),
    Status.DECLINED.value: _l("Not accepted"),
    Status.DUPLICATE.value: _l("Merged as a duplicate"),
    Status.SPLIT.value: _l("Registered as several suggestions"),
    Status.ACCEPTED.value: _l("Accepted"),
    Status.DISPATCHED.value: _l("With the department"),
    Status.REPLIED.value: _l("Answered"),
    Status.IN_REVIEW.value: _l("Under review"),
    Status.REVIEWED.value: _l("Review answered"),
    Status.IN_SECOND_REVIEW.value: _l("Under second review"),
    Status.CLOSED.value: _l("Closed"),
}

DECISION = {
    Decision.ADOPTED.value: _l("Adopted"),
    Decision.PARTLY_ADOPTED.value: _l("Partly adopted"),
    Decision.FOR_REFERENCE.value: _l("Kept for reference"),
    Decision.NOT_ADOPTED.value: _l("Not adopted"),
}

CONVERSION_TYPE = {
    ConversionType.PUBLIC_WELFARE.value: _l("Public-welfare measure"),
    ConversionType.AGENCY_IMPROVEMENT.value: _l("Improvement of an agency's work"),
    ConversionType.LEGISLATION.value: _l("Law or regulation made, amended, repealed or interpreted"),
    ConversionType.CONGRESS_OVERSIGHT.value: _l("People's-congress oversight topic"),
    ConversionType.DEPUTY_MOTION.value: _l("Deputy's motion or suggestion"),
    ConversionType.GOVERNMENT_DECISION.value: _l("Government decision"),
    ConversionType.OTHER.value: _l("Other"),
}

CHANNEL = {
    Channel.ONLINE.value: _l("Online"),
    Channel.IN_PERSON.value: _l("In person"),
    Channel.PHONE.value: _l("By phone"),
    Channel.LETTER.value: _l("By letter"),
    Channel.COLLECTION_POINT.value: _l("At a collection point"),
    Channel.IMPORT.value: _l("Imported from the previous system"),
}

RATING = {
    RatingLevel.SATISFIED.value: _l("Satisfied"),
    RatingLevel.BASICALLY_SATISFIED.value: _l("Basically satisfied"),
    RatingLevel.DISSATISFIED.value: _l("Dissatisfied"),
}


MEMBER_KIND = {
    MemberKind.DEPUTY.value: _l("People's-congress deputy"),
    MemberKind.CPPCC.value: _l("CPPCC member"),
    MemberKind.LAWYER.value: _l("Lawyer"),
    MemberKind.EXPERT.value: _l("Expert or scholar"),
    MemberKind.COMMUNITY.value: _l("Community representative"),
    MemberKind.OTHER.value: _l("Other"),
}

HEARING_STATUS = {
    HearingStatus.SCHEDULED.value: _l("Scheduled"),
    HearingStatus.POSTPONED.value: _l("Postponed"),
    HearingStatus.CANCELLED.value: _l("Cancelled"),
    HearingStatus.CONCLUDED.value: _l("Concluded"),
}

OBSERVER_STATE = {
    ObserverState.CONFIRMED.value: _l("Seat confirmed"),
    ObserverState.WAITING.value: _l("On the waiting list"),
    ObserverState.CANCELLED.value: _l("Cancelled"),
}

# The two sides of the joint selection of hearing members (panel_selection.SIDES).
SELECTION_SIDE = {
    "authority": _l("the hearing authority"),
    "resident": _l("the author of the suggestion"),
}


def _lookup(table: dict, code: str | None) -> str:
    if code is None:
        return ""
    return str(table.get(code, code))


def role(code: str | None) -> str:
    return _lookup(ROLE, code)


def status(code: str | None) -> str:
    return _lookup(STATUS, code)


def decision(code: str | None) -> str:
    return _lookup(DECISION, code)


def conversion_type(code: str | None) -> str:
    return _lookup(CONVERSION_TYPE, code)


def channel(code: str | None) -> str:
    return _lookup(CHANNEL, code)


def rating(code: str | None) -> str:
    return _lookup(RATING, code)


def member_kind(code: str | None) -> str:
    return _lookup(MEMBER_KIND, code)


def hearing_status(code: str | None) -> str:
    return _lookup(HEARING_STATUS, code)


def observer_state(code: str | None) -> str:
    return _lookup(OBSERVER_STATE, code)


def selection_side(code: str | None) -> str:
    return _lookup(SELECTION_SIDE, code)


# What a notice says, by kind (portal.services.notifications.notify).
NOTIFICATION = {
    "accepted": _l("The suggestion has been accepted."),
    "declined": _l("The suggestion was not accepted; the reason is on its page."),
    "needs_info": _l("The suggestion office asks for more information."),
    "dispatched": _l("The suggestion has been sent to the responsible department."),
    "replied": _l("The department has replied."),
    "reply_retracted": _l("The department took its reply back to correct it; a new reply will follow."),
    "published": _l("The decision and reply have been published."),
    "converted": _l("The suggestion has been put into practice."),
    "progress": _l("There is progress on what the suggestion became."),
    "review_answered": _l("The review has been answered."),
    "widely_supported": _l("The suggestion is now widely supported and will be answered sooner."),
    "hearing_scheduled": _l("A public hearing has been scheduled."),
    "hearing_concluded": _l("The hearing's conclusion has been published."),
    # To one observer of a hearing (portal.services.hearings).
    "hearing_observer_confirmed": _l("Your observer seat at the hearing is confirmed."),
    "hearing_observer_waiting": _l("All observer seats are taken; you are on the waiting list."),
    "hearing_observer_promoted": _l("A seat was freed: your observer seat at the hearing is now confirmed."),
}


def notification(code: str | None) -> str:
    return _lookup(NOTIFICATION, code)


# What an audit row (SuggestionEvent.action) means, on staff histories and public timelines.
EVENT = {
    "withdraw": _l("Withdrawn by the author"),
    "request_info": _l("More information requested"),
    "resubmit": _l("Information added by the author"),
    "accept": _l("Accepted"),
    "decline": _l("Not accepted"),
    "mark_duplicate": _l("Merged as a duplicate"),
    "split": _l("Registered as several suggestions"),
    "split_from": _l("Registered from a split submission"),
    "registered_on_behalf": _l("Registered by the office for the resident"),
    "dispatch": _l("Dispatched to the department"),
    "dispute_dispatch": _l("Dispatch disputed by the department"),
    "extension_requested": _l("Extension requested"),
    "extension_approved": _l("Extension approved"),
    "extension_refused": _l("Extension refused"),
    "reply": _l("Replied"),
    "retract_reply": _l("Reply taken back by the department"),
    "request_review": _l("Review requested"),
    "answer_review": _l("Review answered"),
    "request_second_review": _l("Second review requested"),
    "answer_second_review": _l("Second review answered"),
    "close": _l("Closed"),
    "widely_supported": _l("Widely supported"),
    "hearing_scheduled": _l("Hearing scheduled"),
    "hearing_postponed": _l("Hearing postponed"),
    "hearing_cancelled": _l("Hearing cancelled"),
    "hearing_concluded": _l("Hearing concluded; conclusion published"),
    # Milestones recorded by the resident's and the department's pages.
    "submit": _l("Submitted"),
    "published": _l("Decision and reply published"),
    "converted": _l("Put into practice"),
    "conversion_updated": _l("Conversion edited"),
    "progress": _l("Progress recorded"),
    "contribution": _l("Contribution of a co-handling department"),
}


def event(code: str | None) -> str:
    return _lookup(EVENT, code)


# What the next deadline is for (portal.services.deadlines.Deadline.kind).
DEADLINE = {
    "accept": _l("Decision on acceptance due"),
    "reply": _l("Reply due"),
    "dispute": _l("Dispatch dispute possible until"),
    "rating": _l("Rate the reply by"),
    "review_request": _l("Request a review by"),
    "review_answer": _l("Review answer due"),
    "second_review_request": _l("Request a second review by"),
    "second_review_answer": _l("Second review answer due"),
}


# Kinds of search results (portal.services.search_documents).
SEARCH_KIND = {
    "suggestion": _l("Suggestion"),
    "hearing": _l("Hearing"),
}


def search_kind(code: str | None) -> str:
    return _lookup(SEARCH_KIND, code)


def deadline(code: str | None) -> str:
    return _lookup(DEADLINE, code)


# Quality review (评查, portal.services.quality): the seeded criteria by code, the states of a
# review item and the actions of its audit trail.
QUALITY_CRITERION = {
    "off_topic": _l("The answer does not address the question"),
    "procedure_for_substance": _l("Procedure given instead of substance"),
    "missing_points": _l("Points left unanswered"),
    "late_unexplained": _l("Late without explanation"),
    "no_review_notice": _l("Right to request a review not stated"),
}

REVIEW_STATE = {
    "awaiting_review": _l("Awaiting review"),
    "returned": _l("Returned for correction"),
    "corrected": _l("Corrected, awaiting re-check"),
    "closed": _l("Closed"),
}

REVIEW_ACTION = {
    "pass": _l("Passed the review"),
    "fail": _l("Failed the review; returned for correction"),
    "correct": _l("Correction recorded by the department"),
    "recheck_pass": _l("Passed the re-check"),
    "recheck_fail": _l("Failed the re-check; returned again"),
}


def quality_criterion(criterion) -> str:
    """A seeded criterion in the reader's language while its text is the seeded one; the office's own
    wording otherwise."""
    from portal.services.quality import SEED_CRITERIA

    seeded = {code: name for code, name, _description in SEED_CRITERIA}
    if criterion.code in QUALITY_CRITERION and criterion.name == seeded.get(criterion.code):
        return str(QUALITY_CRITERION[criterion.code])
    return criterion.name


def review_state(code: str | None) -> str:
    return _lookup(REVIEW_STATE, code)


def review_action(code: str | None) -> str:
    return _lookup(REVIEW_ACTION, code)

# Why a published member selection does not verify (panel_selection's problem codes).
SELECTION_PROBLEM = {
    "actions_hash_missing": _l("The record has no hash of its actions"),
    "actions_hash_mismatch": _l("The hash of the actions differs from the recomputed one"),
    "commit_after_deadline": _l("A commitment was recorded after its deadline"),
    "commit_before_freeze": _l("A commitment was recorded before the pool was frozen"),
    "commit_out_of_order": _l("A commitment is out of chronological order"),
    "commitment_malformed": _l("A commitment is not a valid SHA-256 value"),
    "commitment_mismatch": _l("A revealed secret does not match its commitment"),
    "duplicate_commitment": _l("A side committed twice"),
    "duplicate_reveal": _l("A side revealed twice"),
    "duplicate_strike": _l("The same name was struck twice"),
    "duplicate_strike_submission": _l("A side submitted its strikes twice"),
    "malformed_record": _l("The record cannot be read"),
    "outcome_missing": _l("The record has no published outcome"),
    "pool_hash_mismatch": _l("The hash of the pool differs from the published one"),
    "recorded_in_future": _l("A step is recorded at a time still to come"),
    "reveal_after_deadline": _l("A secret was revealed after its deadline"),
    "reveal_before_all_commits": _l("A secret was revealed before both sides had committed"),
    "reveal_out_of_order": _l("A reveal is out of chronological order"),
    "reveal_without_commitment": _l("A secret was revealed without a commitment"),
    "selection_not_final": _l("The selection is not final yet"),
    "strike_after_deadline": _l("Strikes were submitted after their deadline"),
    "strike_before_shortlist": _l("Strikes were submitted before the shortlist existed"),
    "strike_not_in_shortlist": _l("A struck name is not on the shortlist"),
    "strike_out_of_order": _l("Strikes are out of chronological order"),
    "strike_reason_missing": _l("A strike has no reason"),
    "strikes_forfeited": _l("A side struck names after losing its strikes"),
    "strikes_not_allowed": _l("Strikes were submitted although none are allowed"),
    "too_many_strikes": _l("A side struck more names than allowed"),
    "unknown_side": _l("A step names an unknown side"),
    "withdrawal_before_panel_final": _l("A withdrawal is recorded before the panel was final"),
    "withdrawal_not_on_panel": _l("A member withdrew who is not on the panel"),
    "withdrawal_reason_missing": _l("A withdrawal has no reason"),
    "withdrawals_not_chronological": _l("Withdrawals are out of chronological order"),
    "setup_hash_mismatch": _l("The setup hash differs from the recomputed one"),
    "seed_mismatch": _l("The seed differs from the recomputed one"),
    "order_mismatch": _l("The draw order differs from the recomputed one"),
    "shortlist_mismatch": _l("The shortlist differs from the recomputed one"),
    "struck_mismatch": _l("The struck names differ from the recomputed ones"),
    "panel_mismatch": _l("The panel differs from the recomputed one"),
    "replacement_mismatch": _l("The replacements differ from the recomputed ones"),
    "final_panel_mismatch": _l("The final panel differs from the recomputed one"),
    "fallback_mismatch": _l("The fallbacks differ from the recomputed ones"),
}


def selection_problem(code: str | None) -> str:
    return _lookup(SELECTION_PROBLEM, code)
