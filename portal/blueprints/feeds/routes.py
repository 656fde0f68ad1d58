"""Atom feeds: published outcomes (all, or per department, category, district or themed call), a
search's results, one suggestion's public timeline, and hearings.

Pages link to their feed with <link rel="alternate" type="application/atom+xml">.
"""
from __future__ import annotations

import hashlib
from typing import Optional

from flask import Blueprint, Response, abort, request, url_for
from flask_babel import gettext as _

from portal import labels
from portal.extensions import db
from portal.i18n import current_locale_code, localized_name
from portal.models import Category, Department, District, ThemedCall
from portal.ratelimits import client_address, limit
from portal.security import public
from portal.services import api, feeds, public_views, themed_calls
from portal.services.feeds import Feed, FeedEntry
from portal.services.search_sync import get_index
from portal.timeutil import utcnow

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

MAX_ID = 2 ** 31 - 1
SUMMARY_CHARS = 280
CACHE_SECONDS = 300
LANGUAGE_TAGS = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}


def _answer(feed: Feed, entries: list[FeedEntry]) -> Response:
    body = feeds.atom(feed, entries, fallback_updated=utcnow())
    response = Response(body, mimetype="application/atom+xml")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response.make_conditional(request)


def _feed(title: str, page_url: str, subtitle: str = "") -> Feed:
    self_url = request.url
    return Feed(id=self_url, title=title, self_url=self_url, page_url=page_url, subtitle=subtitle,
                author=_("People's Suggestions"), language=LANGUAGE_TAGS.get(current_locale_code(), "zh-Hans"))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS - 1] + "…"


def _outcome_entry(view: public_views.PublicSuggestion) -> FeedEntry:
    url = url_for("suggestions.detail", suggestion_id=view.id, _external=True)
    reply = next((r for r in view.replies if r.kind == "reply"), None)
    parts = [labels.decision(view.decision)]
    parts += [labels.conversion_type(c.type) for c in view.conversions]
    summary = " · ".join(p for p in parts if p)
    if reply is not None:
        summary += "\n" + _short(reply.body)
    return FeedEntry(id=url, title=view.title, url=url, updated=view.published_at, summary=summary,
                     author=localized_name(view.lead_department) if view.lead_department else "",
                     category=view.decision or "")


def _suggestion_entry(view: public_views.PublicSuggestion) -> FeedEntry:
    url = url_for("suggestions.detail", suggestion_id=view.id, _external=True)
    return FeedEntry(id=url, title=view.title, url=url, updated=view.published_at or view.accepted_at or view.submitted_at,
                     summary=" · ".join(p for p in (labels.status(view.status),
                                                    localized_name(view.category) if view.category else "") if p),
                     category=view.status)


def _reference_or_404(model, ident: int):
    row = db.session.get(model, ident) if ident <= MAX_ID else None
    if row is None:
        abort(404)
    return row


def _outcomes_feed(title: str, page_url: str, **filters: Optional[int]) -> Response:
    views = feeds.published_outcomes(db.session, **filters)
    return _answer(_feed(title, page_url, _("Newest published decisions and what they became")),
                   [_outcome_entry(v) for v in views])


@bp.get("/outcomes.atom")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
def outcomes():
    return _outcomes_feed(_("Published outcomes"), url_for("suggestions.outcomes", _external=True))


def _reference_feed(model, row_id: int, filter_name: str):
    """Published outcomes of one department, category or district; `filter_name` is the list's filter."""
    row = _reference_or_404(model, row_id)
    return _outcomes_feed(_("Published outcomes: %(name)s", name=localized_name(row)),
                          url_for("suggestions.index", _external=True, **{filter_name: row.id}),
                          **{f"{filter_name}_id": row.id})


@bp.get("/departments/<id:department_id>.atom")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
def department(department_id: int):
    return _reference_feed(Department, department_id, "department")


@bp.get("/categories/<id:category_id>.atom")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
def category(category_id: int):
    return _reference_feed(Category, category_id, "category")


@bp.get("/districts/<id:district_id>.atom")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
def district(district_id: int):
    return _reference_feed(District, district_id, "district")


@bp.get("/calls/<id:call_id>.atom")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
def call(call_id: int):
    row = _reference_or_404(ThemedCall, call_id)
    if row not in themed_calls.public_calls(db.session):
        abort(404)
    view = public_views.public_call(row)
    page_url = url_for("calls.detail", call_id=row.id, _external=True)
    entries = [_suggestion_entry(v) for v in feeds.newest_in_call(db.session, row.id)]
    if view.answered_at is not None:
        entries.insert(0, FeedEntry(id=page_url + "#collective-answer", title=_("Collective answer: %(title)s",
                                                                              title=view.title),
                                    url=page_url, updated=view.answered_at, summary=_short(view.collective_answer),
                                    author=localized_name(view.department) if view.department else ""))
    return _answer(_feed(_("Themed call: %(title)s", title=view.title), page_url, _short(view.description)), entries)


@bp.get("/search.atom")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
def search():
    q = request.args.get("q", "")[:200]
    results = get_index().search(q, kinds=["suggestion"], sort="newest", page=1, per_page=feeds.FEED_SIZE)
    ids = [int(hit.object_id) for hit in results.hits if hit.object_id is not None] if results.available else []
    views = feeds.public_suggestions_by_id(db.session, ids)
    return _answer(_feed(_("Search: %(query)s", query=q[:60]) if q else _("Search"),
                         url_for("search.search", q=q, _external=True)),
                   [_suggestion_entry(v) for v in views])


@bp.get("/suggestions/<id:suggestion_id>.atom")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
def suggestion(suggestion_id: int):
    row = api.public_suggestion_or_none(db.session, suggestion_id) if suggestion_id <= MAX_ID else None
    if row is None:
        abort(404)
    view = public_views.public_suggestion(row)
    page_url = url_for("suggestions.detail", suggestion_id=view.id, _external=True)
    entries = [FeedEntry(id=f"{page_url}#event-{index}", title=labels.event(event.action), url=page_url,
                         updated=event.created_at, summary=_short(event.note))
               for index, event in enumerate(public_views.public_timeline(row.events), start=1)]
    entries.reverse()  # newest first, as feed readers expect
    return _answer(_feed(view.title, page_url, _("What happened to this suggestion")), entries)


@bp.get("/hearings.atom")
@public
@limit("API_ADDRESS", client_address, methods=("GET",))
def hearings():
    entries = []
    for view in feeds.newest_hearings(db.session):
        url = url_for("hearings.hearing", hearing_id=view.id, _external=True)
        summary = " · ".join(p for p in (labels.hearing_status(view.status), view.venue) if p)
        if view.conclusion:
            summary += "\n" + _short(view.conclusion)
        entries.append(FeedEntry(id=url, title=view.subject, url=url, updated=view.updated_at, summary=summary,
                                 author=localized_name(view.department) if view.department else "",
                                 category=view.status))
    return _answer(_feed(_("Hearings"), url_for("hearings.schedule", _external=True)), entries)
