"""Register (confirmed by a one-time code), log in and out, reset a forgotten password, profile and
password, and the resident's own data: a copy to download, and deleting the account."""
from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.blueprints.auth.forms import (
    ChangePasswordForm, CodeForm, DeleteAccountForm, LoginForm, ProfileForm, RegisterForm, ResendCodeForm,
    ResetPasswordForm, ResetRequestForm,
)
from portal.attempt import attempt, commit
from portal.extensions import db
from portal.i18n import current_locale_code
from portal.models import Role
from portal.ratelimits import (
    client_address, forget_login_failures, limit, limit_code_sending, reserve_login_attempt, typed_identity,
)
from portal.security import public, roles_required, signed_in
from portal.services import accounts, digest_subscriptions, personal_data, verification
from portal.services.accounts import AccountError
from portal.timeutil import utcnow
from portal.urls import safe_next

bp = Blueprint("auth", __name__, url_prefix="/account")

# The pending registration's or reset's code row, kept in the signed session between the steps.
PENDING = {verification.REGISTER: "pending_registration", verification.RESET: "pending_reset"}


def account_error_message(error: AccountError) -> str:
    messages = {
        "bad_login": _("Enter a mobile phone number (digits only) or an e-mail address."),
        "short_password": _("The password needs at least %(length)s characters.", length=error.params.get("length", 8)),
        "weak_password": _("This password is too common or too easy to guess (for example a well-known password, "
                           "a keyboard pattern, a date, or your phone number or name). Choose a longer one, "
                           "e.g. a few unrelated words."),
        "login_taken": _("An account with this phone number or e-mail already exists. Log in instead."),
        "bad_credentials": _("The phone number, e-mail or password is not right."),
        "throttled": _("Too many failed attempts. Please wait %(minutes)s minutes and try again.",
                       minutes=error.params.get("minutes", 15)),
        "inactive": _("This account has been deactivated. Contact the suggestion office."),
        "wrong_current_password": _("The current password is not right."),
        "channel_unavailable_phone": _("Codes cannot be sent to phone numbers at the moment. Use an e-mail address."),
        "channel_unavailable_email": _("Codes cannot be sent to e-mail addresses at the moment. "
                                       "Use a mobile phone number."),
        "no_pending_code": _("There is no code waiting to be entered. Please start again."),
        "code_expired": _("This code has expired. Ask for a new one."),
        "wrong_code": _("This code is not right. %(left)s more tries.", left=error.params.get("left", 0)),
        "code_attempts": _("Too many wrong codes. Ask for a new one."),
    }
    return messages.get(error.code, _("Something went wrong; please try again."))


def _show(field, error: AccountError) -> None:
    field.errors = list(field.errors) + [account_error_message(error)]


@bp.route("/register", methods=["GET", "POST"])
@public
@limit("REGISTER_ADDRESS", client_address)
@limit("REGISTER_IDENTITY", typed_identity)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        done = attempt(lambda: verification.start_registration(
            db.session, form.login.data, form.password.data, form.display_name.data, anonymous=form.anonymous.data,
            locale=current_locale_code(), now=utcnow()), AccountError)
        if done.ok:
            session[PENDING[verification.REGISTER]] = done.value.id
            return redirect(url_for("auth.confirm_registration", next=request.args.get("next")))
        _show(form.password if done.error.code in ("short_password", "weak_password") else form.login, done.error)
    return render_template("auth/register.html", form=form)


@bp.route("/register/confirm", methods=["GET", "POST"])
@public
def confirm_registration():
    form = CodeForm()
    if form.validate_on_submit():
        # A refused code still counts as a try: that is kept (nothing else changed).
        done = attempt(lambda: verification.confirm_registration(
            db.session, session.get(PENDING[verification.REGISTER]), form.code.data, utcnow()), AccountError,
            keep_refused=True)
        if not done.ok:
            _show(form.code, done.error)
        else:
            session.pop(PENDING[verification.REGISTER], None)
            login_user(done.value)
            flash(_("Welcome! Your account has been created."), "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/confirm_code.html", form=form, purpose=verification.REGISTER,
                           resend_form=ResendCodeForm(purpose=verification.REGISTER))


# A resend names no phone or e-mail (the pending code is in the session): counted per address.
@bp.post("/code/resend")
@public
@limit("CODE_ADDRESS", client_address)
def resend_code():
    form = ResendCodeForm()
    purpose = form.purpose.data if form.validate_on_submit() else verification.REGISTER
    target = "auth.confirm_registration" if purpose == verification.REGISTER else "auth.reset_password"
    done = attempt(lambda: verification.resend(
        db.session, session.get(PENDING[purpose]), locale=current_locale_code(), now=utcnow()), AccountError)
    if not done.ok:
        flash(account_error_message(done.error), "error")
    else:
        flash(_("A new code is on its way. The previous one no longer works."), "success")
    return redirect(url_for(target))


@bp.route("/reset", methods=["GET", "POST"])
@public
@limit_code_sending
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        done = attempt(lambda: verification.start_reset(
            db.session, form.login.data, locale=current_locale_code(), now=utcnow()), AccountError)
        if done.ok:
            session[PENDING[verification.RESET]] = done.value.id
            return redirect(url_for("auth.reset_password"))
        _show(form.login, done.error)
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/confirm", methods=["GET", "POST"])
@public
def reset_password():
    form = ResetPasswordForm()
    if form.validate_on_submit():
        # A refused code still counts as a try: that is kept (nothing else changed).
        done = attempt(lambda: verification.finish_reset(
            db.session, session.get(PENDING[verification.RESET]), form.code.data, form.new_password.data,
            utcnow()), AccountError, keep_refused=True)
        if not done.ok:
            _show(form.new_password if done.error.code in ("short_password", "weak_password") else form.code,
                  done.error)
        else:
            session.pop(PENDING[verification.RESET], None)
            logout_user()
            flash(_("Your password has been reset, and every device was logged out. Log in with the new one."),
                  "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/confirm_code.html", form=form, purpose=verification.RESET,
                           resend_form=ResendCodeForm(purpose=verification.RESET))


@bp.route("/login", methods=["GET", "POST"])
@public
@limit("LOGIN_ADDRESS", client_address)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        lock = reserve_login_attempt()  # counted before the password is checked, atomically
        if lock is not None:
            form.password.errors.append(account_error_message(AccountError("throttled", minutes=lock.minutes)))
            return render_template("auth/login.html", form=form), 429
        try:
            user = accounts.authenticate(db.session, form.login.data, form.password.data)
        except AccountError as error:
            form.password.errors.append(account_error_message(error))
        else:
            forget_login_failures()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@signed_in
def logout():
    # Logging out here logs out everywhere: other devices' sessions and remember-me cookies too.
    commit(current_user.end_all_sessions)
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
        commit()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.profile"))
    digest_page = None
    if digest_subscriptions.can_subscribe(current_user):
        digest_page = "office.digest" if current_user.has_role(Role.OFFICE_STAFF) else "department.digest"
    return render_template("auth/profile.html", form=form, digest_page=digest_page,
                           digest_subscribed=digest_page and digest_subscriptions.is_subscribed(db.session, current_user))


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        done = attempt(lambda: accounts.change_password(
            current_user, form.current_password.data, form.new_password.data), AccountError)
        if not done.ok:
            _show(form.current_password if done.error.code == "wrong_current_password" else form.new_password,
                  done.error)
        else:
            login_user(current_user._get_current_object())  # this session goes on under the new version
            flash(_("Your password has been changed. Other devices have been logged out."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/password.html", form=form)


@bp.get("/data")
@signed_in
def my_data():
    return render_template("auth/data.html", delete_form=DeleteAccountForm(formdata=None))


@bp.get("/data/export.json")
@signed_in
def export_data():
    body = json.dumps(personal_data.export(db.session, current_user), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="my-suggestion-portal-data.json"',
        "Cache-Control": "no-store"})


@bp.post("/delete")
@roles_required(Role.RESIDENT)
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        done = attempt(lambda: personal_data.delete_account(
            db.session, current_user, form.password.data, utcnow()), AccountError)
        if not done.ok:
            _show(form.password, done.error)
        else:
            logout_user()
            flash(_("Your account has been deleted. Your suggestions stay on the record as anonymous."), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/data.html", delete_form=form), 400
