"""The office after intake: dispatch, extension approvals, review answers, decline reasons.

Views of the `office` blueprint, registered on it by importing this module from routes.py.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal import confirmations, labels
from portal.blueprints.office import forms
from portal.blueprints.office.messages import department_choices, intake_error_message, transition_message
from portal.attempt import attempt, commit
from portal.blueprints.office.routes import _suggestion, bp, office_action, office_only
from portal.extensions import db
from portal.services import search
from portal.models import DeclineReason, Department, ExtensionRequest, Role, Status
from portal.security import roles_required
from portal.services import deadlines, intake, intake_queue, workflow
from portal.services.intake import IntakeError
from portal.services.workflow import TransitionNotAllowed
from portal.timeutil import utcnow


def routing_hint(suggestion):
    """The most likely lead department, from who handled the most similar past suggestions."""
    return search.routing_hint(db.session, suggestion)


@bp.route("/suggestions/<id:suggestion_id>/dispatch", methods=["GET", "POST"])
@office_only
def dispatch(suggestion_id: int):
    suggestion = _suggestion(suggestion_id)
    if not workflow.can(current_user, suggestion, "dispatch"):
        flash(transition_message(TransitionNotAllowed("dispatch", suggestion.status, "")), "error")
        return redirect(url_for("office.detail", suggestion_id=suggestion.id))
    form = forms.DispatchForm()
    choices = department_choices()
    form.lead_id.choices = choices
    form.co_ids.choices = choices
    hint = routing_hint(suggestion)
    if request.method == "GET" and not form.recovered:
        # Only a starting point, the office decides: the department a confident hint names (the one
        # the page shows), else the category's usual department.
        offered = {c[0] for c in choices}
        usual = suggestion.category.default_department_id if suggestion.category is not None else None
        for candidate in (hint.department.id if hint and hint.useful else None, usual):
            if candidate in offered:
                form.lead_id.data = candidate
                break
    if form.validate_on_submit():
        lead = db.session.get(Department, form.lead_id.data)
        co = [db.session.get(Department, i) for i in form.co_ids.data]

        def beside_the_departments(error: IntakeError):
            form.co_ids.errors.append(intake_error_message(error))
            return _dispatch_page(suggestion, form, hint)

        return office_action(suggestion, lambda: intake.dispatch(db.session, suggestion, current_user, lead, co,
                                                                 form.note.data or ""),
                             _("Dispatched to %(department)s.", department=_name(lead)),
                             in_form=beside_the_departments)
    return _dispatch_page(suggestion, form, hint)


def _dispatch_page(suggestion, form: forms.DispatchForm, hint):
    return render_template("office/dispatch.html", s=suggestion, form=form, hint=hint,
                           dispute=intake.latest_dispute(suggestion))


def _name(department) -> str:
    from portal.i18n import localized_name

    return localized_name(department)


@bp.get("/extensions")
@office_only
def extensions():
    pending = intake_queue.pending_extensions(db.session)
    form = forms.ExtensionDecisionForm(formdata=None)
    return render_template("office/extensions.html", pending=pending, form=form)


@bp.post("/extensions/<id:extension_id>")
@office_only
def decide_extension(extension_id: int):
    extension = db.session.get(ExtensionRequest, extension_id) or abort(404)
    form = forms.ExtensionDecisionForm()
    if not form.validate_on_submit():
        flash(_("Choose approve or refuse."), "error")
        return redirect(url_for("office.extensions"))
    if extension.state == "pending" and not confirmations.confirmed():
        return _ask_extension_decision(extension, form)
    done = attempt(lambda: intake.decide_extension(
        db.session, extension, current_user, form.decision.data == "approve", form.note.data or "", utcnow()),
        IntakeError)
    if not done.ok:
        flash(intake_error_message(done.error), "error")
        return redirect(url_for("office.extensions"))
    if extension.state == "approved":
        flash(_("Extension of %(days)s days approved for %(number)s.", days=extension.days,
                number=extension.suggestion.tracking_number), "success")
    else:
        flash(_("Extension refused for %(number)s.", number=extension.suggestion.tracking_number), "success")
    return redirect(url_for("office.extensions"))


def _ask_extension_decision(extension: ExtensionRequest, form: forms.ExtensionDecisionForm):
    suggestion = extension.suggestion
    department = _name(db.session.get(Department, extension.department_id))
    if form.decision.data == "approve":
        title = _("Approve %(days)s more days?", days=extension.days)
        extended = deadlines.reply_due(db.session, suggestion, extra_days=extension.days)
        consequences = [_("%(department)s gets %(days)s more days: its reply is then due on %(date)s.",
                          department=department, days=extension.days, date=format_datetime(extended, "short"))
                        if extended else _("%(department)s gets %(days)s more days for its reply.",
                                           department=department, days=extension.days),
                        _("No further extension can be requested for this suggestion.")]
        label = _("Yes, approve")
    else:
        title = _("Refuse the extension?")
        due = deadlines.reply_due(db.session, suggestion)
        consequences = [_("The reply stays due on %(date)s.", date=format_datetime(due, "short")) if due
                        else _("The reply deadline does not change.")]
        label = _("Yes, refuse")
    consequences.append(_("The department sees your decision and note at once; the decision cannot be changed."))
    return confirmations.ask(title, consequences, label, url_for("office.extensions"),
                             details=[(_("Suggestion"), f"{suggestion.tracking_number} {suggestion.title}"),
                                      (_("Reason given by the department"), extension.reason),
                                      (_("Note to the department"), form.note.data or "")])


@bp.get("/reviews")
@office_only
def reviews():
    return render_template("office/reviews.html", items=intake_queue.pending_reviews(db.session, utcnow()))


def _review_form() -> forms.ReviewAnswerForm:
    form = forms.ReviewAnswerForm()
    form.decision.choices = [("", _("Decision unchanged"))] + list(labels.DECISION.items())
    return form


@bp.route("/suggestions/<id:suggestion_id>/review", methods=["GET", "POST"])
@office_only
def answer_review(suggestion_id: int):
    suggestion = _suggestion(suggestion_id)
    if suggestion.status not in intake.REVIEW_ACTIONS:
        flash(_("No review is waiting for an answer on this suggestion."), "error")
        return redirect(url_for("office.detail", suggestion_id=suggestion.id))
    form = _review_form()
    if form.validate_on_submit() and not confirmations.confirmed():
        second = suggestion.status == Status.IN_SECOND_REVIEW.value
        return confirmations.ask(
            _("Send this second-review answer?") if second else _("Send this review answer?"),
            [_("The author is told at once and can read the answer; it cannot be changed or taken back."),
             _("After the second review the matter is closed and final.") if second
             else _("The author may still ask for a second review within %(days)d days.",
                    days=deadlines.policy_for(db.session, suggestion).review_request_days)],
            _("Yes, send the answer"), url_for("office.answer_review", suggestion_id=suggestion.id),
            details=[(_("Suggestion"), suggestion.title),
                     (_("Decision"), labels.decision(form.decision.data) if form.decision.data
                      else _("Decision unchanged")),
                     (_("Answer"), form.body.data)])
    if form.validate_on_submit():

        def beside_the_answer(error: IntakeError):
            form.body.errors.append(intake_error_message(error))
            return _review_page(suggestion, form)

        return office_action(suggestion, lambda: intake.answer_review(db.session, suggestion, current_user,
                                                                      form.body.data, form.decision.data or None,
                                                                      form.note.data or ""),
                             _("The review answer has been sent to the author."), in_form=beside_the_answer)
    return _review_page(suggestion, form)


def _review_page(suggestion, form: forms.ReviewAnswerForm):
    return render_template("office/review.html", s=suggestion, form=form, replies=list(suggestion.replies))


# --- decline reasons: a reference table the office keeps (administrators may too) -------------------

reference_keepers = roles_required(Role.OFFICE_STAFF, Role.ADMIN)


def _save_reason(form: forms.DeclineReasonForm, reason: DeclineReason) -> bool:
    clash = db.session.scalar(select(DeclineReason).where(DeclineReason.code == form.code.data,
                                                           DeclineReason.id != (reason.id or 0)))
    if clash is not None:
        form.code.errors.append(_("This short code is already used."))
        return False
    form.populate_obj(reason)
    commit(lambda: db.session.add(reason))
    return True


@bp.route("/decline-reasons", methods=["GET", "POST"])
@reference_keepers
def decline_reasons():
    form = forms.DeclineReasonForm()
    if form.validate_on_submit() and _save_reason(form, DeclineReason()):
        flash(_("Saved."), "success")
        return redirect(url_for("office.decline_reasons"))
    reasons = db.session.scalars(select(DeclineReason).order_by(DeclineReason.id)).all()
    return render_template("office/decline_reasons.html", reasons=reasons, form=form)


@bp.route("/decline-reasons/<id:reason_id>", methods=["GET", "POST"])
@reference_keepers
def decline_reason_edit(reason_id: int):
    reason = db.session.get(DeclineReason, reason_id) or abort(404)
    form = forms.DeclineReasonForm(obj=reason)
    if form.validate_on_submit() and _save_reason(form, reason):
        flash(_("Saved."), "success")
        return redirect(url_for("office.decline_reasons"))
    return render_template("office/decline_reason_edit.html", reason=reason, form=form)


@bp.post("/decline-reasons/<id:reason_id>/active")
@reference_keepers
def decline_reason_toggle(reason_id: int):
    """Deactivate (or bring back) a reason; past declines keep showing it, new ones cannot use it."""
    reason = db.session.get(DeclineReason, reason_id) or abort(404)
    reason.active = not reason.active
    commit()
    flash(_("Reason “%(code)s” is active again.", code=reason.code) if reason.active
          else _("Reason “%(code)s” deactivated.", code=reason.code), "success")
    return redirect(url_for("office.decline_reasons"))
