"""Open data: what is published, under which licence, and the streamed downloads."""
from __future__ import annotations

from typing import Callable, Iterator, Optional

from datetime import date

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select

from portal.blueprints.metrics.definitions import METRICS
from portal import caching
from portal.extensions import db
from portal.inputs import parse_int
from portal.models import PUBLIC_STATUSES, Suggestion
from portal.ratelimits import client_address, limit
from portal.security import public
from portal.services import event_log, opendata
from portal.timeutil import local_date, utcnow

bp = Blueprint("opendata", __name__, url_prefix="/opendata")
download_limit = limit("EXPORT_ADDRESS", client_address, methods=None)
# A reader fetches one file per day (365 a year), so the event log has a budget of its own.
event_log_limit = limit("EVENT_LOG_ADDRESS", client_address, methods=None)

FIRST_YEAR, LAST_YEAR = 1990, 2100

# What each column of the suggestions dataset holds (the page lists them in this order).
FIELD_DESCRIPTIONS = {
    "tracking_number": _l("Tracking number of the suggestion"),
    "title": _l("Title, as the author wrote it (phone numbers, ID numbers and e-mail addresses masked)"),
    "problem": _l("The problem or background (masked the same way)"),
    "measures": _l("The proposed measures (masked the same way)"),
    "category": _l("Category, in Chinese"),
    "category_en": _l("Category, in English"),
    "district": _l("District, in Chinese"),
    "district_en": _l("District, in English"),
    "lead_department": _l("Lead department, in Chinese"),
    "lead_department_en": _l("Lead department, in English"),
    "status": _l("Status code: accepted, dispatched, replied, in_review, reviewed, in_second_review, closed"),
    "channel": _l("How it was submitted: online, in_person, phone, letter, collection_point, import"),
    "submitted_on": _l("Date submitted (China Standard Time, YYYY-MM-DD)"),
    "accepted_on": _l("Date accepted"),
    "replied_on": _l("Date of the department's written reply, if any"),
    "support_count": _l("Number of residents who support it"),
    "author": _l("The author's masked name (for example 张**); empty when the author chose to be anonymous"),
    "published_on": _l("Date the department published its decision; the following fields are empty until then"),
    "decision": _l("Decision code: adopted, partly_adopted, for_reference, not_adopted"),
    "reply": _l("The department's written reply (masked)"),
    "conversion_types": _l("What the suggestion became (conversion type codes, separated by semicolons)"),
    "conversion_descriptions": _l("Descriptions of the conversions"),
    "conversion_outcomes": _l("Measurable outcomes of each conversion (name, value and unit)"),
}


class BadYear(ValueError):
    pass


def requested_year() -> Optional[int]:
    text = request.args.get("year", "").strip()
    if not text:
        return None
    year = parse_int(text, FIRST_YEAR, LAST_YEAR)
    if year is None:
        raise BadYear(text)
    return year


def available_years() -> list[int]:
    first = db.session.scalar(select(func.min(Suggestion.submitted_at))
                              .where(Suggestion.status.in_([s.value for s in PUBLIC_STATUSES])))
    this_year = local_date(utcnow()).year
    if first is None:
        return []
    return list(range(this_year, min(local_date(first).year, this_year) - 1, -1))


def render_index(error: Optional[str] = None, status: int = 200):
    return render_template("opendata/index.html", years=available_years(), fields=FIELD_DESCRIPTIONS,
                           metrics=METRICS, error=error), status


def _streamed(produce: Callable[[], Iterator[str]]) -> Iterator[str]:
    """The export runs in an application context of its own, entered when the body is first read
    and left when it ends or the client goes away: the request's context is gone by then, and
    holding it open (stream_with_context) would outlive requests whose body is never read."""
    app = current_app._get_current_object()

    def body():
        # Werkzeug's test client reads the first chunk inside the request; an empty one keeps the
        # export's context from being entered (and left) across the client's own contexts.
        yield ""
        with app.app_context():
            yield from produce()

    return body()


def _download(body: Iterator[str], mimetype: str, name: str, year: Optional[int]) -> Response:
    filename = f"{name}-{year}" if year else name
    response = Response(body, mimetype=mimetype)
    extension = {"text/csv": "csv", "application/x-ndjson": "jsonl"}[mimetype]
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{extension}"'
    return response


def _year_or_error():
    try:
        return requested_year(), None
    except BadYear:
        return None, render_index(_("The year must be a number such as 2025."), 400)


@bp.get("/")
@public
@caching.public_page
def index():
    return render_index()


@bp.get("/suggestions.csv")
@public
@download_limit
def suggestions_csv():
    year, error = _year_or_error()
    if error:
        return error
    def produce():
        rows = (opendata.flatten(r) for r in opendata.public_records(db.session, year))
        return opendata.csv_stream(opendata.SUGGESTION_FIELDS, rows)

    return _download(_streamed(produce), "text/csv", "suggestions", year)


@bp.get("/suggestions.jsonl")
@public
@download_limit
def suggestions_jsonl():
    year, error = _year_or_error()
    if error:
        return error
    return _download(_streamed(lambda: opendata.jsonl_stream(opendata.public_records(db.session, year))),
                     "application/x-ndjson", "suggestions", year)


@bp.get("/metrics-by-department.csv")
@public
@download_limit
def metrics_csv():
    year, error = _year_or_error()
    if error:
        return error
    # Every figure of every department: computed once per change, like the metrics page.
    rows = caching.remember(f"metrics-rows:{year}", lambda: opendata.metrics_rows(db.session, year),
                            generation_name="metrics", timeout=caching.METRICS_TIMEOUT)
    return _download(opendata.csv_stream(opendata.METRICS_FIELDS, rows), "text/csv", "metrics-by-department", year)


# --- the public event log (portal/services/event_log.py) ---------------------------------------

def _event_chain() -> list[event_log.DayFile]:
    """The published days with their hashes. A closed day never changes, so the chain up to the
    last closed day is computed once and kept until another day closes."""
    until = event_log.last_closed_day()
    return caching.remember(f"event-log-chain:{until.isoformat()}", lambda: event_log.chain(db.session),
                            generation_name="event-log", timeout=24 * 3600)


@bp.get("/events/")
@public
@event_log_limit
def events_index():
    files = _event_chain()
    return render_template("opendata/events.html", files=list(reversed(files)))


@bp.get("/events/index.json")
@public
@event_log_limit
def events_index_json():
    days = [{"day": f.day.isoformat(), "events": f.events, "sha256": f.sha256, "previous_sha256": f.previous_sha256,
             "url": url_for("opendata.events_day", day=f.day.isoformat(), _external=True)}
            for f in _event_chain()]
    return jsonify({"version": event_log.FORMAT_VERSION, "days": days})


@bp.get("/events/<day>.jsonl")
@public
@event_log_limit
def events_day(day: str):
    try:
        wanted = date.fromisoformat(day) if len(day) == 10 else None
    except ValueError:
        wanted = None
    published = next((f for f in _event_chain() if f.day == wanted), None) if wanted else None
    if published is None:
        abort(404)
    body = event_log.file_bytes(published.day, event_log.day_lines(db.session, published.day),
                                published.previous_sha256)
    response = Response(body, mimetype="application/x-ndjson")
    response.headers["Content-Disposition"] = f'attachment; filename="events-{published.day.isoformat()}.jsonl"'
    # A closed day's file never changes.
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.set_etag(published.sha256)
    return response.make_conditional(request)
