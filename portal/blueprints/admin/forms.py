from flask_babel import lazy_gettext as _l
from portal.forms import PortalForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

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
