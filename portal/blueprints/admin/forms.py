from flask_babel import lazy_gettext as _l
from portal.forms import PortalForm
from wtforms import BooleanField, DateField, IntegerField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from portal import labels

SLUG = Regexp(r"^[a-z0-9-]+$", message=_l("Use lower-case letters, digits and hyphens only."))


class ReferenceForm(PortalForm):
    """Departments, categories and districts share their editable fields."""

    slug = StringField(_l("Short code (used in addresses and open data)"), validators=[DataRequired(), Length(max=60), SLUG])
    name = StringField(_l("Name in Chinese"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=120)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class DepartmentForm(ReferenceForm):
    is_office = BooleanField(_l("This is the suggestion office"))
    responsibilities = TextAreaField(
        _l("Matters it handles (its list of responsibilities), as words and phrases"),
        description=_l("Compared with new suggestions to suggest which department should handle them."),
        validators=[Optional(), Length(max=4000)],
    )


class CategoryForm(ReferenceForm):
    default_department_id = SelectField(_l("Department that usually handles it"), coerce=int, choices=[])


class StaffForm(PortalForm):
    login = StringField(_l("Mobile phone number or e-mail"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    role = SelectField(_l("Role"), choices=[(code, label) for code, label in labels.ROLE.items()])
    department_id = SelectField(_l("Department"), coerce=int, choices=[])
    password = PasswordField(_l("New password (leave empty to keep the current one)"), validators=[Optional(), Length(min=8, max=200)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class PolicyForm(PortalForm):
    """Time limits of one policy; the statutory defaults come from 信访工作条例 and local practice."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    accept_days = IntegerField(_l("Tell the author whether accepted within (days)"), validators=[InputRequired(), NumberRange(0, 365)])
    dispute_working_days = IntegerField(_l("A department may dispute a dispatch within (working days)"), validators=[InputRequired(), NumberRange(0, 60)])
    reply_days = IntegerField(_l("Reply within (days of acceptance)"), validators=[InputRequired(), NumberRange(1, 365)])
    extension_max_days = IntegerField(_l("Longest extension (days)"), validators=[InputRequired(), NumberRange(0, 365)])
    rating_days = IntegerField(_l("Author may rate the reply within (days)"), validators=[InputRequired(), NumberRange(1, 365)])
    review_request_days = IntegerField(_l("Review may be requested within (days of the reply)"), validators=[InputRequired(), NumberRange(1, 365)])
    review_answer_days = IntegerField(_l("Review answered within (days)"), validators=[InputRequired(), NumberRange(1, 365)])
    support_threshold = IntegerField(_l("Supports that make a suggestion widely supported"), validators=[InputRequired(), NumberRange(1, 10_000_000)])
    widely_supported_reply_days = IntegerField(_l("Widely supported: reply within (days of reaching the threshold)"), validators=[InputRequired(), NumberRange(1, 365)])
    acknowledge_minutes = IntegerField(_l("Fast track: acknowledge within (minutes)"), validators=[Optional(), NumberRange(1, 1440)])
    callback_minutes = IntegerField(_l("Fast track: phone the author within (minutes)"), validators=[Optional(), NumberRange(1, 1440)])
    first_round_hours = IntegerField(_l("Fast track: finish a first round within (hours)"), validators=[Optional(), NumberRange(1, 720)])
    submit = SubmitField(_l("Save"))


class HolidayForm(PortalForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    is_workday = BooleanField(_l("A weekend day worked instead (调休)"))
    name = StringField(_l("Name"), validators=[Optional(), Length(max=60)])
    submit = SubmitField(_l("Add"))
