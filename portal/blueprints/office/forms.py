"""Forms of the suggestion office. Choices from reference tables are filled in by the views."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, FieldList, Form, FormField, HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField,
    StringField, SubmitField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal import labels
from portal.forms import INTERNAL_NOTE, MESSAGE_TO_AUTHOR, PUBLISHED_TEXT, PortalForm
from portal.services.intake import ON_BEHALF_CHANNELS

REFERENCE_CODE = Regexp(r"^[a-z0-9-]+$", message=_l("Use lower-case letters, digits and hyphens only."))


class AcceptForm(PortalForm):
    note = TextAreaField(INTERNAL_NOTE, validators=[Optional(), Length(max=2000)])
    public_note = TextAreaField(PUBLISHED_TEXT, validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Accept"))


class DeclineForm(PortalForm):
    reason_id = SelectField(_l("Reason"), coerce=int, choices=[])
    message = TextAreaField(MESSAGE_TO_AUTHOR, validators=[DataRequired(), Length(max=4000)])
    note = TextAreaField(INTERNAL_NOTE, validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Decline"))


class RequestInfoForm(PortalForm):
    question = TextAreaField(MESSAGE_TO_AUTHOR, validators=[DataRequired(), Length(max=4000)])
    note = TextAreaField(INTERNAL_NOTE, validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Ask for more information"))


class DuplicateForm(PortalForm):
    target = StringField(_l("Tracking number (or id) of the suggestion it duplicates"),
                         validators=[DataRequired(), Length(max=30)])
    note = TextAreaField(INTERNAL_NOTE, validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Mark as duplicate"))


class SplitPartForm(Form):
    """One demand of a split submission; a plain Form, as the page's form carries the CSRF token."""

    title = StringField(_l("Title"), validators=[Length(max=200)])
    problem = TextAreaField(_l("Problem or background"), validators=[Length(max=20000)])
    measures = TextAreaField(_l("Proposed measures"), validators=[Length(max=20000)])
    category_id = SelectField(_l("Category"), coerce=int, choices=[], validate_choice=False)


class SplitForm(PortalForm):
    parts = FieldList(FormField(SplitPartForm), min_entries=2, max_entries=10)
    add_part = SubmitField(_l("Add another part"))
    submit = SubmitField(_l("Register as separate suggestions"))


class OnBehalfForm(PortalForm):
    channel = SelectField(_l("How the resident brought it"),
                          choices=[(c.value, labels.CHANNEL[c.value]) for c in ON_BEHALF_CHANNELS])
    contact_name = StringField(_l("Resident's name"), validators=[DataRequired(), Length(max=60)])
    contact_phone = StringField(_l("Resident's phone number"), validators=[
        Optional(), Length(max=20),
        Regexp(r"^\+?[\d\s-]{7,20}$", message=_l("Enter a phone number of digits only."))])
    link_account = BooleanField(_l("Link to the resident's account with this phone number, if there is one"))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    problem = TextAreaField(_l("Problem or background"), validators=[DataRequired(), Length(max=20000)])
    measures = TextAreaField(_l("Proposed measures"), validators=[Optional(), Length(max=20000)])
    category_id = SelectField(_l("Category"), coerce=int, choices=[])
    district_id = SelectField(_l("District"), coerce=int, choices=[])
    display = RadioField(_l("How the resident wants to be shown publicly"), default="masked", choices=[
        ("masked", _l("Masked name (e.g. 张**)")), ("anonymous", _l("Anonymous"))])
    policy_id = SelectField(_l("Time limits"), coerce=int, choices=[])
    submit = SubmitField(_l("Register the suggestion"))


class DispatchForm(PortalForm):
    lead_id = SelectField(_l("Lead department"), coerce=int, choices=[])
    co_ids = SelectMultipleField(_l("Co-handling departments (optional)"), coerce=int, choices=[],
                                 option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    note = TextAreaField(INTERNAL_NOTE, validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Dispatch"))


class ExtensionDecisionForm(PortalForm):
    decision = RadioField(_l("Decision"), choices=[("approve", _l("Approve")), ("refuse", _l("Refuse"))],
                          validators=[DataRequired(message=_l("Choose approve or refuse."))])
    note = TextAreaField(INTERNAL_NOTE, validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Decide"))


class ReviewAnswerForm(PortalForm):
    body = TextAreaField(PUBLISHED_TEXT, validators=[DataRequired(), Length(max=20000)])
    decision = SelectField(_l("Decision after review"), choices=[])
    note = TextAreaField(INTERNAL_NOTE, validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Send the answer"))


class DeclineReasonForm(PortalForm):
    code = StringField(_l("Short code"), validators=[DataRequired(), Length(max=40), REFERENCE_CODE])
    name = StringField(_l("Name in Chinese"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=200)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))



def _at_most(count: int):
    def check(form, field):
        if len(field.data or []) > count:
            raise ValidationError(f"more than {count}")  # the view says it in words
    return check


class BulkForm(PortalForm):
    """Bulk accept or dispatch: the first POST shows the confirmation step, the second (confirmed) acts."""

    action = RadioField(_l("Action"), choices=[("accept", _l("Accept")), ("dispatch", _l("Dispatch"))],
                        validators=[DataRequired(message=_l("Choose what to do with the selected suggestions."))])
    ids = SelectMultipleField(_l("Suggestions"), coerce=int, choices=[], validate_choice=False,
                              validators=[DataRequired(), _at_most(100)])
    confirmed = HiddenField(default="")


# --- quality review (评查) ---------------------------------------------------------------------

class QualityDrawForm(PortalForm):
    week = StringField(_l("ISO week (for example 2026-W47)"), validators=[DataRequired(), Length(max=8)])
    per_department = IntegerField(_l("Replies drawn per department"),
                                  validators=[DataRequired(), NumberRange(min=1, max=50)])
    submit = SubmitField(_l("Draw the sample"))


class QualityCriterionForm(PortalForm):
    name = StringField(_l("Criterion"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("What the reviewer checks"), validators=[Optional(), Length(max=2000)])
    position = IntegerField(_l("Order (smaller first)"), default=100,
                            validators=[InputRequired(), NumberRange(min=0, max=100000)])
    active = BooleanField(_l("In use"), default=True)
    submit = SubmitField(_l("Save"))


class QualityScoreForm(PortalForm):
    """The findings; the pass/fail answers per criterion are radio groups named criterion-<id>."""

    findings = TextAreaField(_l("Findings (required when a criterion fails; the department reads them)"),
                             validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Record the review"))
