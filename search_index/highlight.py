"""HTML-safe highlighting: everything escaped, matches wrapped in ``<mark>``.

We do not re-run jieba or OpenCC on result texts (20 hits × a few hundred characters would cost more
than the search itself). Instead we find the query's analysed terms in the text folded
character by character to Simplified script, ignoring case. For Chinese that marks the term wherever it occurs, including inside a
longer word (公积金 in 住房公积金), which is what the reader wants to see. Stemmed English
terms ("park") are widened to the whole word ("parking").
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping

from .analysis import fold_chars
from .schema import SNIPPET_FIELDS

SNIPPET_CHARS = 120
_ASCII_WORD = re.compile(r"[A-Za-z0-9_]")


def term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted({t for t in terms if t}, key=len, reverse=True)  # longest match first
    if not ordered:
        return None
    return re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE)


def match_spans(text: str, pattern: re.Pattern[str] | None) -> list[tuple[int, int]]:
    if pattern is None or not text:
        return []
    folded = fold_chars(text)  # same length as text, so match offsets are text offsets
    spans: list[tuple[int, int]] = []
    for match in pattern.finditer(folded):
        start, end = match.span()
        if _ASCII_WORD.match(folded, start):
            while start > 0 and _ASCII_WORD.match(folded, start - 1):
                start -= 1
            while end < len(folded) and _ASCII_WORD.match(folded, end):
                end += 1
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def mark(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """Escaped ``text[start:end]`` with the spans inside it wrapped in <mark>."""
    end = len(text) if end is None else end
    out: list[str] = []
    cursor = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append(html.escape(text[cursor:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        cursor = e
    out.append(html.escape(text[cursor:end]))
    return "".join(out)


def _best_window(text: str, spans: list[tuple[int, int]], width: int) -> int:
    """Start of the ``width``-character window holding most matches (some context before)."""
    best_start, best_count = 0, -1
    for s, _ in spans:
        start = max(0, min(s - width // 6, len(text) - width))
        count = sum(1 for a, b in spans if a >= start and b <= start + width)
        if count > best_count:
            best_start, best_count = start, count
    return best_start


def snippet(text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS) -> str:
    if len(text) <= width:
        return mark(text, spans)
    start = _best_window(text, spans, width) if spans else 0
    end = min(len(text), start + width)
    return ("…" if start > 0 else "") + mark(text, spans, start, end) + ("…" if end < len(text) else "")


def best_snippet(fields: Mapping[str, object], pattern: re.Pattern[str] | None) -> str:
    """Snippet from the text field with most matches; the start of the body if none match."""
    best: tuple[int, str, list[tuple[int, int]]] | None = None
    for name in SNIPPET_FIELDS:
        text = fields.get(name)
        if not isinstance(text, str) or not text:
            continue
        spans = match_spans(text, pattern)
        if best is None or len(spans) > best[0]:
            best = (len(spans), text, spans)
    if best is None:
        return ""
    return snippet(best[1], best[2])
