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
    "progress": _l("Progress recorded"),
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
