"""Forms of the resident's side: submit, resubmit, rate, ask for a review, filter the lists."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import PortalForm
from portal.labels import RATING
from portal.services.suggestions import TEXT_MAX, TITLE_MAX


def _length(minimum: int, maximum: int):
    return Length(min=minimum, max=maximum,
                  message=_l("Please write between %(min)d and %(max)d characters."))


class SuggestionTextMixin:
    title = StringField(_l("Title of your suggestion"), validators=[DataRequired(), _length(4, TITLE_MAX)])
    problem = TextAreaField(_l("The problem, and why it matters"),
                            validators=[DataRequired(), _length(10, TEXT_MAX)])
    measures = TextAreaField(_l("What you propose"), validators=[DataRequired(), _length(5, TEXT_MAX)])


class SuggestionForm(SuggestionTextMixin, PortalForm):
    category = SelectField(_l("Category"), coerce=int, validators=[DataRequired(_l("Choose a category."))])
    district = SelectField(_l("District"), coerce=int, validators=[Optional()])
    themed_call = SelectField(_l("Themed call"), coerce=int, validators=[Optional()])
    anonymous = BooleanField(_l("Show me as “anonymous” instead of my masked name"))
    submit = SubmitField(_l("Send the suggestion"))


class ResubmitForm(SuggestionTextMixin, PortalForm):
    note = TextAreaField(_l("Note for the suggestion office (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Send again"))


class RatingForm(PortalForm):
    level = RadioField(_l("How satisfied are you with the answer?"), choices=list(RATING.items()),
                       validators=[DataRequired(_l("Choose one of the three."))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Send my rating"))


class ReviewRequestForm(PortalForm):
    reason = TextAreaField(_l("Why the answer does not satisfy you"),
                           validators=[DataRequired(), _length(10, TEXT_MAX)])
    submit = SubmitField(_l("Request a review"))


class ActionForm(PortalForm):
    """A bare POST (support, follow, withdraw): only the CSRF token."""

    next = HiddenField()
