"""Public pages of themed calls (专项征集): what is asked, until when, and the collective answer."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from portal import caching
from portal.extensions import db
from portal.models import ThemedCall
from portal.security import public
from portal.services import themed_calls
from portal.services.public_views import public_call, public_suggestions
from portal.timeutil import utcnow

bp = Blueprint("calls", __name__, url_prefix="/calls")


@bp.app_context_processor
def call_helpers():
    # Department pages show the same state badge (templates/calls/_state.html).
    return {"call_state": themed_calls.state}


@bp.get("/")
@public
@caching.public_page
def index():
    now = utcnow()
    items = [public_call(c) for c in themed_calls.public_calls(db.session, now)]
    return render_template("calls/index.html", open_calls=[c for c in items if themed_calls.is_open(c, now)],
                           closed_calls=[c for c in items if not themed_calls.is_open(c, now)])


@bp.get("/<id:call_id>")
@public
@caching.public_page
def detail(call_id: int):
    call = db.session.get(ThemedCall, call_id) or abort(404)
    now = utcnow()
    if call.opens_at > now:
        abort(404)  # not announced yet
    return render_template("calls/detail.html", call=public_call(call), state=themed_calls.state(call, now),
                           suggestions=public_suggestions(themed_calls.suggestions_in(db.session, call,
                                                                                      public_only=True)))
