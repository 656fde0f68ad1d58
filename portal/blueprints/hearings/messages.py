"""Translated messages for `HearingError` codes and the protocol's refusal codes, shared by both blueprints."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.services.hearings import HearingError

MESSAGES = {
    "notice_too_short": _l("The public notice must go out at least %(days)s days before the hearing: choose a later "
                           "date and time."),
    "panel_size_invalid": _l("The panel has 3, 5 or 7 members."),
    "strikes_invalid": _l("Each side may strike 0, 1 or 2 names."),
    "observer_seats_invalid": _l("The number of observer seats cannot be negative."),
    "duration_invalid": _l("The expected duration must be positive."),
    "closed_reason_missing": _l("A closed hearing needs the reason it is not public."),
    "registration_close_invalid": _l("Observer registration must close after now and no later than the hearing "
                                     "starts."),
    "suggestion_not_hearable": _l("A hearing can be opened only for an accepted suggestion that is not closed."),
    "suggestion_unknown": _l("No suggestion has this tracking number."),
    "hearing_not_active": _l("This hearing has been cancelled or concluded; it can no longer change."),
    "reason_missing": _l("Please give a reason."),
    "hearing_not_held": _l("The conclusion can be published only after the hearing has started."),
    "conclusion_missing": _l("Please write the conclusion."),
    "observer_not_resident": _l("Only residents can register as observers."),
    "registration_closed": _l("Observer registration for this hearing is closed."),
    "already_registered": _l("You are already registered for this hearing."),
    "not_registered": _l("You have no registration to cancel."),
    "member_kind_unknown": _l("Choose the kind of member."),
    "term_reversed": _l("The term cannot end before it starts."),
    "already_frozen": _l("The pool of this hearing is already frozen."),
    "selection_too_long": _l("With this much time per step the panel would not be known a day before the hearing; "
                             "choose fewer hours per step."),
    "pool_too_small": _l("Only %(size)s members are eligible, but the shortlist needs %(needed)s. Add members to "
                         "the pool or choose a smaller panel or fewer strikes."),
    "not_frozen": _l("The pool has not been frozen yet."),
    "secret_invalid": _l("A secret has %(min)s to %(max)s characters, without spaces at the start or end."),
    "secret_missing": _l("Enter a secret (or a commitment you computed yourself)."),
    "strike_reason_missing": _l("Every strike needs a reason."),
    "no_author": _l("This suggestion has no online author, so nobody can act for the resident side."),
}

# Refusals from panel_selection (ActionRefused.code).
SELECTION_MESSAGES = {
    "commit_out_of_order": _l("The resident commits after the hearing authority has committed (or let its deadline "
                              "pass)."),
    "duplicate_commitment": _l("A commitment has already been recorded and cannot be changed."),
    "commit_after_deadline": _l("The deadline for this commitment has passed."),
    "commitment_malformed": _l("A commitment is 64 characters, digits 0-9 and letters a-f."),
    "reveal_before_all_commits": _l("Nobody can reveal before both sides have committed (or let their deadline "
                                    "pass)."),
    "duplicate_reveal": _l("This secret has already been revealed."),
    "reveal_without_commitment": _l("There is no commitment to reveal."),
    "reveal_after_deadline": _l("The deadline for revealing has passed."),
    "reveal_out_of_order": _l("The resident reveals after the hearing authority has revealed (or let its deadline "
                              "pass)."),
    "secret_invalid": MESSAGES["secret_invalid"],
    "commitment_mismatch": _l("This secret does not match the commitment. Enter exactly the secret you committed "
                              "to."),
    "duplicate_strike_submission": _l("The strikes have already been submitted."),
    "strikes_not_allowed": _l("This hearing has no strikes."),
    "strike_before_shortlist": _l("Strikes open once the shortlist is drawn."),
    "strikes_forfeited": _l("This side did not reveal its secret in time and so has no strikes."),
    "strike_after_deadline": _l("The deadline for strikes has passed."),
    "strike_out_of_order": _l("The resident strikes after the hearing authority has struck (or let its deadline "
                              "pass)."),
    "too_many_strikes": _l("Too many names struck."),
    "duplicate_strike": _l("The same name is struck twice."),
    "strike_not_in_shortlist": _l("Only names on the shortlist can be struck."),
    "strike_reason_missing": MESSAGES["strike_reason_missing"],
    "withdrawal_before_panel_final": _l("Withdrawals are recorded once the panel is final."),
    "withdrawal_not_on_panel": _l("This member is not on the panel."),
    "withdrawal_reason_missing": MESSAGES["reason_missing"],
    "not_chronological": _l("Another action was recorded at the same moment; please try again."),
}


def message(error: HearingError) -> str:
    if error.code == "selection_refused":
        text = SELECTION_MESSAGES.get(error.params.get("refusal"))
        if text is not None:
            return str(text) % error.params
        return _("The selection refused this step (%(code)s).", code=error.params.get("refusal"))
    text = MESSAGES.get(error.code)
    if text is None:
        return _("This action is not possible (%(code)s).", code=error.code)
    return str(text) % error.params if error.params else str(text)
