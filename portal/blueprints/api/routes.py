"""The read-only JSON API under /api/v1/: public suggestions, reference data, themed calls,
hearings and metrics, described by the OpenAPI document at /api/v1/openapi.json.

Every response is built from public views through the schemas in `schemas.py`. Responses carry
an ETag and answer conditional GETs with 304; CORS allows any origin to read; errors are
`application/problem+json` (RFC 9457).
"""
from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any, Callable, Optional

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import get_locale, lazy_gettext as _l
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from portal.blueprints.api import schemas
from portal.blueprints.api.spec import document, operation
from portal.extensions import db
from portal.models import Category, Department, District, Hearing, HearingStatus, ThemedCall
from portal.models import ConversionType, Decision, PUBLIC_STATUSES
from portal.ratelimits import client_address, limit
from portal.security import public
from portal.services import api, public_views, themed_calls
from portal.inputs import parse_int
from portal.services.metrics import compute_metrics
from portal.services.public_lists import STATUS_GROUPS
from portal.timeutil import utcnow

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_ID = 2 ** 31 - 1
CACHE_SECONDS = 60
STATUS_VALUES = sorted(set(STATUS_GROUPS) | {s.value for s in PUBLIC_STATUSES})


class BadParameter(Exception):
    def __init__(self, name: str, detail: str):
        super().__init__(detail)
        self.name = name
        self.detail = detail


# --- answers -----------------------------------------------------------------------------------

def problem(status: int, title: str, detail: Optional[str] = None) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json")
    return response


def is_api_request() -> bool:
    return request.path.startswith(bp.url_prefix + "/") or request.path == bp.url_prefix


def problem_for(error: HTTPException) -> Response:
    response = problem(error.code or 500, error.name, error.description)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def json_answer(schema_class, payload: Any, many: bool = False) -> Response:
    """The payload serialised by its schema, with an ETag over the body and conditional GET."""
    data = schema_class(many=many).dump(payload)
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response.make_conditional(request)


@bp.after_request
def allow_cross_origin_reads(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    response.headers["Access-Control-Max-Age"] = "86400"
    response.vary.add("Accept-Encoding")
    return response


@bp.errorhandler(BadParameter)
def bad_parameter(error: BadParameter):
    return problem(400, "Bad Request", f"{error.name}: {error.detail}")


# --- query arguments, bounded -----------------------------------------------------------------

def int_arg(name: str, low: int = 1, high: int = MAX_ID, default: Optional[int] = None) -> Optional[int]:
    text = request.args.get(name, "")
    if text == "":
        return default
    number = parse_int(text, low, high)
    if number is None:
        raise BadParameter(name, f"an integer from {low} to {high} is expected")
    return number


def choice_arg(name: str, allowed, default: Optional[str] = None) -> Optional[str]:
    text = request.args.get(name, "")
    if text == "":
        return default
    if text not in allowed:
        raise BadParameter(name, "one of " + ", ".join(sorted(allowed)) + " is expected")
    return text


def bool_arg(name: str) -> Optional[bool]:
    value = choice_arg(name, {"true", "false"})
    return None if value is None else value == "true"


def date_arg(name: str) -> Optional[date]:
    text = request.args.get(name, "")
    if text == "":
        return None
    try:
        value = date.fromisoformat(text) if text.isascii() and len(text) == 10 else None
    except ValueError:
        value = None
    if value is None or not 2000 <= value.year <= 2100:
        raise BadParameter(name, "a date YYYY-MM-DD between 2000 and 2100 is expected")
    return value


def cursor_arg() -> Optional[str]:
    text = request.args.get("cursor", "")
    if len(text) > 200 or not text.isascii():
        raise BadParameter("cursor", "not a cursor this API handed out")
    return text or None


# --- the OpenAPI parameters of each operation -------------------------------------------------

def _query(name: str, description: str, schema: dict) -> dict:
    return {"in": "query", "name": name, "required": False, "description": description, "schema": schema}


def _path_id(name: str, description: str) -> dict:
    return {"in": "path", "name": name, "required": True, "description": description,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


ID_FILTER = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
DAY = {"type": "string", "format": "date", "pattern": "^(20[0-9][0-9]|2100)-[0-9][0-9]-[0-9][0-9]$",
       "description": "YYYY-MM-DD, from 2000 to 2100"}
SUGGESTION_FILTERS = [
    _query("status", "A group (open, answered, all) or one status code", {"type": "string", "enum": STATUS_VALUES}),
    _query("category", "Category id", ID_FILTER),
    _query("district", "District id", ID_FILTER),
    _query("department", "Lead department id", ID_FILTER),
    _query("call", "Themed call id", ID_FILTER),
    _query("decision", "Published decision", {"type": "string", "enum": [d.value for d in Decision]}),
    _query("conversion_type", "Has a published conversion of this type",
           {"type": "string", "enum": [c.value for c in ConversionType]}),
    _query("widely_supported", "Reached the support threshold", {"type": "string", "enum": ["true", "false"]}),
    _query("submitted_from", "Submitted on or after this day (China Standard Time)",
           DAY),
    _query("submitted_to", "Submitted on or before this day (China Standard Time)",
           DAY),
    _query("sort", "newest (default), oldest, supported, or published (published ones only, newest first)",
           {"type": "string", "enum": list(api.SORTS)}),
    _query("limit", f"Items per page, 1 to {api.MAX_LIMIT} (default {api.DEFAULT_LIMIT})",
           {"type": "integer", "minimum": 1, "maximum": api.MAX_LIMIT}),
    _query("cursor", "The next_cursor of the previous page", {"type": "string", "maxLength": 200}),
]


# --- suggestions ------------------------------------------------------------------------------

def _suggestion_url(view) -> str:
    return url_for("suggestions.detail", suggestion_id=view.id, _external=True)


def _summary(view) -> dict:
    return {**view.__dict__, "url": _suggestion_url(view),
            "conversion_types": sorted({c.type for c in view.conversions})}


@bp.get("/suggestions")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
@operation(_l("List public suggestions"), "suggestions", schemas.SuggestionListSchema, SUGGESTION_FILTERS)
def suggestions():
    query = api.SuggestionQuery(
        status=choice_arg("status", set(STATUS_VALUES), "all"),
        category_id=int_arg("category"), district_id=int_arg("district"),
        department_id=int_arg("department"), call_id=int_arg("call"),
        decision=choice_arg("decision", {d.value for d in Decision}),
        conversion_type=choice_arg("conversion_type", {c.value for c in ConversionType}),
        widely_supported=bool_arg("widely_supported"),
        submitted_from=date_arg("submitted_from"), submitted_to=date_arg("submitted_to"),
        sort=choice_arg("sort", set(api.SORTS), "newest"),
        limit=int_arg("limit", 1, api.MAX_LIMIT, api.DEFAULT_LIMIT), cursor=cursor_arg())
    try:
        page = api.list_suggestions(db.session, query)
    except api.CursorError:
        raise BadParameter("cursor", "not a cursor this API handed out for this sort") from None
    next_url = None
    if page.next_cursor:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        next_url = url_for(".suggestions", **args, cursor=page.next_cursor, _external=True)
    return json_answer(schemas.SuggestionListSchema, {
        "items": [_summary(view) for view in page.items], "next_cursor": page.next_cursor, "next": next_url})


@bp.get("/suggestions/<id:suggestion_id>")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
@operation(_l("One public suggestion with its timeline, answers and conversions"), "suggestions",
           schemas.SuggestionSchema, [_path_id("suggestion_id", "The suggestion's id")])
def suggestion(suggestion_id: int):
    row = api.public_suggestion_or_none(db.session, suggestion_id) if suggestion_id <= MAX_ID else None
    if row is None:
        return problem(404, "Not Found", "No public suggestion has this id.")
    view = public_views.public_suggestion(row, with_replies=True, with_conversions=True)
    timeline = public_views.public_timeline(row.events)
    return json_answer(schemas.SuggestionSchema, {**_summary(view), "timeline": timeline})


# --- reference data ---------------------------------------------------------------------------

@bp.get("/departments")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
@operation(_l("Departments that answer suggestions"), "reference data", schemas.DepartmentListSchema)
def departments():
    rows = db.session.scalars(select(Department).where(Department.active.is_(True)).order_by(Department.id))
    return json_answer(schemas.DepartmentListSchema, {"items": list(rows)})


@bp.get("/categories")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
@operation(_l("Categories"), "reference data", schemas.ReferenceListSchema)
def categories():
    rows = db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.id))
    return json_answer(schemas.ReferenceListSchema, {"items": list(rows)})


@bp.get("/districts")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
@operation(_l("Districts"), "reference data", schemas.ReferenceListSchema)
def districts():
    rows = db.session.scalars(select(District).where(District.active.is_(True)).order_by(District.id))
    return json_answer(schemas.ReferenceListSchema, {"items": list(rows)})


# --- themed calls and hearings ----------------------------------------------------------------

@bp.get("/calls")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
@operation(_l("Themed calls for suggestions (专项征集)"), "themed calls", schemas.ThemedCallListSchema)
def calls():
    rows = themed_calls.public_calls(db.session)
    return json_answer(schemas.ThemedCallListSchema, {"items": [public_views.public_call(c) for c in rows]})


@bp.get("/calls/<id:call_id>")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
@operation(_l("One themed call"), "themed calls", schemas.ThemedCallSchema, [_path_id("call_id", "The call's id")])
def call(call_id: int):
    row = db.session.get(ThemedCall, call_id) if call_id <= MAX_ID else None
    if row is None or row not in themed_calls.public_calls(db.session):
        return problem(404, "Not Found", "No public themed call has this id.")
    return json_answer(schemas.ThemedCallSchema, public_views.public_call(row))


HEARING_FILTERS = [
    _query("status", "scheduled, postponed, cancelled or concluded",
           {"type": "string", "enum": [s.value for s in HearingStatus]}),
    _query("department", "Department id", ID_FILTER),
]


def _hearing(hearing: Hearing) -> dict:
    view = public_views.public_hearing(hearing)
    record_url = None
    if view.has_selection and view.is_public:
        record_url = url_for("hearings.record_json", hearing_id=view.id, _external=True)
    suggestion = view.suggestion
    return {**view.__dict__, "url": url_for("hearings.hearing", hearing_id=view.id, _external=True),
            "suggestion_id": suggestion.id if suggestion is not None and suggestion.is_public else None,
            "audit_record_url": record_url}


@bp.get("/hearings")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
@operation(_l("Hearings (信访听证), newest first"), "hearings", schemas.HearingListSchema, HEARING_FILTERS)
def hearing_list():
    stmt = select(Hearing).order_by(Hearing.starts_at.desc(), Hearing.id.desc()).limit(200)
    status = choice_arg("status", {s.value for s in HearingStatus})
    department = int_arg("department")
    if status:
        stmt = stmt.where(Hearing.status == status)
    if department:
        stmt = stmt.where(Hearing.department_id == department)
    return json_answer(schemas.HearingListSchema, {"items": [_hearing(h) for h in db.session.scalars(stmt)]})


@bp.get("/hearings/<id:hearing_id>")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
@operation(_l("One hearing with its published panel and selection record"), "hearings", schemas.HearingSchema,
           [_path_id("hearing_id", "The hearing's id")])
def hearing(hearing_id: int):
    row = db.session.get(Hearing, hearing_id) if hearing_id <= MAX_ID else None
    if row is None:
        return problem(404, "Not Found", "No hearing has this id.")
    return json_answer(schemas.HearingSchema, _hearing(row))


# --- metrics ----------------------------------------------------------------------------------

@bp.get("/metrics")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
@operation(_l("The performance metrics of /metrics/, as numerators and denominators"), "metrics",
           schemas.MetricsSchema, [
               _query("start", "First day counted (China Standard Time)", DAY),
               _query("end", "Last day counted", DAY),
               _query("department", "Lead department id", ID_FILTER)])
def metrics():
    start, end, department = date_arg("start"), date_arg("end"), int_arg("department")
    figures = compute_metrics(db.session, start=start, end=end, department_id=department, now=utcnow())
    return json_answer(schemas.MetricsSchema, {
        "start": start, "end": end, "department_id": department,
        "metrics": {code: {"numerator": r.numerator, "denominator": r.denominator, "rate": r.rate}
                    for code, r in figures.items()}})


# --- the document -----------------------------------------------------------------------------

@bp.get("/openapi.json")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
def openapi():
    response = Response(json.dumps(document(current_app), ensure_ascii=False), mimetype="application/json")
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    return response.make_conditional(request)


@bp.get("/")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
def docs():
    """The API's reference as a page: generated from the same document, readable without JavaScript."""
    return render_template("api/docs.html", spec=document(current_app, str(get_locale())))
