"""Forms of the suggestion office. Choices from reference tables are filled in by the views."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, FieldList, Form, FormField, RadioField, SelectField, SelectMultipleField,
    StringField, SubmitField, TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from portal import labels
from portal.forms import PortalForm
from portal.services.intake import ON_BEHALF_CHANNELS

REFERENCE_CODE = Regexp(r"^[a-z0-9-]+$", message=_l("Use lower-case letters, digits and hyphens only."))


class AcceptForm(PortalForm):
    note = TextAreaField(_l("Note for the record (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Accept"))


class DeclineForm(PortalForm):
    reason_id = SelectField(_l("Reason"), coerce=int, choices=[])
    message = TextAreaField(_l("Message to the author"), validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Decline"))


class RequestInfoForm(PortalForm):
    question = TextAreaField(_l("Question to the author"), validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Ask for more information"))


class DuplicateForm(PortalForm):
    target = StringField(_l("Tracking number (or id) of the suggestion it duplicates"),
                         validators=[DataRequired(), Length(max=30)])
    note = TextAreaField(_l("Note for the record (optional)"), validators=[Optional(), Length(max=2000)])
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
    note = TextAreaField(_l("Instructions for the department (optional)"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Dispatch"))


class ExtensionDecisionForm(PortalForm):
    decision = RadioField(_l("Decision"), choices=[("approve", _l("Approve")), ("refuse", _l("Refuse"))],
                          validators=[DataRequired(message=_l("Choose approve or refuse."))])
    note = TextAreaField(_l("Note to the department"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Decide"))


class ReviewAnswerForm(PortalForm):
    body = TextAreaField(_l("Answer to the review"), validators=[DataRequired(), Length(max=20000)])
    decision = SelectField(_l("Decision after review"), choices=[])
    submit = SubmitField(_l("Send the answer"))


class DeclineReasonForm(PortalForm):
    code = StringField(_l("Short code"), validators=[DataRequired(), Length(max=40), REFERENCE_CODE])
    name = StringField(_l("Name in Chinese"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=200)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))

