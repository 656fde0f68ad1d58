"""Register, log in and out, profile and password."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.blueprints.auth.forms import ChangePasswordForm, LoginForm, ProfileForm, RegisterForm
from portal.extensions import db
from portal.i18n import current_locale_code
from portal.security import public, signed_in
from portal.services import accounts
from portal.services.accounts import AccountError
from portal.timeutil import utcnow
from portal.urls import safe_next

bp = Blueprint("auth", __name__, url_prefix="/account")


def account_error_message(error: AccountError) -> str:
    messages = {
        "bad_login": _("Enter a mobile phone number (digits only) or an e-mail address."),
        "short_password": _("The password needs at least %(length)s characters.", length=error.params.get("length", 8)),
        "login_taken": _("An account with this phone number or e-mail already exists. Log in instead."),
        "bad_credentials": _("The phone number, e-mail or password is not right."),
        "throttled": _("Too many failed attempts. Please wait %(minutes)s minutes and try again.",
                       minutes=error.params.get("minutes", 15)),
        "inactive": _("This account has been deactivated. Contact the suggestion office."),
        "wrong_current_password": _("The current password is not right."),
    }
    return messages.get(error.code, _("Something went wrong; please try again."))


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(db.session, form.login.data, form.password.data, form.display_name.data,
                                        anonymous=form.anonymous.data, locale=current_locale_code())
        except AccountError as error:
            db.session.rollback()
            field = form.login if error.code in ("bad_login", "login_taken") else form.password
            field.errors.append(account_error_message(error))
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome! Your account has been created."), "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(db.session, form.login.data, form.password.data, utcnow())
        except AccountError as error:
            db.session.commit()  # keep the failed attempt: it is what throttling counts
            form.password.errors.append(account_error_message(error))
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@signed_in
def logout():
    logout_user()
    flash(_("You have logged out."), "success")
    return redirect(url_for("main.index"))


@bp.route("/profile", methods=["GET", "POST"])
@signed_in
def profile():
    form = ProfileForm(obj=current_user) if request.method == "GET" else ProfileForm()
    if request.method == "GET":
        form.anonymous.data = current_user.prefers_anonymous
        form.notifications.data = current_user.notifications_enabled
        form.locale.data = current_user.locale or current_locale_code()
    if form.validate_on_submit():
        current_user.display_name = form.display_name.data.strip()
        current_user.prefers_anonymous = form.anonymous.data
        current_user.notifications_enabled = form.notifications.data
        current_user.locale = form.locale.data
        db.session.commit()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except AccountError as error:
            target = form.current_password if error.code == "wrong_current_password" else form.new_password
            target.errors.append(account_error_message(error))
        else:
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/password.html", form=form)
