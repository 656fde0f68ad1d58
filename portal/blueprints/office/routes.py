"""The suggestion office: intake queue, a working page per suggestion, and intake decisions.

Dispatch, extensions, reviews and the decline-reasons editor are in `followup.py` (same blueprint).
Each POST commits once; a refused move is a flashed message and a redirect, never an error page.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal import caching, confirmations, digest_views, queue_views
from portal.i18n import localized_name
from portal.blueprints.office import forms
from portal.blueprints.office.messages import (
    bulk_problem, category_choices, department_choices, decline_reason_choices, district_choices, intake_error_message, policy_choices,
    transition_message,
)
from portal.attempt import attempt, commit
from portal.extensions import db
from portal.inputs import int_arg, page_arg
from portal.models import Channel, DeclineReason, ExtensionRequest, Role, Suggestion
from portal.security import roles_required
from portal.services import bulk_intake, deadlines, intake, intake_merge, intake_queue, work_queues, workflow
from portal.services.intake import IntakeError
from portal.services.workflow import TransitionNotAllowed
from portal.timeutil import utcnow

bp = Blueprint("office", __name__, url_prefix="/office")
office_only = roles_required(Role.OFFICE_STAFF)
OFFICE_ACTIONS = {"accept", "decline", "request_info", "mark_duplicate", "split", "dispatch", "answer_review",
                  "answer_second_review"}


PAGE_SIZE = 25


@dataclass
class QueueRow:
    suggestion: Suggestion
    deadline: Optional[work_queues.StoredDeadline]
    dispute: Optional[object] = None  # the Dispatch a department sent back


@bp.get("/")
@office_only
@caching.reader_page
def queue():
    """What needs the office, most urgent first; new arrivals since yesterday on top."""
    filters = work_queues.QueueFilters.from_args(request.args)
    main = caching.shared_fragment("office-queue", lambda: _queue_main(filters))
    return render_template("office/queue.html", main=main, views=queue_views.links("office"),
                           view_form=queue_views.SavedViewForm(formdata=None, query=urlencode(filters.args())))


def _queue_main(filters: work_queues.QueueFilters) -> str:
    """The queue under the heading, the same for every clerk (shared, see caching.shared_fragment)."""
    now = utcnow()
    page = db.paginate(work_queues.office_queue(filters, now), page=page_arg(),
                       per_page=PAGE_SIZE, error_out=False)
    rows = [QueueRow(s, work_queues.stored_deadline(s, now), intake.latest_dispute(s)) for s in page.items]
    arrivals, arrivals_total = work_queues.new_arrivals(db.session, work_queues.office_scope(), now)
    return render_template("office/_queue_main.html", page=page, rows=rows, filters=filters, args=filters.args(),
                           statuses=work_queues.OFFICE_QUEUE_STATUSES, channels=list(Channel),
                           counts=work_queues.counts_by_status(db.session, work_queues.office_scope(), filters, now),
                           arrivals=arrivals, arrivals_total=arrivals_total,
                           categories=category_choices(_("All categories")),
                           districts=district_choices(_("All districts")),
                           waiting=intake_queue.waiting_counts(db.session), bulk_form=forms.BulkForm(formdata=None))


@bp.post("/views")
@office_only
def save_view():
    return queue_views.save("office", "office.queue")


@bp.post("/views/<id:view_id>/delete")
@office_only
def delete_view(view_id: int):
    return queue_views.delete(view_id, "office.queue")


@bp.get("/digest")
@office_only
def digest():
    """民情日报 for the whole city, or for one department (`department`), for `date` (today by default)."""
    departments = department_choices()
    department_id = int_arg("department")
    if department_id not in {d_id for d_id, _name in departments}:
        department_id = None
    return render_template("office/digest.html", departments=departments, department_id=department_id,
                           args={"department": department_id} if department_id else {},
                           **digest_views.build(department_id))


@bp.post("/digest/subscription")
@office_only
def digest_subscription():
    """Subscribe to the city's daily digest by e-mail, or stop it."""
    return digest_views.change_subscription("office.digest")


@bp.post("/bulk")
@office_only
def bulk():
    """Bulk accept or dispatch: the first POST shows what will happen; the confirmed one does it."""
    form = forms.BulkForm()
    if not form.validate_on_submit():
        flash(str(form.action.errors[0]) if form.action.errors
              else _("Select between 1 and %(most)s suggestions from the list.", most=bulk_intake.MAX_ITEMS), "error")
        return redirect(url_for("office.queue"))
    suggestions = bulk_intake.load(db.session, form.ids.data)
    if form.confirmed.data != "yes":
        plan = bulk_intake.plan(current_user, form.action.data, suggestions)
        return render_template("office/bulk_confirm.html", form=form, plan=plan, action=form.action.data,
                               ready=sum(1 for item in plan if item.ok), bulk_problem=bulk_problem)
    results = commit(lambda: bulk_intake.apply(db.session, current_user, form.action.data, suggestions))
    done = [item for item in results if item.ok]
    if done:
        message = (_("Accepted %(count)s suggestions.", count=len(done)) if form.action.data == "accept"
                   else _("Dispatched %(count)s suggestions.", count=len(done)))
        flash(message, "success")
    for item in results:
        if not item.ok:
            flash(_("%(number)s was not changed: %(reason)s", number=item.suggestion.tracking_number,
                    reason=bulk_problem(item.problem)), "error")
    return redirect(url_for("office.queue"))


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


@bp.get("/suggestions/<id:suggestion_id>")
@office_only
def detail(suggestion_id: int):
    return render_detail(_suggestion(suggestion_id))


def office_action(suggestion: Suggestion, call: Callable[[], Any], success: str | Callable[[Any], str], *,
                  in_form: Optional[Callable[[IntakeError], Any]] = None):
    """Run an office action through `attempt` and go back to the suggestion's page with what came of it.

    `success`: the message, or a function of what the call returned. `in_form`: shows a refusal about
    the typed input beside the form instead (a refusal of the step itself always goes back to the page).
    """
    done = attempt(call, TransitionNotAllowed, IntakeError)
    if done.ok:
        flash(success(done.value) if callable(success) else success, "success")
    elif in_form is not None and isinstance(done.error, IntakeError):
        return in_form(done.error)
    elif isinstance(done.error, TransitionNotAllowed):
        flash(transition_message(done.error), "error")
    else:
        flash(intake_error_message(done.error), "error")
    return redirect(url_for("office.detail", suggestion_id=suggestion.id))


@bp.post("/suggestions/<id:suggestion_id>/accept")
@office_only
def accept(suggestion_id: int):
    suggestion = _suggestion(suggestion_id)
    form = forms.AcceptForm()
    if not form.validate_on_submit():
        return render_detail(suggestion, accept_form=form)
    if workflow.can(current_user, suggestion, "accept") and not confirmations.confirmed():
        details = [(_("Suggestion"), suggestion.title)]
        if (form.public_note.data or "").strip():
            details.append((_("Note on the public timeline"), form.public_note.data))
        return confirmations.ask(
            _("Accept this suggestion?"),
            [_("It becomes public on the portal, with personal data masked, and the author is told it was accepted."),
             _("The time limit for the reply starts now; next, the suggestion is dispatched to a department."),
             _("Acceptance cannot be taken back: the suggestion can no longer be declined or split.")],
            _("Yes, accept it"), url_for("office.detail", suggestion_id=suggestion.id), details=details)
    return office_action(suggestion, lambda: intake.accept(db.session, suggestion, current_user, form.note.data or "",
                                                           form.public_note.data or ""),
                         _("Accepted. The author has been told, and the suggestion is now public."))


@bp.post("/suggestions/<id:suggestion_id>/decline")
@office_only
def decline(suggestion_id: int):
    suggestion = _suggestion(suggestion_id)
    form = forms.DeclineForm()
    form.reason_id.choices = decline_reason_choices()
    if not form.validate_on_submit():
        return render_detail(suggestion, decline_form=form)
    reason = db.session.get(DeclineReason, form.reason_id.data)
    if workflow.can(current_user, suggestion, "decline") and not confirmations.confirmed():
        return confirmations.ask(
            _("Decline this suggestion?"),
            [_("The suggestion will not be handled and never be published; the author is told the reason and your message."),
             _("A declined suggestion cannot be accepted later: the author would have to submit it again.")],
            _("Yes, decline it"), url_for("office.detail", suggestion_id=suggestion.id),
            details=[(_("Suggestion"), suggestion.title), (_("Reason"), localized_name(reason) if reason else ""),
                     (_("Message to the author"), form.message.data)])
    return office_action(suggestion, lambda: intake.decline(db.session, suggestion, current_user, reason,
                                                            form.message.data, form.note.data or ""),
                         _("Declined. The author has been told the reason."))


@bp.post("/suggestions/<id:suggestion_id>/request-info")
@office_only
def request_info(suggestion_id: int):
    suggestion = _suggestion(suggestion_id)
    form = forms.RequestInfoForm()
    if not form.validate_on_submit():
        return render_detail(suggestion, info_form=form)
    return office_action(suggestion, lambda: intake.request_info(db.session, suggestion, current_user,
                                                                 form.question.data, form.note.data or ""),
                         _("The question has been sent to the author."))


@bp.post("/suggestions/<id:suggestion_id>/duplicate")
@office_only
def mark_duplicate(suggestion_id: int):
    suggestion = _suggestion(suggestion_id)
    form = forms.DuplicateForm()
    if not form.validate_on_submit():
        return render_detail(suggestion, duplicate_form=form)
    target = intake_merge.find_suggestion(db.session, form.target.data)
    if (target is not None and target.id != suggestion.id and workflow.can(current_user, suggestion, "mark_duplicate")
            and not confirmations.confirmed()):
        return confirmations.ask(
            _("Mark this suggestion as a duplicate?"),
            [_("Its supports and followers move to %(number)s, and it is closed as a duplicate.",
               number=target.tracking_number),
             _("This cannot be undone: the supports cannot be moved back.")],
            _("Yes, mark it as a duplicate"), url_for("office.detail", suggestion_id=suggestion.id),
            details=[(_("Suggestion"), suggestion.title), (_("Duplicate of"), target.title)])

    def beside_the_number(error: IntakeError):  # the typed number stays in the form, beside the message
        form.target.errors.append(intake_error_message(error))
        return render_detail(suggestion, duplicate_form=form)

    return office_action(
        suggestion, lambda: intake_merge.mark_duplicate(db.session, suggestion, target, current_user,
                                                        form.note.data or ""),
        # A function, not a string: `target` is None when the number was not found (then refused).
        lambda _merged: _("Marked as a duplicate of %(number)s; its supports and followers moved there.",
                          number=target.tracking_number), in_form=beside_the_number)


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


@bp.route("/suggestions/<id:suggestion_id>/split", methods=["GET", "POST"])
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

        def in_form(error: IntakeError):
            flash(intake_error_message(error), "error")
            return render_template("office/split.html", s=original, form=form)

        try:  # checking the parts changes nothing: a refusal needs no rollback
            kept = intake_merge.split_parts(parts)
        except IntakeError as error:
            return in_form(error)
        if not confirmations.confirmed():
            return confirmations.ask(
                _("Split this submission into %(count)s suggestions?", count=len(kept)),
                [_("Each part is registered as a new suggestion with its own tracking number and waits to be "
                   "accepted like any other; the author sees the new numbers on the original's page."),
                 _("The original is closed as split and lists the new suggestions. This cannot be undone.")],
                _("Yes, split it"), url_for("office.detail", suggestion_id=original.id),
                details=[(_("Part %(n)s", n=n), part.title) for n, part in enumerate(kept, 1)])
        return office_action(
            original, lambda: intake_merge.split(db.session, original, current_user, parts),
            lambda children: _("Registered as %(count)s separate suggestions: %(numbers)s.", count=len(children),
                               numbers=", ".join(c.tracking_number for c in children)), in_form=in_form)
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
        done = attempt(lambda: intake.register_on_behalf(db.session, current_user, entry), IntakeError)
        if not done.ok:
            flash(intake_error_message(done.error), "error")
        else:
            if form.link_account.data and done.value.author_id is None:
                flash(_("No resident account has this phone number; the suggestion was registered without one."),
                      "warning")
            return redirect(url_for("office.receipt", suggestion_id=done.value.id))
    return render_template("office/register.html", form=form)


@bp.get("/suggestions/<id:suggestion_id>/receipt")
@office_only
def receipt(suggestion_id: int):
    """The tracking number to hand to (or read out to) the resident."""
    return render_template("office/receipt.html", s=_suggestion(suggestion_id))


from portal.blueprints.office import followup, quality  # noqa: E402,F401  (register the remaining views on bp)
