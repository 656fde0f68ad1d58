"""Public hearings: schedule, hearing pages, audit pages, iCalendar feeds, observer registration.

Pages that show a selection show it as of now (`hearing_selection.record_as_of`, `panel_as_of`): a
panel that became final by a passed deadline is shown at once, computed from the record, and
stored by `flask hearings sync` or the next action on the hearing; a GET never writes.
"""
from __future__ import annotations

import json
from datetime import date, datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

import panel_selection as ps
from portal.blueprints.hearings.forms import ObserverCancelForm, ObserverForm
from portal.blueprints.hearings.messages import message
from portal.blueprints.hearings.selection import selection_page
from portal import labels
from portal import caching
from portal.attempt import attempt
from portal.extensions import db
from portal.inputs import date_arg, int_arg, page_arg
from portal.models import Department, Hearing, HearingStatus, Role
from portal.security import public, roles_required
from portal.services import hearing_calendar, hearing_selection, hearings
from portal.services.hearings import HearingError, ScheduleFilter
from portal.services.public_views import public_hearing
from portal.services.suggestions import can_view
from portal.timeutil import utcnow

bp = Blueprint("hearings", __name__, url_prefix="/hearings")
PER_PAGE = 20


DEADLINE_LABELS = {
    "authority_commit_by": _l("Commitment of the hearing authority"),
    "resident_commit_by": _l("Commitment of the author"),
    "authority_reveal_by": _l("Reveal of the hearing authority"),
    "resident_reveal_by": _l("Reveal of the author"),
    "authority_strikes_by": _l("Strikes of the hearing authority"),
    "resident_strikes_by": _l("Strikes of the author"),
}


@bp.app_template_global()
def deadline_label(name: str) -> str:
    return str(DEADLINE_LABELS.get(name, name))


@bp.app_template_filter("fromiso")
def from_iso(text: str) -> datetime:
    """Timestamps in the selection record are ISO 8601 text; templates format them like any other time."""
    return datetime.fromisoformat(text)


@bp.app_template_global()
def hearings_for(suggestion) -> list[Hearing]:
    """For suggestion pages of other blueprints (the office's review answer): the hearings on it."""
    return hearings.hearings_for_suggestion(db.session, suggestion)


def _hearing_or_404(hearing_id: int) -> Hearing:
    return db.session.get(Hearing, hearing_id) or abort(404)


@bp.get("/")
@public
@caching.public_page
def schedule():
    filters = ScheduleFilter(date_from=date_arg("from"), date_to=date_arg("to"),
                             department_id=int_arg("department"),
                             status=request.args.get("status") if request.args.get("status") in
                             {s.value for s in HearingStatus} else None)
    now = utcnow()
    upcoming = [public_hearing(h, full=False)
                for h in db.session.scalars(hearings.schedule_query(filters, now, upcoming=True))]
    past = db.paginate(hearings.schedule_query(filters, now, upcoming=False), page=page_arg(), per_page=PER_PAGE,
                       error_out=False)
    past_items = [public_hearing(h, full=False) for h in past.items]
    departments = db.session.scalars(select(Department).where(Department.is_office.is_(False))
                                     .order_by(Department.id)).all()
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("hearings/schedule.html", upcoming=upcoming, past_items=past_items,
                           past_page=past.page, past_pages=past.pages, filters=filters,
                           departments=departments, args=args, statuses=HearingStatus)


@bp.get("/<id:hearing_id>")
@public
def hearing(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    now = utcnow()
    registration = None
    if current_user.is_authenticated:
        registration = hearings.registration_of(db.session, hearing, current_user)
    return render_template(
        "hearings/hearing.html", hearing=public_hearing(hearing, now=now), now=now,
        details=hearings.can_see_details(current_user, hearing), is_party=hearings.is_party(current_user, hearing),
        phase=hearing_selection.current_phase(hearing, now),
        registration=registration, registration_open=hearings.registration_open(hearing, now),
        confirmed=hearings.confirmed_count(db.session, hearing),
        waiting=len(hearings.waiting_list(db.session, hearing)),
        observer_form=ObserverForm(), cancel_form=ObserverCancelForm())


@bp.get("/<id:hearing_id>/audit")
@public
def audit(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    if not hearings.can_see_details(current_user, hearing):
        abort(404)
    now = utcnow()
    record = hearing_selection.record_as_of(hearing, now)
    steps = ps.steps(record, now) if record else []
    report = ps.verify(record) if record and record.outcome else None
    names = {m.id: f"{m.name} · {labels.member_kind(m.kind)}" for m in record.pool} if record else {}
    return render_template("hearings/audit.html", hearing=public_hearing(hearing, full=False), record=record, steps=steps, report=report,
                           names=names,
                           now=now, phase=ps.phase(record, now) if record else None)


@bp.get("/<id:hearing_id>/selection.json")
@public
def record_json(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    if not hearings.can_see_details(current_user, hearing) or not hearing.selection_json:
        abort(404)
    record = hearing_selection.record_as_of(hearing, utcnow())
    body = json.dumps(record.to_dict(), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="hearing-{hearing.id}-selection.json"'})


@bp.get("/calendar.ics")
@public
@caching.public_page
def calendar_feed():
    items = [public_hearing(h, full=False) for h in db.session.scalars(
        select(Hearing).where(Hearing.is_public.is_(True)).order_by(Hearing.starts_at, Hearing.id))]
    body = hearing_calendar.calendar(items, _absolute_url, utcnow(), _("Public hearings"))
    return Response(body, mimetype="text/calendar")


@bp.get("/<id:hearing_id>/hearing.ics")
@public
def hearing_ics(hearing_id: int):
    hearing = public_hearing(_hearing_or_404(hearing_id), full=False)
    body = hearing_calendar.calendar([hearing], _absolute_url, utcnow(), hearing.subject)
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="hearing-{hearing.id}.ics"'})


def _absolute_url(hearing) -> str:
    return url_for("hearings.hearing", hearing_id=hearing.id, _external=True)


@bp.post("/<id:hearing_id>/observers")
@roles_required(Role.RESIDENT)
def register(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    form = ObserverForm()
    if form.validate_on_submit():
        done = attempt(lambda: hearings.register_observer(db.session, hearing, current_user, utcnow()), HearingError)
        if not done.ok:
            flash(message(done.error), "error")
        else:
            if done.value.state == "confirmed":
                flash(_("Your observer seat is confirmed. Please bring your ID to the venue."), "success")
            else:
                flash(_("All seats are taken: you are on the waiting list. If a seat is freed, it goes to the "
                        "first person waiting and we tell you."), "success")
    return redirect(url_for("hearings.hearing", hearing_id=hearing.id) + "#observers")


@bp.post("/<id:hearing_id>/observers/cancel")
@roles_required(Role.RESIDENT)
def cancel_registration(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    form = ObserverCancelForm()
    if form.validate_on_submit():
        done = attempt(lambda: hearings.cancel_observer(db.session, hearing, current_user, utcnow()), HearingError)
        if not done.ok:
            flash(message(done.error), "error")
        else:
            flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("hearings.hearing", hearing_id=hearing.id) + "#observers")


@bp.route("/<id:hearing_id>/selection", methods=["GET", "POST"])
@roles_required(Role.RESIDENT)
def selection(hearing_id: int):
    """The author's side of the joint selection of hearing members."""
    hearing = _hearing_or_404(hearing_id)
    if not hearings.is_party(current_user, hearing):
        abort(403)
    return selection_page(hearing, ps.RESIDENT, url_for("hearings.hearing", hearing_id=hearing.id))


@bp.get("/for-suggestion/<id:suggestion_id>")
@roles_required(Role.OFFICE_STAFF, Role.HEARING_AUTHORITY)
def for_suggestion(suggestion_id: int):
    """For the office answering a review: every hearing on the suggestion, with its conclusion."""
    from portal.models import Suggestion

    suggestion = db.session.get(Suggestion, suggestion_id) or abort(404)
    held = hearings.hearings_for_suggestion(db.session, suggestion)
    # The hearing authority knows a suggestion through its hearings; a private one without any
    # stays unknown to it (its title is the author's words).
    if not held and not can_view(db.session, suggestion, current_user):
        abort(404)
    return render_template("hearings/for_suggestion.html", suggestion=suggestion, hearings=held)
