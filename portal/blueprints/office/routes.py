"""The suggestion office: intake queue, a working page per suggestion, and intake decisions.

Dispatch, extensions, reviews and the decline-reasons editor are in `followup.py` (same blueprint).
Each POST commits once; a refused move is a flashed message and a redirect, never an error page.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.blueprints.office import forms
from portal.blueprints.office.messages import (
    category_choices, decline_reason_choices, district_choices, intake_error_message, policy_choices,
    transition_message,
)
from portal.extensions import db
from portal.models import Channel, DeclineReason, ExtensionRequest, Role, Suggestion
from portal.security import roles_required
from portal.services import deadlines, intake, intake_merge, intake_queue, workflow
from portal.services.intake import IntakeError
from portal.services.workflow import TransitionNotAllowed
from portal.timeutil import utcnow

bp = Blueprint("office", __name__, url_prefix="/office")
office_only = roles_required(Role.OFFICE_STAFF)
OFFICE_ACTIONS = {"accept", "decline", "request_info", "mark_duplicate", "split", "dispatch", "answer_review",
                  "answer_second_review"}


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/")
@office_only
def queue():
    filters = intake_queue.QueueFilters(
        status=request.args.get("status") or None, category_id=_int_arg("category"),
        district_id=_int_arg("district"), channel=request.args.get("channel") or None,
        overdue_only=request.args.get("overdue") == "1", text=request.args.get("q", "")[:200])
    page = intake_queue.intake_queue(db.session, filters, utcnow(), page=_int_arg("page") or 1)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("office/queue.html", page=page, filters=filters, args=args,
                           statuses=intake_queue.QUEUE_STATUSES, channels=list(Channel),
                           categories=category_choices(_("All categories")),
                           districts=district_choices(_("All districts")),
                           waiting=intake_queue.waiting_counts(db.session))


def _suggestion(suggestion_id: int) -> Suggestion:
    return db.session.get(Suggestion, suggestion_id) or abort(404)


def _detail_forms(suggestion: Suggestion, **bound) -> dict:
    """Every action form of the detail page; a bound one (after an error) keeps what was typed."""
    built = {
        "accept_form": bound.get("accept_form") or forms.AcceptForm(formdata=None),
        "decline_form": bound.get("decline_form") or forms.DeclineForm(formdata=None),
        "info_form": bound.get("info_form") or forms.RequestInfoForm(formdata=None),
        "duplicate_form": bound.get("duplicate_form") or forms.DuplicateForm(formdata=None),
    }
    built["decline_form"].reason_id.choices = decline_reason_choices()
    return built


def render_detail(suggestion: Suggestion, **bound):
    now = utcnow()
    allowed = set(workflow.allowed_actions(current_user, suggestion)) & OFFICE_ACTIONS
    extensions = db.session.scalars(select(ExtensionRequest).where(ExtensionRequest.suggestion_id == suggestion.id)
                                    .order_by(ExtensionRequest.id)).all()
    return render_template(
        "office/detail.html", s=suggestion, allowed=allowed,
        deadline=deadlines.next_deadline(db.session, suggestion, now),
        dispute=intake.latest_dispute(suggestion), children=intake_merge.split_children(db.session, suggestion),
        extensions=extensions, **_detail_forms(suggestion, **bound))


@bp.get("/suggestions/<int:suggestion_id>")
@office_only
def detail(suggestion_id: int):
    return render_detail(_suggestion(suggestion_id))


def _refused(suggestion: Suggestion, error: Exception):
    db.session.rollback()
    message = transition_message(error) if isinstance(error, TransitionNotAllowed) else intake_error_message(error)
    flash(message, "error")
    return redirect(url_for("office.detail", suggestion_id=suggestion.id))


def _done(suggestion: Suggestion, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("office.detail", suggestion_id=suggestion.id))


@bp.post("/suggestions/<int:suggestion_id>/accept")
@office_only
def accept(suggestion_id: int):
    suggestion = _suggestion(suggestion_id)
    form = forms.AcceptForm()
    if not form.validate_on_submit():
        return render_detail(suggestion, accept_form=form)
    try:
        intake.accept(db.session, suggestion, current_user, form.note.data or "")
    except (TransitionNotAllowed, IntakeError) as error:
        return _refused(suggestion, error)
    return _done(suggestion, _("Accepted. The author has been told, and the suggestion is now public."))


@bp.post("/suggestions/<int:suggestion_id>/decline")
@office_only
def decline(suggestion_id: int):
    suggestion = _suggestion(suggestion_id)
    form = forms.DeclineForm()
    form.reason_id.choices = decline_reason_choices()
    if not form.validate_on_submit():
        return render_detail(suggestion, decline_form=form)
    try:
        intake.decline(db.session, suggestion, current_user, db.session.get(DeclineReason, form.reason_id.data),
                       form.message.data)
    except (TransitionNotAllowed, IntakeError) as error:
        return _refused(suggestion, error)
    return _done(suggestion, _("Declined. The author has been told the reason."))


@bp.post("/suggestions/<int:suggestion_id>/request-info")
@office_only
def request_info(suggestion_id: int):
    suggestion = _suggestion(suggestion_id)
    form = forms.RequestInfoForm()
    if not form.validate_on_submit():
        return render_detail(suggestion, info_form=form)
    try:
        intake.request_info(db.session, suggestion, current_user, form.question.data)
    except (TransitionNotAllowed, IntakeError) as error:
        return _refused(suggestion, error)
    return _done(suggestion, _("The question has been sent to the author."))


@bp.post("/suggestions/<int:suggestion_id>/duplicate")
@office_only
def mark_duplicate(suggestion_id: int):
    suggestion = _suggestion(suggestion_id)
    form = forms.DuplicateForm()
    if not form.validate_on_submit():
        return render_detail(suggestion, duplicate_form=form)
    target = intake_merge.find_suggestion(db.session, form.target.data)
    try:
        intake_merge.mark_duplicate(db.session, suggestion, target, current_user, form.note.data or "")
    except IntakeError as error:
        # The typed number stays in the form, beside the message.
        db.session.rollback()
        form.target.errors.append(intake_error_message(error))
        return render_detail(suggestion, duplicate_form=form)
    except TransitionNotAllowed as error:
        return _refused(suggestion, error)
    return _done(suggestion, _("Marked as a duplicate of %(number)s; its supports and followers moved there.",
                               number=target.tracking_number))


def _split_form(original: Suggestion) -> forms.SplitForm:
    form = forms.SplitForm()
    if request.method == "GET" and not form.recovered:
        prefill = {"title": original.title, "problem": original.problem, "measures": original.measures,
                   "category_id": original.category_id or 0}
        while form.parts.entries:
            form.parts.pop_entry()
        for _n in range(2):
            form.parts.append_entry(prefill)
    for part in form.parts:
        part.form.category_id.choices = category_choices(_("— none —"))
    return form


@bp.route("/suggestions/<int:suggestion_id>/split", methods=["GET", "POST"])
@office_only
def split(suggestion_id: int):
    original = _suggestion(suggestion_id)
    if not workflow.can(current_user, original, "split"):
        flash(transition_message(TransitionNotAllowed("split", original.status, "")), "error")
        return redirect(url_for("office.detail", suggestion_id=original.id))
    form = _split_form(original)
    if form.add_part.data and len(form.parts) < intake_merge.MAX_SPLIT_PARTS:
        form.parts.append_entry({"title": original.title, "problem": original.problem,
                                 "measures": original.measures, "category_id": original.category_id or 0})
        form.parts[-1].form.category_id.choices = category_choices(_("— none —"))
        return render_template("office/split.html", s=original, form=form)
    if form.validate_on_submit():
        parts = [intake_merge.SplitPart(p.form.title.data or "", p.form.problem.data or "",
                                        p.form.measures.data or "", p.form.category_id.data or None)
                 for p in form.parts]
        try:
            children = intake_merge.split(db.session, original, current_user, parts)
        except IntakeError as error:
            db.session.rollback()
            flash(intake_error_message(error), "error")
            return render_template("office/split.html", s=original, form=form)
        except TransitionNotAllowed as error:
            return _refused(original, error)
        return _done(original, _("Registered as %(count)s separate suggestions: %(numbers)s.",
                                 count=len(children), numbers=", ".join(c.tracking_number for c in children)))
    return render_template("office/split.html", s=original, form=form)


def _on_behalf_form() -> forms.OnBehalfForm:
    form = forms.OnBehalfForm()
    form.category_id.choices = category_choices(_("— none —"))
    form.district_id.choices = district_choices(_("— none —"))
    form.policy_id.choices = policy_choices(_("Statutory time limits"))
    return form


@bp.route("/register", methods=["GET", "POST"])
@office_only
def register():
    """信访代理: enter a suggestion a resident brought in person, by phone, by letter or at a collection point."""
    form = _on_behalf_form()
    if form.validate_on_submit():
        entry = intake.OnBehalfEntry(
            channel=form.channel.data, contact_name=form.contact_name.data, contact_phone=form.contact_phone.data or "",
            title=form.title.data, problem=form.problem.data, measures=form.measures.data or "",
            category_id=form.category_id.data or None, district_id=form.district_id.data or None,
            show_anonymous=form.display.data == "anonymous", policy_id=form.policy_id.data or None,
            link_account=form.link_account.data)
        try:
            suggestion = intake.register_on_behalf(db.session, current_user, entry)
        except IntakeError as error:
            db.session.rollback()
            flash(intake_error_message(error), "error")
        else:
            db.session.commit()
            if form.link_account.data and suggestion.author_id is None:
                flash(_("No resident account has this phone number; the suggestion was registered without one."),
                      "warning")
            return redirect(url_for("office.receipt", suggestion_id=suggestion.id))
    return render_template("office/register.html", form=form)


@bp.get("/suggestions/<int:suggestion_id>/receipt")
@office_only
def receipt(suggestion_id: int):
    """The tracking number to hand to (or read out to) the resident."""
    return render_template("office/receipt.html", s=_suggestion(suggestion_id))


from portal.blueprints.office import followup  # noqa: E402,F401  (registers the remaining views on bp)
