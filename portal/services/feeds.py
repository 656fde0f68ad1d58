"""Atom feeds (RFC 4287), built with feedgen from public views only.

The caller names the feed and gives absolute URLs; entries are plain `FeedEntry` values made
from public views, so nothing unmasked can reach a feed reader.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Optional

from feedgen.feed import FeedGenerator
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.models import Conversion, Hearing, PUBLIC_STATUSES, Suggestion
from portal.services import public_views

FEED_SIZE = 30


@dataclass(frozen=True)
class FeedEntry:
    id: str  # a permanent URL or tag URI: feed readers key on it
    title: str
    url: str
    updated: datetime
    summary: str
    author: str = ""
    category: str = ""


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    self_url: str
    page_url: str
    author: str
    subtitle: str = ""
    language: str = "zh-Hans"


# Characters XML 1.0 cannot carry (control characters but tab and line breaks, the two
# non-characters U+FFFE/U+FFFF, lone surrogates). feedgen refuses them with a ValueError; a search
# feed's title holds whatever the visitor typed (an escape sequence, say).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def atom(feed: Feed, entries: Iterable[FeedEntry], fallback_updated: datetime) -> bytes:
    entries = list(entries)
    generator = FeedGenerator()
    generator.id(feed.id)
    generator.title(_xml_text(feed.title))
    if feed.subtitle:
        generator.subtitle(_xml_text(feed.subtitle))
    generator.link(href=feed.self_url, rel="self", type="application/atom+xml")
    generator.link(href=feed.page_url, rel="alternate", type="text/html")
    generator.author({"name": _xml_text(feed.author)})
    generator.language(feed.language)
    generator.updated(max((e.updated for e in entries), default=fallback_updated))
    for item in entries:
        entry = generator.add_entry(order="append")
        entry.id(item.id)
        entry.title(_xml_text(item.title))
        entry.link(href=item.url, rel="alternate", type="text/html")
        entry.updated(item.updated)
        if item.summary:
            entry.summary(_xml_text(item.summary))
        if item.author:
            entry.author({"name": _xml_text(item.author)})
        if item.category:
            entry.category(term=_xml_text(item.category))
    return generator.atom_str(pretty=False)


# --- what the feeds list -----------------------------------------------------------------------

_PUBLIC = [s.value for s in PUBLIC_STATUSES]


def published_outcomes(session: Session, *, department_id: Optional[int] = None, category_id: Optional[int] = None,
                       district_id: Optional[int] = None, call_id: Optional[int] = None,
                       limit: int = FEED_SIZE) -> list[public_views.PublicSuggestion]:
    """The newest published decisions, with their answers and conversions, as public views."""
    query = (select(Suggestion)
             .where(Suggestion.status.in_(_PUBLIC), Suggestion.published_at.is_not(None))
             .order_by(Suggestion.published_at.desc(), Suggestion.id.desc()).limit(limit)
             .options(selectinload(Suggestion.replies), selectinload(Suggestion.lead_department),
                      selectinload(Suggestion.category), selectinload(Suggestion.district),
                      selectinload(Suggestion.author),
                      selectinload(Suggestion.conversions).selectinload(Conversion.outcomes),
                      selectinload(Suggestion.conversions).selectinload(Conversion.progress)))
    if department_id is not None:
        query = query.where(Suggestion.lead_department_id == department_id)
    if category_id is not None:
        query = query.where(Suggestion.category_id == category_id)
    if district_id is not None:
        query = query.where(Suggestion.district_id == district_id)
    if call_id is not None:
        query = query.where(Suggestion.themed_call_id == call_id)
    return [public_views.public_suggestion(s, with_replies=True, with_conversions=True)
            for s in session.scalars(query)]


def newest_in_call(session: Session, call_id: int, limit: int = FEED_SIZE) -> list[public_views.PublicSuggestion]:
    """Public suggestions made to a themed call, newest accepted first."""
    query = (select(Suggestion)
             .where(Suggestion.status.in_(_PUBLIC), Suggestion.themed_call_id == call_id)
             .order_by(Suggestion.id.desc()).limit(limit)
             .options(selectinload(Suggestion.lead_department), selectinload(Suggestion.category),
                      selectinload(Suggestion.district), selectinload(Suggestion.author)))
    return [public_views.public_suggestion(s) for s in session.scalars(query)]


def public_suggestions_by_id(session: Session, ids: list[int]) -> list[public_views.PublicSuggestion]:
    """Public views of these suggestions, in the order given (e.g. a search's ranking)."""
    if not ids:
        return []
    query = (select(Suggestion).where(Suggestion.id.in_(ids), Suggestion.status.in_(_PUBLIC))
             .options(selectinload(Suggestion.lead_department), selectinload(Suggestion.category),
                      selectinload(Suggestion.district), selectinload(Suggestion.author)))
    rows = {s.id: s for s in session.scalars(query)}
    return [public_views.public_suggestion(rows[i]) for i in ids if i in rows]


def newest_hearings(session: Session, limit: int = FEED_SIZE) -> list[public_views.PublicHearing]:
    query = (select(Hearing).order_by(Hearing.updated_at.desc(), Hearing.id.desc()).limit(limit)
             .options(selectinload(Hearing.department), selectinload(Hearing.suggestion)))
    return [public_views.public_hearing(h) for h in session.scalars(query)]
