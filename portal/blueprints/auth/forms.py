from flask_babel import lazy_gettext as _l
from portal.forms import PortalForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length

from portal.i18n import LOCALES

LOGIN_LABEL = _l("Mobile phone number or e-mail")
PASSWORDS_DIFFER = _l("The two passwords differ.")


class RegisterForm(PortalForm):
    login = StringField(LOGIN_LABEL, validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=PASSWORDS_DIFFER)])
    anonymous = BooleanField(_l("Show my suggestions as “anonymous” instead of my masked name"))
    submit = SubmitField(_l("Send me a code"))


class CodeForm(PortalForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)])
    submit = SubmitField(_l("Confirm"))


class ResendCodeForm(PortalForm):
    purpose = HiddenField(validators=[AnyOf(["register", "reset"])])
    submit = SubmitField(_l("Send a new code"))


class ResetRequestForm(PortalForm):
    login = StringField(LOGIN_LABEL, validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send me a code"))


class ResetPasswordForm(PortalForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new_password", message=PASSWORDS_DIFFER)])
    submit = SubmitField(_l("Set the new password"))


class LoginForm(PortalForm):
    login = StringField(LOGIN_LABEL, validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(PortalForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new_password", message=PASSWORDS_DIFFER)])
    submit = SubmitField(_l("Change password"))


class ProfileForm(PortalForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=60)])
    anonymous = BooleanField(_l("Show my suggestions as “anonymous” instead of my masked name"))
    notifications = BooleanField(_l("Notify me when suggestions I submitted, support or follow progress"))
    locale = SelectField(_l("Language"), choices=list(LOCALES.items()))
    submit = SubmitField(_l("Save"))


class DeleteAccountForm(PortalForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])
    confirm = BooleanField(_l("I understand that my account is deleted for good; my suggestions stay, "
                              "shown as anonymous."),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])
    submit = SubmitField(_l("Delete my account"))
