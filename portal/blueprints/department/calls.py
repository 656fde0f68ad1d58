"""Themed calls (专项征集) as the department runs them: create, edit, see what came in, answer."""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.blueprints.department.forms import CollectiveAnswerForm, ThemedCallForm
from portal.blueprints.department.routes import bp, staff_only
from portal.attempt import attempt
from portal.extensions import db
from portal.models import ThemedCall
from portal.services import themed_calls
from portal.services.themed_calls import ThemedCallError
from portal.timeutil import LOCAL_TZ, utcnow

CALL_ERRORS = {
    "closes_before_opens": _l("The call must close after it opens."),
    "not_closed": _l("The collective answer can be published once the call has closed."),
    "already_answered": _l("The collective answer has already been published."),
    "answer_too_short": _l("The answer is too short."),
    "not_own_call": _l("This themed call belongs to another department."),
    "no_department": _l("Your account belongs to no department."),
}


def _message(code: str) -> str:
    return str(CALL_ERRORS.get(code, _l("This action is not possible now.")))


def _aware(local: datetime) -> datetime:
    """A time typed in Beijing time, as an aware datetime."""
    return local.replace(tzinfo=LOCAL_TZ)


def _local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_TZ).replace(tzinfo=None, second=0, microsecond=0)


def _own_call(call_id: int) -> ThemedCall:
    call = db.session.get(ThemedCall, call_id) or abort(404)
    if call.department_id != current_user.department_id:
        # Another department's call is public once it opens; before that it is as good as unknown.
        abort(403 if call.opens_at <= utcnow() else 404)
    return call


@bp.get("/calls")
@staff_only
def calls():
    items = themed_calls.department_calls(db.session, current_user.department_id)
    counts = {c.id: len(themed_calls.suggestions_in(db.session, c)) for c in items}
    return render_template("department/calls.html", items=items, counts=counts)


@bp.route("/calls/new", methods=["GET", "POST"])
@staff_only
def call_new():
    form = ThemedCallForm()
    if form.validate_on_submit():
        done = attempt(lambda: themed_calls.create_call(
            db.session, current_user, form.title.data, form.description.data, _aware(form.opens_at.data),
            _aware(form.closes_at.data)), ThemedCallError)
        if not done.ok:
            flash(_message(done.error.code), "error")
        else:
            flash(_("The themed call has been created."), "success")
            return redirect(url_for("department.call_detail", call_id=done.value.id))
    return render_template("department/call_form.html", form=form, call=None)


@bp.route("/calls/<id:call_id>/edit", methods=["GET", "POST"])
@staff_only
def call_edit(call_id: int):
    call = _own_call(call_id)
    if request.method == "GET":
        form = ThemedCallForm(data={"title": call.title, "description": call.description,
                                    "opens_at": _local(call.opens_at), "closes_at": _local(call.closes_at)})
    else:
        form = ThemedCallForm()
    if form.validate_on_submit():
        done = attempt(lambda: themed_calls.update_call(
            db.session, call, current_user, form.title.data, form.description.data, _aware(form.opens_at.data),
            _aware(form.closes_at.data)), ThemedCallError)
        if not done.ok:
            flash(_message(done.error.code), "error")
        else:
            flash(_("The themed call has been saved."), "success")
            return redirect(url_for("department.call_detail", call_id=call.id))
    return render_template("department/call_form.html", form=form, call=call)


@bp.route("/calls/<id:call_id>", methods=["GET", "POST"])
@staff_only
def call_detail(call_id: int):
    call = _own_call(call_id)
    form = CollectiveAnswerForm()
    if form.validate_on_submit():
        done = attempt(lambda: themed_calls.publish_collective_answer(
            db.session, call, current_user, form.answer.data), ThemedCallError)
        if not done.ok:
            flash(_message(done.error.code), "error")
        else:
            flash(_("The collective answer has been published."), "success")
            return redirect(url_for("department.call_detail", call_id=call.id))
    return render_template("department/call_detail.html", call=call, form=form,
                           state=themed_calls.state(call), now=utcnow(),
                           suggestions=themed_calls.suggestions_in(db.session, call))
