"""The department workbench: what was dispatched to us, the reply, templates, disputes and extensions.

Every view is for department staff; each suggestion view also checks that the suggestion was
dispatched to the viewer's own department (403 otherwise). Conversions, publishing and themed
calls live in the sibling modules imported at the bottom.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from math import ceil
from typing import Optional

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal.blueprints.department.forms import (
    ContributionForm, DisputeForm, ExtensionForm, PublishForm, ReplyForm, TemplateForm,
)
from portal import labels
from portal.extensions import db
from portal.models import Category, ExtensionRequest, ReplyTemplate, Role, Status, Suggestion
from portal.security import roles_required
from portal.services import handling
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
}


EVENT_LABELS = {
    "accept": _l("Accepted by the suggestion office"),
    "dispatch": _l("Dispatched"),
    "dispute_dispatch": _l("Dispatch disputed"),
    "reply": _l("Replied"),
    "published": _l("Answer published"),
    "converted": _l("Conversion recorded"),
    "progress": _l("Progress update"),
    "contribution": _l("Contribution of a co-handling department"),
    "request_review": _l("Review requested"),
    "answer_review": _l("Review answered"),
    "request_second_review": _l("Second review requested"),
    "answer_second_review": _l("Second review answered"),
    "close": _l("Closed"),
}
EXTENSION_STATES = {
    "pending": _l("Waiting for the office"),
    "approved": _l("Approved"),
    "refused": _l("Refused"),
}


def _event_label(event) -> str:
    known = EVENT_LABELS.get(event.action)
    if known is not None:
        return str(known)
    return labels.status(event.to_status) if event.to_status else event.action


@bp.context_processor
def department_helpers():
    return {
        "event_label": _event_label,
        "extension_state": lambda state: str(EXTENSION_STATES.get(state, state)),
        "plain_number": handling.plain_number,
    }


def error_message(code: str) -> str:
    return str(ERRORS.get(code, _l("This action is not possible now.")))


def load_suggestion(suggestion_id: int, lead_only: bool = False) -> tuple[Suggestion, str]:
    """The suggestion and our role in it; 404 if unknown, 403 if not dispatched to us."""
    suggestion = db.session.get(Suggestion, suggestion_id) or abort(404)
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
    deadline: Optional[object]  # deadlines.Deadline


def _deadline(suggestion: Suggestion, now):
    """The department's own deadline: the reply, while the suggestion waits for it."""
    from portal.services import deadlines

    if suggestion.status != Status.DISPATCHED.value:
        return None
    return deadlines.next_deadline(db.session, suggestion, now)


@bp.get("/")
@staff_only
def workbench():
    department_id = current_user.department_id
    now = utcnow()
    everything = db.session.scalars(handling.department_suggestions(department_id)).all()
    items = [WorkItem(s, LEAD if s.lead_department_id == department_id else CO, _deadline(s, now))
             for s in everything]
    week_end = now + timedelta(days=7)
    overdue = sum(1 for i in items if i.deadline and i.deadline.overdue)
    due_this_week = sum(1 for i in items if i.deadline and not i.deadline.overdue and i.deadline.due <= week_end)

    status = request.args.get("status") or ""
    category_id = request.args.get("category", type=int) or 0
    role = request.args.get("role") or ""
    shown = [i for i in items
             if (not status or i.suggestion.status == status)
             and (not category_id or i.suggestion.category_id == category_id)
             and (role not in (LEAD, CO) or i.role == role)]
    # Waiting for our reply first, soonest due first; answered ones after, latest first.
    far = now + timedelta(days=36500)
    shown.sort(key=lambda i: (i.deadline is None, i.deadline.due if i.deadline else far,
                              -(i.suggestion.replied_at or i.suggestion.submitted_at).timestamp()))
    page = max(request.args.get("page", type=int) or 1, 1)
    pages = max(ceil(len(shown) / PAGE_SIZE), 1)
    categories = db.session.scalars(select(Category).order_by(Category.id)).all()
    return render_template(
        "department/workbench.html", items=shown[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], page=page,
        pages=pages, total=len(shown), overdue=overdue, due_this_week=due_this_week,
        statuses=[s.value for s in handling.HANDLED_STATUSES], categories=categories,
        filters={"status": status, "category": category_id or "", "role": role})


@bp.get("/suggestions/<int:suggestion_id>")
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
        publish_form=PublishForm(), contribution_form=ContributionForm(formdata=None))


# --- the reply and templates ------------------------------------------------------------------

@bp.route("/suggestions/<int:suggestion_id>/reply", methods=["GET", "POST"])
@staff_only
def reply(suggestion_id: int):
    suggestion, _role = load_suggestion(suggestion_id, lead_only=True)
    if suggestion.status != Status.DISPATCHED.value:
        flash(error_message("already_replied"), "error")
        return to_detail(suggestion)
    templates = handling.department_templates(db.session, current_user.department_id)
    chosen = None
    if request.method == "GET" and request.args.get("template", type=int):
        chosen = handling.own_template(db.session, current_user, request.args.get("template", type=int))
    form = ReplyForm(data={"body": chosen.body} if chosen else None)
    if form.validate_on_submit():
        try:
            handling.give_reply(db.session, suggestion, current_user, form.decision.data, form.body.data)
        except HandlingError as error:
            db.session.rollback()
            flash(error_message(error.code), "error")
        else:
            db.session.commit()
            flash(_("The reply has been sent to the author. Publish it when the public may see it."), "success")
            return to_detail(suggestion)
    return render_template("department/reply.html", s=suggestion, form=form, templates=templates, chosen=chosen,
                           min_length=handling.REPLY_MIN_LENGTH)


@bp.post("/suggestions/<int:suggestion_id>/contribution")
@staff_only
def contribution(suggestion_id: int):
    suggestion, _role = load_suggestion(suggestion_id)
    form = ContributionForm()
    if form.validate_on_submit():
        handling.add_contribution(db.session, suggestion, current_user, form.note.data)
        db.session.commit()
        flash(_("Your department's contribution has been added."), "success")
    else:
        flash(error_message("note_empty"), "error")
    return to_detail(suggestion)


@bp.route("/templates", methods=["GET", "POST"])
@staff_only
def templates():
    form = TemplateForm()
    if form.validate_on_submit():
        handling.save_template(db.session, current_user, form.title.data, form.body.data)
        db.session.commit()
        flash(_("The template has been saved."), "success")
        return redirect(url_for("department.templates"))
    items = handling.department_templates(db.session, current_user.department_id)
    return render_template("department/templates.html", items=items, form=form)


def _own_template_or_403(template_id: int) -> ReplyTemplate:
    template = db.session.get(ReplyTemplate, template_id) or abort(404)
    if template.department_id != current_user.department_id:
        abort(403)
    return template


@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@staff_only
def template_edit(template_id: int):
    template = _own_template_or_403(template_id)
    form = TemplateForm(obj=template)
    if form.validate_on_submit():
        handling.save_template(db.session, current_user, form.title.data, form.body.data, template)
        db.session.commit()
        flash(_("The template has been saved."), "success")
        return redirect(url_for("department.templates"))
    return render_template("department/template_edit.html", template=template, form=form)


@bp.post("/templates/<int:template_id>/delete")
@staff_only
def template_delete(template_id: int):
    template = _own_template_or_403(template_id)  # CSRFProtect has checked the token
    handling.delete_template(db.session, current_user, template)
    db.session.commit()
    flash(_("The template has been deleted."), "success")
    return redirect(url_for("department.templates"))


# --- extension and dispute (the office decides; services in portal.services.intake) -----------

@bp.route("/suggestions/<int:suggestion_id>/extension", methods=["GET", "POST"])
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

            try:
                intake.request_extension(db.session, suggestion, current_user, form.days.data, form.reason.data,
                                         now=utcnow())
            except (intake.IntakeError, TransitionNotAllowed) as error:
                db.session.rollback()
                flash(intake_message(error), "error")
            else:
                db.session.commit()
                flash(_("The extension request has been sent to the suggestion office."), "success")
                return to_detail(suggestion)
    return render_template("department/extension.html", s=suggestion, form=form, requests=requests_,
                           max_days=policy.extension_max_days)


@bp.route("/suggestions/<int:suggestion_id>/dispute", methods=["GET", "POST"])
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

        try:
            intake.dispute_dispatch(db.session, suggestion, current_user, form.reason.data, now=utcnow())
        except (intake.IntakeError, TransitionNotAllowed) as error:
            db.session.rollback()
            flash(intake_message(error), "error")
        else:
            db.session.commit()
            flash(_("The dispute has been sent; the suggestion is back with the suggestion office."), "success")
            return redirect(url_for("department.workbench"))
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


from portal.blueprints.department import conversions, calls  # noqa: E402,F401  (more views on bp)
