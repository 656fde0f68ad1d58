"""Conversions (转化) with measurable outcomes, progress updates, and publishing the answer."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.department.forms import BLANK_OUTCOME_ROWS, ConversionForm, ProgressForm
from portal.blueprints.department.routes import bp, error_message, load_suggestion, staff_only, to_detail
from portal import confirmations
from portal.attempt import attempt
from portal.extensions import db
from portal.models import Conversion
from portal.services import handling
from portal.services.handling import HandlingError
from portal.timeutil import local_date, utcnow

EXTRA_ROWS_WHEN_EDITING = 3


def _refuse_unless_convertible(suggestion):
    """A redirect with the reason when no conversion can be recorded, else None."""
    if suggestion.decision not in handling.CONVERTIBLE_DECISIONS:
        flash(error_message("not_adopted" if suggestion.decision else "not_replied"), "error")
        return to_detail(suggestion)
    return None


def _load_conversion(conversion_id: int) -> Conversion:
    conversion = db.session.get(Conversion, conversion_id) or abort(404)
    load_suggestion(conversion.suggestion_id, lead_only=True)
    return conversion


@bp.route("/suggestions/<id:suggestion_id>/conversions/new", methods=["GET", "POST"])
@staff_only
def conversion_new(suggestion_id: int):
    suggestion, _role = load_suggestion(suggestion_id, lead_only=True)
    refused = _refuse_unless_convertible(suggestion)
    if refused:
        return refused
    form = ConversionForm(data={"started_on": local_date(utcnow())} if request.method == "GET" else None)
    if form.validate_on_submit():
        done = attempt(lambda: handling.record_conversion(
            db.session, suggestion, current_user, form.type.data, form.description.data, form.started_on.data,
            form.outcome_rows(), form.note.data or ""), HandlingError)
        if not done.ok:
            flash(error_message(done.error.code), "error")
        else:
            flash(_("The conversion has been recorded."), "success")
            return to_detail(suggestion)
    return render_template("department/conversion_form.html", s=suggestion, form=form, conversion=None)


@bp.route("/conversions/<id:conversion_id>/edit", methods=["GET", "POST"])
@staff_only
def conversion_edit(conversion_id: int):
    conversion = _load_conversion(conversion_id)
    suggestion = conversion.suggestion
    if request.method == "GET":
        rows = [{"name": o.name, "value": handling.plain_number(o.value), "unit": o.unit} for o in conversion.outcomes]
        rows += [{}] * max(EXTRA_ROWS_WHEN_EDITING, BLANK_OUTCOME_ROWS - len(rows))
        form = ConversionForm(data={"type": conversion.type, "description": conversion.description,
                                    "started_on": conversion.started_on, "outcomes": rows})
    else:
        form = ConversionForm()
    if form.validate_on_submit():
        done = attempt(lambda: handling.update_conversion(
            db.session, conversion, current_user, form.type.data, form.description.data, form.started_on.data,
            form.outcome_rows(), form.note.data or ""), HandlingError)
        if not done.ok:
            flash(error_message(done.error.code), "error")
        else:
            flash(_("The conversion has been updated."), "success")
            return to_detail(suggestion)
    return render_template("department/conversion_form.html", s=suggestion, form=form, conversion=conversion)


@bp.route("/conversions/<id:conversion_id>/progress", methods=["GET", "POST"])
@staff_only
def progress(conversion_id: int):
    conversion = _load_conversion(conversion_id)
    form = ProgressForm(data={"recorded_on": local_date(utcnow())} if request.method == "GET" else None)
    if form.validate_on_submit():
        done = attempt(lambda: handling.add_progress(
            db.session, conversion, current_user, form.recorded_on.data, form.percent.data, form.note.data),
            HandlingError)
        if not done.ok:
            flash(error_message(done.error.code), "error")
        else:
            flash(_("The progress update has been recorded."), "success")
            return to_detail(conversion.suggestion)
    return render_template("department/progress_form.html", s=conversion.suggestion, conversion=conversion,
                           form=form)


@bp.post("/suggestions/<id:suggestion_id>/publish")
@staff_only
def publish(suggestion_id: int):
    suggestion, _role = load_suggestion(suggestion_id, lead_only=True)
    if handling.department_reply(suggestion) is not None and suggestion.published_at is None \
            and not confirmations.confirmed():
        return confirmations.ask(
            _("Publish the decision, reply and conversion?"),
            [_("Everyone will see the decision, the reply and any conversion on the suggestion's public page, in open data and in search."),
             _("Publishing cannot be undone; conversions and progress recorded later will be public at once.")],
            _("Yes, publish"), url_for("department.detail", suggestion_id=suggestion.id),
            details=[(_("Suggestion"), suggestion.title)])
    done = attempt(lambda: handling.publish(db.session, suggestion, current_user), HandlingError)
    if not done.ok:
        flash(error_message(done.error.code), "error")
    else:
        flash(_("The decision, reply and conversion are now public. Later conversions and progress "
                "updates will be public at once."), "success")
    return redirect(url_for("department.detail", suggestion_id=suggestion.id))
