"""The department workbench: what was dispatched to us, the reply, templates, disputes and extensions.

Every view is for department staff; each suggestion view also checks that the suggestion was
dispatched to the viewer's own department (403 otherwise). Conversions, publishing and themed
calls live in the sibling modules imported at the bottom.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from portal.blueprints.department.forms import (
    ContributionForm, DisputeForm, ExtensionForm, PublishForm, ReplyForm, TemplateForm,
)
from portal import caching, confirmations, digest_views, labels, queue_views
from portal.blueprints.office.messages import district_choices
from portal.attempt import attempt, commit
from portal.extensions import db
from portal.inputs import int_arg, page_arg
from portal.models import Category, ExtensionRequest, ReplyTemplate, Role, Status, Suggestion
from portal.security import roles_required
from portal.services import handling, quality, work_queues
from portal.services import suggestions as suggestions_service
from portal.services.handling import CO, LEAD, HandlingError
from portal.services.workflow import TransitionNotAllowed
from portal.timeutil import utcnow

bp = Blueprint("department", __name__, url_prefix="/department")
staff_only = roles_required(Role.DEPARTMENT_STAFF)
PAGE_SIZE = 50

ERRORS = {
    "not_lead": _l("Only the lead department can do this."),
    "not_handling": _l("This suggestion was not dispatched to your department."),
    "unknown_decision": _l("Choose a decision."),
    "reply_too_short": _l("The reply is too short."),
    "already_replied": _l("This suggestion has already been answered."),
    "note_empty": _l("Write the contribution."),
    "not_own_template": _l("This template belongs to another department."),
    "not_replied": _l("Reply to the suggestion first."),
    "not_adopted": _l("Only adopted or partly adopted suggestions have a conversion."),
    "unknown_conversion_type": _l("Choose a type of conversion."),
    "description_empty": _l("Describe what the suggestion became."),
    "percent_range": _l("Enter a percentage from 0 to 100."),
    "already_published": _l("This answer is already public."),
    "undo_expired": _l("The reply can no longer be taken back: the time for it has passed, or it was published, "
                       "rated or converted."),
}


EXTENSION_STATES = {
    "pending": _l("Waiting for the office"),
    "approved": _l("Approved"),
    "refused": _l("Refused"),
}


@bp.context_processor
def department_helpers():
    return {
        "event_label": lambda event: labels.event(event.action),
        "extension_state": lambda state: str(EXTENSION_STATES.get(state, state)),
        "plain_number": handling.plain_number,
    }


def error_message(code: str) -> str:
    return str(ERRORS.get(code, _l("This action is not possible now.")))


def load_suggestion(suggestion_id: int, lead_only: bool = False) -> tuple[Suggestion, str]:
    """The suggestion and our role in it; 403 if not dispatched to us.

    404 when it is unknown or not public and not ours: a 403 would confirm that it exists.
    """
    suggestion = db.session.get(Suggestion, suggestion_id)
    if suggestion is None or not suggestions_service.can_view(db.session, suggestion, current_user):
        abort(404)
    role = handling.handling_role(db.session, current_user, suggestion)
    if role is None or (lead_only and role != LEAD):
        abort(403)
    return suggestion, role


def to_detail(suggestion: Suggestion):
    return redirect(url_for("department.detail", suggestion_id=suggestion.id))


# --- workbench --------------------------------------------------------------------------------

@dataclass
class WorkItem:
    suggestion: Suggestion
    role: str
    deadline: Optional[work_queues.StoredDeadline]


def _deadline(suggestion: Suggestion, now):
    """The department's own deadline: the reply, while the suggestion waits for it."""
    if suggestion.status != Status.DISPATCHED.value:
        return None
    return work_queues.stored_deadline(suggestion, now)


@bp.get("/")
@staff_only
@caching.reader_page
def workbench():
    """What was dispatched to us: waiting for our reply first, most urgent first; new arrivals on top."""
    department_id = current_user.department_id
    department = current_user.department  # for the heading; loaded first, so the rows find it loaded
    filters = work_queues.QueueFilters.from_args(request.args)
    main = caching.shared_fragment(f"workbench:{department_id}", lambda: _workbench_main(department_id, filters))
    return render_template("department/workbench.html", main=main, department=department, views=queue_views.links("department"),
                           view_form=queue_views.SavedViewForm(formdata=None, query=urlencode(filters.args())))


def _workbench_main(department_id: int, filters: work_queues.QueueFilters) -> str:
    """The workbench under the heading, the same for all the department's staff (shared, see
    caching.shared_fragment)."""
    now = utcnow()
    page = db.paginate(work_queues.department_queue(department_id, filters, now), page=page_arg(),
                       per_page=PAGE_SIZE, error_out=False)
    items = [WorkItem(s, LEAD if s.lead_department_id == department_id else CO, _deadline(s, now))
             for s in page.items]
    scope = work_queues.department_scope(department_id)
    due_soon = db.session.scalar(select(func.count()).select_from(
        scope.where(work_queues.department_owes(), work_queues.due_soon(now)).subquery()))
    arrivals, arrivals_total = work_queues.new_arrivals(
        db.session, scope.where(work_queues.department_owes()), now, arrived=Suggestion.dispatched_at)
    categories = db.session.scalars(select(Category).order_by(Category.id)).all()
    return render_template(
        "department/_workbench_main.html", items=items, page=page, filters=filters, args=filters.args(),
        overdue=work_queues.overdue_counts(db.session, now, department_id).get(department_id, 0),
        due_this_week=due_soon, statuses=handling.HANDLED_STATUSES, categories=categories,
        districts=district_choices(_("All districts")),
        counts=work_queues.counts_by_status(db.session, scope, filters, now),
        arrivals=arrivals, arrivals_total=arrivals_total,
        quality_items=quality.department_open_items(db.session, department_id), now=now)


@bp.get("/digest")
@staff_only
def digest():
    """民情日报 for our department, for `date` (today by default)."""
    return render_template("department/digest.html", args={}, **digest_views.build(current_user.department_id))


@bp.post("/digest/subscription")
@staff_only
def digest_subscription():
    """Subscribe to our department's daily digest by e-mail, or stop it."""
    return digest_views.change_subscription("department.digest")


@bp.post("/views")
@staff_only
def save_view():
    return queue_views.save("department", "department.workbench")


@bp.post("/views/<id:view_id>/delete")
@staff_only
def delete_view(view_id: int):
    return queue_views.delete(view_id, "department.workbench")


@bp.get("/suggestions/<id:suggestion_id>")
@staff_only
def detail(suggestion_id: int):
    from portal.services import deadlines

    suggestion, role = load_suggestion(suggestion_id)
    now = utcnow()
    extensions = db.session.scalars(select(ExtensionRequest).where(ExtensionRequest.suggestion_id == suggestion.id)
                                    .order_by(ExtensionRequest.id)).all()
    return render_template(
        "department/detail.html", s=suggestion, role=role, deadline=_deadline(suggestion, now),
        reply_due=deadlines.reply_due(db.session, suggestion), dispute_due=deadlines.dispute_due(db.session, suggestion),
        now=now, reply=handling.department_reply(suggestion), extensions=extensions,
        convertible=suggestion.decision in handling.CONVERTIBLE_DECISIONS,
        undo_until=handling.undo_until(suggestion, undo_minutes()) if role == LEAD else None,
        publish_form=PublishForm(), contribution_form=ContributionForm(formdata=None))


# --- the reply and templates ------------------------------------------------------------------

@bp.route("/suggestions/<id:suggestion_id>/reply", methods=["GET", "POST"])
@staff_only
def reply(suggestion_id: int):
    suggestion, _role = load_suggestion(suggestion_id, lead_only=True)
    if suggestion.status != Status.DISPATCHED.value:
        flash(error_message("already_replied"), "error")
        return to_detail(suggestion)
    templates = handling.department_templates(db.session, current_user.department_id)
    chosen = None
    if request.method == "GET" and int_arg("template"):
        chosen = handling.own_template(db.session, current_user, int_arg("template"))
    form = ReplyForm(data={"body": chosen.body} if chosen else None)
    if form.validate_on_submit() and not confirmations.confirmed():
        return confirmations.ask(
            _("Send this reply?"),
            [_("The author is told at once and can read the decision and the reply."),
             _("A reply that has been sent cannot be changed or taken back. The public sees it only after you publish it.")],
            _("Yes, send the reply"), url_for("department.reply", suggestion_id=suggestion.id),
            details=[(_("Suggestion"), suggestion.title), (_("Decision"), labels.decision(form.decision.data)),
                     (_("Reply"), form.body.data)])
    if form.validate_on_submit():
        done = attempt(lambda: handling.give_reply(
            db.session, suggestion, current_user, form.decision.data, form.body.data, form.note.data or ""),
            HandlingError)
        if not done.ok:
            flash(error_message(done.error.code), "error")
        else:
            flash(_("The reply has been sent to the author. Publish it when the public may see it."), "success")
            until = handling.undo_until(suggestion, undo_minutes())
            if until is not None:
                flash(_("You can take it back until %(time)s, as long as it is not published.",
                        time=format_time(until, "short")), "info")
            return to_detail(suggestion)
    return render_template("department/reply.html", s=suggestion, form=form, templates=templates, chosen=chosen,
                           min_length=handling.REPLY_MIN_LENGTH)


def undo_minutes() -> int:
    return int(current_app.config.get("REPLY_UNDO_MINUTES", 15))


@bp.post("/suggestions/<id:suggestion_id>/reply/undo")
@staff_only
def undo_reply(suggestion_id: int):
    """Take back the reply within the undo window; the suggestion waits for a reply again."""
    suggestion, _role = load_suggestion(suggestion_id, lead_only=True)
    done = attempt(lambda: handling.retract_reply(db.session, suggestion, current_user, undo_minutes()), HandlingError)
    if not done.ok:
        flash(error_message(done.error.code), "error")
        return to_detail(suggestion)
    flash(_("The reply has been taken back; the author has been told that a new reply will follow."), "success")
    return redirect(url_for("department.reply", suggestion_id=suggestion.id))


@bp.post("/suggestions/<id:suggestion_id>/contribution")
@staff_only
def contribution(suggestion_id: int):
    suggestion, _role = load_suggestion(suggestion_id)
    form = ContributionForm()
    if form.validate_on_submit():
        commit(lambda: handling.add_contribution(db.session, suggestion, current_user, form.note.data))
        flash(_("Your department's contribution has been added."), "success")
    else:
        flash(error_message("note_empty"), "error")
    return to_detail(suggestion)


@bp.route("/templates", methods=["GET", "POST"])
@staff_only
def templates():
    form = TemplateForm()
    if form.validate_on_submit():
        commit(lambda: handling.save_template(db.session, current_user, form.title.data, form.body.data))
        flash(_("The template has been saved."), "success")
        return redirect(url_for("department.templates"))
    items = handling.department_templates(db.session, current_user.department_id)
    return render_template("department/templates.html", items=items, form=form)


def _own_template_or_404(template_id: int) -> ReplyTemplate:
    """Templates are internal to a department: another department's is as good as unknown."""
    template = db.session.get(ReplyTemplate, template_id)
    if template is None or template.department_id != current_user.department_id:
        abort(404)
    return template


@bp.route("/templates/<id:template_id>", methods=["GET", "POST"])
@staff_only
def template_edit(template_id: int):
    template = _own_template_or_404(template_id)
    form = TemplateForm(obj=template)
    if form.validate_on_submit():
        commit(lambda: handling.save_template(db.session, current_user, form.title.data, form.body.data, template))
        flash(_("The template has been saved."), "success")
        return redirect(url_for("department.templates"))
    return render_template("department/template_edit.html", template=template, form=form)


@bp.post("/templates/<id:template_id>/delete")
@staff_only
def template_delete(template_id: int):
    template = _own_template_or_404(template_id)  # CSRFProtect has checked the token
    commit(lambda: handling.delete_template(db.session, current_user, template))
    flash(_("The template has been deleted."), "success")
    return redirect(url_for("department.templates"))


# --- extension and dispute (the office decides; services in portal.services.intake) -----------

@bp.route("/suggestions/<id:suggestion_id>/extension", methods=["GET", "POST"])
@staff_only
def extension(suggestion_id: int):
    from portal.services import deadlines

    suggestion, _role = load_suggestion(suggestion_id, lead_only=True)
    policy = deadlines.policy_for(db.session, suggestion)
    requests_ = db.session.scalars(select(ExtensionRequest).where(ExtensionRequest.suggestion_id == suggestion.id)
                                   .order_by(ExtensionRequest.id)).all()
    form = ExtensionForm(data={"days": policy.extension_max_days} if request.method == "GET" else None)
    if form.validate_on_submit():
        if form.days.data > policy.extension_max_days:
            form.days.errors.append(_("At most %(days)d extra days may be requested.", days=policy.extension_max_days))
        else:
            from portal.services import intake  # the office's service: it also decides the request

            refused = (intake.IntakeError, TransitionNotAllowed)
            try:  # the check changes nothing: a refusal needs no rollback
                intake.check_extension_request(db.session, suggestion, current_user, form.days.data, form.reason.data)
            except refused as error:
                flash(intake_message(error), "error")
            else:
                if not confirmations.confirmed():
                    return _ask_extension(suggestion, form)
                done = attempt(lambda: intake.request_extension(
                    db.session, suggestion, current_user, form.days.data, form.reason.data, now=utcnow()), *refused)
                if done.ok:
                    flash(_("The extension request has been sent to the suggestion office."), "success")
                    return to_detail(suggestion)
                flash(intake_message(done.error), "error")
    return render_template("department/extension.html", s=suggestion, form=form, requests=requests_,
                           max_days=policy.extension_max_days)


def _ask_extension(suggestion: Suggestion, form: ExtensionForm):
    from portal.services import deadlines

    extended = deadlines.reply_due(db.session, suggestion, extra_days=form.days.data)
    return confirmations.ask(
        _("Ask the office for %(days)d more days?", days=form.days.data),
        [_("The suggestion office decides; if it approves, the reply is due on %(date)s.",
           date=format_datetime(extended, "short")) if extended
         else _("The suggestion office decides whether to approve it."),
         _("Only one extension can be requested: this request cannot be changed or withdrawn once sent.")],
        _("Yes, send the request"), url_for("department.detail", suggestion_id=suggestion.id),
        details=[(_("Suggestion"), suggestion.title), (_("Extra days"), str(form.days.data)),
                 (_("Reason"), form.reason.data)])


@bp.route("/suggestions/<id:suggestion_id>/dispute", methods=["GET", "POST"])
@staff_only
def dispute(suggestion_id: int):
    from portal.services import deadlines

    suggestion, _role = load_suggestion(suggestion_id, lead_only=True)
    due = deadlines.dispute_due(db.session, suggestion)
    form = DisputeForm()
    if suggestion.status != Status.DISPATCHED.value:
        flash(_("Only a suggestion waiting for your reply can be disputed."), "error")
        return to_detail(suggestion)
    if form.validate_on_submit():
        from portal.services import intake  # the office's service: the suggestion goes back to it

        refused = (intake.IntakeError, TransitionNotAllowed)
        try:  # the check changes nothing: a refusal needs no rollback
            intake.check_dispute(db.session, suggestion, form.reason.data, now=utcnow())
        except refused as error:
            flash(intake_message(error), "error")
        else:
            if not confirmations.confirmed():
                return confirmations.ask(
                    _("Send this suggestion back to the office?"),
                    [_("Your department stops handling it: the suggestion office reads your reason and "
                       "dispatches it again, possibly to another department."),
                     _("A dispute cannot be withdrawn once sent.")],
                    _("Yes, send the dispute"), url_for("department.detail", suggestion_id=suggestion.id),
                    details=[(_("Suggestion"), suggestion.title), (_("Reason"), form.reason.data)])
            done = attempt(lambda: intake.dispute_dispatch(
                db.session, suggestion, current_user, form.reason.data, now=utcnow()), *refused)
            if done.ok:
                flash(_("The dispute has been sent; the suggestion is back with the suggestion office."), "success")
                return redirect(url_for("department.workbench"))
            flash(intake_message(done.error), "error")
    return render_template("department/dispute.html", s=suggestion, form=form, due=due,
                           too_late=due is not None and utcnow() > due)


INTAKE_ERRORS = {
    "dispute_too_late": _l("The time to dispute this dispatch has passed (5 working days). "
                           "Please reply, or contact the suggestion office."),
    "extension_exists": _l("An extension has already been requested for this suggestion; only one is allowed."),
    "extension_days": _l("The extension is longer than allowed."),
    "reason_required": _l("Give the reason."),
    "not_lead_department": ERRORS["not_lead"],
}


def intake_message(error: Exception) -> str:
    code = getattr(error, "code", None)
    return str(INTAKE_ERRORS.get(code) or ERRORS.get(code) or _l("This action is not possible now."))


from portal.blueprints.department import conversions, calls, quality_review  # noqa: E402,F401  (more views on bp)
