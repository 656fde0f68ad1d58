"""What each metric means, in words the public page and the open-data files show (translated).

Kept beside the page rather than in the service: the service's docstrings say the same for
programmers; this is the text residents read.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class MetricText:
    name: str
    numerator: str
    denominator: str
    notes: str


METRICS: dict[str, MetricText] = {
    "timely_acceptance": MetricText(
        _l("Timely-acceptance rate"),
        _l("Suggestions accepted or declined by the acceptance deadline"),
        _l("Suggestions accepted or declined in the period"),
        _l("The acceptance deadline is the end of the 15th day after receipt, or what the suggestion's time-limit "
           "policy sets (minutes on the fast track). Counted by the date of the decision. Acceptance is the "
           "suggestion office's work: per department it shows how promptly the suggestions later sent to that "
           "department were accepted."),
    ),
    "on_time_closure": MetricText(
        _l("On-time closure rate"),
        _l("Suggestions whose written reply came by the reply deadline"),
        _l("Suggestions replied to in the period"),
        _l("A suggestion is closed (办结) when the department gives its written reply. The reply deadline is 60 days "
           "after acceptance, plus an approved extension (at most 30 days); a widely supported suggestion must be "
           "answered sooner. Counted by the date of the reply."),
    ),
    "first_time_resolution": MetricText(
        _l("First-time resolution rate"),
        _l("Of those, suggestions whose author did not ask for a review"),
        _l("Suggestions replied to in the period whose outcome is known"),
        _l("The outcome is known once the author rated the reply, asked for a review, or the matter was closed, or "
           "when the 30 days to ask for a review have passed. Counted by the date of the reply; suggestions still "
           "within their review window are left out until then."),
    ),
    "adoption": MetricText(
        _l("Adoption rate"),
        _l("Suggestions adopted or partly adopted"),
        _l("Suggestions replied to in the period whose decision has been published"),
        _l("Counted by the date of the reply. Decisions the department has not yet published are left out, so that "
           "no unpublished decision can be read from these figures."),
    ),
    "conversion": MetricText(
        _l("Conversion rate"),
        _l("Of those, suggestions with at least one recorded conversion"),
        _l("Suggestions adopted or partly adopted (as counted for the adoption rate)"),
        _l("A conversion is what an adopted suggestion became: a public-welfare measure, an improvement of an "
           "agency's work, a law or regulation, a decision and so on. Conversions recorded at any time up to today "
           "count, so the rate for a recent period can still rise."),
    ),
    "satisfaction": MetricText(
        _l("Satisfaction rate"),
        _l("Ratings “satisfied” or “basically satisfied”"),
        _l("Ratings given in the period"),
        _l("Each rating an author gave to a reply, a review answer or a second-review answer counts once, by the "
           "date it was given."),
    ),
    "online_share": MetricText(
        _l("Share submitted online"),
        _l("Suggestions submitted online"),
        _l("Suggestions submitted in the period through any channel"),
        _l("Other channels are in person, by phone, by letter, at a collection point, and imports from the previous "
           "system. Counted by the date of submission; a submission registered as several suggestions counts as "
           "those suggestions."),
    ),
}

GENERAL_NOTES = (
    _l("Every figure is computed from this portal's own records each time the page is shown."),
    _l("Dates are calendar days in China Standard Time. A suggestion counts in the period in which the event that "
       "completes the measure happened: the decision, the reply, the rating or the submission."),
    _l("Per department means the suggestion's lead department. Suggestions that were declined or have not yet been "
       "sent to a department count only in the overall figures."),
    _l("A rate is shown as “—” when there was nothing to count."),
    _l("Only suggestions received through this portal are counted. Suggestions imported from the previous system "
       "are searchable and in the open data, marked as imported, but are left out of every figure here."),
)

OVERDUE_DEFINITION = _l(
    "A suggestion is overdue when the deadline for the staff's next answer has passed: accepting it (15 days "
    "after receipt), the department's reply (60 days after acceptance, plus an approved extension, sooner when "
    "widely supported), or the answer to a review (30 days after the request). The same definition marks items "
    "overdue in the office's queue and in each department's workbench. Counted now, whatever period is chosen; "
    "a suggestion with its department is the department's, any other the suggestion office's.")
