"""Public search over suggestions, outcomes and hearings, and the similar-suggestions endpoint.

Importing this module (the app factory registers every blueprint) also installs the search
outbox listeners of `portal.services.search_sync`.
"""
from __future__ import annotations

from datetime import timezone
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from portal import caching, labels
from portal.extensions import db
from portal.i18n import localized_name
from portal.inputs import page_arg
from portal.models import Category, Department, District
from portal.ratelimits import client_address, limit
from portal.security import public
from portal.services.search import similar_suggestions
from portal.services.search_sync import get_index

bp = Blueprint("search", __name__)
search_limit = limit("SEARCH_ADDRESS", client_address, methods=None)

PER_PAGE = 20
MAX_FILTER_CHARS = 60
# Facets in the order the page shows them, with their headings.
FACETS = {
    "kind": _l("Type"),
    "status": _l("Status"),
    "decision": _l("Decision"),
    "conversion_types": _l("What it became"),
    "department": _l("Department"),
    "category": _l("Category"),
    "district": _l("District"),
    "year": _l("Year"),
}
SORTS = {
    "relevance": _l("Best match"),
    "newest": _l("Newest"),
    "supported": _l("Most supported"),
}
# The search_index package's error_message_key → what the visitor reads.
MESSAGES = {
    "empty": _l("Type a word or two to search. Meanwhile, here is everything, newest first."),
    "too_long": _l("Your search was very long, so only its first 200 characters were used."),
    "syntax": _l("Part of your search could not be understood (an unmatched quote or bracket, or a "
                 "misplaced AND/OR/NOT), so we searched for the words themselves."),
    "unavailable": _l("Search is temporarily unavailable. Please try again in a few minutes; "
                      "the suggestion pages themselves work as usual."),
}
REFERENCE_MODELS = {"department": Department, "category": Category, "district": District}


def _filters() -> dict[str, str]:
    return {name: value[:MAX_FILTER_CHARS] for name in FACETS
            if (value := request.args.get(name, "").strip())}


def _references(facets: dict[str, list[tuple[str, int]]], hits: list[Any]) -> dict[str, dict[str, Any]]:
    """slug → Department/Category/District for every slug on the page, to show localized names."""
    found: dict[str, dict[str, Any]] = {}
    for name, model in REFERENCE_MODELS.items():
        slugs = {value for value, _count in facets.get(name, [])}
        slugs |= {hit.fields.get(name) for hit in hits if hit.fields.get(name)}
        slugs |= {request.args.get(name, "")} - {""}
        found[name] = ({obj.slug: obj for obj in db.session.scalars(select(model).where(model.slug.in_(slugs)))}
                       if slugs else {})
    return found


def _value_label(name: str, value: str, references: dict[str, dict[str, Any]]) -> str:
    if name == "kind":
        return labels.search_kind(value)
    if name == "status":
        return labels.status(value)
    if name == "decision":
        return labels.decision(value)
    if name == "conversion_types":
        return labels.conversion_type(value)
    if name in REFERENCE_MODELS:
        obj = references[name].get(value)
        return localized_name(obj) if obj is not None else value
    return value


# Where each kind of result lives: endpoint and its id argument.
HIT_ENDPOINTS = {"suggestion": ("suggestions.detail", "suggestion_id"), "hearing": ("hearings.hearing", "hearing_id")}


def _hit_url(hit: Any) -> str:
    endpoint = HIT_ENDPOINTS.get(hit.kind)
    if endpoint is None or hit.object_id is None:
        return hit.url_path or "#"  # a kind this portal does not know yet: the path it was indexed with
    name, argument = endpoint
    return url_for(name, **{argument: hit.object_id})


def _hit_view(hit: Any, references: dict[str, dict[str, Any]]) -> dict[str, Any]:
    fields = hit.fields
    when = fields.get("event_at") if hit.kind == "hearing" else fields.get("published_at")
    return {
        "kind": hit.kind,
        "kind_label": labels.search_kind(hit.kind),
        "url": _hit_url(hit),
        # The package escapes everything and adds only <mark>: safe to render as HTML.
        "title_html": Markup(hit.title_html),
        "snippet_html": Markup(hit.snippet_html),
        "status": _value_label("status", fields["status"], references) if fields.get("status") else "",
        "decision": labels.decision(fields.get("decision")) if fields.get("decision") else "",
        "conversion_types": [labels.conversion_type(t) for t in fields.get("conversion_types", [])],
        "department": _value_label("department", fields["department"], references) if fields.get("department") else "",
        "when": when.replace(tzinfo=timezone.utc) if when is not None else None,
        "support_count": fields.get("support_count"),
        "tracking_number": fields.get("tracking_number", ""),
        "author": fields.get("author_display", ""),
    }


@bp.get("/search")
@public
@search_limit
# Anonymous visitors asking the same thing share one rendered page for up to 30 s (a popular
# word at 50 requests a second costs one search, not fifty). The index's changes retire it: the
# writer deleting its outbox rows (Whoosh), or the change's own commit (PostgreSQL search).
@caching.public_page(timeout=30)
def search():
    q = request.args.get("q", "")
    filters = _filters()
    sort = request.args.get("sort", "relevance")
    sort = sort if sort in SORTS else "relevance"
    index = get_index()
    results = index.search(q, filters=filters, sort=sort, page=page_arg(), per_page=PER_PAGE)
    if not results.available:
        caching.not_shareable()
    # A filtered facet would list only its chosen value; count its other values without that
    # filter, so the visitor can switch (e.g. from one department to another) in one click.
    for name in filters if results.available else ():
        others = {k: v for k, v in filters.items() if k != name}
        results.facets[name] = index.search(q, filters=others, page=1, per_page=1).facets.get(name, [])
    references = _references(results.facets, results.hits)
    base_args = {"q": q, **filters} if q else dict(filters)
    if results.sort != "relevance":
        base_args["sort"] = results.sort

    def link(**changes: str | None) -> str:
        args = {**base_args, **changes}
        return url_for("search.search", **{k: v for k, v in args.items() if v})

    facets = []
    for name, heading in FACETS.items():
        counted = results.facets.get(name, [])
        if name == "year":
            counted = sorted(counted, reverse=True)  # a timeline reads newest first
        values = [{"label": _value_label(name, value, references), "count": count,
                   "url": link(**{name: None if filters.get(name) == value else value}),
                   "active": filters.get(name) == value}
                  for value, count in counted if value]
        if values:
            facets.append({"name": name, "heading": heading, "options": values})
    active = [{"heading": FACETS[name], "label": _value_label(name, value, references), "remove_url": link(**{name: None})}
              for name, value in filters.items()]
    sorts = [{"code": code, "label": label, "url": link(sort=None if code == "relevance" else code),
              "current": code == results.sort} for code, label in SORTS.items()
             if code != "relevance" or q.strip()]
    message = MESSAGES.get(results.error_message_key or "")
    if results.error_message_key == "empty" and not q.strip() and filters:
        message = None  # browsing by facets alone is not a mistake
    return render_template(
        "search/search.html", q=q, results=results, hits=[_hit_view(h, references) for h in results.hits],
        facets=facets, active=active, sorts=sorts, message=message,
        page_args=base_args,
    )


@bp.get("/search/similar")
@public
@search_limit
def similar():
    """JSON for similar.js: public suggestions like the draft text (GET ?text=…)."""
    text = request.args.get("text", "")
    results = []
    for item in similar_suggestions(text, limit=5):
        url = (url_for("suggestions.detail", suggestion_id=item.id)
               if "suggestions.detail" in current_app.view_functions else item.url_path)
        results.append({"id": item.id, "title": item.title, "url": url, "status": item.status,
                        "status_label": labels.status(item.status)})
    return jsonify(results=results)

