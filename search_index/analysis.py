"""Chinese-aware text analysis for Whoosh.

Pipeline: fold Traditional script into Simplified (OpenCC ``t2s``), segment with jieba,
lower-case, stem English words.

Why a custom tokenizer instead of ``jieba.analyse.ChineseAnalyzer``: the latter emits
overlapping search-mode tokens and uses character offsets as positions, so phrase queries
never match. Ours keeps one position per accurate-mode word (so phrases work) and, at
index time only, adds the dictionary sub-words of long words at the *same* position as
their parent word (so 公积金 finds 住房公积金 / 公积金中心 without breaking phrases).

Whoosh pickles the analyzer into the index schema, so everything here is a top-level,
state-free class reachable as ``search_index.analysis.<Name>``: renaming or moving it
makes existing indexes unreadable (rebuild them if you must).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import warnings
from collections.abc import Iterator

from whoosh.analysis import LowercaseFilter, StemFilter, Token, Tokenizer
from whoosh.analysis.analyzers import CompositeAnalyzer

# jieba 0.42.1 imports pkg_resources (deprecated; setuptools warns on import) and its
# TF-IDF module leaves idf.txt unclosed. Silence exactly those two, only around the import,
# so a project running with ``-W error`` still sees every other warning.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=r".*pkg_resources is deprecated", category=Warning)
    warnings.filterwarnings("ignore", message=r"unclosed file .*idf\.txt", category=ResourceWarning)
    import jieba

from opencc import OpenCC

jieba.setLogLevel(logging.WARNING)  # jieba logs "Building prefix dict ..." at DEBUG/INFO

_init_lock = threading.Lock()
_t2s: OpenCC | None = None
_t2s_trigger: frozenset[str] | None = None


def warm_up() -> None:
    """Load jieba's dictionary (~1 s) and OpenCC's tables now rather than on first search."""
    global _t2s, _t2s_trigger
    with _init_lock:
        if _t2s is None:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=r"unclosed file", category=ResourceWarning)
                jieba.initialize()
                converter = OpenCC("t2s")
                converter.convert("預熱")  # its dictionaries load lazily on the first call
            _t2s_trigger = _conversion_trigger_chars()
            _t2s = converter


def _conversion_trigger_chars() -> frozenset[str] | None:
    """Characters whose presence can make t2s change a text; None if unknown.

    Most portal text is already Simplified, and pure-Python OpenCC is about as slow as
    jieba itself. If a text contains none of these characters the conversion is the
    identity, so we skip it. Built from OpenCC's own dictionaries: every key character
    that maps to something else, plus characters that change only inside a phrase
    (e.g. 覆 in 答覆 → 答复).
    """
    import opencc

    folder = os.path.join(os.path.dirname(opencc.__file__), "dictionary")
    trigger: set[str] = set()
    try:
        for name in ("TSCharacters.txt", "TSPhrases.txt"):
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                for line in handle:
                    key, _, values = line.rstrip("\n").partition("\t")
                    value = values.split(" ")[0]
                    if key == value:
                        continue
                    if len(key) == len(value):
                        trigger.update(k for k, v in zip(key, value) if k != v)
                    else:
                        trigger.update(key)
    except OSError:
        return None  # unknown layout: always convert (correct, just slower)
    return frozenset(trigger)


_char_table: dict[int, str] | None = None


def fold_chars(text: str) -> str:
    """Character-by-character t2s (no phrase rules): same length, C speed.

    For highlighting result texts, where offsets must line up with the original and full
    OpenCC conversion of 20 bodies per page would cost more than the search itself.
    """
    global _char_table
    if _char_table is None:
        _char_table = _load_char_table()
    return text.translate(_char_table)


def _load_char_table() -> dict[int, str]:
    import opencc

    table: dict[int, str] = {}
    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                key, _, values = line.rstrip("\n").partition("\t")
                value = values.split(" ")[0]
                if len(key) == 1 and len(value) == 1 and key != value:
                    table[ord(key)] = value
    except OSError:
        pass  # highlighting of Traditional text degrades; search itself is unaffected
    return table


def to_simplified(text: str) -> str:
    """Fold Traditional script into Simplified; cheap when there is nothing to fold."""
    if _t2s is None:
        warm_up()
    assert _t2s is not None
    if _t2s_trigger is not None and _t2s_trigger.isdisjoint(text):
        return text
    return _t2s.convert(text)


def _is_word(text: str) -> bool:
    # jieba returns punctuation and whitespace as "words"; they are not searchable.
    return any(ch.isalnum() for ch in text)


def sub_words(word: str) -> list[str]:
    """Dictionary words of length 2 and 3 inside ``word`` (what jieba's cut_for_search adds)."""
    if len(word) <= 2:
        return []
    freq = jieba.dt.FREQ
    found = []
    for size in (2, 3):
        if size >= len(word):
            break
        for i in range(len(word) - size + 1):
            gram = word[i : i + size]
            if freq.get(gram):
                found.append(gram)
    return found


class _StatelessTokenizer(Tokenizer):
    """A tokenizer without settings: any two of the same class are equal (Whoosh compares the
    schema's analyzers when it opens an index)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))


class ChineseTokenizer(_StatelessTokenizer):
    """Accurate-mode jieba words at consecutive positions; index mode adds sub-words.

    ``mode`` is passed by Whoosh: "index" while indexing, "query" while parsing queries.
    Character offsets refer to the text after t2s folding, which keeps the length of the
    text whenever OpenCC maps character for character (callers that highlight check this).
    """

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        text = to_simplified(value)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            # Whoosh asks for the whole value as one token (e.g. for exact terms).
            token.original = token.text = text
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(text)
            yield token
            return
        with_sub_words = mode != "query"
        pos = start_pos
        for word, start, end in jieba.tokenize(text):
            if not _is_word(word):
                continue
            pieces = sub_words(word) if with_sub_words else []
            pieces.append(word)
            for piece in pieces:
                token.text = piece
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = piece
                if positions:
                    token.pos = pos
                if chars:
                    # sub-words point at their own characters, so highlighting marks them exactly
                    offset = word.find(piece)
                    token.startchar = start_char + start + offset
                    token.endchar = token.startchar + len(piece)
                yield token
            pos += 1


def ChineseAnalyzer() -> CompositeAnalyzer:
    """The analyzer every text field uses: t2s + jieba, lower-case, English stemming."""
    return ChineseTokenizer() | LowercaseFilter() | StemFilter(lang="en")


def analyze(text: str, mode: str = "query") -> list[str]:
    """Token texts of ``text`` as the index or query side would see them (for tests/tools)."""
    return [t.text for t in ChineseAnalyzer()(text, mode=mode)]


# ----- character bigrams: recall that does not depend on where jieba cuts ------------------
#
# jieba may cut a document and a query differently (沙溪炼油厂 in a title is 沙溪 / 炼油厂, alone
# it is 沙溪 / 炼油 / 厂), so an AND of query words can miss a text that holds the query verbatim.
# Beside the words, every *run* (letters, digits and Han characters without a space or
# punctuation between them, holding at least one Han character) is indexed as overlapping
# character bigrams, as Lucene's CJKBigramFilter does; any contiguous fragment of two or more
# characters then matches by the AND of its bigrams. The last character of each run is also
# indexed alone, so a one-character query is a prefix search (a bigram starting with it, or a
# run ending with it) instead of an index of every unigram. Punctuation next to a run is kept
# as an edge gram (see ``edge_grams``), which ranks a verbatim match first.

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_RUN = re.compile(f"[0-9a-z{_HAN}]*[{_HAN}][0-9a-z{_HAN}]*")


# Punctuation beside a run. Every mark is folded into this one, so 慢？ and 慢, give the same gram.
PUNCTUATION_MARK = "，"


def gram_runs(text: str) -> list[str]:
    """The runs of ``text`` that get bigrams: folded to Simplified, lower-cased, with a Han character."""
    return _RUN.findall(to_simplified(text).lower())


def edge_grams(text: str) -> list[str]:
    """A run's first character after punctuation (，投) and its last before punctuation (慢，).

    Runs end at punctuation, so without these a fragment typed with its comma (进度怎么这么慢，)
    would rank the many titles ending in 进度怎么这么慢 as high as the one that goes on after a
    comma. Queries use them to rank, never to decide a match: a stray comma typed where the
    text has none must not hide it.
    """
    folded = to_simplified(text).lower()
    grams: list[str] = []
    for match in _RUN.finditer(folded):
        start, end = match.span()
        if start > 0 and not folded[start - 1].isspace():
            grams.append(PUNCTUATION_MARK + folded[start])
        if end < len(folded) and not folded[end].isspace():
            grams.append(folded[end - 1] + PUNCTUATION_MARK)
    return grams


def is_edge_gram(gram: str) -> bool:
    return PUNCTUATION_MARK in gram


def outside_runs(text: str) -> str:
    """``text`` without its runs: the letters, digits and punctuation matched as words instead."""
    return _RUN.sub(" ", to_simplified(text).lower())


def run_grams(run: str) -> list[str]:
    """Bigrams of one run, in order; a one-character run is that character."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_grams(text: str) -> list[str]:
    """What a gram field indexes for ``text``: each run's bigrams and its last character, then
    the edge grams."""
    grams: list[str] = []
    for run in gram_runs(text):
        if len(run) > 1:
            grams.extend(run_grams(run))
        grams.append(run[-1])
    return grams + edge_grams(text)


def query_grams(text: str) -> list[list[str]]:
    """Per run of a query, the grams a document must all hold (in one field) to contain the run.

    A run of one character is ``[character]`` and means "any gram starting with it".
    """
    return [run_grams(run) for run in gram_runs(text)]


def index_terms(text: str) -> list[str]:
    """The word terms a text field indexes (jieba words, sub-words, lower-cased, stemmed)."""
    return analyze(text, mode="index")


def query_terms(text: str) -> list[str]:
    """The word terms a query looks for: accurate-mode words, lower-cased, stemmed."""
    return analyze(text, mode="query")


class CharGramTokenizer(_StatelessTokenizer):
    """Tokens of :func:`index_grams` (index mode) or the bigrams of each run (query mode)."""

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if tokenize:
            grams = index_grams(value) if mode != "query" else [g for run in query_grams(value) for g in run]
        else:
            grams = [to_simplified(value).lower()]
        for pos, gram in enumerate(grams, start_pos):
            token.text = gram
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = gram
            if positions:
                token.pos = pos
            if chars:  # offsets are not tracked: highlighting finds the query's runs itself
                token.startchar, token.endchar = start_char, start_char
            yield token


def CharGramAnalyzer() -> CharGramTokenizer:
    """The analyzer of the gram fields (folding and lower-casing happen in the tokenizer)."""
    return CharGramTokenizer()
