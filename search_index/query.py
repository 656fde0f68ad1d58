"""User query → results. Never raises on user input.

Query language (deliberately small): words are ANDed; "quoted text" is a phrase; upper-case
AND / OR / NOT and parentheses work. Field syntax (``status:x``), wildcards, ranges and
boosts are disabled: filters come through ``filters=`` only. Anything the parser dislikes
falls back to a plain AND of the words, flagged with ``error_message_key="syntax"``.

Unspaced Chinese is split into jieba words *before* Whoosh spreads a word over the text
fields, so 公积金提取 means (公积金 in any field) AND (提取 in any field), not both in the
same field. Each such word also matches, as an alternative, every document holding its
characters in a row (the AND of its character bigrams in one gram field), so a fragment is
found wherever jieba cut the document: 沙溪炼油厂 finds 沙溪 / 炼油厂 and 泥沙 / 溪 alike.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from whoosh import query as wq
from whoosh.qparser import MultifieldParser, plugins, syntax
from whoosh.qparser.default import QueryParser

from .analysis import ChineseAnalyzer, ChineseTokenizer, edge_grams, is_edge_gram, outside_runs, query_grams
from .highlight import best_snippet, mark, match_spans, term_pattern
from .schema import GRAM_FIELDS, KEYWORD_FIELDS, TEXT_FIELDS, build_schema
from .ranking import preferred_queries

if TYPE_CHECKING:
    from .store import SearchIndex

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 200
MAX_PER_PAGE = 100
SORTS = ("relevance", "newest", "supported")
STORED_TEXT_ONLY = ("body", "reply", "conversion", "conclusion")  # left out of Hit.fields


@dataclass
class Hit:
    doc_id: str
    kind: str
    object_id: int | None
    url_path: str
    title_html: str
    snippet_html: str
    score: float | None = None
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str(self.fields.get("title", ""))

    @property
    def status(self) -> str | None:
        return self.fields.get("status")


@dataclass
class SearchResults:
    query: str
    total: int = 0
    page: int = 1
    pages: int = 1
    per_page: int = 20
    sort: str = "relevance"
    hits: list[Hit] = field(default_factory=list)
    # facet name → [(value, count)], most frequent first, over all matches of query + filters
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    available: bool = True
    error_message_key: str | None = None  # "empty" | "too_long" | "syntax" | "unavailable"


# ----- parsing ----------------------------------------------------------------------
_word_analyzer = ChineseAnalyzer()


def _words_anywhere(text: str) -> list[wq.Query]:
    """Each query word of ``text`` in any text field (for the letters/digits between runs)."""
    return [wq.Or([wq.Term(f, word) for f in TEXT_FIELDS]) for word in
            (t.text for t in _word_analyzer(text, mode="query"))]


def gram_query(text: str) -> wq.Query | None:
    """Documents holding ``text``'s runs of characters verbatim (in one field each); None if no run.

    Letters and digits set apart from the runs (``2019`` in ``2019-沙溪``) must be there as words.
    """
    runs = query_grams(text)
    if not runs:
        return None
    parts: list[wq.Query] = []
    for grams in runs:
        if len(grams) == 1 and len(grams[0]) == 1:  # one character: any bigram starting with it
            parts.append(wq.Or([wq.Prefix(f, grams[0]) for f in GRAM_FIELDS]))
        else:
            parts.append(wq.Or([wq.And([wq.Term(f, g) for g in grams]) for f in GRAM_FIELDS]))
    parts.extend(_words_anywhere(outside_runs(text)))
    required = parts[0] if len(parts) == 1 else wq.And(parts)
    edges = edge_grams(text)
    if not edges:
        return required
    # The punctuation typed beside a run only ranks: a document holding it, next to all of the
    # runs' bigrams in one field, comes first (see ranking.preferred_queries).
    bigrams = [g for grams in runs for g in grams if len(g) > 1]
    verbatim = [wq.Or([wq.And([wq.Term(f, g) for g in bigrams] + [wq.Term(f, edge)]) for f in GRAM_FIELDS])
                for edge in edges]
    return wq.AndMaybe(required, verbatim[0] if len(verbatim) == 1 else wq.Or(verbatim))


class _Prebuilt(syntax.SyntaxNode):
    """A syntax node standing for a query built here (the parser's field plugins leave it alone)."""

    def __init__(self, q: wq.Query, startchar: int | None, endchar: int | None) -> None:
        self.q = q
        self.startchar, self.endchar = startchar, endchar

    def r(self) -> str:
        return repr(self.q)

    def query(self, parser: QueryParser) -> wq.Query:
        return self.q


class _ChineseWordsPlugin(plugins.Plugin):
    """Split each unquoted word node into its jieba words (ANDed), or its characters in a row."""

    _tokenizer = ChineseTokenizer()

    def filters(self, parser: QueryParser) -> list[tuple[Any, int]]:
        return [(self._split, 105)]  # before MultifieldPlugin copies nodes per field (110)

    def _split(self, parser: QueryParser, group: syntax.GroupNode) -> syntax.GroupNode:
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self._split(parser, node)
            elif isinstance(node, syntax.WordNode):
                words = [t.text for t in self._tokenizer(node.text, mode="query")]
                replacement: syntax.SyntaxNode = node
                if len(words) > 1:
                    parts = []
                    for word in words:
                        part = syntax.WordNode(word)
                        # Whoosh copies these onto the query; keep the original's span
                        part.startchar, part.endchar = node.startchar, node.endchar
                        parts.append(part)
                    replacement = syntax.AndGroup(parts)
                grams = gram_query(node.text)
                if grams is not None and words:
                    replacement = syntax.OrGroup([replacement, _Prebuilt(grams, node.startchar, node.endchar)])
                group[i] = replacement
        return group


@lru_cache(maxsize=2)
def _parser(plain: bool) -> QueryParser:
    parser = MultifieldParser(list(TEXT_FIELDS), build_schema(), group=syntax.AndGroup)
    unwanted: list[type] = [
        plugins.FieldsPlugin, plugins.WildcardPlugin, plugins.RangePlugin,
        plugins.SingleQuotePlugin, plugins.BoostPlugin, plugins.EveryPlugin,
    ]
    if plain:
        unwanted += [plugins.PhrasePlugin, plugins.GroupPlugin, plugins.OperatorsPlugin]
    for plugin_class in unwanted:
        parser.remove_plugin_class(plugin_class)
    parser.add_plugin(_ChineseWordsPlugin())
    return parser


_QUOTES = str.maketrans({"“": '"', "”": '"', "＂": '"', "「": '"', "」": '"', "『": '"', "』": '"'})
_OPERATOR = re.compile(r"^(AND|OR|NOT|ANDNOT|ANDMAYBE)$")
_SYNTAX_CHARS = re.compile(r'["()*:^~\[\]{}\\]')


_QUOTED = re.compile(r'"[^"]*"')
_SPACE_BETWEEN_HAN = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def _join_quoted_chinese(text: str) -> str:
    # Chinese has no spaces: "拖欠 工资" in quotes means the phrase 拖欠工资, which jieba
    # may index as one word. Joining lets the analyzer segment it as it did the documents.
    return _QUOTED.sub(lambda m: _SPACE_BETWEEN_HAN.sub("", m.group(0)), text)


def _looks_malformed(text: str) -> bool:
    if text.count('"') % 2 or text.count("(") != text.count(")"):
        return True
    words = text.replace("(", " ( ").replace(")", " ) ").split()
    for i, word in enumerate(words):
        if _OPERATOR.match(word):
            prev = words[i - 1] if i else None
            nxt = words[i + 1] if i + 1 < len(words) else None
            if nxt is None or nxt == ")" or _OPERATOR.match(nxt) and nxt != "NOT":
                return True
            if word != "NOT" and (prev is None or prev == "(" or _OPERATOR.match(prev)):
                return True
    return False


def parse_user_query(text: str) -> tuple[wq.Query | None, str | None]:
    """(query or None for "match everything", error key or None). Never raises."""
    text = _join_quoted_chinese((text or "").translate(_QUOTES).strip())
    if not text:
        return None, "empty"
    key = None
    if len(text) > MAX_QUERY_CHARS:
        text, key = text[:MAX_QUERY_CHARS], "too_long"
    q: wq.Query | None = None
    if not _looks_malformed(text):
        try:
            q = _parser(False).parse(text)
        except Exception:  # whoosh raises assorted errors on odd input
            q = None
    if q is None or q is wq.NullQuery and any(ch.isalnum() for ch in text):
        plain = _SYNTAX_CHARS.sub(" ", text)
        plain = " ".join(w for w in plain.split() if not _OPERATOR.match(w))
        key = key or "syntax"
        try:
            q = _parser(True).parse(plain) if plain else wq.NullQuery
        except Exception:
            q = wq.NullQuery
    if q is wq.NullQuery or q is None:
        return wq.NullQuery, key or "empty"  # e.g. only punctuation: nothing can match
    return q, key


def highlight_terms(q: wq.Query | None) -> set[str]:
    """Analysed text terms of ``q`` worth marking (terms under NOT are absent from hits)."""
    if q is None:
        return set()
    negated: set[Any] = set()
    stack = [q]
    while stack:
        node = stack.pop()
        if isinstance(node, wq.Not):
            negated.update(t for _, t in node.iter_all_terms(phrases=True))
        else:
            stack.extend(node.children())
    terms = {
        text if isinstance(text, str) else text.decode("utf-8")
        for fieldname, text in q.iter_all_terms(phrases=True)
        if fieldname in TEXT_FIELDS and text not in negated
    }
    return terms | _gram_runs(q, negated)


def _gram_runs(q: wq.Query, negated: set[Any]) -> set[str]:
    """The character runs a query's gram clauses look for, so the highlight covers the fragment.

    An AND of one field's bigrams (沙溪, 溪炼, 炼油, 油厂) is chained back into its run (沙溪炼油厂).
    """
    runs: set[str] = set()
    stack = [q]
    while stack:
        node = stack.pop()
        if isinstance(node, wq.Not):
            continue
        if isinstance(node, (wq.Term, wq.Prefix)) and node.field() in GRAM_FIELDS:
            if node.text not in negated and not is_edge_gram(node.text):  # the mark may be any punctuation
                runs.add(node.text)
            continue
        children = list(node.children())
        if isinstance(node, wq.And) and children and all(
            type(c) is wq.Term and c.field() in GRAM_FIELDS for c in children
        ):
            grams = [c.text for c in children]
            run = grams[0]
            for gram in grams[1:]:
                if run[-1] == gram[0]:
                    run += gram[1:]
                else:
                    runs.add(run)
                    run = gram
            runs.add(run)
            continue
        stack.extend(children)
    return runs


def filter_query(filters: Mapping[str, Any] | None, kinds: Sequence[str] | None) -> wq.Query | None:
    clauses: list[wq.Query] = []
    for name, value in dict(filters or {}).items():
        if name not in KEYWORD_FIELDS:
            log.debug("search_index: ignoring unknown filter %r", name)
            continue
        values = [value] if isinstance(value, (str, int)) else list(value or ())
        values = [str(v) for v in values if v is not None and str(v) != ""]
        if values:
            clauses.append(wq.Or([wq.Term(name, v) for v in values]))
    if kinds:
        clauses.append(wq.Or([wq.Term("kind", k) for k in kinds]))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else wq.And(clauses)


# ----- running ----------------------------------------------------------------------
def new_results(q: str | None, sort: str, page: int, per_page: int) -> tuple[SearchResults, wq.Query | None]:
    """Empty results for a request with its page, size and sort made valid (either backend),
    and the parsed words (None without any)."""
    page = max(1, int(page or 1))
    per_page = min(MAX_PER_PAGE, max(1, int(per_page or 20)))
    sort = sort if sort in SORTS else "relevance"
    user_q, key = parse_user_query(q or "")
    if user_q is None and sort == "relevance":
        sort = "newest"  # nothing to rank by: newest first
    return SearchResults(query=q or "", page=page, per_page=per_page, sort=sort, error_message_key=key), user_q


def run_search(
    index: SearchIndex,
    q: str | None,
    *,
    filters: Mapping[str, Any] | None = None,
    kinds: Sequence[str] | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> SearchResults:
    from .store import IndexUnavailable

    results, user_q = new_results(q, sort, page, per_page)
    filter_q = filter_query(filters, kinds)
    try:
        with index._leased() as lease:
            _fill(results, lease, user_q, filter_q)
    except IndexUnavailable as exc:
        log.warning("search index unavailable: %s", exc)
        results.available, results.error_message_key = False, "unavailable"
    return results


def _fill(results: SearchResults, lease: Any, user_q: wq.Query | None, filter_q: wq.Query | None) -> None:
    searcher, columns = lease.searcher, lease.columns
    parts = [p for p in (user_q, filter_q) if p is not None]
    combined = wq.Every() if not parts else parts[0] if len(parts) == 1 else wq.And(parts)
    matched = lease.docsets.of(combined)
    results.total = len(matched)
    results.pages = max(1, math.ceil(results.total / results.per_page))
    # Without words the counts depend only on the filters: the same for every visitor.
    results.facets = columns.facet_counts(matched, cache_key=combined if user_q is None else None)
    first = (results.page - 1) * results.per_page
    wanted = first + results.per_page
    if first >= results.total:
        return
    if results.sort == "relevance" and user_q is not None:
        preferred = [lease.docsets.of(pq) for pq in preferred_queries(user_q)]
        page_docs: list[tuple[int, float | None]] = list(
            lease.ranker.top(user_q, matched, wanted, preferred)[first:wanted])
    else:
        page_docs = [(d, None) for d in columns.top(matched, results.sort, wanted)[first:wanted]]
    pattern = term_pattern(highlight_terms(user_q))
    for docnum, score in page_docs:
        results.hits.append(make_hit(searcher.stored_fields(docnum), pattern, score))


def make_hit(stored: Mapping[str, Any], pattern: re.Pattern[str] | None, score: float | None) -> Hit:
    title = str(stored.get("title", ""))
    return Hit(
        doc_id=stored["doc_id"],
        kind=stored.get("kind", ""),
        object_id=stored.get("object_id"),
        url_path=stored.get("url_path", ""),
        title_html=mark(title, match_spans(title, pattern)),
        snippet_html=best_snippet(stored, pattern),
        score=score,
        fields=_public_fields(stored),
    )


def _public_fields(stored: Mapping[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in stored.items() if k not in STORED_TEXT_ONLY}
    if "conversion_types" in fields:
        fields["conversion_types"] = [v for v in str(fields["conversion_types"]).split(",") if v]
    return fields
