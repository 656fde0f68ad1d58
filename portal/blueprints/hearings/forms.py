from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import PortalForm


class CommitForm(PortalForm):
    secret = StringField(_l("Your secret"), validators=[Optional(), Length(max=256)])
    commitment = StringField(_l("Or: a commitment you computed yourself"), validators=[Optional(), Length(max=64)])
    submit = SubmitField(_l("Publish my commitment"))


class RevealForm(PortalForm):
    secret = StringField(_l("Your secret, exactly as you committed to it"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Reveal my secret"))


class StrikesForm(PortalForm):
    """Carries CSRF; the struck names and reasons are read from checkboxes and text fields per shortlist name."""

    submit = SubmitField(_l("Submit my strikes"))


class ObserverForm(PortalForm):
    submit = SubmitField(_l("Register as an observer"))


class ObserverCancelForm(PortalForm):
    submit = SubmitField(_l("Cancel my registration"))


class ReasonForm(PortalForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class ConclusionForm(PortalForm):
    conclusion = TextAreaField(_l("Conclusion of the hearing"), validators=[DataRequired(), Length(max=20000)])
    submit = SubmitField(_l("Publish the conclusion"))
