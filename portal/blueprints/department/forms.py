"""Forms of the department workbench."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField, DateTimeLocalField, FieldList, Form, FormField, IntegerField, RadioField, SelectField,
    StringField, SubmitField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal import labels
from portal.forms import INTERNAL_NOTE, PUBLISHED_TEXT, PortalForm
from portal.services.handling import REPLY_MIN_LENGTH, OutcomeRow

BLANK_OUTCOME_ROWS = 5


class ReplyForm(PortalForm):
    decision = RadioField(_l("Decision"), choices=list(labels.DECISION.items()),
                          validators=[DataRequired(message=_l("Choose a decision."))])
    body = TextAreaField(PUBLISHED_TEXT, validators=[
        DataRequired(message=_l("Write the reply.")),
        Length(min=REPLY_MIN_LENGTH, max=20000,
               message=_l("The reply must be between %(min)d and %(max)d characters long."))])
    note = TextAreaField(INTERNAL_NOTE, validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Send the reply"))


class TemplateForm(PortalForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=20000)])
    submit = SubmitField(_l("Save the template"))


class ContributionForm(PortalForm):
    note = TextAreaField(INTERNAL_NOTE,
                         validators=[DataRequired(), Length(max=20000)])
    submit = SubmitField(_l("Add the contribution"))


class OutcomeRowForm(Form):
    """One outcome row; a row left entirely blank is ignored."""

    # No Optional(): it would stop the checks below on an empty cell.
    name = StringField(_l("Outcome"), validators=[Length(max=80)])
    value = StringField(_l("Number"), validators=[Length(max=20)])
    unit = StringField(_l("Unit"), validators=[Length(max=20)])

    def validate_value(self, field):
        if not (field.data or "").strip():
            if (self.name.data or "").strip():
                raise ValidationError(_l("Give the number for this outcome."))
            return
        if not (self.name.data or "").strip():
            raise ValidationError(_l("Name the outcome this number measures."))
        try:
            number = Decimal(field.data.strip().replace(",", ""))
        except InvalidOperation:
            raise ValidationError(_l("Enter a number, such as 50 or 12.5."))
        if not number.is_finite() or number < 0 or number >= Decimal("1e12") or number != round(number, 2):
            raise ValidationError(_l("Enter a number of at most two decimals, 0 or more."))


class ConversionForm(PortalForm):
    type = SelectField(_l("Type of conversion"), choices=list(labels.CONVERSION_TYPE.items()),
                       validators=[DataRequired()])
    description = TextAreaField(PUBLISHED_TEXT,
                                validators=[DataRequired(), Length(max=20000)])
    note = TextAreaField(INTERNAL_NOTE, validators=[Optional(), Length(max=4000)])
    started_on = DateField(_l("Start date"), validators=[DataRequired(message=_l("Enter a date."))])
    outcomes = FieldList(FormField(OutcomeRowForm), min_entries=BLANK_OUTCOME_ROWS)
    submit = SubmitField(_l("Save the conversion"))

    def outcome_rows(self) -> list[OutcomeRow]:
        rows = []
        for entry in self.outcomes:
            name, value = (entry.form.name.data or "").strip(), (entry.form.value.data or "").strip()
            if name and value:
                rows.append(OutcomeRow(name, Decimal(value.replace(",", "")), (entry.form.unit.data or "").strip()))
        return rows


class ProgressForm(PortalForm):
    recorded_on = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter a date."))])
    percent = IntegerField(_l("Progress (percent)"), validators=[
        InputRequired(message=_l("Enter a percentage from 0 to 100.")),
        NumberRange(min=0, max=100, message=_l("Enter a percentage from 0 to 100."))])
    note = TextAreaField(PUBLISHED_TEXT, validators=[Optional(), Length(max=20000)])
    submit = SubmitField(_l("Add the progress update"))


class ExtensionForm(PortalForm):
    days = IntegerField(_l("Extra days"), validators=[
        InputRequired(message=_l("Enter the number of extra days.")),
        NumberRange(min=1, message=_l("Enter the number of extra days."))])
    reason = TextAreaField(INTERNAL_NOTE, validators=[DataRequired(message=_l("Give the reason.")),
                                                     Length(max=5000)])
    submit = SubmitField(_l("Request the extension"))


class DisputeForm(PortalForm):
    reason = TextAreaField(INTERNAL_NOTE,
                           validators=[DataRequired(message=_l("Give the reason.")), Length(max=5000)])
    submit = SubmitField(_l("Send the dispute to the office"))


class PublishForm(PortalForm):
    submit = SubmitField(_l("Publish the decision, reply and conversion"))


class ThemedCallForm(PortalForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(PUBLISHED_TEXT, validators=[DataRequired(), Length(max=20000)])
    opens_at = DateTimeLocalField(_l("Opens (Beijing time)"), format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired(message=_l("Enter a date and time."))])
    closes_at = DateTimeLocalField(_l("Closes (Beijing time)"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired(message=_l("Enter a date and time."))])
    submit = SubmitField(_l("Save the themed call"))

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The call must close after it opens."))


class CollectiveAnswerForm(PortalForm):
    answer = TextAreaField(PUBLISHED_TEXT, validators=[
        DataRequired(message=_l("Write the answer.")), Length(min=REPLY_MIN_LENGTH, max=50000,
        message=_l("The answer must be between %(min)d and %(max)d characters long."))])
    submit = SubmitField(_l("Publish the collective answer"))


class CorrectionForm(PortalForm):
    correction = TextAreaField(_l("What was corrected"), validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Record the correction"))
