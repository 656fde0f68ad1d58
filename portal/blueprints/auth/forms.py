from flask_babel import lazy_gettext as _l
from portal.forms import PortalForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.i18n import LOCALES


class RegisterForm(PortalForm):
    login = StringField(_l("Mobile phone number or e-mail"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])
    anonymous = BooleanField(_l("Show my suggestions as “anonymous” instead of my masked name"))
    submit = SubmitField(_l("Create account"))


class LoginForm(PortalForm):
    login = StringField(_l("Mobile phone number or e-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(PortalForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))])
    submit = SubmitField(_l("Change password"))


class ProfileForm(PortalForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=60)])
    anonymous = BooleanField(_l("Show my suggestions as “anonymous” instead of my masked name"))
    notifications = BooleanField(_l("Notify me when suggestions I submitted, support or follow progress"))
    locale = SelectField(_l("Language"), choices=list(LOCALES.items()))
    submit = SubmitField(_l("Save"))
