from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, DateField, DateTimeLocalField, EmailField, IntegerField, SelectField, SelectMultipleField,
    StringField, SubmitField, TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from portal import labels
from portal.forms import PortalForm

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class MemberForm(PortalForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    kind = SelectField(_l("Kind of member"), choices=[(c, l) for c, l in labels.MEMBER_KIND.items()])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=120)])
    department_id = SelectField(_l("Affiliated with a department"), coerce=int, choices=[])
    term_start = DateField(_l("Term starts"), validators=[InputRequired()])
    term_end = DateField(_l("Term ends (last day)"), validators=[InputRequired()])
    conflicts = TextAreaField(_l("Declared conflicts of interest"), validators=[Optional(), Length(max=4000)])
    conflict_department_ids = SelectMultipleField(_l("Departments the member must stand aside from"), coerce=int,
                                                  choices=[])
    active = BooleanField(_l("Active"), default=True)
    phone = StringField(_l("Phone (never public)"), validators=[Optional(), Length(max=20)])
    email = EmailField(_l("E-mail (never public)"), validators=[Optional(), Email(), Length(max=254)])
    submit = SubmitField(_l("Save"))


class HearingForm(PortalForm):
    tracking_number = StringField(_l("Tracking number of the suggestion"), validators=[DataRequired(), Length(max=20)])
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    department_id = SelectField(_l("Organising body"), coerce=int, choices=[])
    starts_at = DateTimeLocalField(_l("Date and time (Beijing time)"), format=LOCAL_FORMATS,
                                   validators=[InputRequired()])
    duration_minutes = IntegerField(_l("Expected duration in minutes"), default=120,
                                    validators=[InputRequired(), NumberRange(min=15, max=1440)])
    venue = StringField(_l("Venue"), validators=[DataRequired(), Length(max=200)])
    is_public = BooleanField(_l("Public hearing"), default=True)
    closed_reason = TextAreaField(_l("Why the hearing is closed (privacy, state or business secrets)"),
                                  validators=[Optional(), Length(max=2000)])
    panel_size = SelectField(_l("Number of hearing members"), coerce=int, choices=[(3, "3"), (5, "5"), (7, "7")],
                             default=3)
    strikes_per_side = SelectField(_l("Strikes per side"), coerce=int, choices=[(0, "0"), (1, "1"), (2, "2")],
                                   default=1)
    observer_seats = IntegerField(_l("Observer seats"), default=10, validators=[InputRequired(), NumberRange(min=0,
                                                                                                          max=1000)])
    registration_closes_at = DateTimeLocalField(_l("Observer registration closes (Beijing time)"),
                                                format=LOCAL_FORMATS, validators=[InputRequired()])
    submit = SubmitField(_l("Schedule and publish the notice"))


class FreezeForm(PortalForm):
    step_hours = IntegerField(_l("Hours each side has for each step"), default=24,
                              validators=[InputRequired(), NumberRange(min=1, max=240)])
    declared_conflicts = SelectMultipleField(_l("Members who declared a conflict with this case"), coerce=int,
                                             choices=[])
    submit = SubmitField(_l("Freeze and publish the pool"))


class WithdrawalForm(PortalForm):
    member_id = SelectField(_l("Member who withdraws"), coerce=int, choices=[])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Record the withdrawal"))


class PostponeForm(PortalForm):
    new_starts_at = DateTimeLocalField(_l("New date and time (Beijing time)"), format=LOCAL_FORMATS,
                                       validators=[InputRequired()])
    reason = TextAreaField(_l("Reason for the postponement"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Postpone the hearing"))


class CancelForm(PortalForm):
    reason = TextAreaField(_l("Reason for the cancellation"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Cancel the hearing"))
