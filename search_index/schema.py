"""The index schema and the document contract with the portal.

Documents are plain dicts built by the portal from public data only. As a second line of
defence, :func:`prepare_document` keeps only the keys declared here: anything else (say an
``author_phone`` slipped in by mistake) is dropped and never reaches the index.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from .analysis import ChineseAnalyzer, CharGramAnalyzer

log = logging.getLogger(__name__)

# Searchable text, in the order snippets are looked for.
TEXT_FIELDS: tuple[str, ...] = ("title", "body", "reply", "conversion", "conclusion", "place")
SNIPPET_FIELDS: tuple[str, ...] = ("body", "reply", "conversion", "conclusion", "place")
# Exact-value fields usable in ``filters=`` and counted as facets.
KEYWORD_FIELDS: tuple[str, ...] = (
    "kind", "status", "decision", "department", "category", "district", "year",
    "tracking_number", "conversion_types",
)
FACET_FIELDS: tuple[str, ...] = (
    "kind", "status", "decision", "department", "category", "district", "year", "conversion_types",
)
MULTI_VALUED: frozenset[str] = frozenset({"conversion_types"})
DATETIME_FIELDS: tuple[str, ...] = ("published_at", "event_at")
KINDS: tuple[str, ...] = ("suggestion", "hearing")
TITLE_BOOST = 3.0
# Character bigrams (see analysis.py), derived from the text fields in prepare_document:
# gram field → the text fields it is made of. Bigrams of a fragment must all be in one field.
GRAM_SOURCES: dict[str, tuple[str, ...]] = {
    "title_grams": ("title",),
    "text_grams": ("body", "reply", "conversion", "conclusion", "place"),
}
GRAM_FIELDS: tuple[str, ...] = tuple(GRAM_SOURCES)
# Bigram matches count for less than word matches, so a document holding the query's words
# ranks above one that only holds its characters in a row across word boundaries.
GRAM_BOOST = 0.5
# Fields whose terms score a document (words and grams).
SCORED_FIELDS: tuple[str, ...] = TEXT_FIELDS + GRAM_FIELDS


def build_schema() -> Schema:
    text = dict(analyzer=ChineseAnalyzer(), stored=True, phrase=True, multitoken_query="and")
    # multitoken_query="and": an unspaced Chinese query word that jieba splits (公积金提取 →
    # 公积金, 提取) must match documents holding all parts, whatever the parser's default group
    # is. Quoted text becomes a Phrase regardless of this setting (PhrasePlugin).
    return Schema(
        doc_id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        object_id=NUMERIC(int, bits=64, stored=True, signed=True),
        url_path=STORED(),
        title=TEXT(field_boost=TITLE_BOOST, **text),
        body=TEXT(**text),
        reply=TEXT(**text),
        conversion=TEXT(**text),
        place=TEXT(**text),
        conclusion=TEXT(**text),
        # Not stored, no positions: only membership and frequency of bigrams are needed.
        title_grams=TEXT(analyzer=CharGramAnalyzer(), phrase=False, field_boost=TITLE_BOOST * GRAM_BOOST),
        text_grams=TEXT(analyzer=CharGramAnalyzer(), phrase=False, field_boost=GRAM_BOOST),
        status=ID(stored=True),
        decision=ID(stored=True),
        department=ID(stored=True),
        category=ID(stored=True),
        district=ID(stored=True),
        year=ID(stored=True),
        tracking_number=ID(stored=True),
        conversion_types=KEYWORD(stored=True, commas=True, scorable=False),
        published_at=DATETIME(stored=True, sortable=True),
        event_at=DATETIME(stored=True),
        support_count=NUMERIC(int, bits=64, stored=True, sortable=True),
        author_display=STORED(),
        fingerprint=STORED(),
    )


# What the portal may give; the gram fields are derived here, never given.
ALLOWED_KEYS: frozenset[str] = frozenset(build_schema().names()) - frozenset(GRAM_FIELDS)


class InvalidDocument(ValueError):
    """A document lacks ``doc_id`` or has a value of the wrong type."""


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    raise InvalidDocument(f"not a datetime: {type(value).__name__}")


def _as_keywords(value: Any) -> str:
    # Whoosh KEYWORD(commas=True) splits on commas; accept a list or "a, b" / "a b".
    if isinstance(value, str):
        parts = value.replace(",", " ").split()
    elif isinstance(value, Iterable):
        parts = [str(v).strip() for v in value]
    else:
        raise InvalidDocument("conversion_types must be a list or a string")
    return ",".join(p for p in parts if p)


def prepare_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Whoosh field values for ``doc``: unknown keys dropped, None dropped, types normalised."""
    unknown = sorted(set(doc) - ALLOWED_KEYS)
    if unknown:
        # Log key names only, never values: they may be exactly what must not leak.
        log.warning("search_index: dropping undeclared document keys %s", unknown)
    doc_id = doc.get("doc_id")
    if not isinstance(doc_id, str) or not doc_id:
        raise InvalidDocument("doc_id must be a non-empty string")
    fields: dict[str, Any] = {}
    for key in ALLOWED_KEYS & set(doc):
        value = doc[key]
        if value is None or value == "":
            continue
        if key in DATETIME_FIELDS:
            value = _as_datetime(value)
        elif key in ("object_id", "support_count"):
            value = int(value)
        elif key in MULTI_VALUED:
            value = _as_keywords(value)
        elif key in ("url_path", "author_display", "fingerprint"):
            value = str(value)
        else:
            value = str(value)  # text and keyword fields; year may arrive as an int
        fields[key] = value
    for gram_field, sources in GRAM_SOURCES.items():
        # A line break between fields ends a run: no bigram spans two fields.
        text = "\n".join(fields[name] for name in sources if name in fields)
        if text:
            fields[gram_field] = text
    return fields
