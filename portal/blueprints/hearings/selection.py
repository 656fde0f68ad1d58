"""The joint-selection page, shared by the two sides: the author (resident) and the hearing authority.

One page shows where the selection stands and the one form the side may use now (commit, reveal or
strike). POSTs carry `step`; success commits and redirects, a refusal re-renders with what was typed.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _

import panel_selection as ps
from portal.blueprints.hearings.forms import CommitForm, RevealForm, StrikesForm
from portal.blueprints.hearings.messages import message
from portal.attempt import attempt
from portal.extensions import db
from portal.models import Hearing
from portal.services import hearing_selection
from portal.services.hearings import HearingError
from portal.timeutil import utcnow


def selection_page(hearing: Hearing, side: str, back_url: str):
    now = utcnow()
    commit_form, reveal_form, strikes_form = CommitForm(prefix="c"), RevealForm(prefix="r"), StrikesForm(prefix="s")
    errors: list[str] = []
    if request.method == "POST":
        step = request.form.get("step")
        form = {"commit": commit_form, "reveal": reveal_form, "strikes": strikes_form}.get(step)
        if form is not None and form.validate_on_submit():
            done = attempt(lambda: _apply(hearing, side, step, commit_form, reveal_form, now), HearingError)
            if not done.ok:
                errors.append(message(done.error))
            else:
                flash(_DONE[step](), "success")
                return redirect(request.path)
        elif form is None:
            errors.append(_("Unknown step."))
    record = hearing_selection.record_as_of(hearing, now)
    phase = ps.phase(record, now) if record else None
    members = hearing_selection.members_by_id(db.session, record) if record else {}
    if request.method == "GET" and not commit_form.secret.data:
        commit_form.secret.data = ps.new_secret()
    return render_template(
        "hearings/selection.html", hearing=hearing, side=side, record=record, phase=phase, members=members,
        commit_form=commit_form, reveal_form=reveal_form, strikes_form=strikes_form, errors=errors,
        back_url=back_url, commit_prefix=_commit_prefix(record, side) if record else "",
        kept_strikes=request.form.getlist("strike"), kept_reasons=request.form, ps=ps, now=now,
        panel=hearing_selection.panel_as_of(hearing, now))


def _commit_prefix(record: ps.SelectionRecord, side: str) -> str:
    """What precedes the secret in the hashed text, so the page (or the person) can compute the commitment."""
    return f"{ps.VERSION}|commit|{record.hearing_ref}|{side}|{record.setup_hash()}|"


def _apply(hearing, side, step, commit_form, reveal_form, now) -> None:
    if step == "commit":
        hearing_selection.commit(db.session, hearing, side, now, secret=commit_form.secret.data or "",
                                 commitment=commit_form.commitment.data or "")
    elif step == "reveal":
        hearing_selection.reveal(db.session, hearing, side, reveal_form.secret.data, now)
    else:
        struck = request.form.getlist("strike")
        hearing_selection.strike(db.session, hearing, side,
                                 [(m, request.form.get(f"reason-{m}", "")) for m in struck], now)


_DONE = {
    "commit": lambda: _("Your commitment is published. Keep your secret: you need it to reveal."),
    "reveal": lambda: _("Your secret is revealed and matches your commitment."),
    "strikes": lambda: _("Your strikes are recorded."),
}
