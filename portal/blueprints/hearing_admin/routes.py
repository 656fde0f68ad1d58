"""The hearing authority: member pool, scheduling, the authority's side of the selection, observers, outcome."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

import panel_selection as ps
from portal.services.privacy import mask_personal_data
from portal.blueprints.hearing_admin.forms import (
    CancelForm, FreezeForm, HearingForm, MemberForm, PostponeForm, WithdrawalForm,
)
from portal.blueprints.hearings.forms import ConclusionForm
from portal.blueprints.hearings.messages import message
from portal.blueprints.hearings.selection import selection_page
from portal.attempt import attempt
from portal.extensions import db
from portal.i18n import localized_name
from portal.models import Department, Hearing, HearingMember, Role, Suggestion
from portal.security import roles_required
from portal.services import hearing_selection, hearings
from portal.services.hearings import HearingError, HearingInput, MemberInput
from portal.timeutil import LOCAL_TZ, utcnow

bp = Blueprint("hearing_admin", __name__, url_prefix="/hearing-admin")
authority_only = roles_required(Role.HEARING_AUTHORITY)


INELIGIBILITY = {
    "inactive": _l("not active"),
    "term_not_started": _l("term not started on the hearing date"),
    "term_ended": _l("term ended before the hearing date"),
    "affiliated_with_involved_department": _l("affiliated with a department involved"),
    "declared_conflict": _l("declared conflict"),
    "on_another_hearing": _l("on another hearing that day"),
}


@bp.app_template_global()
def ineligibility_label(code: str) -> str:
    return str(INELIGIBILITY.get(code, code))


def _hearing_or_404(hearing_id: int) -> Hearing:
    return db.session.get(Hearing, hearing_id) or abort(404)


def _departments() -> list[Department]:
    return db.session.scalars(select(Department).where(Department.active.is_(True)).order_by(Department.id)).all()


def _local(naive):
    """A time typed in the form is Beijing time."""
    return naive.replace(tzinfo=LOCAL_TZ) if naive is not None else None


@bp.get("/")
@authority_only
def index():
    now = utcnow()
    items = db.session.scalars(select(Hearing).options(selectinload(Hearing.seats))
                               .order_by(Hearing.starts_at.desc(), Hearing.id.desc())).all()
    final = {h.id for h in items if hearing_selection.panel_is_final(h, now)}
    return render_template("hearing_admin/index.html", hearings=items, now=now, final=final)


# --- member pool ---------------------------------------------------------------------------------------

@bp.get("/members")
@authority_only
def members():
    items = db.session.scalars(select(HearingMember).order_by(HearingMember.active.desc(), HearingMember.name)).all()
    return render_template("hearing_admin/members.html", members=items, today=utcnow().astimezone(LOCAL_TZ).date())


def _member_form(member: HearingMember | None = None) -> MemberForm:
    form = MemberForm(obj=member)
    departments = _departments()
    form.department_id.choices = [(0, _("— none —"))] + [(d.id, localized_name(d)) for d in departments]
    form.conflict_department_ids.choices = [(d.id, localized_name(d)) for d in departments]
    if request.method == "GET" and member is not None:
        form.department_id.data = member.department_id or 0
        form.conflict_department_ids.data = [d.id for d in member.conflict_departments]
    return form


def _save_member(form: MemberForm, member: HearingMember | None):
    if not form.validate_on_submit():
        return None
    data = MemberInput(
        name=form.name.data, kind=form.kind.data, organisation=form.organisation.data or "",
        department_id=form.department_id.data or None, term_start=form.term_start.data,
        term_end=form.term_end.data, conflicts=form.conflicts.data or "",
        conflict_department_ids=form.conflict_department_ids.data or [], active=form.active.data,
        phone=form.phone.data or "", email=form.email.data or "")
    done = attempt(lambda: hearings.save_member(db.session, member, data), HearingError)
    if not done.ok:
        form.term_end.errors = [*form.term_end.errors, message(done.error)]
        return None
    flash(_("Saved."), "success")
    return redirect(url_for("hearing_admin.members"))


@bp.route("/members/new", methods=["GET", "POST"])
@authority_only
def member_new():
    form = _member_form()
    return _save_member(form, None) or render_template("hearing_admin/member_edit.html", form=form, member=None)


@bp.route("/members/<id:member_id>", methods=["GET", "POST"])
@authority_only
def member_edit(member_id: int):
    member = db.session.get(HearingMember, member_id) or abort(404)
    form = _member_form(member)
    return _save_member(form, member) or render_template("hearing_admin/member_edit.html", form=form, member=member)


# --- scheduling ----------------------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@authority_only
def new():
    form = HearingForm()
    form.department_id.choices = [(d.id, localized_name(d)) for d in _departments()]
    suggestion = None
    if request.method == "GET" and request.args.get("suggestion"):
        suggestion = db.session.scalar(select(Suggestion).where(
            Suggestion.tracking_number == request.args["suggestion"]))
        if suggestion is not None:
            form.tracking_number.data = suggestion.tracking_number
            # The subject is published (pages, iCalendar): start from the title as the public sees it.
            form.subject.data = form.subject.data or mask_personal_data(suggestion.title)
            form.department_id.data = suggestion.lead_department_id
    errors = []
    if form.validate_on_submit():
        suggestion = db.session.scalar(select(Suggestion).where(
            Suggestion.tracking_number == form.tracking_number.data.strip()))
        if suggestion is None:
            form.tracking_number.errors.append(message(HearingError("suggestion_unknown")))
        else:
            data = HearingInput(
                subject=form.subject.data, department_id=form.department_id.data,
                starts_at=_local(form.starts_at.data), duration_minutes=form.duration_minutes.data,
                venue=form.venue.data, is_public=form.is_public.data, closed_reason=form.closed_reason.data or "",
                panel_size=form.panel_size.data, strikes_per_side=form.strikes_per_side.data,
                observer_seats=form.observer_seats.data,
                registration_closes_at=_local(form.registration_closes_at.data))
            done = attempt(lambda: hearings.schedule(db.session, suggestion, data, current_user, utcnow()),
                           HearingError)
            if not done.ok:
                errors.append(message(done.error))
            else:
                flash(_("The hearing is scheduled and its notice published."), "success")
                return redirect(url_for("hearing_admin.manage", hearing_id=done.value.id))
    return render_template("hearing_admin/new.html", form=form, errors=errors)


@bp.get("/<id:hearing_id>")
@authority_only
def manage(hearing_id: int):
    return _manage_page(_hearing_or_404(hearing_id), utcnow())


def _manage_page(hearing: Hearing, now, errors=(), **forms):
    freeze_form = forms.get("freeze_form") or FreezeForm(prefix="f")
    eligibility = None
    if not hearing.selection_json:
        eligibility = hearing_selection.eligibility(db.session, hearing)
        freeze_form.declared_conflicts.choices = [(e.member.id, e.member.name) for e in eligibility
                                                  if not e.reasons and e.member.conflicts]
    withdrawal_form = forms.get("withdrawal_form") or WithdrawalForm(prefix="w")
    panel = hearing_selection.panel_as_of(hearing, now)
    withdrawal_form.member_id.choices = [(seat.member_id, seat.name) for seat in panel]
    confirmed, waiting = hearings.observers_for_print(db.session, hearing)
    return render_template(
        "hearing_admin/manage.html", hearing=hearing, now=now, errors=errors, eligibility=eligibility,
        phase=hearing_selection.current_phase(hearing, now), freeze_form=freeze_form,
        withdrawal_form=withdrawal_form, postpone_form=forms.get("postpone_form") or PostponeForm(prefix="p"),
        cancel_form=forms.get("cancel_form") or CancelForm(prefix="x"),
        conclusion_form=forms.get("conclusion_form") or ConclusionForm(prefix="k"),
        confirmed=confirmed, waiting=waiting, ps=ps, panel=panel)


def _act(hearing: Hearing, form_name: str, form, action, success: str):
    """Validate, run `action()`, commit and redirect; or re-render the page with the error and the input."""
    now = utcnow()
    errors = []
    if form.validate_on_submit():
        done = attempt(lambda: action(form, now), HearingError)
        if not done.ok:
            errors.append(message(done.error))
        else:
            flash(success, "success")
            return redirect(url_for("hearing_admin.manage", hearing_id=hearing.id))
    return _manage_page(hearing, now, errors, **{form_name: form})


@bp.post("/<id:hearing_id>/freeze")
@authority_only
def freeze(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    form = FreezeForm(prefix="f")
    form.declared_conflicts.choices = [(m.id, m.name) for m in db.session.scalars(select(HearingMember))]
    return _act(hearing, "freeze_form", form, lambda f, now: hearing_selection.freeze(
        db.session, hearing, now, timedelta(hours=f.step_hours.data), set(f.declared_conflicts.data or ())),
        _("The pool is frozen and published with its SHA-256. Both sides can now commit."))


@bp.route("/<id:hearing_id>/selection", methods=["GET", "POST"])
@authority_only
def selection(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    return selection_page(hearing, ps.AUTHORITY, url_for("hearing_admin.manage", hearing_id=hearing.id))


@bp.post("/<id:hearing_id>/withdrawal")
@authority_only
def withdrawal(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    form = WithdrawalForm(prefix="w")
    form.member_id.choices = [(seat.member_id, seat.name) for seat in hearing_selection.panel_as_of(hearing, utcnow())]
    return _act(hearing, "withdrawal_form", form, lambda f, now: hearing_selection.withdraw(
        db.session, hearing, f.member_id.data, f.reason.data, now),
        _("The withdrawal is recorded; the next name in the draw order takes the seat."))


@bp.post("/<id:hearing_id>/postpone")
@authority_only
def postpone(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    return _act(hearing, "postpone_form", PostponeForm(prefix="p"), lambda f, now: hearings.postpone(
        db.session, hearing, _local(f.new_starts_at.data), f.reason.data, current_user, now),
        _("The hearing is postponed and the new notice published."))


@bp.post("/<id:hearing_id>/cancel")
@authority_only
def cancel(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    return _act(hearing, "cancel_form", CancelForm(prefix="x"), lambda f, now: hearings.cancel(
        db.session, hearing, f.reason.data, current_user, now), _("The hearing is cancelled."))


@bp.post("/<id:hearing_id>/conclude")
@authority_only
def conclude(hearing_id: int):
    hearing = _hearing_or_404(hearing_id)
    return _act(hearing, "conclusion_form", ConclusionForm(prefix="k"), lambda f, now: hearings.conclude(
        db.session, hearing, f.conclusion.data, current_user, now), _("The conclusion is published."))


@bp.get("/<id:hearing_id>/observers")
@authority_only
def observers_print(hearing_id: int):
    """Print-friendly list with contact details, for the authority only."""
    hearing = _hearing_or_404(hearing_id)
    confirmed, waiting = hearings.observers_for_print(db.session, hearing)
    return render_template("hearing_admin/observers_print.html", hearing=hearing, confirmed=confirmed,
                           waiting=waiting, printed_at=utcnow())
